#include "probes/routing_age.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace p2pscope::probes {
namespace {

using namespace std::chrono;

TEST(RoutingAge, TheNewestFileOfACreationLogIsTheLatestTimestamp) {
  auto log = "# seqnum\ttimestamp\tpath\n"
             "1\t1733011200\t2024/12/routeviews-rv2-20241201-1200.pfx2as.gz\n"
             "3\t1764547200\t2025/12/routeviews-rv2-20251201-1200.pfx2as.gz\r\n"
             "2\t1748736000\t2025/06/routeviews-rv2-20250601-1200.pfx2as.gz\n"
             "not a line\n";
  EXPECT_EQ(newest_in_creation_log(log), "2025/12/routeviews-rv2-20251201-1200.pfx2as.gz");
  EXPECT_FALSE(newest_in_creation_log("# only a comment\n"));
  EXPECT_FALSE(newest_in_creation_log("1\t5\t../../etc/passwd\n2\t6\t/abs/path\n")) << "paths stay under the log";
}

TEST(RoutingAge, ADateIsReadFromCaidaAndRouteViewsNames) {
  EXPECT_EQ(date_in_name("routeviews-rv2-20261201-1200.pfx2as.gz"), sys_days(2026y / 12 / 1));
  EXPECT_EQ(date_in_name("rib.20261130.0000.bz2"), sys_days(2026y / 11 / 30));
  EXPECT_FALSE(date_in_name("rib.20261331.0000.bz2")) << "month 13";
  EXPECT_FALSE(date_in_name("asn-123456789.mmdb")) << "nine digits are not a date";
  EXPECT_FALSE(date_in_name("lab.pfx2as"));
}

TEST(RoutingAge, TheFetchSidecarWinsOverTheNameAndTheNameOverTheFileTime) {
  auto dir = std::filesystem::temp_directory_path() / ("p2pscope-routing-age-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "routeviews-rv2-20200101-1200.pfx2as";
  std::ofstream(file) << "1.0.0.0\t24\t13335\n";
  EXPECT_EQ(routing_data_time(file).value().from, RoutingAge::From::name);
  EXPECT_EQ(routing_data_time(file).value().when, sys_days(2020y / 1 / 1));
  std::ofstream(meta_path_of(file)) << R"({"data_time": 1764547200})";
  EXPECT_EQ(routing_data_time(file).value().from, RoutingAge::From::meta);
  EXPECT_EQ(routing_data_time(file).value().when, sys_seconds(seconds(1764547200)));
  auto plain = dir / "lab.pfx2as";
  std::ofstream(plain) << "1.0.0.0\t24\t13335\n";
  EXPECT_EQ(routing_data_time(plain).value().from, RoutingAge::From::mtime);
  EXPECT_FALSE(routing_data_time(dir / "missing"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace p2pscope::probes
