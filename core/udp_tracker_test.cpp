#include "core/udp_tracker.hpp"

#include "tests/testlib/round_trip.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

using namespace std::string_literals;

TEST(UdpTracker, ConnectRequestCarriesBep15Magic) {
  auto raw = encode_udp_tracker(UdpTrackerRequest{UdpConnectRequest{0x01020304}});
  EXPECT_EQ(raw, "\x00\x00\x04\x17\x27\x10\x19\x80"s + "\0\0\0\0"s + "\x01\x02\x03\x04"s);
  EXPECT_EQ(std::get<UdpConnectRequest>(decode_udp_tracker_request(raw).value()).transaction_id, 0x01020304u);
}

TEST(UdpTracker, RejectsConnectWithoutMagic) {
  std::string raw(16, '\0');
  EXPECT_EQ(decode_udp_tracker_request(raw).error(), errc::bad_protocol_id);
}

TEST(UdpTracker, AnnounceRequestIs98BytesAtBep15Offsets) {
  UdpAnnounceRequest a;
  a.connection_id = 0x1122334455667788;
  a.transaction_id = 7;
  a.info_hash = InfoHash::from_bytes(std::string(20, 'I')).value();
  a.peer_id = PeerId::from_bytes(std::string(20, 'P')).value();
  a.left = 1000;
  a.event = AnnounceEvent::started;
  a.num_want = -1;
  a.port = 6881;
  auto raw = encode_udp_tracker(UdpTrackerRequest{a});
  ASSERT_EQ(raw.size(), 98u);
  EXPECT_EQ(raw.substr(8, 4), "\0\0\0\x01"s);         // action announce
  EXPECT_EQ(raw.substr(16, 20), std::string(20, 'I'));  // info_hash at 16
  EXPECT_EQ(raw.substr(36, 20), std::string(20, 'P'));  // peer_id at 36
  EXPECT_EQ(raw.substr(80, 4), "\0\0\0\x02"s);         // event at 80
  EXPECT_EQ(raw.substr(92, 4), "\xff\xff\xff\xff"s);   // num_want at 92
  EXPECT_EQ(raw.substr(96, 2), "\x1a\xe1"s);           // port at 96
  EXPECT_EQ(std::get<UdpAnnounceRequest>(decode_udp_tracker_request(raw).value()), a);
}

TEST(UdpTracker, AnnounceResponsePeersFollowRequestFamily) {
  std::string head = "\0\0\0\x01"s + "\0\0\0\x09"s + "\0\0\x07\x08"s + "\0\0\0\x02"s + "\0\0\0\x03"s;
  std::string v4 = "\x01\x02\x03\x04\x1a\xe1"s;
  auto r = std::get<UdpAnnounceResponse>(decode_udp_tracker_response(head + v4 + v4, Family::v4).value());
  EXPECT_EQ(r.transaction_id, 9u);
  EXPECT_EQ(r.interval, 1800u);
  EXPECT_EQ(r.leechers, 2u);
  EXPECT_EQ(r.seeders, 3u);
  ASSERT_EQ(r.peers.size(), 2u);
  EXPECT_EQ(r.peers[0].to_string(), "1.2.3.4:6881");
  std::string v6 = std::string(15, '\0') + "\x01\x00\x50"s;
  auto r6 = std::get<UdpAnnounceResponse>(decode_udp_tracker_response(head + v6, Family::v6).value());
  EXPECT_EQ(r6.peers.at(0).to_string(), "[::1]:80");
  EXPECT_EQ(decode_udp_tracker_response(head + v4, Family::v6).error(), errc::not_multiple);
}

TEST(UdpTracker, DecodesScrapeAndError) {
  std::string scrape = "\0\0\0\x02"s + "\0\0\0\x05"s + "\0\0\0\x0a"s + "\0\0\0\x14"s + "\0\0\0\x1e"s;
  auto s = std::get<UdpScrapeResponse>(decode_udp_tracker_response(scrape, Family::v4).value());
  ASSERT_EQ(s.entries.size(), 1u);
  EXPECT_EQ(s.entries[0], (ScrapeCounts{10, 20, 30}));
  auto e = std::get<UdpErrorResponse>(decode_udp_tracker_response("\0\0\0\x03"s + "\0\0\0\x05"s + "nope", Family::v4).value());
  EXPECT_EQ(e.message, "nope");
}

TEST(UdpTracker, RejectsMalformedResponses) {
  EXPECT_EQ(decode_udp_tracker_response("\0\0\0"s, Family::v4).error(), errc::truncated);
  EXPECT_EQ(decode_udp_tracker_response("\0\0\0\x09"s + "\0\0\0\0"s, Family::v4).error(), errc::unknown_message_type);
  EXPECT_EQ(decode_udp_tracker_response("\0\0\0\0"s + "\0\0\0\0"s + "\0\0\0"s, Family::v4).error(), errc::truncated);
  EXPECT_EQ(decode_udp_tracker_response("\0\0\0\x01"s + "\0\0\0\0"s + "\0\0"s, Family::v4).error(), errc::truncated);
  EXPECT_EQ(decode_udp_tracker_response("\0\0\0\x02"s + "\0\0\0\0"s + "\0\0"s, Family::v4).error(), errc::not_multiple);
  EXPECT_EQ(decode_udp_tracker_response(std::string(70000, '\0'), Family::v4).error(), errc::oversized);
}

TEST(UdpTracker, RejectsOversizedScrapeRequest) {
  UdpScrapeRequest s{1, 2, std::vector<InfoHash>(75)};
  EXPECT_EQ(decode_udp_tracker_request(encode_udp_tracker(UdpTrackerRequest{s})).error(), errc::too_many_items);
}

TEST(UdpTracker, RoundTripsRandomMessages) {
  auto encode = [](const auto& m) { return encode_udp_tracker(m); };
  testlib::expect_round_trips(
      500, [](testlib::Gen& g) { return g.udp_request(); }, encode,
      [](std::string_view b) { return decode_udp_tracker_request(b); });
  for (Family f : {Family::v4, Family::v6}) {
    testlib::expect_round_trips(
        500, [f](testlib::Gen& g) { return g.udp_response(f); }, encode,
        [f](std::string_view b) { return decode_udp_tracker_response(b, f); });
  }
}

}  // namespace
}  // namespace p2pscope
