#include "report/report.hpp"

#include "report/report_fixture.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace p2pscope::report {
namespace {

using testing::has;

class Report : public testing::SmallCrawl {
 protected:
  std::string page(ReportOptions opt = {}) {
    ReportInputs in;
    in.records = records();
    in.diagnosis = &diagnosis();
    in.routing = &routing_;
    in.cluster = cluster_;
    return render_report(in, opt);
  }
  probes::ClusterConfig cluster_;
};

TEST_F(Report, IsOnePageThatLoadsNothing) {
  auto html = page();
  EXPECT_TRUE(has(html, "Content-Security-Policy\" content=\"default-src 'none'"));
  for (const char* request : {"<script", "<link", "<img", "src=", "url(", "@import", "http://", "https://"})
    EXPECT_FALSE(has(html, request)) << request;
}

TEST_F(Report, TheSummaryCountsEachVerdictOfTheDiagnosis) {
  auto html = page({.only = "summary"});
  std::map<VerdictKind, int> counts;
  for (const auto& v : diagnosis().verdicts) ++counts[v.verdict];
  ASSERT_EQ(counts[VerdictKind::anti_p2p], 7) << "the farm: the peer and the six it named";
  for (const auto& [k, n] : counts)
    EXPECT_TRUE(has(html, ">" + std::string(to_string(k)) + "</span></td><td class=\"n\">" + std::to_string(n) + "<"))
        << to_string(k);
}

TEST_F(Report, EveryFlaggedPeerLinksToItsExplanation) {
  auto html = page();
  std::size_t flagged = 0;
  for (const auto& v : diagnosis().verdicts) {
    if (v.verdict == VerdictKind::normal) continue;
    ++flagged;
    EXPECT_TRUE(has(html, "href=\"#" + anchor_of(v.peer) + "\"")) << v.peer.to_string();
    EXPECT_TRUE(has(html, "<details id=\"" + anchor_of(v.peer) + "\">")) << v.peer.to_string();
  }
  EXPECT_GE(flagged, 8u);
  EXPECT_TRUE(has(html, "looks like: anti-P2P peer")) << "the anti-P2P peer's explanation is on the page";
}

TEST_F(Report, AnAnchorIsAValidIdForEitherFamily) {
  EXPECT_EQ(anchor_of(testing::ep("1.2.3.4:6881")), "peer-1-2-3-4-6881");
  EXPECT_TRUE(std::regex_match(anchor_of(testing::ep("[2001:db8::1]:6881")), std::regex("peer-[A-Za-z0-9-]+")));
}

TEST_F(Report, OnlyTheSectionAskedForIsDrawn) {
  auto html = page({.only = "breakdown"});
  EXPECT_TRUE(has(html, "<section id=\"breakdown\">"));
  for (const auto& id : section_ids())
    if (id != "breakdown") EXPECT_FALSE(has(html, "<section id=\"" + id + "\">")) << id;
}

TEST_F(Report, TheFig4TreeAddsUpToThePairsHandedOut) {
  auto html = page({.only = "breakdown"});
  const auto& b = diagnosis().breakdown;
  auto unroutable = b.unroutable_reverse_is_peer + b.unroutable_reverse_unroutable + b.unroutable_other;
  auto routable = b.routable_anti_p2p + b.routable_bittorrent + b.routable_byte_order + b.routable_open_port +
                  b.routable_no_answer + b.routable_unprobed;
  EXPECT_EQ(unroutable + routable, diagnosis().verdicts.size());
  EXPECT_TRUE(has(html, ">unroutable</text><text class=\"boxvalue\" x=\"260\" y=\"") || has(html, ">unroutable</text>"));
  EXPECT_TRUE(has(html, ">" + std::to_string(unroutable + routable) + " <tspan class=\"share\">(100.0%)"));
  EXPECT_TRUE(has(html, ">" + std::to_string(b.routable_anti_p2p) + " <tspan"));
}

TEST_F(Report, TheFarmsSubnetIsOutlinedOnlyWhenItIsBigEnough) {
  EXPECT_TRUE(has(page({.only = "origins"}), "class=\"farm\"")) << "7 addresses in 5.5.5.0/24, more than 5";
  cluster_.farm_min = 10;
  EXPECT_FALSE(has(page({.only = "origins"}), "class=\"farm\""));
}

TEST_F(Report, FlaggedPeersAreGroupedByOriginAs) {
  auto html = page({.only = "origins"});
  EXPECT_TRUE(has(html, ">AS64666 Farm Hosting</text>"));
  EXPECT_TRUE(has(html, ">no route</text>")) << "10.0.0.1 and 1.0.0.20";
}

TEST_F(Report, TheCrawlChartEndsAtTheUniquePeersOfEachRoute) {
  auto html = page({.only = "crawl"});
  EXPECT_TRUE(has(html, "tracker_udp <tspan class=\"value\">3</tspan>"));
  EXPECT_TRUE(has(html, "pex <tspan class=\"value\">8</tspan>"));
  EXPECT_TRUE(has(html, "all routes <tspan class=\"value\">11</tspan>"));
}

}  // namespace
}  // namespace p2pscope::report
