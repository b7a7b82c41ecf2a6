#include "report/report.hpp"
#include "report/report_fixture.hpp"

#include "taint-harness/report.hpp"

#include <gtest/gtest.h>

namespace p2pscope::report {
namespace {

using testing::has;
using testing::ep;

// Client runs as p2pscope harness writes them (harness::to_json), drawn alone.
class ReportHarness : public ::testing::Test {
 protected:
  harness::ClientReport& run(const char* client) {
    auto& r = runs_.emplace_back();
    r.run.client = client;
    r.run.version = "v1.0-test";
    r.verdict = harness::ClientVerdict::clean;
    return r;
  }
  std::string page() {
    records_.clear();
    for (const auto& r : runs_) records_.push_back(harness::to_json(r));
    return draw(records_);
  }
  std::string draw(std::span<const nlohmann::json> runs) { return testing::draw_alone("harness", {}, runs); }
  std::vector<harness::ClientReport> runs_;
  std::vector<nlohmann::json> records_;
};

TEST_F(ReportHarness, TableVHasARowPerRouteWithTheUnroutableOutgoingCounted) {
  auto& r = run("buggy");
  r.verdict = harness::ClientVerdict::creates_bogus;
  r.diff.routes = {{harness::Route::pex, 12, 5, 2, 1, 2}, {harness::Route::dht, 4, 0, 0, 0, 0}};
  r.diff.all = {harness::Route::pex, 19, 5, 2, 1, 2};
  r.diff.outgoing = {{harness::Route::pex, ep("20.0.0.1:6881")}, {harness::Route::pex, ep("1.0.0.20:6881")},
                     {harness::Route::pex, ep("10.0.0.1:6881")}, {harness::Route::pex, ep("10.0.0.2:6881")},
                     {harness::Route::pex, ep("20.0.0.2:6881")}};
  r.diff.created = {{harness::Route::pex, ep("1.0.0.20:6881"), false, ep("20.0.0.1:6881"), harness::ByteOrder::address_reversed},
                    {harness::Route::pex, ep("10.0.0.2:6881"), true, std::nullopt, std::nullopt}};
  auto html = page();
  EXPECT_TRUE(has(html, "<tr><td>buggy</td><td>pex</td><td class=\"n\">12</td><td class=\"n\">5</td><td class=\"n\">2</td>"
                        "<td class=\"n\">2</td><td class=\"n\">1</td></tr>"))
      << html;
  EXPECT_TRUE(has(html, "<tr><td>buggy</td><td>dht</td><td class=\"n\">4</td>"));
  EXPECT_TRUE(has(html, "<tr><td>buggy</td><td>all routes</td><td class=\"n\">19</td>"));
  EXPECT_TRUE(has(html, ">20.0.0.1:6881</td><td>1.0.0.20:6881</td><td>address_reversed</td>"));
  EXPECT_TRUE(has(html, ">creates_bogus_peers</span>"));
  EXPECT_TRUE(has(html, "class=\"farm\"")) << "a client that created peers is outlined";
}

TEST_F(ReportHarness, AReportWrittenBeforeTheUnroutableColumnGetsItCountedFromTheOutgoingList) {
  auto& r = run("older");
  r.diff.routes = {{harness::Route::pex, 3, 2, 0, 0, 0}};
  r.diff.outgoing = {{harness::Route::pex, ep("10.0.0.1:6881")}, {harness::Route::pex, ep("20.0.0.1:6881")}};
  records_.assign(1, harness::to_json(r));
  auto& row = records_[0]["diff"]["routes"][0];
  row.erase("outgoing_unroutable");
  records_[0]["diff"].erase("all_routes");
  auto html = draw(records_);
  EXPECT_TRUE(has(html, "<tr><td>older</td><td>pex</td><td class=\"n\">3</td><td class=\"n\">2</td><td class=\"n\">1</td>"))
      << "10.0.0.1 is private";
  EXPECT_FALSE(has(html, "all routes</td>"));
}

TEST_F(ReportHarness, ThePolicyComesWithTheKindsOfFedPeerPassedOn) {
  auto& r = run("careless");
  r.diff.policy = harness::Policy::unchecked;
  r.diff.kinds = {{harness::FedKind::unreachable, 6, 0, 0, 6}, {harness::FedKind::bittorrent, 4, 4, 4, 4}};
  auto html = page();
  EXPECT_TRUE(has(html, "<tr><td>careless</td><td>unchecked</td><td>unreachable</td><td class=\"n\">6</td><td class=\"n\">0</td>"
                        "<td class=\"n\">0</td><td class=\"n\">6</td></tr>"));
  EXPECT_TRUE(has(html, "<td>careless</td><td>v1.0-test</td>"));
}

TEST_F(ReportHarness, ARunThatFailedIsListedWithItsError) {
  std::vector<nlohmann::json> runs{{{"client", "rtorrent"}, {"verdict", "error"}, {"error", "exited with status 1"}}};
  auto html = draw(runs);
  EXPECT_TRUE(has(html, "<h3>Runs that failed</h3>"));
  EXPECT_TRUE(has(html, "<td>rtorrent</td><td>exited with status 1</td>"));
}

TEST_F(ReportHarness, FieldsOfTheWrongTypeAreTakenAsAbsent) {
  std::vector<nlohmann::json> runs{
      nlohmann::json::parse(R"({"client":"odd","diff":{"routes":[{"route":1,"incoming":"x"},"row"],"outgoing":{},
                                "byte_order":[{"incoming":[]}],"policy_evidence":7,"bogus":"none"}})"),
      nlohmann::json(42)};
  std::string html;
  ASSERT_NO_THROW(html = draw(runs));
  EXPECT_TRUE(has(html, "<h2>Taint harness (1 client runs)</h2>"));
}

TEST_F(ReportHarness, NoRunsNoSection) { EXPECT_FALSE(has(page(), "<section id=\"harness\">")); }

}  // namespace
}  // namespace p2pscope::report
