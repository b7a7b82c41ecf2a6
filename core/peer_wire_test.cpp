#include "core/peer_wire.hpp"

#include "tests/testlib/round_trip.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

using namespace std::string_literals;

Handshake sample_handshake() {
  Handshake h;
  h.info_hash = InfoHash::from_bytes(std::string(20, 'i')).value();
  h.peer_id = PeerId::from_bytes("-LT2080-abcdefghijkl").value();
  h.set_features(Features(Feature::extension_protocol) | Feature::dht | Feature::fast);
  return h;
}

TEST(Handshake, LaysOutBep3FieldsAndFeatureBits) {
  auto raw = encode_handshake(sample_handshake());
  ASSERT_EQ(raw.size(), kHandshakeSize);
  EXPECT_EQ(raw.substr(0, 20), "\x13" "BitTorrent protocol");
  EXPECT_EQ(raw.substr(20, 8), "\0\0\0\0\0\x10\0\x05"s);  // BEP 10 bit; DHT | fast bits
  EXPECT_EQ(raw.substr(28, 20), std::string(20, 'i'));
  EXPECT_EQ(raw.substr(48, 20), "-LT2080-abcdefghijkl");
  auto h = decode_handshake(raw).value();
  EXPECT_TRUE(h.features().has(Feature::extension_protocol));
  EXPECT_TRUE(h.features().has(Feature::dht));
  EXPECT_TRUE(h.features().has(Feature::fast));
  EXPECT_EQ(h, sample_handshake());
}

TEST(Handshake, RejectsOtherProtocolsEarlyAndShortInputLate) {
  EXPECT_EQ(decode_handshake("GET / HTTP/1.1\r\n").error(), errc::bad_protocol_string);
  EXPECT_EQ(decode_handshake("\x13" "BitTorrent prot").error(), errc::truncated);
  EXPECT_EQ(decode_handshake(encode_handshake(sample_handshake()).substr(0, 67)).error(), errc::truncated);
  EXPECT_EQ(decode_handshake("").error(), errc::truncated);
}

TEST(Handshake, IgnoresBytesAfterTheHandshake) {
  auto raw = encode_handshake(sample_handshake()) + encode_keep_alive();
  EXPECT_EQ(decode_handshake(raw).value(), sample_handshake());
}

TEST(PeerWire, FramesMessagesAndWaitsForMore) {
  auto stream = encode_keep_alive() + encode_port(6881) + encode_message(MessageId::have_all);
  auto f1 = next_frame(stream).value();
  ASSERT_TRUE(f1);
  EXPECT_TRUE(f1->keep_alive);
  auto rest = std::string_view(stream).substr(f1->consumed);
  auto f2 = next_frame(rest).value();
  ASSERT_TRUE(f2);
  EXPECT_EQ(f2->id, static_cast<std::uint8_t>(MessageId::port));
  EXPECT_EQ(decode_port(f2->payload).value(), 6881);
  rest = rest.substr(f2->consumed);
  auto f3 = next_frame(rest).value();
  EXPECT_EQ(f3->id, static_cast<std::uint8_t>(MessageId::have_all));
  EXPECT_TRUE(check_empty_payload(f3->payload));
  EXPECT_FALSE(next_frame(rest.substr(0, 4)).value());  // length only: wait for more
  EXPECT_FALSE(next_frame("\0\0"s).value());
}

TEST(PeerWire, RejectsOversizedLengthPrefix) {
  EXPECT_EQ(next_frame("\x7f\xff\xff\xff\x05"s).error(), errc::oversized);
}

TEST(PeerWire, ChecksPortAndEmptyPayloads) {
  EXPECT_EQ(decode_port("\x1a"s).error(), errc::bad_length);
  EXPECT_EQ(check_empty_payload("x").error(), errc::bad_length);
}

TEST(PeerWire, ValidatesBitfieldAgainstPieceCount) {
  auto b = decode_bitfield("\xff\xe0"s, 11).value();
  EXPECT_EQ(b.count(), 11u);
  EXPECT_TRUE(b.has(10));
  EXPECT_FALSE(b.has(11));
  EXPECT_EQ(decode_bitfield("\xff\xf0"s, 11).error(), errc::bad_value);  // spare bit set
  EXPECT_EQ(decode_bitfield("\xff"s, 11).error(), errc::bad_length);
  EXPECT_TRUE(decode_bitfield("\xff\xff\xff"s, std::nullopt));  // count unknown: accepted as sent
  auto framed = encode_bitfield(b);
  auto f = next_frame(framed).value();
  EXPECT_EQ(decode_bitfield(f->payload, 11).value(), b);
}

TEST(PeerWire, SplitsExtendedMessages) {
  auto framed = encode_extended(3, "d5:added0:e");
  auto f = next_frame(framed).value();
  auto e = decode_extended(f->payload).value();
  EXPECT_EQ(e.ext_id, 3);
  EXPECT_EQ(e.body, "d5:added0:e");
  EXPECT_EQ(decode_extended("").error(), errc::truncated);
}

TEST(Handshake, RoundTripsRandomHandshakes) {
  testlib::expect_round_trips(
      300, [](testlib::Gen& g) { return g.handshake(); }, [](const Handshake& h) { return encode_handshake(h); },
      [](std::string_view b) { return decode_handshake(b); });
}

}  // namespace
}  // namespace p2pscope
