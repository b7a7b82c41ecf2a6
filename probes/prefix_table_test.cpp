#include "probes/prefix_table.hpp"

#include <gtest/gtest.h>

#include <random>

namespace p2pscope::probes {
namespace {

Cidr cidr(const char* s) { return parse_cidr(s).value(); }
IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

TEST(PrefixTable, FindsTheMostSpecificPrefixAndGapsBetween) {
  PrefixTable t;
  t.add(cidr("10.0.0.0/8"), 1);
  t.add(cidr("10.1.0.0/16"), 2);
  t.add(cidr("10.1.2.0/24"), 3);
  t.add(cidr("10.1.0.0/16"), 99);  // a duplicate: the first origin stays
  t.add(cidr("2001:db8::/32"), 6);
  t.add(cidr("255.255.255.0/24"), 7);
  ASSERT_TRUE(t.build());
  EXPECT_EQ(t.lookup(ip("10.1.2.3"))->asn, 3u);
  EXPECT_EQ(t.lookup(ip("10.1.3.3"))->asn, 2u);
  EXPECT_EQ(t.lookup(ip("10.2.0.0"))->asn, 1u) << "back in the /8 after the /16 ends";
  EXPECT_EQ(t.lookup(ip("10.255.255.255"))->asn, 1u);
  EXPECT_EQ(t.lookup(ip("11.0.0.0")), std::nullopt);
  EXPECT_EQ(t.lookup(ip("9.255.255.255")), std::nullopt);
  EXPECT_EQ(t.lookup(ip("255.255.255.255"))->asn, 7u) << "a prefix at the top of the space";
  EXPECT_EQ(t.lookup(ip("::ffff:10.1.2.3"))->asn, 3u) << "v4-mapped looks up as IPv4";
  EXPECT_EQ(t.lookup(ip("2001:db8:1::1"))->prefix.to_string(), "2001:db8::/32");
  EXPECT_EQ(t.lookup(ip("2001:db9::1")), std::nullopt);
}

// Random nested prefixes against a brute-force longest match.
// The defect: every line of a RIB dump was kept (about 72 bytes each) until
// build(); a 10 MB gzip file passed 2 GB. Duplicates now fold as they pile up.
TEST(PrefixTable, DuplicatesFoldWhileFillingAndTheFirstOriginStays) {
  PrefixTable t;
  const std::size_t adds = (std::size_t{1} << 20) + 1000;
  for (std::size_t i = 0; i < adds; ++i) {
    auto n = static_cast<std::uint32_t>(i % 8);
    t.add(Cidr{IpAddress::v4(0x0a000000u | n << 16), 16}, static_cast<std::uint32_t>(i < 8 ? 100 + n : 999));
    ASSERT_LE(t.pending(), std::size_t{1} << 20);
  }
  EXPECT_LT(t.pending(), 2000u) << "folded once past a million";
  EXPECT_EQ(t.compact(), 8u);
  ASSERT_TRUE(t.build());
  EXPECT_EQ(t.prefixes(), 8u);
  for (std::uint32_t n = 0; n < 8; ++n) EXPECT_EQ(t.lookup(IpAddress::v4(0x0a000001u | n << 16))->asn, 100 + n);
}

TEST(PrefixTable, AgreesWithBruteForceOnRandomPrefixes) {
  std::mt19937_64 rng(5);
  for (auto fam : {Family::v4, Family::v6}) {
    int width = fam == Family::v4 ? 32 : 128;
    PrefixTable t;
    std::vector<std::pair<Cidr, std::uint32_t>> all;
    auto random_value = [&] {
      AddressValue v = (AddressValue{rng()} << 64) | rng();
      // Crowd the space so that prefixes nest and overlap often.
      return fam == Family::v4 ? (v & 0x0fffffff) : (v & ((AddressValue{0xfff} << 116) | 0xffffffff));
    };
    for (std::uint32_t i = 0; i < 2000; ++i) {
      int len = 4 + static_cast<int>(rng() % static_cast<unsigned>(width - 4));
      auto host = width - len;
      auto net = random_value() >> host << host;
      Cidr c{address_of(fam, net), len};
      bool dup = false;
      for (const auto& [p, asn] : all) dup = dup || p == c;
      if (!dup) all.push_back({c, i});
      t.add(c, i);
    }
    ASSERT_TRUE(t.build());
    for (int probe = 0; probe < 5000; ++probe) {
      auto a = address_of(fam, random_value());
      const std::pair<Cidr, std::uint32_t>* best = nullptr;
      for (const auto& e : all)
        if (range_of(e.first).contains(a) && (!best || e.first.length > best->first.length)) best = &e;
      auto got = t.lookup(a);
      ASSERT_EQ(got.has_value(), best != nullptr) << a.to_string();
      if (best) {
        ASSERT_EQ(got->asn, best->second) << a.to_string();
        ASSERT_EQ(got->prefix, best->first) << a.to_string();
      }
    }
  }
}

}  // namespace
}  // namespace p2pscope::probes
