#include "lab/truth.hpp"

#include "core/special_ranges.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace p2pscope::lab {
namespace {

using json = nlohmann::json;

class LabTruth : public ::testing::Test {
 protected:
  LabTruth()
      : plan_(make_plan(parse_scenario(builtin_scenario("small").value()).value())),
        ann_(lab_announcements(plan_)),
        truth_(ground_truth({plan_, torrents_, ann_, "lab.pfx2as", "lab-asn.mmdb"})) {
    for (const auto& row : truth_["addresses"]) {
      std::string key = row["ip"].get<std::string>() + ":" + std::to_string(row.value("port", 0));
      rows_[key] = row;
    }
  }
  const json& row(const Endpoint& ep) { return rows_.at(ep.address.to_string() + ":" + std::to_string(ep.port)); }

  LabPlan plan_;
  std::vector<LabTorrent> torrents_;
  std::vector<Announcement> ann_;
  json truth_;
  std::map<std::string, json> rows_;
};

TEST_F(LabTruth, UnroutableEntriesAreOutsideEveryAnnouncedPrefix) {
  ASSERT_FALSE(plan_.with_role(Role::bogus_unroutable).empty());
  ASSERT_FALSE(plan_.with_role(Role::seed).empty());
  for (const auto* p : plan_.with_role(Role::bogus_unroutable)) {
    EXPECT_FALSE(announced(ann_, p->endpoint.address)) << p->endpoint.to_string();
    EXPECT_FALSE(row(p->endpoint)["announced"].get<bool>());
  }
  for (const auto* p : plan_.with_role(Role::seed)) EXPECT_TRUE(row(p->endpoint)["announced"].get<bool>());
  auto farm = row(plan_.with_role(Role::anti_p2p).front()->endpoint);
  auto fake = row(plan_.with_role(Role::anti_p2p_fake).front()->endpoint);
  EXPECT_EQ(farm["asn"], fake["asn"]) << "farms and their fakes sit in one hosting AS";
}

TEST_F(LabTruth, EveryBogusAddressNamesTheActorAndRouteThatIntroducedIt) {
  int bogus = 0;
  for (const auto& [key, r] : rows_) {
    if (!r["bogus"].get<bool>()) continue;
    ++bogus;
    ASSERT_TRUE(r.contains("introduced_by")) << key;
    EXPECT_GE(r["introduced_by"].size(), 1u) << key << ": a bogus address nobody introduced";
    for (const auto& by : r["introduced_by"]) {
      EXPECT_TRUE(by.contains("actor") && by.contains("route")) << key;
    }
  }
  EXPECT_GT(bogus, 100);
  auto injected = row(plan_.with_role(Role::bogus_dead).front()->endpoint)["introduced_by"];
  EXPECT_NE(std::find(injected.begin(), injected.end(), json{{"actor", "lab-tracker-0"}, {"route", "tracker-reply"}}),
            injected.end());
}

TEST_F(LabTruth, TheIpv6FarmsFakesArePlantedThroughBep7AndListedByEveryMember) {
  int fakes = 0;
  for (const auto* f : plan_.with_role(Role::anti_p2p_fake)) {
    if (!f->endpoint.address.is_v6()) continue;
    ++fakes;
    const auto& r = row(f->endpoint);
    EXPECT_EQ(r["role"], "anti_p2p_fake");
    EXPECT_EQ(r["asn"], row(plan_.find("anti-p2p6-0")->endpoint)["asn"]) << "one hosting AS";
    const auto& by = r["introduced_by"];
    EXPECT_NE(std::find(by.begin(), by.end(),
                        json{{"actor", "anti-p2p6-0"}, {"route", "tracker-announce-ipv6"}, {"via", "lab-tracker-0"}}),
              by.end()) << r;
    for (const auto* m : {"anti-p2p6-0", "anti-p2p6-1"})
      EXPECT_NE(std::find(by.begin(), by.end(), json{{"actor", m}, {"route", "pex"}}), by.end()) << m << " " << r;
  }
  EXPECT_EQ(fakes, plan_.scenario.anti_p2p_v6_fakes);
  EXPECT_GT(fakes, 5) << "more than farm_min in one /64: the diagnosis sees a farm";
}

TEST_F(LabTruth, AFakeValuesNodesValuesAreBogusPeersButHonestDhtNodes) {
  const auto* fake = plan_.with_role(Role::dht_fake_values).at(0);
  auto values = fake_values_of(plan_, *fake);
  ASSERT_FALSE(values.empty());
  for (const auto& v : values) {
    auto r = row(v);
    EXPECT_EQ(r["role"], "dht_node") << "as a DHT node it is honest";
    EXPECT_TRUE(r["bogus"].get<bool>()) << "as a peer nothing is there";
    EXPECT_EQ(r["introduced_by"], (json::array({{{"actor", fake->name}, {"route", "dht-values"}}})));
  }
  for (const auto* p : plan_.with_role(Role::dht_sybil)) {
    EXPECT_EQ(row(p->endpoint)["role"], "dht_sybil");
    EXPECT_FALSE(row(p->endpoint)["bogus"].get<bool>()) << "not handed out as a peer";
  }
  const auto* phantom = plan_.with_role(Role::dht_phantom).at(0);
  for (const auto& n : phantom_neighbours_of(plan_, *phantom))
    EXPECT_EQ(row(n)["introduced_by"], (json::array({{{"actor", phantom->name}, {"route", "dht-nodes"}}})));
}

TEST_F(LabTruth, ByteOrderReversalsLandOnLivePeersAndOnUnroutableSpace) {
  int on_live = 0, unroutable = 0;
  for (const auto& [key, r] : rows_) {
    if (!r.contains("introduced_by")) continue;
    for (const auto& by : r["introduced_by"]) {
      if (!by.contains("reverse_of")) continue;
      auto text = by["reverse_of"].get<std::string>();
      auto of = Endpoint::parse(text);
      auto of_ip = of ? of.value().address : IpAddress::parse(text).value();  // a client: any port
      if (of_ip.is_v4()) {
        EXPECT_EQ(reverse_v4(of_ip).to_string(), r["ip"]);
      } else {
        auto how = by["reversal"] == "whole" ? V6Reversal::whole : V6Reversal::words;
        EXPECT_EQ(reversed(how, of_ip).to_string(), r["ip"]) << by["reversal"];
      }
      if (!r["bogus"].get<bool>()) ++on_live;
      if (!r["announced"].get<bool>()) ++unroutable;
    }
  }
  EXPECT_GE(on_live, 8) << "4 mirrored pairs, reversed both ways";
  EXPECT_GT(unroutable, 100);
}

TEST_F(LabTruth, Ipv6ByteOrderActorsReverseIpv6AddressesBothWays) {
  std::map<std::string, int> by_kind;
  for (const auto* b : plan_.with_role(Role::byte_order)) {
    if (!b->endpoint.address.is_v6()) continue;
    auto actor = row(b->endpoint);
    EXPECT_TRUE(actor["announced"].get<bool>()) << b->name;
    EXPECT_EQ(actor["reversal"], to_string(static_cast<V6Reversal>(b->variant)));
  }
  for (const auto& [key, r] : rows_) {
    if (!r.contains("introduced_by") || IpAddress::parse(r["ip"].get<std::string>()).value().is_v4()) continue;
    int reversals = 0;  // the IPv6 farm's fakes are introduced too, and are no reversal
    for (const auto& by : r["introduced_by"]) {
      if (by.contains("reversal")) ++by_kind[by["reversal"].get<std::string>()], ++reversals;
    }
    if (reversals == 0) continue;
    EXPECT_EQ(r["role"], "byte_order_reversed") << key;
    EXPECT_FALSE(r["announced"].get<bool>()) << key << ": a reversal inside an announced /48";
  }
  int v6_peers = plan_.scenario.lite_peers_v6 + plan_.scenario.byte_order_v6_peers;
  EXPECT_GE(by_kind["whole"], v6_peers - 1) << "every IPv6 peer but the actor itself, reversed";
  EXPECT_GE(by_kind["words"], v6_peers - 1);
}

TEST(LabTruthNeighbourhood, AByteOrderActorIntroducesTheReversalsOfWhatItKnowsAndOfTheClients) {
  auto s = parse_scenario(builtin_scenario("small").value()).value();
  s.byte_order_neighbours = 20;
  auto plan = make_plan(s);
  auto truth = ground_truth({plan, {}, lab_announcements(plan), "lab.pfx2as", "lab-asn.mmdb"});
  const auto* actor = plan.find("byte-order-0");
  std::set<std::string> want, got;
  for (const auto& ep : byte_order_known(plan, *actor)) want.insert(reverse_v4(ep.address).to_string());
  for (const auto& ip : plan.client_addresses()) want.insert(reverse_v4(ip).to_string());
  for (const auto& r : truth["addresses"])
    for (const auto& by : r.value("introduced_by", json::array()))
      if (by["actor"] == actor->name) got.insert(r["ip"].get<std::string>());
  EXPECT_EQ(got, want);
  EXPECT_GE(got.size(), 20 + plan.client_addresses().size());
}

TEST_F(LabTruth, DualStackPartiesHaveARowPerAddress) {
  for (const auto* t : plan_.with_role(Role::tracker)) {
    if (t->impl != Impl::lab_actor) continue;
    ASSERT_TRUE(t->v6) << t->name;
    auto six = row({*t->v6, t->endpoint.port});
    EXPECT_EQ(six["name"], t->name);
    EXPECT_EQ(six["role"], "tracker");
    EXPECT_TRUE(six["announced"].get<bool>());
  }
  int libtorrent6 = 0;
  for (const auto* p : plan_.with_role(Role::leecher)) {
    if (p->endpoint.address.is_v6()) EXPECT_TRUE(row(p->endpoint)["announced"].get<bool>()) << p->name;
    if (p->impl == Impl::libtorrent && p->endpoint.address.is_v6()) {
      ++libtorrent6;
      EXPECT_EQ(row(p->endpoint)["implementation"], "libtorrent");
      EXPECT_FALSE(row(p->endpoint).contains("dual_stack")) << p->name << ": IPv6 only";
    }
  }
  EXPECT_EQ(libtorrent6, plan_.scenario.libtorrent_v6_leechers);
  EXPECT_GT(libtorrent6, 0);
  const auto* client = plan_.with_role(Role::client).front();
  EXPECT_TRUE(row({*client->v6, client->endpoint.port})["dual_stack"].get<bool>());
}

TEST_F(LabTruth, WritesCaidaPfx2asLines) {
  auto text = format_pfx2as(ann_);
  auto first = text.substr(0, text.find('\n'));
  EXPECT_EQ(first, ann_[0].network.to_string() + "\t24\t" + std::to_string(ann_[0].asn));
  EXPECT_EQ(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')), ann_.size());
}

}  // namespace
}  // namespace p2pscope::lab
