#include "passive/peer_wire_parser.hpp"

#include <gtest/gtest.h>

namespace p2pscope::passive {
namespace {

std::string handshake() {
  Handshake h;
  h.info_hash = InfoHash::from_bytes(std::string(20, 'i')).value();
  h.peer_id = PeerId::from_bytes("-TR3000-abcdefghijkl").value();
  return encode_handshake(h);
}

TEST(PassiveWire, HandshakeExtendedAndPortInOneBytePieces) {
  ExtendedHandshake x;
  x.m["ut_pex"] = 3;
  x.v = "Test 1.0";
  auto stream = handshake() + encode_extended(0, encode_extended_handshake(x)) + encode_port(6881) + encode_keep_alive();
  PeerWireParser p;
  int handshakes = 0;
  std::optional<std::uint8_t> pex_id;
  std::optional<std::uint16_t> port;
  WireHandlers h;
  h.handshake = [&](const Handshake&) { ++handshakes; };
  h.extended_handshake = [&](const ExtendedHandshakeSummary& e) { pex_id = e.extension_id; };
  h.port = [&](std::uint16_t v) { port = v; };
  for (char c : stream) p.feed(std::string_view(&c, 1), h);
  EXPECT_EQ(handshakes, 1);
  EXPECT_EQ(pex_id, 3);
  EXPECT_EQ(port, 6881);
  EXPECT_EQ(p.messages(), 3u);
  EXPECT_EQ(p.state(), PeerWireParser::State::messages);
}

TEST(PassiveWire, PieceBodiesAreSkippedNotBuffered) {
  std::string piece_body(9 + 16384, 'p');
  auto stream = handshake() + encode_message(MessageId::piece, piece_body) + encode_port(51413) +
                encode_message(MessageId::piece, piece_body) + encode_port(6881);
  PeerWireParser p;
  std::vector<std::uint16_t> ports;
  WireHandlers h;
  h.port = [&](std::uint16_t v) { ports.push_back(v); };
  for (std::size_t at = 0; at < stream.size(); at += 1000) p.feed(std::string_view(stream).substr(at, 1000), h);
  EXPECT_EQ(ports, (std::vector<std::uint16_t>{51413, 6881}));
  EXPECT_EQ(p.messages(), 4u);
  EXPECT_EQ(p.state(), PeerWireParser::State::messages);
}

TEST(PassiveWire, NotBitTorrentFailsAtTheFirstByte) {
  PeerWireParser p;
  p.feed("\x16\x03\x01", {});  // a TLS record
  EXPECT_EQ(p.failure(), errc::bad_protocol_string);
}

TEST(PassiveWire, OversizedLengthPrefixEndsTheStream) {
  PeerWireParser p(WireLimits{1024});
  p.feed(handshake() + std::string("\x00\x10\x00\x00", 4), {});
  EXPECT_EQ(p.failure(), errc::oversized);
}

}  // namespace
}  // namespace p2pscope::passive
