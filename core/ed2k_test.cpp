#include "core/ed2k.hpp"
#include "tests/testlib/ed2k_bytes.hpp"

#include <gtest/gtest.h>

namespace p2pscope::ed2k {
namespace {

using test::bytes;
using test::le32;
using test::md4;

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

// The research notes' table: 1.2.3.4 is 01 02 03 04 on the wire as an ED2K
// ID and 04 03 02 01 as a hybrid ID; each form read as the other is 4.3.2.1.
TEST(Ed2k, TheTwoIpv4FormsAndTheByteOrderBug) {
  EXPECT_EQ(le32(ed2k_id(ip("1.2.3.4"))), bytes({1, 2, 3, 4}));
  EXPECT_EQ(le32(hybrid_id(ip("1.2.3.4"))), bytes({4, 3, 2, 1}));
  EXPECT_EQ(ip_of_ed2k_id(ed2k_id(ip("1.2.3.4"))), ip("1.2.3.4"));
  EXPECT_EQ(ip_of_hybrid_id(hybrid_id(ip("1.2.3.4"))), ip("1.2.3.4"));
  EXPECT_EQ(ip_of_hybrid_id(ed2k_id(ip("1.2.3.4"))), ip("4.3.2.1"));
  EXPECT_EQ(other_form(0x01020304u), 0x04030201u);
}

TEST(Ed2k, LowIdsAreBelowTwoToTheTwentyFourAndEveryDotZeroLooksLikeOne) {
  EXPECT_TRUE(is_low_id(12345));
  EXPECT_FALSE(is_low_id(ed2k_id(ip("1.2.3.4"))));
  EXPECT_TRUE(is_low_id(ed2k_id(ip("81.2.3.0")))) << "why source exchange v3 moved to the hybrid form";
  EXPECT_FALSE(is_low_id(hybrid_id(ip("81.2.3.0"))));
}

// GETSOURCES for a 1000-byte file, framed: E3, length 1 + 20, opcode 0x19.
TEST(Ed2k, FramesARequestAsTheServerReadsIt) {
  std::vector<SourceRequest> q{{md4(0xa0), 1000}};
  Frame f{Protocol::edonkey, op::get_sources, encode_get_sources(q)};
  auto wire = encode_tcp_frame(f);
  EXPECT_EQ(wire.substr(0, 6), bytes({0xe3, 21, 0, 0, 0, 0x19}));
  EXPECT_EQ(wire.substr(22), le32(1000));
  auto back = decode_tcp_frame(wire + "more");
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value().size, wire.size()) << "the next frame starts where this one ends";
  EXPECT_EQ(back.value().frame, f);
  EXPECT_EQ(decode_get_sources(back.value().frame.payload).value(), q);
}

TEST(Ed2k, AStreamShortOfAWholeFrameWaitsAndAHostileLengthIsRefusedAtOnce) {
  auto wire = encode_tcp_frame({Protocol::edonkey, op::server_status, le32(7) + le32(9)});
  for (std::size_t n = 0; n < wire.size(); ++n)
    EXPECT_EQ(decode_tcp_frame(wire.substr(0, n)).error(), errc::truncated) << n;
  EXPECT_EQ(decode_tcp_frame(bytes({0xe3}) + le32(0x7fffffff)).error(), errc::oversized) << "refused before the body";
  EXPECT_EQ(decode_tcp_frame(bytes({0xe3}) + le32(0) + "x").error(), errc::bad_length);
  EXPECT_EQ(decode_tcp_frame(bytes({0x13}) + le32(1) + "x").error(), errc::bad_protocol_id);
}

TEST(Ed2k, PackedFramesInflateWithinTheirLimit) {
  Frame f{Protocol::packed, op::found_sources, std::string(5000, 'x')};
  auto wire = encode_tcp_frame(f);
  EXPECT_LT(wire.size(), 200u);
  auto back = decode_tcp_frame(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value().frame, f);
  Limits small;
  small.max_unpacked = 4000;
  EXPECT_EQ(decode_tcp_frame(wire, small).error(), errc::oversized);
  auto broken = wire;
  broken[8] ^= 0x55;
  EXPECT_FALSE(decode_tcp_frame(broken));
  EXPECT_EQ(decode_udp_frame(encode_udp_frame(f)).value(), f);
}

// Both ED2K forms: the old one (name length 1: an ID) and the new one with a
// STRn type that carries the string's length.
TEST(Ed2k, TagsReadInBothFormsAndWriteInTheOldOne) {
  auto old_form = le32(2) + bytes({0x02, 1, 0, 0x01, 5, 0}) + "aMule" + bytes({0x03, 1, 0, 0x11}) + le32(0x3c);
  auto tags = decode_tags(old_form, TagList::ed2k);
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags.value().size, old_form.size());
  ASSERT_EQ(tags.value().tags.size(), 2u);
  EXPECT_EQ(tags.value().tags[0], (Tag{"\x01", TagType::string, 0, "aMule"}));
  EXPECT_EQ(tags.value().tags[1], (Tag{"\x11", TagType::uint32, 0x3c, ""}));
  EXPECT_EQ(encode_tags(tags.value().tags, TagList::ed2k), old_form);
  auto new_form = le32(1) + bytes({0x80 | 0x15, 0x01}) + "aMule";  // STR5
  EXPECT_EQ(decode_tags(new_form, TagList::ed2k).value().tags[0], tags.value().tags[0]);
  EXPECT_FALSE(decode_tags(bytes({1, 0x80 | 0x15, 0x01}) + "aMule", TagList::kad)) << "KAD has no new form";
  EXPECT_EQ(decode_tags(le32(1) + bytes({0x05, 1, 0, 1}), TagList::ed2k).error(), errc::unknown_message_type);
  EXPECT_EQ(decode_tags(le32(1000), TagList::ed2k).error(), errc::too_many_items);
  EXPECT_EQ(decode_tags(old_form.substr(0, old_form.size() - 1), TagList::ed2k).error(), errc::truncated);
}

TEST(Ed2k, FoundSourcesInThePlainAndTheObfuscationForms) {
  FoundSources f{md4(1), {{ed2k_id(ip("1.2.3.4")), 4662, 0, std::nullopt}, {12345, 4662, 0, std::nullopt}}};
  auto plain = encode_found_sources(f, SourceForm::plain);
  EXPECT_EQ(plain.size(), 16u + 1 + 2 * 6);
  EXPECT_EQ(decode_found_sources(plain, SourceForm::plain).value(), f);
  f.sources[0].crypt = 0x81;
  f.sources[0].user_hash = md4(0x40);
  f.sources[1].crypt = 0x01;
  auto obfu = encode_found_sources(f, SourceForm::obfuscation);
  EXPECT_EQ(obfu.size(), 16u + 1 + (7 + 16) + 7) << "a user hash only where crypt bit 0x80 says so";
  EXPECT_EQ(decode_found_sources(obfu, SourceForm::obfuscation).value(), f);
  EXPECT_EQ(decode_found_sources(obfu.substr(0, obfu.size() - 1), SourceForm::obfuscation).error(), errc::truncated);
  EXPECT_EQ(decode_found_sources(plain + plain, SourceForm::plain).error(), errc::trailing_bytes);
  auto two = decode_found_sources_prefix(plain + plain, SourceForm::plain);
  ASSERT_TRUE(two);
  EXPECT_EQ(two.value().size, plain.size()) << "UDP packs several lists in one datagram";
}

TEST(Ed2k, LargeFilesTakeTheSixtyFourBitSize) {
  std::vector<SourceRequest> q{{md4(2), 5'000'000'000ull}, {md4(3), 7}};
  auto wire = encode_get_sources(q);
  EXPECT_EQ(wire.size(), (16u + 4 + 8) + (16 + 4));
  EXPECT_EQ(decode_get_sources(wire).value(), q);
  EXPECT_EQ(decode_get_sources(wire.substr(0, 30)).error(), errc::truncated);
}

}  // namespace
}  // namespace p2pscope::ed2k
