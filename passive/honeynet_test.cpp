#include "passive/honeynet.hpp"

#include "core/ed2k_link.hpp"
#include "core/kad.hpp"
#include "core/krpc.hpp"
#include "core/utp.hpp"
#include "tests/testlib/frames.hpp"

#include <gtest/gtest.h>

namespace p2pscope::passive {
namespace {

const IpAddress kTarget = IpAddress::parse("198.51.100.7").value();

HoneynetConfig config() {
  HoneynetConfig c;
  c.honeynet.push_back(parse_cidr("198.51.100.0/24").value());
  return c;
}

// Sources spread over many /24s: 11.<i/200>.<i%200>.1
IpAddress spread_source(std::size_t i) {
  return IpAddress::v4(static_cast<std::uint32_t>((11u << 24) | ((i / 200) << 16) | ((i % 200) << 8) | 1));
}
// Sources packed into two /24s: 45.9.<i%2>.<i/2+1>
IpAddress farm_source(std::size_t i) {
  return IpAddress::v4(static_cast<std::uint32_t>((45u << 24) | (9u << 16) | ((i % 2) << 8) | (i / 2 + 1)));
}

struct HoneynetFixture : ::testing::Test {
  explicit HoneynetFixture(HoneynetConfig c = config()) : hn(std::move(c)) {}
  HoneynetAnalyzer hn;

  void send(double t, const IpAddress& src, std::uint16_t sport, std::string_view payload, std::uint16_t dport = 6881) {
    auto d = testlib::udp_datagram({{src, sport}, {kTarget, dport}}, payload);
    hn.packet(t, decode_ip(d).value());
  }
  void syn_from(double t, const IpAddress& src, std::uint16_t dport = 6881) {
    auto d = testlib::tcp_datagram({{src, 40000}, {kTarget, dport}}, 0x02, 1, "");
    hn.packet(t, decode_ip(d).value());
  }
  // n sources, one SYN each, spread over [t, t + span).
  void wave(double t, double span, std::size_t n, IpAddress (*source)(std::size_t), std::size_t first = 0) {
    for (std::size_t i = 0; i < n; ++i) syn_from(t + span * static_cast<double>(i) / static_cast<double>(n), source(first + i));
  }
  // 100 sources each send a KAD source search for `file` and a `message`
  // naming it, with the size request i says (0: none).
  void emule_wave(const ed2k::Md4& file, const char* message, std::uint64_t (*size_of)(std::size_t)) {
    auto search = ed2k::encode_udp_frame({ed2k::Protocol::kad, kad::op::search_source_req,
                                          kad::encode_source_search({kad::KadId::of(file), 0, 1000})});
    for (std::size_t i = 0; i < 100; ++i) {
      send(static_cast<double>(i), spread_source(i), 4672, search, 4672);
      hn.event(Ed2kFileEvent{{static_cast<double>(i), {spread_source(i), 4672}, {kTarget, 4672}, Carrier::udp}, message,
                             file, size_of(i)});
    }
  }
  static std::string utp_data(std::uint16_t conn, std::uint32_t ts, std::uint16_t ack, std::uint32_t wnd) {
    UtpHeader h;
    h.type = UtpType::data;
    h.connection_id = conn;
    h.timestamp = ts;
    h.ack_nr = ack;
    h.wnd_size = wnd;
    h.seq_nr = 1;
    return encode_utp(h);
  }
};

TEST_F(HoneynetFixture, ReportsOnlyEventsWithEnoughSources) {
  wave(1000, 500, 150, spread_source);
  wave(100000, 500, 60, spread_source);
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].unique_sources, 150u);
  EXPECT_EQ(ev[0].protocol, "tcp");
  EXPECT_EQ(ev[0].classification, "misconfiguration");
  EXPECT_EQ(hn.counters().at("candidates_below_min_sources"), 1u);
}

// The defect: a capture whose times went backwards gave a negative duration.
TEST_F(HoneynetFixture, ReorderedTimesNeverMakeANegativeDuration) {
  wave(1400, -400, 150, spread_source);  // times falling from 1400 towards 1000
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_LE(ev[0].start, ev[0].end);
  EXPECT_GT(ev[0].start, 1000);
  EXPECT_EQ(ev[0].end, 1400);
}

TEST_F(HoneynetFixture, EndsWhenSourcesFallBelowAThirdOfThePeak) {
  wave(0, 599, 200, spread_source);
  wave(600, 599, 200, spread_source, 200);
  wave(1200, 599, 50, spread_source, 400);   // tail: below 200 / 3
  wave(1800, 599, 40, spread_source, 450);   // still tail
  wave(3000, 599, 150, spread_source, 500);  // after a quiet interval: the next event
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].unique_sources, 400u);
  EXPECT_EQ(ev[0].peak_per_interval, 200u);
  EXPECT_LT(ev[0].end, 1200);
  EXPECT_EQ(ev[1].unique_sources, 150u);
  EXPECT_EQ(hn.counters().at("tail_packets"), 90u);
}

TEST_F(HoneynetFixture, KeepsUniqueSourcesPerIntervalUpToTheOneThatEndedIt) {
  wave(0, 599, 200, spread_source);
  wave(600, 599, 120, spread_source, 200);
  wave(1200, 599, 50, spread_source, 400);   // below 200 / 3: ends the event
  wave(3000, 599, 150, spread_source, 500);  // after two quiet intervals (one entry)
  wave(3600, 599, 40, spread_source, 700);
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 2u);
  using Series = std::vector<std::pair<double, std::size_t>>;
  EXPECT_EQ(ev[0].per_interval, (Series{{0, 200}, {600, 120}, {1200, 50}}));
  EXPECT_DOUBLE_EQ(ev[0].end_threshold, 200.0 / 3);
  EXPECT_DOUBLE_EQ(ev[0].interval, 600);
  EXPECT_EQ(ev[1].per_interval, (Series{{3000, 150}, {3600, 40}}));
  EXPECT_EQ(to_json(ev[1])["per_interval"], nlohmann::json::parse("[[3000.0,150],[3600.0,40]]"));
}

// A per-interval series bound of two intervals.
struct HoneynetShortSeries : HoneynetFixture {
  HoneynetShortSeries() : HoneynetFixture([] {
    auto c = config();
    c.max_intervals = 2;
    return c;
  }()) {}
};

TEST_F(HoneynetShortSeries, ACutSeriesSaysSoAndStillCountsEverySource) {
  for (int k = 0; k < 4; ++k) wave(600.0 * k, 599, 100, spread_source, 100 * static_cast<std::size_t>(k));
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].per_interval.size(), 2u);
  EXPECT_TRUE(ev[0].series_cut);
  EXPECT_EQ(ev[0].unique_sources, 400u);
  EXPECT_TRUE(to_json(ev[0])["per_interval_cut"].get<bool>());
}

TEST_F(HoneynetFixture, FewSubnetsMakeAnAntiP2pEvent) {
  wave(0, 60, 120, farm_source);
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cluster.unique_subnets, 2u);
  EXPECT_EQ(ev[0].classification, "anti_p2p");
  ASSERT_EQ(ev[0].cluster.farms.size(), 2u);
  EXPECT_EQ(ev[0].cluster.farms[0].unique_ips, 60u);
}

TEST_F(HoneynetFixture, CountsTheCertFingerprintOnDataWithoutSyn) {
  for (std::size_t i = 0; i < 120; ++i) {
    send(static_cast<double>(i), spread_source(i), 5000, utp_data(7, 1000000, 0, 0x380000));
    send(static_cast<double>(i) + 0.5, spread_source(i), 5000, utp_data(7, 1020000, 0, 0x380000));
  }
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].protocol, "utp");
  EXPECT_EQ(ev[0].cert.utp_data, 240u);
  EXPECT_EQ(ev[0].cert.fingerprinted, 240u);
  EXPECT_EQ(ev[0].cert.ts_10ms_steps, 120u);
  EXPECT_EQ(ev[0].classification, "forged_sources");
}

TEST_F(HoneynetFixture, DataAfterItsSynIsNotFingerprinted) {
  UtpHeader syn;
  syn.type = UtpType::syn;
  syn.connection_id = 6;
  for (std::size_t i = 0; i < 120; ++i) {
    send(static_cast<double>(i), spread_source(i), 5000, encode_utp(syn));
    send(static_cast<double>(i) + 0.5, spread_source(i), 5000, utp_data(7, 1000, 0, 0x380000));
  }
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cert.utp_data, 120u);
  EXPECT_EQ(ev[0].cert.without_syn, 0u);
  EXPECT_EQ(ev[0].classification, "misconfiguration");
}

TEST(Honeynet, CountsSendingAfterPortUnreachable) {
  HoneynetConfig c = config();
  c.min_sources = 1;
  HoneynetAnalyzer hn(c);
  auto src = spread_source(1);
  auto first = testlib::udp_datagram({{src, 5000}, {kTarget, 6881}}, HoneynetFixture::utp_data(7, 1, 0, 0x380000));
  auto icmp = testlib::icmp_port_unreachable(kTarget, first);
  auto again = testlib::udp_datagram({{src, 5000}, {kTarget, 6881}}, HoneynetFixture::utp_data(7, 2, 0, 0x380000));
  hn.packet(0, decode_ip(first).value());
  hn.packet(0.1, decode_ip(icmp).value());
  hn.packet(1, decode_ip(again).value());
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cert.utp_data, 2u);
  EXPECT_EQ(ev[0].cert.after_icmp_unreachable, 1u);
}

TEST_F(HoneynetFixture, UniformSourcesAreForged) {
  // A multiplicative walk over the whole IPv4 space, bogons included.
  std::uint32_t a = 12345;
  for (std::size_t i = 0; i < 2000; ++i) {
    a = a * 2654435761u + 97;
    syn_from(static_cast<double>(i) * 0.1, IpAddress::v4(a));
  }
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_GT(ev[0].spread.uniform_share, 0.6);
  EXPECT_GT(ev[0].spread.slash8s, 200u);
  EXPECT_EQ(ev[0].classification, "forged_sources");
}

TEST_F(HoneynetFixture, KrpcQueriesAndHandshakesNameInfoHashesAndClients) {
  auto ih = InfoHash::from_hex("0123456789abcdef0123456789abcdef01234567").value();
  for (std::size_t i = 0; i < 100; ++i) {
    send(static_cast<double>(i), spread_source(i), 6881, "d1:q9:get_peerse");  // counted as krpc
    KrpcEvent k;
    k.hop = {static_cast<double>(i), {spread_source(i), 6881}, {kTarget, 6881}, Carrier::udp};
    k.method = "get_peers";
    k.info_hash = ih;
    hn.event(k);
  }
  auto pid = PeerId::from_bytes("-TR3000-abcdefghijkl").value();
  hn.event(HandshakeEvent{{99.5, {spread_source(0), 6881}, {kTarget, 6881}, Carrier::tcp}, ih, pid, true, true});
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 1u);
  ASSERT_EQ(ev[0].info_hashes.size(), 1u);
  EXPECT_EQ(ev[0].info_hashes[0].requests, 101u);
  EXPECT_EQ(ev[0].info_hashes[0].sources, 100u);
  EXPECT_EQ(ev[0].clients.at("TR"), 1u);
  EXPECT_EQ(ev[0].protocol, "krpc");
  auto rec = suspect_records(ev[0]);
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec[0]["info_hash"], ih.hex());
  EXPECT_EQ(rec[0]["event"], ev[0].id);
}

// The study's Table II on eMule: KAD source searches for one file from 100
// sources make an eMule event whose file is a suspect.
TEST_F(HoneynetFixture, KadSearchesMakeAnEmuleEventWithItsFileAsSuspect) {
  ed2k::Md4 file;
  file.bytes.fill(0x5e);
  // Half of them as a request that does not say the size would be.
  emule_wave(file, "kad_search_source", [](std::size_t i) -> std::uint64_t { return i < 50 ? 0 : 1000; });
  // An answer the target never sent, and another family's request, name no eMule file.
  hn.event(Ed2kFileEvent{{50, {spread_source(0), 4672}, {kTarget, 4672}, Carrier::udp}, "no_such_file", ed2k::Md4{}});
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].application, Application::emule);
  EXPECT_EQ(ev[0].emule_sources, 100u);
  EXPECT_EQ(ev[0].bittorrent_sources, 0u);
  ASSERT_EQ(ev[0].files.size(), 1u);
  EXPECT_EQ(ev[0].files[0].requests, 100u);
  EXPECT_EQ(ev[0].files[0].sources, 100u);
  auto rec = suspect_records(ev[0]);
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec[0]["type"], "suspect_ed2k_file");
  EXPECT_EQ(rec[0]["file"], file.hex());
  EXPECT_EQ(rec[0]["size"], 1000);
  // The link is what `p2pscope crawl` takes for an eMule file.
  auto link = ed2k::parse_link(rec[0]["link"].get<std::string>());
  ASSERT_TRUE(link) << rec[0].dump();
  const auto& f = std::get<ed2k::FileLink>(link.value());
  EXPECT_EQ(f.hash, file);
  EXPECT_EQ(f.size, 1000u);
  EXPECT_EQ(to_json(ev[0])["application"], "emule");
}

// SETREQFILEID and the plain file-name request do not say the size, and a
// hostile size is no size: no link can be made, the record says the hash.
TEST_F(HoneynetFixture, AFileNoRequestGaveTheSizeOfHasNoLink) {
  ed2k::Md4 file;
  file.bytes.fill(0x6e);
  // ... and a size no eD2k file has is no size.
  emule_wave(file, "set_req_file_id", [](std::size_t i) -> std::uint64_t { return i % 2 ? 0 : std::uint64_t{1} << 40; });
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 1u);
  auto rec = suspect_records(ev[0]);
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec[0]["file"], file.hex());
  EXPECT_FALSE(rec[0].contains("size"));
  EXPECT_FALSE(rec[0].contains("link"));
}

// A dark address answers no TCP handshake: SYNs alone say only which port.
TEST_F(HoneynetFixture, SynOnlyEventsAreLikelyByTheirPort) {
  const std::pair<std::uint16_t, Application> cases[] = {
      {6881, Application::likely_bittorrent}, {4662, Application::likely_emule}, {80, Application::other}};
  double t = 0;
  for (auto [port, want] : cases) {
    HoneynetAnalyzer fresh{config()};
    for (std::size_t i = 0; i < 120; ++i) {
      auto d = testlib::tcp_datagram({{spread_source(i), 40000}, {kTarget, port}}, 0x02, 1, "");
      fresh.packet(t += 1, decode_ip(d).value());
    }
    auto ev = fresh.finish();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].application, want) << port;
  }
}

// A datagram whose first byte only happens to be eDonkey's is not eMule traffic.
TEST_F(HoneynetFixture, ARandomFirstByteDoesNotMakeASourceEmule) {
  for (std::size_t i = 0; i < 100; ++i) send(static_cast<double>(i), spread_source(i), 53, std::string("\xE3\x07junk", 6), 53);
  auto ev = hn.finish();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].emule_sources, 0u);
  EXPECT_EQ(ev[0].application, Application::other);
}

TEST(HoneynetClientCode, ReadsAzureusAndMainlineStyles) {
  EXPECT_EQ(client_code(PeerId::from_bytes("-qB4520-abcdefghijkl").value()), "qB");
  EXPECT_EQ(client_code(PeerId::from_bytes("M7-4-0--abcdefghijkl").value()), "M7");
  EXPECT_EQ(client_code(PeerId{}), "zero");
  EXPECT_EQ(client_code(PeerId::from_bytes("xxxxxxxxxxxxxxxxxxxx").value()), "other");
}

}  // namespace
}  // namespace p2pscope::passive
