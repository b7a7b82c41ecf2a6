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

// Two Azureus-line peers: AZ_HANDSHAKE first, then AZMP framing to the end.
std::string az_pex_frame(std::uint16_t port) {
  AzPeerExchange m;
  m.info_hash = InfoHash::from_bytes(std::string(20, 'i')).value();
  m.pex.added = {{Endpoint::parse("203.0.113.5:" + std::to_string(port)).value(), PexFlags{}}};
  return encode_az_frame(kAzPeerExchange, 2, encode_az_peer_exchange(m));
}

TEST(PassiveWire, AzmpStreamHandsOutItsPeerExchangeInOneBytePieces) {
  auto stream = handshake() + encode_az_frame(kAzHandshake, 1, "d6:client7:BiglyBTe") +
                encode_az_frame("BT_BITFIELD", 1, "\xff") + az_pex_frame(6881) + az_pex_frame(6882);
  PeerWireParser p;
  std::vector<std::string> ids;
  WireHandlers h;
  h.az = [&](const AzFrame& f) { ids.emplace_back(f.id); };
  for (char c : stream) p.feed(std::string_view(&c, 1), h);
  EXPECT_EQ(ids, (std::vector<std::string>{"AZ_HANDSHAKE", "AZ_PEER_EXCHANGE", "AZ_PEER_EXCHANGE"}));
  EXPECT_EQ(p.messages(), 4u);
  EXPECT_EQ(p.state(), PeerWireParser::State::az_messages);
}

TEST(PassiveWire, AzmpPieceBodiesAreSkippedNotBuffered) {
  auto piece = encode_az_frame("BT_PIECE", 1, std::string(16384 + 8, 'p'));
  auto stream = handshake() + encode_az_frame(kAzHandshake, 1, "de") + piece + az_pex_frame(6881);
  PeerWireParser p;
  int pex = 0;
  WireHandlers h;
  h.az = [&](const AzFrame& f) { pex += f.id == kAzPeerExchange; };
  // The piece arrives in two halves: its header is enough to skip the rest.
  auto cut = handshake().size() + encode_az_frame(kAzHandshake, 1, "de").size() + 100;
  p.feed(std::string_view(stream).substr(0, cut), h);
  p.feed(std::string_view(stream).substr(cut), h);
  EXPECT_EQ(pex, 1);
  EXPECT_EQ(p.messages(), 3u);
}

TEST(PassiveWire, APlainStreamIsNotTakenForAzmp) {
  // A have message is shorter than AZ_HANDSHAKE's header: the parser waits,
  // then reads it as the plain wire once the bytes differ.
  auto stream = handshake() + encode_message(MessageId::have, std::string("\0\0\0\x07", 4)) + encode_port(6881);
  PeerWireParser p;
  std::optional<std::uint16_t> port;
  WireHandlers h;
  h.port = [&](std::uint16_t v) { port = v; };
  for (char c : stream) p.feed(std::string_view(&c, 1), h);
  EXPECT_EQ(port, 6881);
  EXPECT_EQ(p.state(), PeerWireParser::State::messages);
}

TEST(PassiveWire, ABrokenAzmpLengthFailsTheStream) {
  auto stream = handshake() + encode_az_frame(kAzHandshake, 1, "de") + std::string("\x7f\0\0\0", 4);
  PeerWireParser p;
  p.feed(stream, WireHandlers{});
  EXPECT_EQ(p.state(), PeerWireParser::State::failed);
  EXPECT_EQ(p.failure(), errc::oversized);
}

}  // namespace
}  // namespace p2pscope::passive
