// Harness reports and blocklist exports into a real PostgreSQL server (see
// pg_test.cpp). The reports are made by the harness's own report code, so a
// change to its JSON shows up here.
#include "store/pg_reports.hpp"
#include "core/ed2k.hpp"
#include "taint-harness/report.hpp"
#include "tests/testlib/pg_fixture.hpp"

namespace p2pscope::pg {
namespace {

using harness::FedKind;
using harness::Route;

// A finished run whose client passed one fed peer on and one with its
// address bytes reversed.
struct PgReports : PgFixture {
  harness::RunResult run;
  Endpoint passed_on, reversed_from;

  nlohmann::json report(const std::string& session = "harness-test") {
    run.client = "reference";
    run.version = "1.0";
    run.plan = harness::make_plan({11, 3, 2, 6});
    for (const auto& f : run.plan.fed) {
      if (f.hub || f.kind != FedKind::bittorrent) continue;
      (passed_on.port ? reversed_from : passed_on) = f.endpoint;
    }
    harness::PexSeen p;
    p.to = run.plan.hubs().front().endpoint;
    p.added.push_back({passed_on, PexFlags{}});
    p.added.push_back({{reverse_v4(reversed_from.address), reversed_from.port}, PexFlags{}});
    run.capture.pex.push_back(p);
    // It names one of our DHT nodes in a get_peers answer: route dht_node.
    run.capture.dht.push_back({2, run.plan.dht_nodes().front(), {}, {run.plan.dht_nodes().back()}});
    auto j = harness::to_json(harness::make_report(run));
    j["session"] = session;
    j["started"] = 1790000000.5;
    return j;
  }
};

TEST_F(PgReports, HarnessRunIsStoredOnceWithItsFlows) {
  auto c = db();
  auto j = report();
  auto first = store_harness_report(*c, j);
  ASSERT_TRUE(test::is_ok(first));
  ASSERT_TRUE(first.value());
  EXPECT_FALSE(store_harness_report(*c, j).value()) << "the same (session, client) again adds nothing";
  EXPECT_EQ(count("SELECT count(*) FROM harness_run WHERE verdict = 'creates_bogus_peers' AND bogus = 1 "
                  "AND byte_order = 1 AND started = to_timestamp(1790000000.5)"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM harness_flow WHERE direction = 'in'"),
            static_cast<std::int64_t>(run.plan.fed.size()));
  EXPECT_EQ(count("SELECT count(*) FROM harness_flow WHERE direction = 'out' AND NOT created AND peer_ip = '" +
                  passed_on.address.to_string() + "'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM harness_flow WHERE direction = 'out' AND route = 'dht_node' AND NOT created"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM harness_flow WHERE created AND byte_order = 'address_reversed' "
                  "AND original_ip = '" + reversed_from.address.to_string() + "' AND original_port = " +
                  std::to_string(reversed_from.port)),
            1);
}

// An eMule run (harness --client amule): its flows are on the server and
// source exchange routes, and it has no infohash.
TEST_F(PgReports, AnEmuleRunIsStoredWithItsServerAndSxFlows) {
  auto c = db();
  harness::RunResult emule;
  emule.client = "amule";
  emule.plan = harness::make_emule_plan({5});
  emule.ed2k_link = "ed2k://|file|x.bin|34048000|2227E7D1627B091522E48CFFFC1DACE1|/";
  const auto hub_peer = emule.plan.fed_by(Route::sx).front().endpoint;
  emule.capture.sx.push_back({45, emule.plan.askers.front(), 3, "answered", 3,
                              {hub_peer, {reverse_v4(hub_peer.address), hub_peer.port}}, 0, "aMule 2.3.3", std::nullopt});
  emule.capture.offers.push_back({60, ed2k::ed2k_id(emule.plan.client.address), emule.plan.client.port, 0xFBFBFBFBu, 0xFBFB});
  auto j = harness::to_json(harness::make_report(emule));
  j["session"] = "emule-test";
  ASSERT_TRUE(test::is_ok(store_harness_report(*c, j)));
  EXPECT_EQ(count("SELECT count(*) FROM harness_run WHERE client = 'amule' AND info_hash IS NULL AND byte_order = 1"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM harness_flow WHERE direction = 'out' AND route = 'server' AND peer_ip = '" +
                  emule.plan.client.address.to_string() + "'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM harness_flow WHERE route = 'sx' AND created AND original_ip = '" +
                  hub_peer.address.to_string() + "'"),
            1);
}

TEST_F(PgReports, ReportWithoutSessionIsRefusedWithNothingStored) {
  auto c = db();
  auto j = report();
  j.erase("session");
  auto r = store_harness_report(*c, j);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Failure::query);
  EXPECT_NE(r.error().message().find("session"), std::string::npos) << r.error();
  EXPECT_EQ(count("SELECT count(*) FROM harness_run"), 0);
}

TEST_F(PgReports, BadAddressInAReportStoresNoHalfRun) {
  auto c = db();
  auto j = report();
  j["diff"]["outgoing"].push_back({{"route", "pex"}, {"peer", "not-an-address"}});
  auto r = store_harness_report(*c, j);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("not-an-address"), std::string::npos) << r.error();
  EXPECT_EQ(count("SELECT count(*) FROM harness_run") + count("SELECT count(*) FROM harness_flow"), 0);
}

TEST_F(PgReports, BlocklistExportKeepsItsRanges) {
  auto c = db();
  BlocklistExportRow e{"p2p", "p2pscope", {"anti_p2p", "byte_order"}, 0.5, "run-1", 7, 2, 0, "/tmp/x.p2p", "ab", {}};
  e.ranges.push_back({IpAddress::parse("10.0.0.0").value(), IpAddress::parse("10.0.0.255").value(), "p2pscope anti_p2p"});
  e.ranges.push_back({IpAddress::parse("2001:db8::1").value(), IpAddress::parse("2001:db8::1").value(), "p2pscope byte_order"});
  auto first = store_blocklist_export(*c, e);
  ASSERT_TRUE(test::is_ok(first));
  auto second = store_blocklist_export(*c, e);
  ASSERT_TRUE(test::is_ok(second));
  EXPECT_NE(first.value(), second.value()) << "each export is its own row";
  EXPECT_EQ(count("SELECT count(*) FROM blocklist_export WHERE classes = '{anti_p2p,byte_order}' AND from_run = 'run-1'"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM blocklist_entry WHERE export = " + std::to_string(first.value()) +
                  " AND '10.0.0.77'::inet BETWEEN first_ip AND last_ip"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM blocklist_entry WHERE family(first_ip) = 6"), 2);
}

}  // namespace
}  // namespace p2pscope::pg
