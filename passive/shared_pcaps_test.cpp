// Issue #7's acceptance on real captures that no one here wrote
// (tests/fixtures/pcaps, copied from ../shared/pcaps): what the passive
// recognisers extract must agree with tshark (default preferences) field by
// field wherever tshark decodes the same thing, and, where tshark does not
// (ut_pex), with a listing made independently of our decoders.
#include "passive/capture_events.hpp"
#include "tests/testlib/fixtures.hpp"
#include "tests/testlib/tshark.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <set>
#include <sstream>

namespace p2pscope::passive {
namespace {

std::vector<Event> extract(const std::string& pcap) { return test_capture::capture_events(testlib::fixture_path("pcaps/" + pcap)); }
using test_capture::only;

// tshark's fields for the frames a display filter selects (default preferences).
std::vector<std::vector<std::string>> tshark(const std::string& pcap, const std::string& filter,
                                             const std::vector<std::string>& fields) {
  return testlib::tshark_fields(testlib::fixture_path("pcaps/" + pcap), {}, filter, fields);
}

std::string ep(const std::string& ip, const std::string& port) { return ip + ":" + port; }

// (from, to, info hash, peer id) of every handshake, ours and tshark's.
void expect_handshakes_match_tshark(const std::string& pcap, std::size_t at_least) {
  std::multiset<std::string> ours, theirs;
  for (const auto& h : only<HandshakeEvent>(extract(pcap))) {
    ours.insert(h.hop.from.to_string() + " " + h.hop.to.to_string() + " " + h.info_hash.hex() + " " + h.peer_id.hex());
  }
  for (const auto& r : tshark(pcap, "bittorrent.info_hash",
                              {"ip.src", "tcp.srcport", "ip.dst", "tcp.dstport", "bittorrent.info_hash", "bittorrent.peer_id"})) {
    ASSERT_EQ(r.size(), 6u);
    theirs.insert(ep(r[0], r[1]) + " " + ep(r[2], r[3]) + " " + r[4] + " " + r[5]);
  }
  EXPECT_GE(theirs.size(), at_least) << "tshark found too few: is it installed?";
  EXPECT_EQ(ours, theirs);
}

TEST(PassivePcap, TcpHandshakesMatchTshark) { expect_handshakes_match_tshark("bittorrent.pcap", 41); }

// The handshake follows an encryption negotiation that settled on plaintext.
TEST(PassivePcap, HandshakeAfterNegotiationMatchesTshark) {
  expect_handshakes_match_tshark("bittorrent_tcp_miss.pcapng", 1);
}

TEST(PassivePcap, DhtQueriesMatchTshark) {
  std::multiset<std::string> ours, theirs;
  for (const auto& k : only<KrpcEvent>(extract("bittorrent_utp.pcap"))) {
    ours.insert(k.hop.from.to_string() + " " + k.method + " " + (k.info_hash ? k.info_hash->hex() : "-"));
  }
  for (const auto& r : tshark("bittorrent_utp.pcap", "bt-dht", {"ip.src", "udp.srcport", "bt-dht.bencoded.string"})) {
    ASSERT_EQ(r.size(), 3u);
    std::vector<std::string> s;
    std::istringstream cells(r[2]);
    for (std::string c; std::getline(cells, c, ',');) s.push_back(c);
    std::string method = "-", info_hash = "-";
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
      if (s[i] == "q") method = s[i + 1];
      if (s[i] == "info_hash") info_hash = s[i + 1];
    }
    theirs.insert(ep(r[0], r[1]) + " " + method + " " + info_hash);
  }
  EXPECT_EQ(theirs.size(), 3u);
  EXPECT_EQ(ours, theirs);
}

// tshark does not decode uTP or ut_pex with its default preferences; the
// fixture lists frame 58's 11 peers, sliced out independently.
TEST(PassivePcap, UtpPexInFrame58ListsAllElevenPeers) {
  auto events = extract("bittorrent_utp.pcap");
  auto pex = only<PexEvent>(events);
  ASSERT_EQ(pex.size(), 1u);
  std::string listed;
  for (const auto& a : pex[0].pex.added) {
    char flags[8];
    std::snprintf(flags, sizeof flags, "0x%02x", a.flags ? a.flags->bits() : 0);
    listed += a.endpoint.to_string() + " flags=" + flags + "\n";
  }
  EXPECT_EQ(listed, testlib::read_fixture("utp_pex_frame58_eleven_peers.txt"));
  auto hs = only<HandshakeEvent>(events);
  ASSERT_EQ(hs.size(), 2u);
  EXPECT_EQ(hs[0].hop.carrier, Carrier::utp);
}

// tshark's request URI, with info_hash and peer_id percent-decoded here.
std::string unescape_hex(const std::string& uri, const std::string& key) {
  auto at = uri.find(key + "=");
  if (at == std::string::npos) return "missing";
  std::string out;
  static const char* hex = "0123456789abcdef";
  for (auto i = at + key.size() + 1; i < uri.size() && uri[i] != '&'; ++i) {
    unsigned char c = static_cast<unsigned char>(uri[i]);
    if (c == '%') {
      c = static_cast<unsigned char>(std::stoi(uri.substr(i + 1, 2), nullptr, 16));
      i += 2;
    }
    out += {hex[c >> 4], hex[c & 15]};
  }
  return out;
}

void expect_announce_matches_tshark(const std::string& pcap) {
  auto ours = only<TrackerAnnounceEvent>(extract(pcap));
  auto theirs = tshark(pcap, "http.request", {"ip.src", "tcp.srcport", "http.request.uri"});
  ASSERT_EQ(theirs.size(), 1u);
  ASSERT_EQ(ours.size(), 1u);
  EXPECT_EQ(ours[0].hop.from.to_string(), ep(theirs[0][0], theirs[0][1]));
  EXPECT_EQ(ours[0].info_hash.hex(), unescape_hex(theirs[0][2], "info_hash"));
  EXPECT_EQ(ours[0].peer_id.hex(), unescape_hex(theirs[0][2], "peer_id"));
}

TEST(PassivePcap, HttpAnnouncesMatchTshark) {
  expect_announce_matches_tshark("zeek_tracker.pcap");
  expect_announce_matches_tshark("bt-http.pcapng");
  EXPECT_TRUE(only<TrackerPeersEvent>(extract("bt-http.pcapng")).empty()) << "a 307 redirect holds no peers";
}

// The reply is gzip-compressed (Zeek cannot read it); the fixture lists its
// 50 peers, sliced out independently.
TEST(PassivePcap, GzippedTrackerReplyListsEveryPeer) {
  auto replies = only<TrackerPeersEvent>(extract("zeek_tracker.pcap"));
  ASSERT_EQ(replies.size(), 1u);
  std::string listed;
  for (const auto& p : replies[0].peers) listed += p.to_string() + "\n";
  EXPECT_EQ(listed, testlib::read_fixture("zeek_tracker_announce_peers.txt"));
  ASSERT_TRUE(replies[0].info_hash);
  EXPECT_EQ(replies[0].info_hash->hex(), only<TrackerAnnounceEvent>(extract("zeek_tracker.pcap"))[0].info_hash.hex());
}

// The direct record writer (the CLI's hot path) against to_json on every
// event of every capture: every record type occurs in them.
TEST(PassiveRecords, DirectWriterAgreesWithToJsonOnEveryCapture) {
  std::set<std::string> types;
  for (const auto* pcap : {"pcaps/bittorrent.pcap", "pcaps/bittorrent_tcp_miss.pcapng", "pcaps/bittorrent_utp.pcap",
                           "pcaps/bt-http.pcapng", "pcaps/zeek_tracker.pcap", "ed2k/amule233_lab.pcapng",
                           "biglybt/biglybt32_pair_lab.pcapng"}) {
    for (const auto& e : test_capture::capture_events(testlib::fixture_path(pcap))) {
      std::string line;
      append_json(e, line);
      auto want = to_json(e);
      EXPECT_EQ(nlohmann::json::parse(line), want) << pcap << ": " << line;
      EXPECT_EQ(record_type(e), want.at("type").get<std::string>());
      types.insert(std::string(record_type(e)));
    }
  }
  EXPECT_EQ(types.size(), std::variant_size_v<Event>) << "a record type went missing from the captures";
}

}  // namespace
}  // namespace p2pscope::passive
