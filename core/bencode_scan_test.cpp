#include "core/bencode_scan.hpp"

#include "tests/testlib/random_values.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

// BencodeScan must accept what decode_bencode accepts and fail with its error.
void expect_as_libtorrent(std::string_view buf, const BencodeLimits& lim = {.max_size = 4096, .max_depth = 4, .max_tokens = 40}) {
  BencodeScan scan;
  auto ours = scan.scan(buf, lim);
  auto theirs = decode_bencode(buf, lim);
  ASSERT_EQ(ours.has_value(), theirs.has_value()) << buf;
  if (!ours) {
    EXPECT_EQ(ours.error(), theirs.error()) << buf;
  }
}

TEST(BencodeScan, AcceptsAndRejectsAsLibtorrentOnEdgeCases) {
  for (std::string_view b :
       {"", "i1e", "i-0e", "i03e", "ie", "i-e", "i-", "i1", "i12345678901234567890e", "i123456789012345678901e",
        "le", "de", "d1:ae", "d1:a1:be", "1:", "0:", "-1:a", "di1ei2ee", "d1:bi1e1:ai2ee", "lllllee", "llllee",
        "d1:ad1:ad1:ad1:ai1eeeee", "0000000000000001:x", "00000000000000001:x", "1x:a", "99999999999999999999:x",
        "l1:a1:b1:c1:d1:e1:f1:g1:h1:i1:j1:k1:l1:m1:n1:o1:p1:q1:r1:s1:t1:u1:v1:w1:x1:y1:z1:a1:b1:c1:d1:e1:f1:g1:h1:ie",
        "l1:a1:b1:c1:d1:e1:f1:g1:h1:i1:j1:k1:l1:m1:n1:o1:p1:q1:r1:s1:t1:u1:v1:w1:x1:y1:z1:a1:b1:c1:d1:e1:f1:g1:h1:i1:je",
        "i1ei2e", "de ", "e", "d", "l", "d1:a", "d1:ai1e", "li1e", "d3:abci1e", "d3:ab"}) {
    expect_as_libtorrent(b);
  }
  expect_as_libtorrent(std::string(5000, 'l'));  // past max_size
}

TEST(BencodeScan, AcceptsAndRejectsAsLibtorrentOnMutatedMessages) {
  testlib::Gen g(3);
  const std::string seeds[] = {"d1:md6:ut_pexi1e11:ut_metadatai2ee1:pi6881e1:v10:Test 1.0.06:yourip4:\x01\x02\x03\x04e",
                               "d5:added12:abcdef123456e", "l5:helloi42eld3:keyi-7eeee"};
  for (int i = 0; i < 20000; ++i) {
    std::string b = seeds[g.below(3)];
    for (std::size_t n = g.below(4) + 1; n > 0; --n) {
      auto at = g.below(b.size() + 1);
      switch (g.below(3)) {
        case 0: b.insert(at, 1, "dlie0123456789:-x"[g.below(17)]); break;
        case 1: if (at < b.size()) b.erase(at, 1); break;
        default: if (at < b.size()) b[at] = "dlie0123456789:-x"[g.below(17)]; break;
      }
    }
    expect_as_libtorrent(b);
    if (HasFailure()) return;
  }
}

TEST(BencodeScan, TokensGiveTextAndExtent) {
  BencodeScan scan;
  ASSERT_TRUE(scan.scan("d1:ali1ei-2ee1:b3:xyze", {}));
  const auto& t = scan.tokens();
  ASSERT_EQ(t.size(), 7u);
  EXPECT_EQ(t[0].kind, ScanToken::Kind::dict);
  EXPECT_EQ(t[0].end, 7u);
  EXPECT_EQ(t[1].text, "a");
  EXPECT_EQ(t[2].kind, ScanToken::Kind::list);
  EXPECT_EQ(t[2].end, 5u);
  EXPECT_EQ(scan_int(t[4]).value(), -2);
  EXPECT_EQ(t[6].text, "xyz");
  EXPECT_EQ(scan_int(t[6]).error(), errc::wrong_type);
}

}  // namespace
}  // namespace p2pscope
