#include "report/report.hpp"
#include "report/report_fixture.hpp"

#include "passive/honeynet.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace p2pscope::report {
namespace {

using testing::has;

// Events as p2pscope passive writes them (passive::to_json), drawn alone.
class ReportHoneynet : public ::testing::Test {
 protected:
  passive::HoneynetEvent& event(const char* target, double start, std::size_t sources, double u, const char* cls) {
    auto& e = events_.emplace_back();
    e.target = IpAddress::parse(target).value();
    e.id = std::string(target) + "@" + std::to_string(static_cast<long>(start));
    e.start = start;
    e.end = start + 1000;
    e.unique_sources = sources;
    e.cluster.u = u;
    e.classification = cls;
    e.interval = 600;
    return e;
  }
  std::string page() {
    records_.clear();
    for (const auto& e : events_) records_.push_back(passive::to_json(e));
    return draw(records_);
  }
  std::string draw(std::span<const nlohmann::json> events) { return testing::draw_alone("honeynet", events, {}); }
  std::vector<passive::HoneynetEvent> events_;
  std::vector<nlohmann::json> records_;
};

TEST_F(ReportHoneynet, EachEventIsARowWithItsCountsClientsAndProtocols) {
  auto& e = event("198.51.100.7", 1'700'000'000, 1234, 0.02, "anti_p2p");
  e.clients = {{"UT", 800}, {"zero", 434}};
  e.protocols = {{"utp", 5000}, {"tcp", 12}};
  auto html = page();
  EXPECT_TRUE(has(html, "<h2>Honeynet events (1)</h2>"));
  EXPECT_TRUE(has(html, "<td class=\"n\">1,234</td>"));
  EXPECT_TRUE(has(html, ">anti_p2p</span>"));
  EXPECT_TRUE(has(html, "utp 5,000, tcp 12"));
  EXPECT_TRUE(has(html, "UT 800, zero 434"));
  EXPECT_TRUE(has(html, "2023-11-14 22:13:20"));
  EXPECT_TRUE(has(html, "class=\"farm\"")) << "an anti-P2P event is outlined in the mix charts";
}

TEST_F(ReportHoneynet, TheIntervalChartEndsAtTheIntervalThatEndedTheEventWithTheRuleAtAThirdOfThePeak) {
  auto& e = event("198.51.100.7", 1'700'000'000, 300, 1, "misconfiguration");
  e.per_interval = {{1'699'999'800, 90}, {1'700'000'400, 120}, {1'700'001'000, 30}};
  e.peak_per_interval = 120;
  e.end_threshold = 40;
  auto html = page();
  EXPECT_TRUE(has(html, "sources per interval <tspan class=\"value\">30</tspan>"));
  EXPECT_TRUE(has(html, "<line class=\"rule\"")) << "the end rule";
  EXPECT_TRUE(has(html, "<rect class=\"span\"")) << "the event's span";
  EXPECT_TRUE(has(html, "(intervals of 600 s)"));
}

TEST_F(ReportHoneynet, Fig6CountsEveryEventInItsUBin) {
  event("198.51.100.1", 1000, 200, 0.05, "anti_p2p");
  event("198.51.100.2", 2000, 200, 0.95, "misconfiguration");
  event("198.51.100.3", 3000, 200, 1.0, "misconfiguration");
  auto html = page();
  EXPECT_TRUE(has(html, "U metric over the events (the study&#39;s Fig. 6), 3 events"));
  EXPECT_TRUE(std::regex_search(html, std::regex(">1</text><text class=\"tick\"[^>]*>0.0-0.1<")));
  EXPECT_TRUE(std::regex_search(html, std::regex(">2</text><text class=\"tick\"[^>]*>0.9-1.0<")));
  EXPECT_TRUE(std::regex_search(html, std::regex(">0</text><text class=\"tick\"[^>]*>0.5-0.6<")));
}

TEST_F(ReportHoneynet, OnlyTheLargestEventsAreChartedAndEveryOneIsListed) {
  for (int i = 0; i < 9; ++i) {
    auto& e = event(("198.51.100." + std::to_string(i + 1)).c_str(), 1000.0 * i, 100 + 10 * i, 1, "misconfiguration");
    e.per_interval = {{1000.0 * i, 50.0 + i}};
  }
  auto html = page();
  EXPECT_TRUE(has(html, "the 6 largest events"));
  EXPECT_TRUE(has(html, "sources per interval <tspan class=\"value\">58</tspan>"));
  EXPECT_FALSE(has(html, "sources per interval <tspan class=\"value\">52</tspan>")) << "the third smallest is not charted";
  EXPECT_TRUE(has(html, ">198.51.100.3</td>")) << "but it is listed";
}

TEST_F(ReportHoneynet, FieldsOfTheWrongTypeAreTakenAsAbsent) {
  std::vector<nlohmann::json> hostile{
      nlohmann::json::parse(R"({"type":"passive_honeynet_event","target":7,"start":"x","unique_sources":"many",
                                "per_interval":[[1,2,3],"a",[null,4],[5,6]],"clients":[],"protocols":{"tcp":"lots"},
                                "farms":{},"u":null,"per_interval_cut":"yes"})"),
      nlohmann::json::array(), nlohmann::json("not an event")};
  std::string html;
  ASSERT_NO_THROW(html = draw(hostile));
  EXPECT_TRUE(has(html, "<h2>Honeynet events (1)</h2>"));
  EXPECT_TRUE(has(html, "sources per interval <tspan class=\"value\">6</tspan>")) << "the one well-formed point";
}

TEST_F(ReportHoneynet, NoEventsNoSection) { EXPECT_FALSE(has(page(), "<section id=\"honeynet\">")); }

}  // namespace
}  // namespace p2pscope::report
