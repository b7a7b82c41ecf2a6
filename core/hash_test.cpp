#include "core/hash.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

TEST(Hash, Base32MatchesRfc4648Vectors) {
  // RFC 4648 section 10, without padding.
  auto enc = [](std::string_view s) {
    return detail::to_base32(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  EXPECT_EQ(enc("f"), "MY");
  EXPECT_EQ(enc("fo"), "MZXQ");
  EXPECT_EQ(enc("foo"), "MZXW6");
  EXPECT_EQ(enc("foob"), "MZXW6YQ");
  EXPECT_EQ(enc("fooba"), "MZXW6YTB");
  EXPECT_EQ(enc("foobar"), "MZXW6YTBOI");
}

TEST(Hash, HexAndBase32RoundTrip) {
  auto h = InfoHash::from_hex("c12fe1c06bba254a9dc9f519b335aa7c1367a88a").value();
  EXPECT_EQ(h.hex(), "c12fe1c06bba254a9dc9f519b335aa7c1367a88a");
  EXPECT_EQ(h.base32().size(), 32u);
  EXPECT_EQ(InfoHash::from_base32(h.base32()).value(), h);
  EXPECT_EQ(InfoHash::from_base32(h.base32()).value().hex(), h.hex());
}

TEST(Hash, AcceptsEitherCase) {
  auto lower = InfoHash::from_hex("c12fe1c06bba254a9dc9f519b335aa7c1367a88a").value();
  EXPECT_EQ(InfoHash::from_hex("C12FE1C06BBA254A9DC9F519B335AA7C1367A88A").value(), lower);
  std::string b32 = lower.base32();
  for (auto& c : b32) c = static_cast<char>(std::tolower(c));
  EXPECT_EQ(InfoHash::from_base32(b32).value(), lower);
}

TEST(Hash, RejectsMalformedText) {
  EXPECT_EQ(InfoHash::from_hex("c12fe1c06bba254a9dc9f519b335aa7c1367a88").error(), errc::bad_hash);   // 39
  EXPECT_EQ(InfoHash::from_hex("g12fe1c06bba254a9dc9f519b335aa7c1367a88a").error(), errc::bad_hash);  // not hex
  EXPECT_EQ(InfoHash::from_base32("MZXW6YTBOI").error(), errc::bad_hash);                         // short
  EXPECT_EQ(InfoHash::from_base32("YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKE1").error(), errc::bad_hash);   // '1'
  EXPECT_EQ(InfoHash::from_bytes(std::string(19, 'x')).error(), errc::bad_hash);
}

TEST(Hash, XorDistanceOrdersByLeadingBits) {
  NodeId zero;
  auto near = NodeId::from_hex("0000000000000000000000000000000000000001").value();
  auto far = NodeId::from_hex("8000000000000000000000000000000000000000").value();
  EXPECT_LT(zero ^ near, zero ^ far);
  EXPECT_TRUE((near ^ near).is_zero());
}

}  // namespace
}  // namespace p2pscope
