#include "core/http_tracker.hpp"

#include "tests/testlib/fixtures.hpp"
#include "tests/testlib/round_trip.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

using namespace std::string_literals;

TEST(HttpTracker, DecodesCompactPeersAndCounts) {
  std::string body = "d8:completei5e10:incompletei3e8:intervali1800e12:min intervali900e5:peers12:"s +
                     "\x01\x02\x03\x04\x1a\xe1\x05\x06\x07\x08\x00\x50"s + "e";
  auto r = decode_http_announce(body).value();
  EXPECT_EQ(r.complete, 5);
  EXPECT_EQ(r.incomplete, 3);
  EXPECT_EQ(r.interval, 1800);
  EXPECT_EQ(r.min_interval, 900);
  ASSERT_EQ(r.peers.size(), 2u);
  EXPECT_EQ(r.peers[1].endpoint.to_string(), "5.6.7.8:80");
}

TEST(HttpTracker, DecodesDictionaryPeersWithIdsAndHostNames) {
  lt::entry e(lt::entry::dictionary_t);
  e["interval"] = 60;
  lt::entry::list_type peers;
  lt::entry a(lt::entry::dictionary_t);
  a["ip"] = "2001:db8::7";
  a["port"] = 51413;
  a["peer id"] = "-TR2940-abcdefghijkl";
  lt::entry b(lt::entry::dictionary_t);
  b["ip"] = "peer.example.org";
  b["port"] = 6881;
  peers.push_back(a);
  peers.push_back(b);
  e["peers"] = peers;
  auto r = decode_http_announce(encode_bencode(e)).value();
  ASSERT_EQ(r.peers.size(), 1u);
  EXPECT_EQ(r.peers[0].endpoint.to_string(), "[2001:db8::7]:51413");
  EXPECT_EQ(r.peers[0].peer_id->raw(), "-TR2940-abcdefghijkl");
  ASSERT_EQ(r.named_peers.size(), 1u);
  EXPECT_EQ(r.named_peers[0].host, "peer.example.org");
}

TEST(HttpTracker, DecodesPeers6AndExternalIp) {
  std::string body = "d11:external ip4:\x0a\x00\x00\x09"s + "8:intervali10e5:peers0:6:peers618:"s +
                     std::string(15, '\0') + "\x01\x1a\xe1"s + "e";
  auto r = decode_http_announce(body).value();
  EXPECT_EQ(r.external_ip->to_string(), "10.0.0.9");
  ASSERT_EQ(r.peers.size(), 1u);
  EXPECT_EQ(r.peers[0].endpoint.to_string(), "[::1]:6881");
}

TEST(HttpTracker, KeepsFailureReasonAndWarning) {
  auto r = decode_http_announce("d14:failure reason14:not authorizede").value();
  EXPECT_EQ(r.failure_reason, "not authorized");
  auto w = decode_http_announce("d15:warning message4:slow8:intervali5e5:peers0:e").value();
  EXPECT_EQ(w.warning_message, "slow");
}

TEST(HttpTracker, AcceptsTrailingNewline) {
  EXPECT_TRUE(decode_http_announce("d8:intervali5e5:peers0:e\n"));
}

TEST(HttpTracker, RejectsMalformedBodies) {
  EXPECT_EQ(decode_http_announce("d5:peers5:abcdee").error(), errc::not_multiple);
  EXPECT_EQ(decode_http_announce("d5:peersi5ee").error(), errc::wrong_type);
  EXPECT_EQ(decode_http_announce("d8:intervali-5ee").error(), errc::bad_value);
  EXPECT_EQ(decode_http_announce("d5:peersld2:ip7:1.2.3.4eee").error(), errc::missing_key);
  EXPECT_EQ(decode_http_announce("d5:peersld2:ip7:1.2.3.44:porti99999eeee").error(), errc::bad_value);
  EXPECT_EQ(decode_http_announce("<html>").error(), errc::bencode_malformed);
  EXPECT_EQ(decode_http_announce("le").error(), errc::wrong_type);
}

TEST(HttpTracker, DecodesScrape) {
  std::string ih(20, 'H');
  std::string body = "d5:filesd20:" + ih + "d8:completei4e10:downloadedi9e10:incompletei2e4:name3:abcee5:flagsd20:min_request_intervali600eee";
  auto s = decode_http_scrape(body).value();
  ASSERT_EQ(s.files.size(), 1u);
  EXPECT_EQ(s.files[0].info_hash.raw(), ih);
  EXPECT_EQ(s.files[0].complete, 4);
  EXPECT_EQ(s.files[0].downloaded, 9);
  EXPECT_EQ(s.files[0].incomplete, 2);
  EXPECT_EQ(s.files[0].name, "abc");
  EXPECT_EQ(s.min_request_interval, 600);
  EXPECT_EQ(decode_http_scrape("d5:filesd3:abcdeee").error(), errc::bad_hash);
}

TEST(HttpTracker, ZeekCaptureGzipAnnounceHasFiftyPeers) {
  // The decompressed reply body of shared/pcaps/zeek_tracker.pcap; see
  // tests/fixtures/README.md for how it was extracted.
  auto body = testlib::read_fixture("zeek_tracker_announce_body.bencode");
  auto r = decode_http_announce(body).value();
  EXPECT_EQ(r.peers.size(), 50u);
  auto expected = testlib::read_fixture("zeek_tracker_announce_peers.txt");
  std::string got;
  for (const auto& p : r.peers) got += p.endpoint.to_string() + "\n";
  EXPECT_EQ(got, expected);
}

TEST(HttpTracker, EscapesUrlBytesPerBep3) {
  EXPECT_EQ(url_escape("\x12\x34\x56\x78\x9a\xbc\xde\xf1\x23\x45\x67\x89\xab\xcd\xef\x12\x34\x56\x78\x9a"s),
            "%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A");  // BEP 3's example infohash
  EXPECT_EQ(url_escape("a-b.c_d~e f"), "a-b.c_d~e%20f");
}

TEST(HttpTracker, BuildsAnnounceUrl) {
  HttpAnnounceParams p;
  p.info_hash = InfoHash::from_bytes(std::string(20, 'a')).value();
  p.peer_id = PeerId::from_bytes(std::string(20, 'b')).value();
  p.port = 6881;
  p.left = 5;
  p.event = AnnounceEvent::started;
  p.numwant = 200;
  auto url = announce_url("http://t.example/announce?passkey=x", p);
  EXPECT_EQ(url, "http://t.example/announce?passkey=x&info_hash=" + std::string(20, 'a') + "&peer_id=" +
                     std::string(20, 'b') + "&port=6881&uploaded=0&downloaded=0&left=5&compact=1&event=started&numwant=200");
}

TEST(HttpTracker, DecodesTheAnnounceQueryItBuilds) {
  testlib::Gen g(7);
  for (int i = 0; i < 300; ++i) {
    HttpAnnounceParams p;
    p.info_hash = g.hash<InfoHash>();
    p.peer_id = g.hash<PeerId>();
    p.port = static_cast<std::uint16_t>(g.u32());
    p.uploaded = g.u64();
    p.left = g.u64();
    p.event = static_cast<AnnounceEvent>(g.u32() % 4);
    if (g.u32() % 2) p.numwant = static_cast<int>(g.u32() % 1000);
    if (g.u32() % 2) p.key = g.u32();
    if (g.u32() % 2) p.ip = g.bytes(g.u32() % 40);
    if (g.u32() % 2) p.ipv4 = g.bytes(g.u32() % 40);
    if (g.u32() % 2) p.ipv6 = g.bytes(g.u32() % 40);
    auto url = announce_url("http://t.example/announce", p);
    auto got = decode_announce_query(std::string_view(url).substr(url.find('?') + 1));
    ASSERT_TRUE(got) << got.error().message() << " for " << url;
    EXPECT_EQ(got.value(), p);
  }
}

TEST(HttpTracker, RejectsBadAnnounceQueries) {
  auto ih = url_escape(std::string(20, 'a'));
  auto ok = "info_hash=" + ih + "&peer_id=" + ih + "&port=1";
  EXPECT_TRUE(decode_announce_query(ok));
  EXPECT_EQ(decode_announce_query("info_hash=" + ih + "&port=1").error(), make_error_code(errc::missing_key));
  EXPECT_EQ(decode_announce_query(ok + "&port=2").error(), make_error_code(errc::bad_value));
  EXPECT_EQ(decode_announce_query(ok + "&port=65536").error(), make_error_code(errc::bad_value));
  EXPECT_EQ(decode_announce_query(ok + "&event=paused").error(), make_error_code(errc::bad_value));
  EXPECT_EQ(decode_announce_query(ok + "&left=%4").error(), make_error_code(errc::bad_value));
  EXPECT_EQ(decode_announce_query("info_hash=abc&peer_id=" + ih + "&port=1").error(), make_error_code(errc::bad_hash));
  EXPECT_EQ(decode_announce_query(ok, 10).error(), make_error_code(errc::oversized));
  EXPECT_EQ(decode_announce_query(ok + "&compact=1&supportcrypto=1&key=DEADBEEF").value().key, std::nullopt);
}

TEST(HttpTracker, ReadsBep7AddressesAndEndpoints) {
  auto ep = [](const char* text) { return Endpoint::parse(text).value(); };
  EXPECT_EQ(bep7_endpoint("23.1.2.3", Family::v4, 6881).value(), ep("23.1.2.3:6881"));
  EXPECT_EQ(bep7_endpoint("23.1.2.3:51413", Family::v4, 6881).value(), ep("23.1.2.3:51413"));
  EXPECT_EQ(bep7_endpoint("2001:db8::7", Family::v6, 6881).value(), ep("[2001:db8::7]:6881"));
  EXPECT_EQ(bep7_endpoint("[2001:db8::7]:51413", Family::v6, 6881).value(), ep("[2001:db8::7]:51413"));
  EXPECT_EQ(bep7_endpoint("[2001:db8::7]", Family::v6, 6881).value(), ep("[2001:db8::7]:6881"));
}

TEST(HttpTracker, RefusesBep7ValuesOfTheWrongFamilyOrWithBadPorts) {
  auto err = [](std::string_view v, Family f) { return bep7_endpoint(v, f, 6881).error(); };
  EXPECT_EQ(err("2001:db8::7", Family::v4), make_error_code(errc::bad_address));
  EXPECT_EQ(err("23.1.2.3", Family::v6), make_error_code(errc::bad_address));
  EXPECT_EQ(err("tracker.example", Family::v4), make_error_code(errc::bad_address));
  EXPECT_EQ(err("[23.1.2.3]:6881", Family::v4), make_error_code(errc::bad_address)) << "brackets are IPv6's";
  EXPECT_EQ(err("tracker.example:6881", Family::v4), make_error_code(errc::bad_address));
  EXPECT_EQ(err("[2001:db8::7", Family::v6), make_error_code(errc::bad_address));
  EXPECT_EQ(err("[2001:db8::7]x1", Family::v6), make_error_code(errc::bad_address));
  EXPECT_EQ(err("23.1.2.3:0", Family::v4), make_error_code(errc::bad_value));
  EXPECT_EQ(err("23.1.2.3:65536", Family::v4), make_error_code(errc::bad_value));
  EXPECT_EQ(err("23.1.2.3:", Family::v4), make_error_code(errc::bad_value));
  EXPECT_EQ(err("[2001:db8::7]:", Family::v6), make_error_code(errc::bad_value));
}

TEST(HttpTracker, DecodesScrapeQueries) {
  auto a = url_escape(std::string(20, 'a')), b = url_escape(std::string(20, 'b'));
  auto got = decode_scrape_query("info_hash=" + a + "&x=1&info_hash=" + b).value();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].raw(), std::string(20, 'b'));
  EXPECT_EQ(decode_scrape_query("x=1").error(), make_error_code(errc::missing_key));
  EXPECT_EQ(decode_scrape_query("info_hash=" + a + "&info_hash=" + b, 1).error(), make_error_code(errc::too_many_items));
  EXPECT_EQ(decode_scrape_query("info_hash=abc").error(), make_error_code(errc::bad_hash));
}

TEST(HttpTracker, DerivesScrapeUrlPerBep48) {
  EXPECT_EQ(scrape_url("http://example.com/announce").value(), "http://example.com/scrape");
  EXPECT_EQ(scrape_url("http://example.com/x/announce").value(), "http://example.com/x/scrape");
  EXPECT_EQ(scrape_url("http://example.com/announce.php").value(), "http://example.com/scrape.php");
  EXPECT_EQ(scrape_url("http://example.com/announce?x2%0644").value(), "http://example.com/scrape?x2%0644");
  EXPECT_EQ(scrape_url("http://example.com/announce?x=2/4").value(), "http://example.com/scrape?x=2/4");
  EXPECT_FALSE(scrape_url("http://example.com/a"));
  EXPECT_FALSE(scrape_url("http://example.com/x%064announce"));
}

TEST(HttpTracker, RoundTripsRandomResponses) {
  for (auto enc : {PeerEncoding::compact, PeerEncoding::dictionary}) {
    testlib::expect_round_trips(
        300, [enc](testlib::Gen& g) { return g.http_announce(enc); },
        [enc](const HttpAnnounceResponse& r) { return encode_http_announce(r, enc); },
        [](std::string_view b) { return decode_http_announce(b); });
  }
  testlib::expect_round_trips(
      300, [](testlib::Gen& g) { return g.http_scrape(); },
      [](const HttpScrapeResponse& s) { return encode_http_scrape(s); },
      [](std::string_view b) { return decode_http_scrape(b); });
}

TEST(HttpTracker, FindsHeaderValuesCaseInsensitively) {
  std::string_view head = "GET /announce?x HTTP/1.1\r\nHost: t\r\nuser-agent:  Transmission/3.00\r\nX: y\r\n\r\n";
  EXPECT_EQ(http_header_value(head, "User-Agent"), "Transmission/3.00");
  EXPECT_EQ(http_header_value(head, "Host"), "t");
  EXPECT_EQ(http_header_value(head, "Accept"), std::nullopt);
  EXPECT_EQ(http_header_value("GET / HTTP/1.1\r\nUser-Agentx: a\r\n", "User-Agent"), std::nullopt);
  EXPECT_EQ(http_header_value("User-Agent: in the start line", "User-Agent"), std::nullopt);
}

}  // namespace
}  // namespace p2pscope
