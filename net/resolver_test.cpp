#include "net/resolver.hpp"

#include "tests/testlib/run_until.hpp"

#include <gtest/gtest.h>

namespace p2pscope::net {
namespace {

IpAddress ip(const char* text) { return IpAddress::parse(text).value(); }

// "localhost" comes from /etc/hosts (no query leaves the machine); a
// literal is never looked up at all.
TEST(SystemResolver, ResolvesLocalhostFromTheHostsFileAndLiteralsToThemselves) {
  asio::io_context io;
  SystemResolver r(io.get_executor());
  auto local = testlib::run_until_done(io, r.resolve("localhost"));
  ASSERT_TRUE(local) << local.error().message();
  EXPECT_NE(std::find(local.value().begin(), local.value().end(), ip("127.0.0.1")), local.value().end());
  auto six = testlib::run_until_done(io, r.resolve("2001:db8::7"));
  ASSERT_TRUE(six);
  EXPECT_EQ(six.value(), std::vector<IpAddress>{ip("2001:db8::7")});
}

TEST(Resolver, OfFamilyKeepsOrder) {
  std::vector<IpAddress> all{ip("2001:db8::1"), ip("23.0.0.2"), ip("2001:db8::3"), ip("23.0.0.4")};
  EXPECT_EQ(of_family(all, Family::v4), (std::vector<IpAddress>{ip("23.0.0.2"), ip("23.0.0.4")}));
  EXPECT_EQ(of_family(all, Family::v6), (std::vector<IpAddress>{ip("2001:db8::1"), ip("2001:db8::3")}));
}

}  // namespace
}  // namespace p2pscope::net
