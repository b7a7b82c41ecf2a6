#include "passive/extractor.hpp"

#include "core/ed2k_client.hpp"
#include "core/extension.hpp"
#include "core/peer_wire.hpp"
#include "core/udp_tracker.hpp"
#include "passive/peer_wire_parser.hpp"
#include "tests/testlib/frames.hpp"

#include <gtest/gtest.h>

namespace p2pscope::passive {
namespace {

const Endpoint kClient = Endpoint::parse("10.0.0.2:40000").value();
const Endpoint kTracker = Endpoint::parse("192.0.2.9:6969").value();
const InfoHash kHash = InfoHash::from_hex("00112233445566778899aabbccddeeff00112233").value();

struct PassiveUdpTracker : ::testing::Test {
  std::vector<Event> events;
  Extractor x{[this](const Event& e) { events.push_back(e); }};

  template <class M>
  void send(const Endpoint& from, const Endpoint& to, const M& m) {
    auto d = testlib::udp_datagram({from, to}, encode_udp_tracker(m));
    x.packet(1, decode_ip(d).value());
  }
  UdpAnnounceRequest announce(std::uint64_t cid, std::uint32_t tid) {
    UdpAnnounceRequest a;
    a.connection_id = cid;
    a.transaction_id = tid;
    a.info_hash = kHash;
    a.peer_id = PeerId::from_bytes("-TR3000-abcdefghijkl").value();
    a.event = AnnounceEvent::started;
    a.port = 51413;
    return a;
  }
  UdpAnnounceResponse reply(std::uint32_t tid) {
    return {tid, 1800, 1, 2, {Endpoint::parse("203.0.113.5:6881").value(), Endpoint::parse("203.0.113.6:51413").value()}};
  }
  void connect(std::uint64_t cid) {
    send(kClient, kTracker, UdpTrackerRequest{UdpConnectRequest{7}});
    send(kTracker, kClient, UdpTrackerResponse{UdpConnectResponse{7, cid}});
  }
};

TEST_F(PassiveUdpTracker, SampleInfohashesResponseListsItsSamples) {
  std::string ids(20, 'n'), samples = std::string(20, '\x01') + std::string(20, '\x02');
  auto body = "d1:rd2:id20:" + ids + "8:intervali21600e3:numi2e7:samples40:" + samples + "e1:t2:aa1:y1:re";
  x.packet(1, decode_ip(testlib::udp_datagram({kTracker, kClient}, body)).value());
  ASSERT_EQ(events.size(), 1u);
  const auto& k = std::get<KrpcEvent>(events[0]);
  ASSERT_EQ(k.samples.size(), 2u);
  EXPECT_EQ(k.samples[1].hex(), "0202020202020202020202020202020202020202");
  std::string line;
  append_json(events[0], line);
  EXPECT_EQ(nlohmann::json::parse(line), to_json(events[0]));
  EXPECT_EQ(to_json(events[0]).at("samples").size(), 2u);
}

TEST_F(PassiveUdpTracker, AnnouncePeerRecordsWhoAskedWithWhichTokenAndPort) {
  std::string id(20, 'q'), ih(20, 'h');
  auto body = "d1:ad2:id20:" + id + "12:implied_porti1e9:info_hash20:" + ih + "4:porti51413e5:token3:tok" +
              "e1:q13:announce_peer1:t2:\x01\xff" "1:y1:qe";
  x.packet(1, decode_ip(testlib::udp_datagram({kClient, kTracker}, body)).value());
  ASSERT_EQ(events.size(), 1u);
  auto j = to_json(events[0]);
  EXPECT_EQ(j.at("tid"), "01ff");
  EXPECT_EQ(j.at("id"), NodeId::from_bytes(id).value().hex());
  EXPECT_EQ(j.at("token"), "746f6b");
  EXPECT_EQ(j.at("port"), 51413);
  EXPECT_EQ(j.at("implied_port"), true);
  EXPECT_FALSE(j.contains("defect"));
}

TEST_F(PassiveUdpTracker, AnErrorRecordsItsCodeAndMessage) {
  x.packet(1, decode_ip(testlib::udp_datagram({kTracker, kClient}, "d1:eli203e14:Protocol Errore1:t2:aa1:y1:ee")).value());
  ASSERT_EQ(events.size(), 1u);
  auto j = to_json(events[0]);
  EXPECT_EQ(j.at("kind"), "error");
  EXPECT_EQ(j.at("error_code"), 203);
  EXPECT_EQ(j.at("error_message"), "Protocol Error");
}

TEST_F(PassiveUdpTracker, AMalformedKrpcMessageIsRecordedWithItsDefectAndCounted) {
  std::string nodes = std::string(20, 'n') + std::string{10, 0, 0, 1, 0x1a, static_cast<char>(0xe1)} + "abc";
  x.packet(1, decode_ip(testlib::udp_datagram({kTracker, kClient}, "d1:rd2:id20:" + std::string(20, 'i') + "5:nodes29:" +
                                                                          nodes + "e1:t2:aa1:y1:re"))
                  .value());
  x.packet(2, decode_ip(testlib::udp_datagram({kTracker, kClient}, "d1:xi1ee")).value());
  ASSERT_EQ(events.size(), 1u);
  auto j = to_json(events[0]);
  EXPECT_EQ(j.at("defect"), "nodes is 29 bytes, not a multiple of 26");
  EXPECT_EQ(j.at("nodes").size(), 1u);
  EXPECT_EQ(x.anomalies().at("krpc_malformed"), 1u);
  EXPECT_EQ(x.anomalies().at("udp_bencode_not_krpc"), 1u);
}

TEST_F(PassiveUdpTracker, AnnounceAndReplyMatchedByTransactionId) {
  connect(0x1122334455667788);
  send(kClient, kTracker, UdpTrackerRequest{announce(0x1122334455667788, 8)});
  send(kTracker, kClient, UdpTrackerResponse{reply(8)});
  ASSERT_EQ(events.size(), 2u);
  const auto& a = std::get<TrackerAnnounceEvent>(events[0]);
  EXPECT_EQ(a.info_hash, kHash);
  EXPECT_EQ(a.port, 51413);
  EXPECT_EQ(a.event, "started");
  EXPECT_EQ(a.hop.carrier, Carrier::udp);
  const auto& r = std::get<TrackerPeersEvent>(events[1]);
  EXPECT_EQ(r.info_hash, kHash);
  EXPECT_EQ(r.peers.size(), 2u);
}

TEST_F(PassiveUdpTracker, ReplyWithAnUnknownTransactionIdIsNotATracker) {
  connect(42);
  send(kClient, kTracker, UdpTrackerRequest{announce(42, 8)});
  send(kTracker, kClient, UdpTrackerResponse{reply(9)});
  EXPECT_EQ(events.size(), 1u);
}

TEST_F(PassiveUdpTracker, AnnounceOnAConnectionIdNeverGrantedStaysSilentWithoutAReply) {
  connect(42);
  send(kClient, kTracker, UdpTrackerRequest{announce(43, 8)});
  send(kTracker, kClient, UdpTrackerResponse{reply(9)});  // answers something else
  EXPECT_TRUE(events.empty());
}

TEST_F(PassiveUdpTracker, AnnounceWhoseConnectWasMissedIsReportedWithItsReply) {
  send(kClient, kTracker, UdpTrackerRequest{announce(77, 8)});  // the capture began after the connect
  EXPECT_TRUE(events.empty());
  send(kTracker, kClient, UdpTrackerResponse{reply(8)});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<TrackerAnnounceEvent>(events[0]).info_hash, kHash);
  EXPECT_EQ(std::get<TrackerPeersEvent>(events[1]).info_hash, kHash);
  EXPECT_EQ(x.anomalies().at("udp_tracker_announce_without_connect"), 1u);
  send(kClient, kTracker, UdpTrackerRequest{announce(77, 9)});  // its connection id is now known
  EXPECT_EQ(events.size(), 3u);
}

TEST_F(PassiveUdpTracker, TruncatedAnnounceIsCounted) {
  connect(42);
  auto raw = encode_udp_tracker(UdpTrackerRequest{announce(42, 8)}).substr(0, 60);
  auto d = testlib::udp_datagram({kClient, kTracker}, raw);
  x.packet(1, decode_ip(d).value());
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(x.anomalies().at("udp_tracker_announce_malformed"), 1u);
}

// The defect: a KRPC reply over the values limit was counted as "not KRPC".
TEST_F(PassiveUdpTracker, AKrpcReplyWithTooManyValuesIsCountedOversized) {
  std::string values;
  for (int i = 0; i < 5000; ++i) values += "6:" + std::string(6, static_cast<char>('a' + i % 26));
  auto body = "d1:rd2:id20:" + std::string(20, 'n') + "5:token2:tk6:valuesl" + values + "ee1:t2:aa1:y1:re";
  x.packet(1, decode_ip(testlib::udp_datagram({kTracker, kClient}, body)).value());
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(x.anomalies().at("krpc_oversized"), 1u);
  EXPECT_FALSE(x.anomalies().count("udp_bencode_not_krpc"));
}

// A TCP connection whose start the capture missed: segments without a SYN.
struct PassiveMidStream : ::testing::Test {
  std::vector<Event> events;
  Extractor x{[this](const Event& e) { events.push_back(e); }};
  std::uint32_t seq = 1000;

  void send(std::string_view bytes) {
    auto d = testlib::tcp_datagram({kClient, kTracker}, 0x18, seq, bytes);  // PSH|ACK
    seq += static_cast<std::uint32_t>(bytes.size());
    x.packet(1, decode_ip(d).value());
  }
  static std::string pex_message(std::uint8_t ext_id, const char* peer) {
    PexMessage m;
    m.added.push_back({Endpoint::parse(peer).value(), std::nullopt});
    return encode_message(MessageId::extended, std::string(1, static_cast<char>(ext_id)) + encode_pex(m));
  }
  static std::string noise(std::size_t n, std::uint32_t seed) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>((seed = seed * 1103515245 + 12345) >> 16);
    return s;
  }
};

TEST_F(PassiveMidStream, PexAfterThePiecesIsFoundAndMarkedInferred) {
  send(noise(700, 1));  // the tail of a piece
  auto two = pex_message(3, "203.0.113.7:6881") + encode_message(MessageId::have, std::string(4, '\1'));
  send(two.substr(0, 10));  // a message straddling segments
  send(two.substr(10) + pex_message(3, "203.0.113.8:51413"));
  ASSERT_EQ(events.size(), 2u);
  for (const auto& e : events) EXPECT_TRUE(std::get<PexEvent>(e).id_inferred);
  EXPECT_EQ(std::get<PexEvent>(events[1]).pex.added.at(0).endpoint.to_string(), "203.0.113.8:51413");
  EXPECT_EQ(x.anomalies().at("peer_wire_mid_stream"), 1u);
}

TEST_F(PassiveMidStream, NoiseWithoutAMessageBoundaryYieldsNothing) {
  for (std::uint32_t i = 0; i < 8; ++i) send(noise(1400, i + 7));
  EXPECT_TRUE(events.empty());
  EXPECT_FALSE(x.anomalies().count("peer_wire_mid_stream"));
}

TEST_F(PassiveMidStream, AnAckPastAHoleIsCountedAsAGapEvenIfTheHoledSideFallsSilent) {
  send("0123456789");
  seq += 100;  // 100 bytes the capture lost
  send(std::string(500, 'x'));  // held behind the hole
  EXPECT_FALSE(x.anomalies().count("tcp_gap"));
  // The tracker acknowledges everything: it had the lost bytes.
  auto ack = testlib::tcp_datagram({kTracker, kClient}, 0x10, 77, "", seq);
  x.packet(2, decode_ip(ack).value());
  EXPECT_EQ(x.anomalies().at("tcp_gap"), 1u);
}

// An eMule client's TCP stream, cut at awkward places: its hello, then a
// source exchange answer (v4, hybrid IDs) with a HighID and a LowID.
TEST(PassiveEd2k, HelloAndSourceExchangeAnswerComeOutOfAStreamInAnyCut) {
  using namespace ed2k;
  const Endpoint peer = Endpoint::parse("198.51.100.10:4662").value(), crawler = Endpoint::parse("203.0.113.9:50000").value();
  Md4 user{}, file{};
  user.bytes.fill(0xAB);
  file.bytes.fill(0x5E);
  Hello hello{user, ed2k_id(peer.address), 4662, crawler_hello_tags("peer", 3), 0, 0, {}};
  SourcesAnswer sx{4, file, {{hybrid_id(IpAddress::parse("1.2.3.4").value()), 4662, 0, 0, user, 1}, {77, 4672, 0, 0, std::nullopt, 0}}};
  sx.entries[1].user_hash = user;
  auto stream = encode_tcp_frame({Protocol::edonkey, op::hello_answer, encode_hello(hello, HelloKind::answer)}) +
                encode_tcp_frame({Protocol::emule, op::answer_sources2, encode_answer_sources2(sx)});
  for (std::size_t cut : {std::size_t{3}, std::size_t{5}, std::size_t{40}, stream.size() - 1}) {
    std::vector<Event> events;
    Extractor x{[&](const Event& e) { events.push_back(e); }};
    x.packet(1, decode_ip(testlib::tcp_datagram({peer, crawler}, 0x02, 99, "")).value());
    x.packet(2, decode_ip(testlib::tcp_datagram({peer, crawler}, 0x18, 100, stream.substr(0, cut))).value());
    x.packet(3, decode_ip(testlib::tcp_datagram({peer, crawler}, 0x18, static_cast<std::uint32_t>(100 + cut), stream.substr(cut))).value());
    ASSERT_EQ(events.size(), 2u) << "cut at " << cut;
    const auto& h = std::get<Ed2kHelloEvent>(events[0]);
    EXPECT_EQ(h.kind, Ed2kHelloKind::answer);
    EXPECT_EQ(h.user_hash, user);
    EXPECT_EQ(h.sx1_version, 3);
    const auto& src = std::get<Ed2kSourcesEvent>(events[1]);
    EXPECT_EQ(src.route, Ed2kRoute::sx);
    EXPECT_EQ(src.sx_version, 4);
    EXPECT_EQ(src.file, file);
    auto j = to_json(events[1]);
    EXPECT_EQ(j["sources"][0]["address"], "1.2.3.4");
    EXPECT_EQ(j["sources"][0]["other_form"], "4.3.2.1");
    EXPECT_EQ(j["sources"][1]["low_id"], true);
    EXPECT_TRUE(x.anomalies().empty());
  }
}

// A stream that opens like an eDonkey frame but is not one fails alone, counted.
TEST(PassiveEd2k, ABrokenFrameHeaderIsCountedAndStopsOnlyItsStream) {
  const Endpoint a = Endpoint::parse("198.51.100.10:4662").value(), b = Endpoint::parse("203.0.113.9:50000").value();
  std::vector<Event> events;
  Extractor x{[&](const Event& e) { events.push_back(e); }};
  std::string bad("\xE3\x05\x00\x00\x00\x01xxxx\x77\x01\x00\x00\x00\x01", 16);  // then protocol byte 0x77
  x.packet(1, decode_ip(testlib::tcp_datagram({a, b}, 0x02, 9, "")).value());
  x.packet(2, decode_ip(testlib::tcp_datagram({a, b}, 0x18, 10, bad)).value());
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(x.anomalies().at("ed2k_message_malformed"), 1u) << "a hello of four bytes";
  EXPECT_EQ(x.anomalies().at("ed2k_stream_malformed"), 1u);
}

TEST(PeerWireBoundary, NeedsAWholeDictionaryFillingTheMessage) {
  WireLimits lim;
  auto msg = PassiveMidStream::pex_message(1, "198.51.100.1:1");
  EXPECT_EQ(find_message_boundary("xyz" + msg, lim), 3u);
  EXPECT_FALSE(find_message_boundary("xyz" + msg.substr(0, msg.size() - 1), lim));  // cut short
  auto lying = msg;
  lying[3] = static_cast<char>(lying[3] + 1);  // the prefix claims one byte more than the dictionary
  EXPECT_FALSE(find_message_boundary(lying + "e", lim));
}

}  // namespace
}  // namespace p2pscope::passive
