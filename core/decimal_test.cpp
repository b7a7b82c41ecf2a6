#include "core/decimal.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <random>

namespace p2pscope {
namespace {

std::string by_to_chars(double v) {
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

std::string by_append(double v) {
  std::string s;
  append_fixed(v, s);
  return s;
}

TEST(AppendFixed, CaptureTimesAreWrittenAsToCharsWritesThem) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200000; ++i) {
    auto sec = static_cast<double>(rng() % 4294967296ULL);
    auto usec = static_cast<double>(rng() % 1000000);
    double t = sec + usec / 1e6;  // as PcapReader computes it
    ASSERT_EQ(by_append(t), by_to_chars(t)) << sec << " " << usec;
  }
}

TEST(AppendFixed, OtherValuesAreWrittenAsToCharsWritesThem) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> any(0, 4294967296.0 * 2);
  for (int i = 0; i < 100000; ++i) {
    double v = any(rng);
    ASSERT_EQ(by_append(v), by_to_chars(v)) << v;
    double ns = std::floor(v) + static_cast<double>(rng() % 1000000000) / 1e9;  // nanosecond times
    ASSERT_EQ(by_append(ns), by_to_chars(ns)) << ns;
  }
  constexpr double inf = std::numeric_limits<double>::infinity();
  for (double v : {0.0, -0.0, 0.5, 1.0, 1e-7, -1.5, 4294967295.999999, 4294967296.0, 1e300, 1700000000.0,
                   1700000000.1, 1700000000.000001, std::nextafter(1700000000.000001, 0.0), inf, -inf,
                   std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_EQ(by_append(v), by_to_chars(v)) << v;
  }
}

TEST(AppendFixed, AppendsToWhatIsThere) {
  std::string s = "t=";
  append_fixed(1700000000.25, s);
  EXPECT_EQ(s, "t=1700000000.25");
}

}  // namespace
}  // namespace p2pscope
