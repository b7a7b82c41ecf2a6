#include "report/svg.hpp"

#include <gtest/gtest.h>

namespace p2pscope::report {
namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Svg, EscapesMarkupInEveryLabel) {
  EXPECT_EQ(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  auto svg = bar_chart({"<script>", "n", {{"AS1 <b>", {{"anti_p2p", 1}}, "", false}}});
  EXPECT_FALSE(has(svg, "<script>"));
  EXPECT_FALSE(has(svg, "<b>"));
  EXPECT_TRUE(has(svg, "&lt;script&gt;"));
}

TEST(Svg, ALineChartPrintsEachSeriesLastValue) {
  LineChart c{"t", "x", "y", {{"pex", {{0, 1}, {10, 1500}}}, {"dht", {{0, 2}, {5, 7}}}}, {}, {}, std::nullopt};
  auto svg = line_chart(c);
  EXPECT_TRUE(has(svg, "pex <tspan class=\"value\">1,500</tspan>"));
  EXPECT_TRUE(has(svg, "dht <tspan class=\"value\">7</tspan>"));
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 0, true);
  EXPECT_TRUE(has(svg, "<polyline"));
}

TEST(Svg, MarksAndARuleAreDrawnWhenAsked) {
  LineChart c{"t", "x", "y", {{"all routes", {{0, 1}, {100, 9}}}}, {50}, {{20, 30}}, 3.0};
  auto svg = line_chart(c);
  EXPECT_TRUE(has(svg, "class=\"mark\""));
  EXPECT_TRUE(has(svg, "class=\"rule\""));
  EXPECT_TRUE(has(svg, "class=\"span\""));
}

TEST(Svg, BarsPrintTheirTotalsAndAFarmIsOutlined) {
  auto svg = bar_chart({"by /24", "peers", {{"5.5.5.0/24", {{"anti_p2p", 6}, {"normal", 1}}, "#peer-x", true},
                                             {"20.0.0.0/24", {{"byte_order", 2}}, "", false}}});
  EXPECT_TRUE(has(svg, ">7</text>"));
  EXPECT_TRUE(has(svg, ">2</text>"));
  EXPECT_EQ(std::string::npos != svg.find("class=\"farm\""), true);
  EXPECT_EQ(svg.find("class=\"farm\""), svg.rfind("class=\"farm\"")) << "one farm only";
  EXPECT_TRUE(has(svg, "href=\"#peer-x\""));
}

TEST(Svg, AHistogramLabelsEveryBinWithItsCount) {
  auto svg = histogram({"U", "u", {{"0.0-0.1", 3}, {"0.1-0.2", 0}, {"0.9-1.0", 12}}});
  EXPECT_TRUE(has(svg, ">12</text>"));
  EXPECT_TRUE(has(svg, ">0.9-1.0</text>"));
}

TEST(Svg, NumbersAreGroupedByThousands) {
  EXPECT_EQ(number(0), "0");
  EXPECT_EQ(number(999), "999");
  EXPECT_EQ(number(1234567), "1,234,567");
  EXPECT_EQ(number(-1500), "-1,500");
  EXPECT_EQ(number(0.8491), "0.85");
}

}  // namespace
}  // namespace p2pscope::report
