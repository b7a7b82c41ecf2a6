// Acceptance of the crawler (issue #4): `p2pscope crawl --quick`, run inside
// the `small` lab as a user runs it, scored against the lab's ground truth.
#include "crawler/crawl.hpp"
#include "crawler/lab_crawl_fixture.hpp"
#include "lab/score.hpp"
#include "lab/state.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>

#include <sys/wait.h>

namespace p2pscope {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testlib::join;

class CrawlLab : public testlib::LabCrawlTest {
 protected:
  std::vector<Observation> observations(const fs::path& file) { return records_of<Observation>(file); }
  std::optional<lab::LabUp> up_small() { return up("small"); }

  // `crawl --quick` of the lab's first torrent from the lab's first client
  // address, records and summary into out_dir().
  std::string quick_crawl_args(const lab::LabUp& up) const {
    const auto& plan = up.plan;
    std::string bind;
    for (const auto& f : plan.client_bind_flags(0)) bind += f + " ";
    return "--quick --sample-infohashes " + bind + "--bootstrap " +
           plan.with_role(lab::Role::dht_node).front()->endpoint.to_string() + " -o " + records().string() +
           " --summary " + summary().string() + " " + up.torrents.front().torrent_file.string();
  }
};

TEST_F(CrawlLab, QuickCrawlFindsEveryHandedOutPeerWithConfirmedSources) {
  auto up = up_small();
  ASSERT_TRUE(up);
  auto records = this->records();
  auto summary = this->summary();
  std::string args = quick_crawl_args(*up);
  ASSERT_EQ(crawl_inside(*up, args), 0) << std::ifstream(out_dir() / "stderr.txt").rdbuf();

  auto truth = json::parse(std::ifstream(up->ground_truth));
  auto score = lab::score_crawl(truth, observations(records));
  EXPECT_GE(score.recall(), 0.99) << score.found << " of " << score.expected << "; missed:" << join(score.missed);
  EXPECT_EQ(score.confirmed, score.observations) << "unconfirmed:" << join(score.unconfirmed);
  EXPECT_TRUE(score.actors_missing.empty()) << "never seen as sources:" << join(score.actors_missing);
  EXPECT_GT(score.observations, 1000u);
  // The uTP-only libtorrent leechers (issue 26) are heard through PEX: a uTP session.
  EXPECT_GT(score.utp_only, 0u);
  EXPECT_EQ(score.utp_only_heard, score.utp_only);
  // The IPv6-only lite peers and byte-order actors too: found through the
  // dual-stack trackers and heard through PEX over IPv6.
  EXPECT_GT(score.ipv6_only, 0u);
  EXPECT_EQ(score.ipv6_only_heard, score.ipv6_only);
  EXPECT_EQ(score.ipv6_found, score.ipv6_expected);
  // The IPv6 DHT (BEP 32): the IPv6 lite peers and the IPv6 libtorrent
  // leechers announced there, and the lookup reached the IPv6 nodes holding
  // them through nodes6.
  std::set<Endpoint> from_dht6;
  for (const auto& o : observations(records)) {
    if (o.via == Via::dht && o.source_endpoint && o.source_endpoint->address.is_v6()) from_dht6.insert(o.peer);
  }
  const auto& sc = up->plan.scenario;
  EXPECT_EQ(from_dht6.size(), static_cast<std::size_t>(sc.lite_peers_v6 + sc.libtorrent_v6_leechers))
      << "every IPv6 lite peer and libtorrent leecher, handed out by an IPv6 DHT node";
  // Every kind of actor is among the sources seen.
  for (std::string kind : {"byte-order-", "anti-p2p-", "anti-p2p6-", "propagator-", "lab-tracker-"}) {
    EXPECT_TRUE(std::any_of(score.actors_seen.begin(), score.actors_seen.end(),
                            [&](const std::string& a) { return a.starts_with(kind); }))
        << kind << " not seen; seen:" << join(score.actors_seen, 100);
  }
  auto s = json::parse(std::ifstream(summary));
  // The crawler's own tally counts at least every lab peer the scorer found.
  EXPECT_GE(s["unique_peers"].get<std::size_t>(), score.found);
  EXPECT_EQ(s["observations"].get<std::size_t>(), score.observations) << "the summary disagrees with the records";
  EXPECT_GE(s["pex_carriers"].value("utp", 0), score.utp_only) << s["pex_carriers"].dump();
  // Issue 26: every bogus DHT node is recorded (a dht_node record), so that
  // the probes can judge it, and the fake-values node's values are seen as
  // coming from it.
  auto nodes = records_of<DhtNodeSeen>(records);
  EXPECT_EQ(s["dht_nodes_seen"].get<std::size_t>(), nodes.size());
  std::set<Endpoint> met;
  for (const auto& n : nodes) met.insert(n.node);
  for (const auto& p : up->plan.parties)
    if (lab::bogus_dht_role(p.role)) EXPECT_TRUE(met.count(p.endpoint)) << p.name << " never recorded";
  const auto* fake = up->plan.with_role(lab::Role::dht_fake_values).at(0);
  auto obs = observations(records);
  EXPECT_TRUE(std::any_of(obs.begin(), obs.end(), [&](const Observation& o) {
    return o.via == Via::dht && o.source_endpoint == fake->endpoint;
  })) << "no values seen from " << fake->name;
  // BEP 51: the walk toward the target met the nodes holding it, and they
  // offered the lab's swarms (nothing else is announced in the lab).
  auto samples = records_of<DhtSample>(records);
  ASSERT_FALSE(samples.empty()) << "no dht_sample records";
  EXPECT_EQ(s["dht_samples"].get<std::size_t>(), samples.size());
  std::set<InfoHash> lab_swarms, offered;
  for (const auto& t : up->torrents) lab_swarms.insert(t.info_hash);
  std::set<Endpoint> dht_parties;  // the responder's nodes, and the libtorrent sessions (real DHT nodes)
  for (const auto& p : up->plan.parties) {
    bool libtorrent_node = p.impl == lab::Impl::libtorrent && up->plan.scenario.libtorrent_dht;
    if (p.role == lab::Role::dht_node || lab::bogus_dht_role(p.role) || libtorrent_node) dht_parties.insert(p.endpoint);
  }
  for (const auto& d : samples) {
    EXPECT_EQ(d.target, up->torrents.front().info_hash);
    EXPECT_TRUE(lab_swarms.count(d.info_hash)) << d.info_hash.hex() << " is no lab swarm";
    EXPECT_TRUE(dht_parties.count(d.source)) << d.source.to_string() << " is no lab DHT node";
    offered.insert(d.info_hash);
  }
  EXPECT_TRUE(offered.count(up->torrents.front().info_hash)) << "the nodes nearest the target did not offer it";
  EXPECT_EQ(s["dht_sampled_infohashes"].get<std::size_t>(), offered.size());
  // Every third honest lab node predates BEP 51: the walk went through some.
  EXPECT_GT(s["dht_sample_without_bep51"].get<std::size_t>(), 0u);
  // Trackers list whoever announced, this crawl too: its own address and
  // port are counted, not recorded (probed, it would be judged unreachable).
  EXPECT_GT(s["own_endpoint_handed_out"].get<std::size_t>(), 0u);
  const auto clients = up->plan.client_addresses();
  for (const auto& o : obs)
    EXPECT_FALSE(o.peer.port == crawler::CrawlConfig().port && std::find(clients.begin(), clients.end(), o.peer.address) != clients.end())
        << "recorded itself: " << o.peer.to_string();
  // How fast it finishes is the benchmarks' business; that it honours its
  // own limit (the monitor checks once a second) is this test's.
  EXPECT_LE(s["elapsed_s"].get<int>(), crawler::CrawlConfig::quick().max_duration.count() + 2) << s["stop_reason"];
}


// Issue 23: Ctrl-C in the middle of a crawl ends it cleanly. The crawl is
// interrupted while PEX sessions are open (they are held for 65 s); it must
// exit within its grace period, write its summary, tell every lab tracker
// that heard its `started` that it stopped, and leave only whole records.
TEST_F(CrawlLab, InterruptedCrawlSaysStoppedToTrackersAndLeavesWholeRecords) {
  auto up = up_small();
  ASSERT_TRUE(up);
  const auto self = up->plan.client_addresses()[0];
  auto records = this->records();
  auto summary = this->summary();
  auto timing = out_dir() / "timing.txt";
  std::string crawl = std::string(P2PSCOPE_BINARY) + " crawl " + quick_crawl_args(*up) + " 2>" +
                      (out_dir() / "stderr.txt").string();
  // The shell notes when it sent SIGINT and when the crawl had exited.
  auto script = crawl + " & pid=$!; sleep 25; date +%s.%N >" + timing.string() + "; kill -INT $pid; wait $pid; rc=$?; " +
                "date +%s.%N >>" + timing.string() + "; exit $rc";
  auto rc = up->sandbox.run_function([&] {
    int st = std::system(("sh -c '" + script + "'").c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  });
  ASSERT_TRUE(rc);
  EXPECT_EQ(rc.value(), 0) << std::ifstream(out_dir() / "stderr.txt").rdbuf();

  double sent = 0, exited = 0;
  std::ifstream(timing) >> sent >> exited;
  EXPECT_LT(exited - sent, static_cast<double>(crawler::CrawlConfig{}.stop_grace.count()) + 3.0) << "the crawl took too long to stop";

  auto s = json::parse(std::ifstream(summary));
  EXPECT_EQ(s["stop_reason"], "interrupted");
  EXPECT_GT(s["pex_sessions"].value("stopped", 0), 0) << s["pex_sessions"].dump();
  EXPECT_GT(s["trackers_owed_stopped"].get<int>(), 0);
  EXPECT_EQ(s["trackers_told_stopped"], s["trackers_owed_stopped"]);

  // Every lab tracker that heard our `started` heard our `stopped`.
  std::map<std::string, std::map<std::string, int>> events;  // tracker, transport, infohash -> event -> count
  std::ifstream log(dir_ / lab::kTrackerEventsFile);
  for (std::string tracker, transport, event, from, ih; log >> tracker >> transport >> event >> from >> ih;) {
    if (from.rfind(self.to_string() + ":", 0) == 0) ++events[tracker + " " + transport + " " + ih][event];
  }
  ASSERT_FALSE(events.empty()) << "no lab tracker heard the crawler's started";
  for (const auto& [key, by_event] : events) {
    EXPECT_EQ(by_event.count("started") ? by_event.at("started") : 0, 1) << key;
    EXPECT_EQ(by_event.count("stopped") ? by_event.at("stopped") : 0, 1) << key;
  }

  // Whole records only: the file ends with a newline and every line parses.
  std::ifstream raw(records, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(raw)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back(), '\n');
  EXPECT_EQ(observations(records).size(), s["observations"].get<std::size_t>());
}

}  // namespace
}  // namespace p2pscope
