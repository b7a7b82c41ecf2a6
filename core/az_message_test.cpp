#include "core/az_message.hpp"

#include "tests/testlib/fixtures.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

using namespace std::string_literals;

// Recorded in the harness: the AZ_PEER_EXCHANGE one BiglyBT 3.2 sent another
// (two IPv6 peers, both plain), whole with its frame.
const std::string kRecordedPex = testlib::bytes_from_hex(
    "0000007a00000010415a5f504545525f45584348414e47450264353a61646465646c31383a2600ab781d2b7f0f6e4ea346b15fd47c58"
    "4131383a2c0f134bdfdcd3e103f0195b05f14b3c83f765393a61646465645f485354323a0000383a696e666f6861736832303a38c49f"
    "240788988810d2ecd9b73f4e5157c5dde565");

InfoHash hash_of(char c) { return InfoHash::from_bytes(std::string(20, c)).value(); }

TEST(AzMessage, FramesAndDecodesARecordedBiglybtPeerExchange) {
  auto f = next_az_frame(kRecordedPex).value();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->id, kAzPeerExchange);
  EXPECT_EQ(f->version, 2);
  EXPECT_EQ(f->consumed, kRecordedPex.size());
  auto m = decode_az_peer_exchange(f->payload).value();
  EXPECT_EQ(m.info_hash.hex(), "38c49f240788988810d2ecd9b73f4e5157c5dde5");
  ASSERT_EQ(m.pex.added.size(), 2u);
  EXPECT_EQ(m.pex.added[0].endpoint.to_string(), "[2600:ab78:1d2b:7f0f:6e4e:a346:b15f:d47c]:22593");
  EXPECT_EQ(m.pex.added[1].endpoint.to_string(), "[2c0f:134b:dfdc:d3e1:3f0:195b:5f1:4b3c]:33783");
  EXPECT_EQ(m.pex.added[0].flags, PexFlags{});  // handshake type 0: plain
  EXPECT_TRUE(m.pex.dropped.empty());
  EXPECT_TRUE(m.pex.anomalies.empty());
}

TEST(AzMessage, WaitsForTheWholeMessage) {
  for (std::size_t n : {0u, 3u, 4u, 40u, 125u}) {
    auto f = next_az_frame(std::string_view(kRecordedPex).substr(0, n));
    ASSERT_TRUE(f) << n;
    EXPECT_FALSE(f.value()) << n;
  }
}

TEST(AzMessage, RefusesLengthsItCannotFrame) {
  EXPECT_EQ(next_az_frame("\x00\x02\x00\x01"s).error(), errc::oversized);           // 128 KiB + 1
  EXPECT_EQ(next_az_frame("\x00\x00\x00\x05\x00\x00\x00\x01X"s).error(), errc::bad_length);  // no room for a version
  EXPECT_EQ(next_az_frame("\x00\x00\x00\x06\x00\x00\x00\x00XY"s).error(), errc::bad_length);  // an empty id
  EXPECT_EQ(next_az_frame("\x00\x00\x00\x06\x00\x00\x00\x09XY"s).error(), errc::truncated);   // id past the message
}

TEST(AzMessage, SkipsPaddingFromVersionTwo) {
  auto m = "\x00\x00\x00\x10\x00\x00\x00\x02IDx"s;  // version 2 with the padding bit
  m.back() = static_cast<char>(0x12);
  m += "\x00\x03pad" "body"s;
  auto f = next_az_frame(m).value();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->version, 2);
  EXPECT_EQ(f->payload, "body");
  m[10] = 0x11;  // version 1: the bit means nothing, the bytes are payload
  EXPECT_EQ(next_az_frame(m).value()->payload, "\x00\x03pad" "body"s);
}

TEST(AzMessage, KnowsAStreamOpensWithAzHandshake) {
  auto opening = encode_az_frame(kAzHandshake, 1, "de");
  EXPECT_EQ(az_opening(opening), AzOpening::yes);
  EXPECT_EQ(az_opening(opening.substr(0, 10)), AzOpening::undecided);
  EXPECT_EQ(az_opening(opening.substr(0, 4)), AzOpening::undecided);
  EXPECT_EQ(az_opening("\x00\x00\x00\x02\x05\xff"s), AzOpening::no);  // a plain bitfield
  EXPECT_EQ(az_opening(encode_az_frame("BT_BITFIELD", 1, "x")), AzOpening::no);
}

TEST(AzMessage, PeekSeesTheIdBeforeTheBody) {
  auto piece = encode_az_frame("BT_PIECE", 1, std::string(16384, 'x'));
  auto h = peek_az_header(std::string_view(piece).substr(0, 20));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->id, "BT_PIECE");
  EXPECT_EQ(h->whole, piece.size());
  EXPECT_FALSE(peek_az_header(std::string_view(piece).substr(0, 10)));
}

TEST(AzMessage, PeerExchangeRoundTripsBothFamiliesTypesAndDrops) {
  AzPeerExchange m;
  m.info_hash = hash_of('h');
  m.pex.added = {{Endpoint::parse("203.0.113.5:6881").value(), PexFlags{PexFlag::prefers_encryption}},
                 {Endpoint::parse("[2001:db8::7]:51413").value(), PexFlags{}}};
  m.pex.dropped = {Endpoint::parse("198.51.100.9:1024").value()};
  auto back = decode_az_peer_exchange(encode_az_peer_exchange(m)).value();
  EXPECT_EQ(back, m);
}

TEST(AzMessage, CountsOtherNetworksApartFromPeers) {
  lt::entry e(lt::entry::dictionary_t);
  e["infohash"] = std::string(20, 'h');
  e["added"] = lt::entry::list_type{lt::entry("ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p"),
                                    lt::entry("\xcb\x00\x71\x05\x1a\xe1"s)};
  auto m = decode_az_peer_exchange(encode_bencode(e)).value();
  EXPECT_EQ(m.other_networks, 1u);
  ASSERT_EQ(m.pex.added.size(), 1u);
  EXPECT_EQ(m.pex.added[0].endpoint.to_string(), "203.0.113.5:6881");
  EXPECT_FALSE(m.pex.added[0].flags);  // no added_HST: types unknown
}

TEST(AzMessage, HandshakeTypesThatDoNotLineUpAreAnAnomaly) {
  lt::entry e(lt::entry::dictionary_t);
  e["infohash"] = std::string(20, 'h');
  e["added"] = lt::entry::list_type{lt::entry("\xcb\x00\x71\x05\x1a\xe1"s)};
  e["added_HST"] = "\x00\x00"s;
  auto m = decode_az_peer_exchange(encode_bencode(e)).value();
  EXPECT_TRUE(m.pex.anomalies.has(PexAnomaly::added_flags_mismatch));
  EXPECT_FALSE(m.pex.added.at(0).flags);
}

TEST(AzMessage, RefusesAPeerExchangeWithoutItsTorrent) {
  lt::entry e(lt::entry::dictionary_t);
  e["added"] = lt::entry::list_type{lt::entry("\xcb\x00\x71\x05\x1a\xe1"s)};
  EXPECT_EQ(decode_az_peer_exchange(encode_bencode(e)).error(), errc::missing_key);
  e["infohash"] = "short";
  EXPECT_EQ(decode_az_peer_exchange(encode_bencode(e)).error(), errc::bad_hash);
  e["infohash"] = std::string(20, 'h');
  e["added"] = lt::entry::list_type{lt::entry(5)};
  EXPECT_EQ(decode_az_peer_exchange(encode_bencode(e)).error(), errc::wrong_type);
  EXPECT_EQ(decode_az_peer_exchange("not bencode").error(), errc::bencode_malformed);
}

TEST(AzMessage, RefusesMorePeersThanTheLimit) {
  AzPeerExchange m;
  m.info_hash = hash_of('h');
  for (int i = 0; i < 5; ++i) m.pex.dropped.push_back(Endpoint::parse("203.0.113.5:" + std::to_string(1000 + i)).value());
  ExtensionLimits lim;
  lim.max_pex_peers = 4;
  EXPECT_EQ(decode_az_peer_exchange(encode_az_peer_exchange(m), lim).error(), errc::too_many_items);
}

}  // namespace
}  // namespace p2pscope
