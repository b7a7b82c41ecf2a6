#include "core/kad.hpp"
#include "tests/testlib/ed2k_bytes.hpp"

#include <gtest/gtest.h>

namespace p2pscope::kad {
namespace {

using test::bytes;
using test::le16;
using test::le32;

KadId id(std::uint8_t first) { return KadId::of(test::md4(first)); }
std::string wire_id(std::uint8_t first) {  // four little-endian u32, most significant first
  std::string out;
  for (int chunk = 0; chunk < 4; ++chunk)
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(first + chunk * 4 + i));
  return out;
}
Contact contact(std::uint8_t first, const char* ip, std::uint16_t udp) {
  return Contact{id(first), ed2k::hybrid_id(IpAddress::parse(ip).value()), udp, 4662, 8};
}

// emule.md §0: hash bytes h0..h15 go on the wire as h3 h2 h1 h0 h7 h6 ...
TEST(Kad, IdsGoOnTheWireAsFourLittleEndianWordsMostSignificantFirst) {
  NodeRequest q{11, id(0x00), id(0x40)};
  auto wire = encode_node_request(q);
  EXPECT_EQ(wire, bytes({0x0b}) + wire_id(0x00) + wire_id(0x40));
  EXPECT_EQ(decode_node_request(wire).value(), q);
}

TEST(Kad, ContactAddressesAreInTheHybridForm) {
  BootstrapResponse b{id(0x10), 4662, 8, {contact(0x20, "1.2.3.4", 4672)}};
  auto wire = encode_bootstrap_response(b);
  // id, tcp, version, count, then the contact: id, ip as 04 03 02 01, udp, tcp, version
  EXPECT_EQ(wire.substr(16 + 2 + 1 + 2 + 16, 4), bytes({4, 3, 2, 1}));
  auto back = decode_bootstrap_response(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), b);
  EXPECT_EQ(back.value().contacts[0].address(), IpAddress::parse("1.2.3.4").value());
}

TEST(Kad, ACountThatLiesEndsTheMessage) {
  BootstrapResponse b{id(0x10), 4662, 8, {contact(0x20, "1.2.3.4", 4672)}};
  auto wire = encode_bootstrap_response(b);
  wire[16 + 2 + 1] = 2;  // two contacts announced, one present
  EXPECT_EQ(decode_bootstrap_response(wire).error(), errc::truncated);
  Limits lim;
  lim.max_contacts = 0;
  EXPECT_EQ(decode_bootstrap_response(encode_bootstrap_response(b), lim).error(), errc::too_many_items);
  EXPECT_EQ(decode_bootstrap_response(encode_bootstrap_response(b) + "x").error(), errc::trailing_bytes);
}

TEST(Kad, ARequestForNoContactsIsDropped) {
  EXPECT_EQ(decode_node_request(bytes({0x20}) + wire_id(0) + wire_id(0)).error(), errc::bad_value)
      << "0x20 & 0x1f is 0, which aMule drops";
  EXPECT_EQ(decode_node_request(bytes({0x0b}) + wire_id(0)).error(), errc::truncated);
}

TEST(Kad, NodeResponsesRoundTrip) {
  NodeResponse r{id(0x30), {contact(0x01, "198.51.100.7", 4672), contact(0x02, "203.0.113.9", 4673)}};
  auto back = decode_node_response(encode_node_response(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), r);
}

TEST(Kad, AnAnswersTargetIsReadFromItsHead) {
  NodeResponse nodes{id(0x30), {contact(0x01, "198.51.100.7", 4672)}};
  SearchResponse found{id(0x60), id(0x50), {}};
  EXPECT_EQ(answer_target(op::res, encode_node_response(nodes)), id(0x30));
  EXPECT_EQ(answer_target(op::search_res, encode_search_response(found)), id(0x50)) << "after the sender's id";
  EXPECT_EQ(answer_target(op::res, wire_id(0x30).substr(0, 15)), std::nullopt) << "too short";
  EXPECT_EQ(answer_target(op::bootstrap_res, encode_node_response(nodes)), std::nullopt) << "no target in it";
}

TEST(Kad, SourceSearchKeepsFifteenBitsOfItsStartAndA64BitSize) {
  SourceSearch s{id(0x50), 0x8005, 5'000'000'000};
  auto wire = encode_source_search(s);
  EXPECT_EQ(wire, wire_id(0x50) + le16(0x0005) + test::le64(5'000'000'000));
  auto back = decode_source_search(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value().start, 5);
  EXPECT_EQ(back.value().file_size, 5'000'000'000u);
}

TEST(Kad, ASourceResultGivesTheIndexedAddressInBothForms) {
  SourceEntry e;
  e.user_hash = id(0x70);
  e.type = 1;
  e.ip = ed2k::hybrid_id(IpAddress::parse("81.2.3.4").value());
  e.tcp_port = 4662;
  e.udp_port = 4672;
  e.crypt = 3;
  SearchResponse r{id(0x60), id(0x50), {search_result_of(e)}};
  auto back = decode_search_response(encode_search_response(r));
  ASSERT_TRUE(back);
  ASSERT_EQ(back.value().results.size(), 1u);
  auto entry = source_entry(back.value().results[0]);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry.value(), e);
  EXPECT_EQ(entry.value().address(), IpAddress::parse("81.2.3.4").value());
  EXPECT_EQ(ed2k::ip_of_ed2k_id(entry.value().ip), IpAddress::parse("4.3.2.81").value()) << "the other byte order";
}

TEST(Kad, AResultWithoutAnAddressIsNotASource) {
  SearchResult r{id(0x70), {test::u32_tag(0xFF, 1), test::u32_tag(0xFD, 4662)}};
  EXPECT_EQ(source_entry(r).error(), errc::missing_key);
}

TEST(Kad, TooManyResultsEndTheMessage) {
  SearchResponse r{id(0x60), id(0x50), {}};
  for (int i = 0; i < 3; ++i) r.results.push_back(SearchResult{id(static_cast<std::uint8_t>(i)), {}});
  Limits lim;
  lim.max_results = 2;
  EXPECT_EQ(decode_search_response(encode_search_response(r), lim).error(), errc::too_many_items);
}

TEST(Kad, AnIndexerKeepsAPublicationWithTheSendersAddressNotTheOneItClaims) {
  SourcePublish p{KadId::of(test::md4(1)), KadId::of(test::md4(2)),
                  {ed2k::number_tag(0xFF, ed2k::TagType::uint8, 1), ed2k::number_tag(0xFD, ed2k::TagType::uint16, 4662),
                   ed2k::number_tag(0xFE, ed2k::TagType::uint32, 0x01020304),  // a claimed address: ignored
                   ed2k::number_tag(0xFC, ed2k::TagType::uint16, 4673)}};
  ASSERT_EQ(decode_source_publish(encode_source_publish(p)).value(), p);
  const Endpoint from{IpAddress::parse("203.0.113.5").value(), 5000};
  auto e = published_entry(p, from);
  ASSERT_TRUE(e);
  EXPECT_EQ(ed2k::ip_of_hybrid_id(e.value().ip), from.address);
  EXPECT_EQ(e.value().udp_port, 4673) << "the tag's UDP port before the datagram's";
  EXPECT_EQ(e.value().user_hash, p.source);
  p.tags.erase(p.tags.begin());  // no source type
  EXPECT_EQ(published_entry(p, from).error(), errc::missing_key);
  EXPECT_FALSE(published_entry(p, {IpAddress::parse("2001:db8::1").value(), 5000}));
  EXPECT_EQ(decode_source_publish(encode_source_publish(p).substr(0, 20)).error(), errc::truncated);
}

TEST(Kad, ToleranceIsTheTopThirtyTwoBitsOfTheDistance) {
  KadId a = id(0x00), b = id(0x00);
  b.bytes[1] ^= 0x01;  // differs in bit 16 from the top
  EXPECT_EQ(distance_prefix(a, b), 0x00010000u);
  EXPECT_LE(distance_prefix(a, b), kSearchTolerance);
  b.bytes[0] ^= 0x02;
  EXPECT_GT(distance_prefix(a, b), kSearchTolerance);
}

TEST(Kad, NodesDatInAllThreeEditions) {
  NodesFile f{NodesEdition::v2, {contact(0x01, "198.51.100.7", 4672), contact(0x02, "203.0.113.9", 4673)}};
  for (auto edition : {NodesEdition::v1, NodesEdition::v2, NodesEdition::bootstrap}) {
    f.edition = edition;
    auto wire = encode_nodes_dat(f);
    auto back = decode_nodes_dat(wire);
    ASSERT_TRUE(back);
    EXPECT_EQ(back.value(), f);
  }
  EXPECT_EQ(encode_nodes_dat(f).substr(0, 16), le32(0) + le32(3) + le32(1) + le32(2));
  f.edition = NodesEdition::v2;
  EXPECT_EQ(encode_nodes_dat(f).size(), 12 + 2 * 34u) << "v2 entries carry a key, its IP and a verified byte";
}

TEST(Kad, NodesDatOfKadOneOrCutShortIsRefused) {
  EXPECT_EQ(decode_nodes_dat(le32(5)).error(), errc::unknown_message_type) << "version 0 starts with its count";
  EXPECT_EQ(decode_nodes_dat(le32(0) + le32(9) + le32(0)).error(), errc::unknown_message_type);
  EXPECT_EQ(decode_nodes_dat(le32(0) + le32(2) + le32(1000)).error(), errc::truncated);
  EXPECT_EQ(decode_nodes_dat(le32(0) + le32(2)).error(), errc::truncated);
}

}  // namespace
}  // namespace p2pscope::kad
