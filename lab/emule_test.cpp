#include "lab/amule.hpp"
#include "lab/emule.hpp"
#include "lab/score.hpp"
#include "lab/truth.hpp"
#include "tests/testlib/ed2k_bytes.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace p2pscope::lab {
namespace {

using json = nlohmann::json;

LabPlan emule_plan() { return make_plan(parse_scenario(builtin_scenario("emule-small").value()).value()); }

class EmuleTruth : public ::testing::Test {
 protected:
  EmuleTruth() : plan_(emule_plan()), truth_(ground_truth({plan_, torrents_, ann_, "p", "m", scripted_files(plan_)})) {
    for (const auto& row : truth_["addresses"])
      rows_[row["ip"].get<std::string>() + ":" + std::to_string(row.value("port", 0))] = row;
  }
  const json* row(const Endpoint& ep) const {
    auto it = rows_.find(ep.address.to_string() + ":" + std::to_string(ep.port));
    return it == rows_.end() ? nullptr : &it->second;
  }
  // The (actor, route) pairs that introduce ep.
  std::set<std::pair<std::string, std::string>> introducers(const Endpoint& ep) const {
    std::set<std::pair<std::string, std::string>> out;
    if (const auto* r = row(ep))
      for (const auto& e : r->value("introduced_by", json::array()))
        out.emplace(e["actor"].get<std::string>(), e["route"].get<std::string>());
    return out;
  }
  LabPlan plan_;
  std::vector<LabTorrent> torrents_;
  std::vector<Announcement> ann_;
  json truth_;
  std::map<std::string, json> rows_;
};

TEST(EmulePlan, EveryEmulePartyHasItsOwnAddressAndTheFarmSharesOneSlash24) {
  auto plan = emule_plan();
  std::set<IpAddress> seen;
  std::set<std::uint32_t> farm_nets;
  for (const auto& p : plan.parties) {
    if (!emule_role(p.role)) continue;
    EXPECT_TRUE(seen.insert(p.endpoint.address).second) << p.name;
    if (p.farm >= 0) farm_nets.insert(p.endpoint.address.v4_value() & ~0xffu);
  }
  EXPECT_EQ(farm_nets.size(), 1u);
  EXPECT_EQ(plan.with_role(Role::kad_node).size(), 200u);
  EXPECT_EQ(plan.with_role(Role::emule_byte_order).size(), 3u);
}

TEST(EmulePlan, Amule21StoresAnEmuleV4AnswerReversedAndAnAmuleV3AnswerRight) {
  auto a = IpAddress::v4(0x2D42CD3A);
  ed2k::SourcesAnswer v4{4, {}, {ed2k::SxEntry{ed2k::hybrid_id(a), 4662, 0, 0, ed2k::Md4{}, 1}}};
  EXPECT_EQ(amule21_store(v4, 4).front().address, reverse_v4(a));  // eMule 0.50a advertises SX1 4
  EXPECT_EQ(amule21_store(v4, 3).front().address, a);              // aMule advertises 3
  ed2k::SourcesAnswer v2{2, {}, {ed2k::SxEntry{ed2k::ed2k_id(a), 4662, 0, 0, ed2k::Md4{}, 0}}};
  EXPECT_EQ(amule21_store(v2, 4).front().address, a);
}

TEST(EmulePlan, EachReleaseReadsSourceExchangeIdsByItsOwnRule) {
  using ed2k::IdForm;
  for (int v : {2, 3, 4}) {
    auto sx1 = static_cast<std::uint8_t>(v);
    EXPECT_EQ(stored_form(2, sx1, std::nullopt), IdForm::ed2k);
    EXPECT_EQ(stored_form(4, sx1, std::nullopt), IdForm::hybrid) << "2.3.3 goes by the version alone";
    EXPECT_EQ(stored_form(3, sx1, EmuleDefect::hybrid_in_v2), IdForm::ed2k) << "<= 2.0.0-rc7 never swaps";
  }
  for (auto d : {EmuleDefect::ed2k_in_v3, EmuleDefect::v4_stored_raw}) {
    EXPECT_EQ(stored_form(3, 3, d), IdForm::hybrid);
    EXPECT_EQ(stored_form(4, 4, d), IdForm::ed2k) << "an eMule 0.48a+ sender advertises 4, not 3";
    EXPECT_EQ(stored_form(2, 3, d), IdForm::ed2k);
  }
}

TEST(EmulePlan, EachDefectActorAdvertisesTheVersionsOfItsAmule) {
  auto plan = emule_plan();
  std::map<int, SxPeerConfig> by_defect;
  for (const auto* p : plan.with_role(Role::emule_byte_order)) by_defect[p->variant] = sx_peer_config(plan, *p);
  ASSERT_EQ(by_defect.size(), 3u);
  EXPECT_EQ(by_defect[0].encoding, SxEncoding::ed2k_everywhere);
  EXPECT_EQ(by_defect[1].encoding, SxEncoding::hybrid_everywhere);
  EXPECT_EQ(by_defect[1].sx1, 2);
  EXPECT_EQ(by_defect[2].encoding, SxEncoding::correct);  // it stored them wrong; it sends them right
  for (const auto& [d, cfg] : by_defect) EXPECT_FALSE(cfg.sx2) << d;
}

TEST(EmulePlan, AmuleConfigurationDialsNothingOutsideTheLab) {
  auto plan = emule_plan();
  const auto* seeder = plan.find("amule-seed-0");
  ASSERT_NE(seeder, nullptr);
  auto conf = amule_conf(*seeder, "/x", 4712, AmuleKad::off);
  EXPECT_NE(amule_conf(*seeder, "/x", 4712, AmuleKad::on).find("ConnectToKad=1\n"), std::string::npos);
  for (const char* line : {"NewVersionCheck=0", "ConnectToKad=0", "Ed2kServersUrl=\n", "KadNodesUrl=\n", "UPnPEnabled=0",
                           "IPFilterAutoLoad=0", "Serverlist=0", "AddServerListFromServer=0", "ECAddress=127.0.0.1"})
    EXPECT_NE(conf.find(line), std::string::npos) << line;
  EXPECT_NE(conf.find("Address=" + seeder->endpoint.address.to_string() + "\n"), std::string::npos);
}

TEST(EmulePlan, TheRealFileHasKadNodesWithinToleranceToPublishTo) {
  auto plan = emule_plan();
  ed2k::Md4 real = test::md4(42);
  auto near = [&](const std::vector<KadNode>& nodes) {
    return std::count_if(nodes.begin(), nodes.end(), [&](const KadNode& n) {
      return kad::distance_prefix(n.id, kad::KadId::of(real)) <= kad::kSearchTolerance;
    });
  };
  EXPECT_GE(near(kad_nodes(plan, real)), static_cast<std::ptrdiff_t>(kNearRealFile));
  EXPECT_LT(near(kad_nodes(plan)), static_cast<std::ptrdiff_t>(kNearRealFile)) << "placed, not by chance";
  for (const auto& c : lab_nodes_dat(plan, real).contacts) EXPECT_EQ(c.version, kLabKadVersion);
}

TEST_F(EmuleTruth, EveryBogusEmuleAddressNamesItsActorAndRoute) {
  std::size_t bogus = 0;
  for (const auto& row : truth_["addresses"]) {
    if (row.value("network", "") != "emule" || !row.value("bogus", false)) continue;
    ++bogus;
    EXPECT_FALSE(row.value("introduced_by", json::array()).empty()) << row.dump();
  }
  // The reversals of the honest scripted peers (the defect actors garble the
  // same peers, so they share rows), the farm and its fakes.
  EXPECT_EQ(bogus, honest_sources(plan_, plan_.parties.front()).size() + emule_farm(plan_).size() +
                       emule_fakes(plan_).size());
  ASSERT_EQ(truth_["ed2k_files"].size(), 3u);
}

TEST_F(EmuleTruth, DefectActorsIntroduceTheReversalsOfWhatTheyKnow) {
  const auto* teacher = emule_teacher(plan_);
  ASSERT_NE(teacher, nullptr);
  for (const auto* b : plan_.with_role(Role::emule_byte_order)) {
    bool relay = static_cast<EmuleDefect>(b->variant) == EmuleDefect::v4_stored_raw;
    for (const auto& ep : honest_sources(plan_, relay ? *teacher : *b)) {
      Endpoint rev{reverse_v4(ep.address), ep.port};
      ASSERT_NE(row(rev), nullptr) << b->name << " " << rev.to_string();
      EXPECT_TRUE(introducers(rev).count({b->name, "sx"})) << b->name << " " << rev.to_string();
    }
  }
}

TEST_F(EmuleTruth, ThePoisonedServerInjectsTheFarmAndItsFakes) {
  const Party* poisoned = nullptr;
  for (const auto* s : plan_.with_role(Role::ed2k_server))
    if (s->variant == 1) poisoned = s;
  ASSERT_NE(poisoned, nullptr);
  for (const auto& ep : emule_fakes(plan_)) EXPECT_TRUE(introducers(ep).count({poisoned->name, "ed2k-server-reply"}));
  for (const auto& ep : emule_farm(plan_)) EXPECT_TRUE(introducers(ep).count({poisoned->name, "ed2k-server-reply"}));
}

EmuleObservation seen(const Endpoint& peer, Via via, const Endpoint& source, const ed2k::Md4& file) {
  EmuleObservation o;
  o.file = file;
  o.via = via;
  o.source = source;
  o.raw_id = via == Via::kad || via == Via::sx ? ed2k::hybrid_id(peer.address) : ed2k::ed2k_id(peer.address);
  o.id_form = via == Via::kad || via == Via::sx ? ed2k::IdForm::hybrid : ed2k::IdForm::ed2k;
  o.peer_port = peer.port;
  if (via == Via::sx) o.sx_version = 4;
  return o;
}

TEST_F(EmuleTruth, ScoringConfirmsTrueAttributionsAndRejectsFalseOnes) {
  auto file = scripted_files(plan_).front().link.hash;
  const auto* honest = plan_.find("emule-0");
  const auto* other = plan_.find("emule-1");
  const auto* defect = plan_.find("emule-byte-order-0");
  Endpoint reversed{reverse_v4(other->endpoint.address), other->endpoint.port};
  std::vector<EmuleObservation> obs = {
      seen(other->endpoint, Via::sx, honest->endpoint, file),  // honest from an honest peer
      seen(reversed, Via::sx, defect->endpoint, file),         // the defect's reversal, from it
  };
  auto s = score_emule_crawl(truth_, obs);
  EXPECT_EQ(s.confirmed, 2u) << (s.unconfirmed.empty() ? "" : s.unconfirmed.front());
  EXPECT_TRUE(std::count(s.actors_seen.begin(), s.actors_seen.end(), defect->name));
  obs = {seen(reversed, Via::sx, honest->endpoint, file)};  // an honest peer never says it
  EXPECT_EQ(score_emule_crawl(truth_, obs).confirmed, 0u);
  auto low = seen(other->endpoint, Via::ed2k_server, plan_.with_role(Role::ed2k_server).front()->endpoint, file);
  low.raw_id = lab_low_ids(plan_).front();
  EXPECT_EQ(score_emule_crawl(truth_, {low}).confirmed, 1u);
  low.raw_id = 77;  // no lab server lists it
  EXPECT_EQ(score_emule_crawl(truth_, {low}).confirmed, 0u);
}

}  // namespace
}  // namespace p2pscope::lab
