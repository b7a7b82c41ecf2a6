#include "lab/scenario.hpp"

#include <gtest/gtest.h>

namespace p2pscope::lab {
namespace {

ScenarioError error_of(std::string_view text) {
  ScenarioError err;
  EXPECT_FALSE(parse_scenario(text, &err)) << text;
  return err;
}

TEST(Scenario, BuiltinsParse) {
  for (const char* name : {"small", "large"}) {
    auto s = parse_scenario(builtin_scenario(name).value());
    ASSERT_TRUE(s) << name;
    EXPECT_EQ(s.value().name, name);
  }
  EXPECT_FALSE(builtin_scenario("huge"));
}

TEST(Scenario, ReadsSettingsCommentsAndBlankLines) {
  auto s = parse_scenario("# a lab\n\nname = tiny   # trailing comment\nseeds = 3\nleechers=0\nopentracker = no\nlab_trackers = 1\n").value();
  EXPECT_EQ(s.name, "tiny");
  EXPECT_EQ(s.seeds, 3);
  EXPECT_EQ(s.leechers, 0);
  EXPECT_FALSE(s.opentracker);
  EXPECT_EQ(s.lab_trackers, 1);
}

TEST(Scenario, FormatReadsBackAsTheSameScenario) {
  for (const char* name : {"small", "large"}) {
    auto s = parse_scenario(builtin_scenario(name).value()).value();
    EXPECT_EQ(parse_scenario(format_scenario(s)).value(), s) << name;
  }
  Scenario odd;
  odd.name = "odd_one";
  odd.seed = UINT64_MAX;
  odd.opentracker = false;
  odd.lab_trackers = 2;
  odd.poisoned_trackers = 1;
  odd.libtorrent_dht = true;
  odd.leechers = 0;
  EXPECT_EQ(parse_scenario(format_scenario(odd)).value(), odd);
}

TEST(Scenario, UnreadableFileIsReportedLikeAParseError) {
  ScenarioError err;
  auto s = load_scenario_file("/nonexistent/p2pscope.scenario", &err);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(err.to_string(), "cannot read /nonexistent/p2pscope.scenario");
}

TEST(Scenario, ErrorsNameTheLineAndField) {
  auto e = error_of("name = x\n\nseeds = lots\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.field, "seeds");
  EXPECT_EQ(e.to_string(), "line 3, field \"seeds\": expected a whole number from 0 to 64, got \"lots\"");
  e = error_of("name = x\ncolour = blue\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.field, "colour");
  EXPECT_EQ(e.message, "unknown field");
  e = error_of("name = x\nseeds 3\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.message, "expected \"field = value\"");
  e = error_of("name = x\nseeds = 2\nseeds = 3\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("first on line 2"), std::string::npos);
  e = error_of("name = Big Lab\n");
  EXPECT_EQ(e.field, "name");
  e = error_of("seeds = 2\n");
  EXPECT_EQ(e.field, "name");
  EXPECT_EQ(e.line, 0);
  e = error_of("name = x\npiece_size = 20000\n");
  EXPECT_EQ(e.field, "piece_size");
  EXPECT_EQ(e.line, 2);
  e = error_of("name = x\nseeds = 99999999999999999999999\n");
  EXPECT_EQ(e.field, "seeds");
  e = error_of("name = x\nlab_trackers = 1\npoisoned_trackers = 2\n");
  EXPECT_EQ(e.field, "poisoned_trackers");
  EXPECT_EQ(e.line, 3);
  e = error_of("name = x\nlite_peers = 3\nmirrored_pairs = 2\n");
  EXPECT_EQ(e.field, "mirrored_pairs");
  e = error_of("name = x\nleechers = 2\nutp_only_leechers = 3\n");
  EXPECT_EQ(e.field, "utp_only_leechers");
  e = error_of("name = x\nbyte_order_peers = 1\nbyte_order_utp_only = 2\n");
  EXPECT_EQ(e.field, "byte_order_utp_only");
  EXPECT_EQ(e.line, 3);
  e = error_of("name = x\nanti_p2p_utp_only = 1\n");
  EXPECT_EQ(e.to_string(), "line 2, field \"anti_p2p_utp_only\": more than farm 0's anti_p2p_per_farm members");
  e = error_of("name = x\nanti_p2p_v6_fakes = 6\n");
  EXPECT_EQ(e.to_string(), "line 2, field \"anti_p2p_v6_fakes\": needs anti_p2p_v6_members to hand them out");
  e = error_of("name = x\nopentracker = no\n");
  EXPECT_EQ(e.field, "lab_trackers");
  e = error_of("name = x\nlibtorrent_dht = maybe\n");
  EXPECT_EQ(e.to_string(), "line 2, field \"libtorrent_dht\": expected yes or no, got \"maybe\"");
}

}  // namespace
}  // namespace p2pscope::lab
