#include "core/ed2k_server.hpp"
#include "tests/testlib/ed2k_bytes.hpp"

#include <gtest/gtest.h>

namespace p2pscope::ed2k {
namespace {

using test::bytes;
using test::le16;
using test::le32;
using test::md4;
using test::raw;

std::uint32_t id_of(const char* s) { return ed2k_id(IpAddress::parse(s).value()); }

TEST(Ed2kServer, OurLoginAsTheServerReadsIt) {
  Login l{md4(0x10), 0, 4662, crawler_login_tags("p2pscope", server_flag::zlib | server_flag::large_files)};
  auto wire = encode_login(l);
  EXPECT_EQ(wire.substr(0, 26), raw(md4(0x10)) + le32(0) + le16(4662) + le32(3));
  EXPECT_EQ(decode_login(wire).value(), l);
  EXPECT_EQ(decode_login(wire + "x").error(), errc::trailing_bytes);
}

TEST(Ed2kServer, OfferedFilesWithTheSelfMarkers) {
  std::vector<OfferedFile> files{{md4(1), 0xFBFBFBFB, 0xFBFB, {string_tag(0x01, "a.iso"), test::u32_tag(0x02, 1000)}},
                                 {md4(2), 0xFCFCFCFC, 0xFCFC, {}}, {md4(3), id_of("81.2.3.4"), 4662, {}}};
  auto back = decode_offer_files(encode_offer_files(files));
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), files);
  EXPECT_TRUE(back.value()[0].complete_marker());
  EXPECT_TRUE(back.value()[1].partial_marker());
  EXPECT_EQ(decode_offer_files(le32(1000) + raw(md4(1))).error(), errc::truncated);
  OfferLimits lim;
  lim.max_files = 2;
  EXPECT_EQ(decode_offer_files(encode_offer_files(files), lim).error(), errc::too_many_items);
}

TEST(Ed2kServer, IdChangeFromOldAndNewServers) {
  EXPECT_EQ(decode_id_change(le32(5)).value(), (IdChange{5, {}, {}, {}, {}}));
  IdChange full{id_of("81.2.3.4"), 0x519, 0, id_of("81.2.3.4"), 4665};
  auto wire = encode_id_change(full);
  EXPECT_EQ(wire.size(), 20u);
  EXPECT_EQ(decode_id_change(wire).value(), full);
  EXPECT_EQ(decode_id_change(wire + le32(9)).value(), full) << "a newer server's extra field is ignored";
  EXPECT_EQ(decode_id_change(le32(5) + bytes({1, 2})).error(), errc::truncated);
  EXPECT_TRUE(is_low_id(decode_id_change(le32(5)).value().id));
}

TEST(Ed2kServer, MessagesStatusAndServerLists) {
  EXPECT_EQ(encode_server_message("hi\r\nthere"), le16(9) + "hi\r\nthere");
  EXPECT_EQ(decode_server_message(encode_server_message("hi\r\nthere")).value(), "hi\r\nthere");
  EXPECT_EQ(decode_server_message(le16(10) + "short").error(), errc::truncated);
  EXPECT_EQ(decode_server_status(le32(7) + le32(9)).value(), (ServerStatus{7, 9}));
  std::vector<ServerAddress> list{{id_of("203.0.113.1"), 4661}, {id_of("203.0.113.2"), 4242}};
  EXPECT_EQ(encode_server_list(list).substr(0, 5), bytes({2, 203, 0, 113, 1}));
  EXPECT_EQ(decode_server_list(encode_server_list(list)).value(), list);
}

TEST(Ed2kServer, UdpStatusWithHoweverManyFieldsTheServerSends) {
  UdpStatus s{0x55AA1234, 100, 2000, {}, {}, {}, {}, {}, {}, {}, {}};
  EXPECT_EQ(encode_udp_status(s), le32(0x55AA1234) + le32(100) + le32(2000));
  EXPECT_EQ(decode_udp_status(encode_udp_status(s)).value(), s);
  s.max_users = 5000;
  s.soft_files = 100;
  s.hard_files = 200;
  s.udp_flags = udp_flag::get_sources | udp_flag::get_sources2 | udp_flag::large_files;
  s.low_id_users = 7;
  s.udp_obfuscation_port = 4665;
  s.tcp_obfuscation_port = 4666;
  s.udp_key = 0xdeadbeef;
  auto wire = encode_udp_status(s);
  EXPECT_EQ(wire.size(), 12 + 5 * 4 + 2 * 2 + 4u);
  EXPECT_EQ(decode_udp_status(wire).value(), s);
  EXPECT_EQ(decode_udp_status(wire.substr(0, 13)).error(), errc::truncated);
}

TEST(Ed2kServer, DescriptionInTheTaggedAndTheOldForm) {
  ServerDescription tagged{0x1234F0FF, "lab", "a lab server",
                           {string_tag(0x01, "lab"), string_tag(0x0B, "a lab server")}};
  EXPECT_EQ(decode_server_description(encode_server_description(tagged)).value(), tagged);
  ServerDescription old{{}, "lab", "a lab server", {}};
  auto wire = encode_server_description(old);
  EXPECT_EQ(wire, le16(3) + "lab" + le16(12) + "a lab server");
  EXPECT_EQ(decode_server_description(wire).value(), old);
}

// Several FOUNDSOURCES lists may share a datagram, each after E3 9B.
TEST(Ed2kServer, GlobalFoundSourcesWithSeveralListsInOneDatagram) {
  std::vector<FoundSources> lists{{md4(1), {{id_of("81.2.3.4"), 4662, 0, {}}}}, {md4(2), {{77, 4662, 0, {}}}}};
  auto wire = encode_glob_found_sources(lists);
  EXPECT_EQ(wire.substr(16 + 1 + 6, 2), bytes({0xe3, 0x9b}));
  EXPECT_EQ(decode_glob_found_sources(wire).value(), lists);
  EXPECT_EQ(decode_glob_found_sources(wire + "zz").error(), errc::trailing_bytes);
  EXPECT_EQ(decode_glob_found_sources(wire + bytes({0xe3, 0x9b})).error(), errc::truncated);
}

TEST(Ed2kServer, GlobalGetSourcesIsHashesOnly) {
  std::vector<Md4> files{md4(1), md4(2)};
  EXPECT_EQ(decode_glob_get_sources(encode_glob_get_sources(files)).value(), files);
  EXPECT_EQ(decode_glob_get_sources(raw(md4(1)) + "x").error(), errc::not_multiple);
  Limits lim;
  lim.max_requests = 1;
  EXPECT_EQ(decode_glob_get_sources(encode_glob_get_sources(files), lim).error(), errc::too_many_items);
}

TEST(Ed2kServer, ServerMetRoundTripAndItsLies) {
  std::vector<ServerEntry> servers{{{id_of("203.0.113.1"), 4661}, {string_tag(0x01, "lab one")}},
                                   {{id_of("203.0.113.2"), 4242}, {}}};
  auto wire = encode_server_met(servers);
  EXPECT_EQ(wire.substr(0, 9), bytes({0xe0}) + le32(2) + bytes({203, 0, 113, 1}));
  auto back = decode_server_met(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), servers);
  EXPECT_EQ(back.value()[0].name(), "lab one");
  EXPECT_EQ(decode_server_met(bytes({0x0e}) + wire.substr(1)).value(), servers) << "the older magic";
  EXPECT_EQ(decode_server_met(bytes({0x50}) + wire.substr(1)).error(), errc::bad_protocol_id);
  EXPECT_EQ(decode_server_met(bytes({0xe0}) + le32(1000) + wire.substr(5)).error(), errc::truncated);
}

}  // namespace
}  // namespace p2pscope::ed2k
