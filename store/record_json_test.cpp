#include "store/record_json.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

Timestamp at(std::int64_t us) { return Timestamp{std::chrono::microseconds{us}}; }

Observation dht_observation() {
  Observation o;
  o.time = at(1'763'726'400'123'456);
  o.run = "run-1";
  o.info_hash = InfoHash::from_hex("c12fe1c06bba254a9dc9f519b335aa7c1367a88a").value();
  o.peer = Endpoint::parse("4.3.2.1:0").value();
  o.via = Via::dht;
  o.source_endpoint = Endpoint::parse("[2001:db8::9]:6881").value();
  o.source_node_id = NodeId::from_hex("0102030405060708090a0b0c0d0e0f1011121314").value();
  return o;
}

TEST(RecordJson, FormatsTimeAsUtcMicroseconds) {
  EXPECT_EQ(format_time(at(0)), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_time(at(1'763'726'400'123'456)), "2025-11-21T12:00:00.123456Z");
  EXPECT_EQ(parse_time("2025-11-21T12:00:00.123456Z").value(), at(1'763'726'400'123'456));
  EXPECT_EQ(parse_time("2025-02-30T00:00:00.000000Z").error(), errc::bad_value);
  EXPECT_EQ(parse_time("2025-11-21 12:00:00").error(), errc::bad_value);
}

TEST(RecordJson, WritesFlatColumnsForObservation) {
  auto line = to_json_line(dht_observation());
  EXPECT_EQ(line,
            R"({"info_hash":"c12fe1c06bba254a9dc9f519b335aa7c1367a88a","peer_flags":["port_zero"],"peer_ip":"4.3.2.1",)"
            R"("peer_port":0,"run":"run-1","source_ip":"2001:db8::9","source_node_id":)"
            R"("0102030405060708090a0b0c0d0e0f1011121314","source_port":6881,"time":"2025-11-21T12:00:00.123456Z",)"
            R"("type":"observation","via":"dht"})");
}

TEST(RecordJson, RoundTripsEveryRecordType) {
  ProbeResult p;
  p.time = at(5);
  p.peer = Endpoint::parse("10.0.0.1:1").value();
  p.probe = ProbeKind::fake_infohash;
  p.outcome = ProbeOutcome::positive;
  p.rtt_ms = 12.5;
  p.evidence = {{"transcript", "handshake accepted; have_all"}};
  Verdict v;
  v.time = at(6);
  v.peer = p.peer;
  v.info_hash = dht_observation().info_hash;
  v.verdict = VerdictKind::anti_p2p;
  v.confidence = 0.9;
  v.evidence = {"accepted a random infohash"};
  Anomaly a;
  a.time = at(7);
  a.via = Via::tracker_http;
  a.source_url = "http://t.example/announce";
  a.info_hash = v.info_hash;
  a.kind = AnomalyKind::oversized;
  a.detail = "body over 4 MiB";
  a.count = 3;
  SwarmCounts c;
  c.time = at(8);
  c.info_hash = *v.info_hash;
  c.source_url = "udp://t.example:6969/announce";
  c.scrape = true;
  c.seeders = 900;
  c.leechers = 2;
  c.completed = 0;
  PeerHello h;
  h.time = at(9);
  h.info_hash = *v.info_hash;
  h.peer = p.peer;
  h.peer_id = PeerId::from_hex("2d5452343030302d000102030405060708090a0b").value();
  h.reserved_hex = "0000000000100005";
  h.client = "Transmission 4.0.0";
  h.yourip = IpAddress::parse("192.0.2.7").value();
  h.reqq = 500;
  h.listen_port = 51413;
  h.extensions = {"ut_metadata", "ut_pex"};
  PeerHello over_utp = h;
  over_utp.carrier = Carrier::utp;
  for (const Record& r : {Record{dht_observation()}, Record{p}, Record{v}, Record{a}, Record{c}, Record{h}, Record{over_utp}}) {
    EXPECT_EQ(parse_record(to_json_line(r)).value(), r) << to_json_line(r);
  }
}

TEST(RecordJson, NamesTheOffendingField) {
  auto bad_ip = R"({"type":"observation","time":"2025-11-21T12:00:00.000000Z","info_hash":"c12fe1c06bba254a9dc9f519b335aa7c1367a88a","peer_ip":"1.2.3","peer_port":1,"via":"pex","source_ip":"1.1.1.1","source_port":2})";
  auto ip = parse_record(bad_ip);
  ASSERT_FALSE(ip);
  EXPECT_EQ(ip.error(), errc::bad_address);
  EXPECT_NE(ip.error().message().find("peer_ip"), std::string::npos) << ip.error();
  auto no_source = R"({"type":"observation","time":"2025-11-21T12:00:00.000000Z","info_hash":"c12fe1c06bba254a9dc9f519b335aa7c1367a88a","peer_ip":"1.2.3.4","peer_port":1,"via":"dht"})";
  auto source = parse_record(no_source);
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error(), errc::missing_key);
  EXPECT_NE(source.error().message().find("source"), std::string::npos) << source.error();
  EXPECT_EQ(parse_record(R"({"type":"verdict","time":"2025-11-21T12:00:00.000000Z","peer_ip":"1.2.3.4","peer_port":1,"verdict":"normal","confidence":2})").error(), errc::bad_value);
  EXPECT_EQ(parse_record(R"({"type":"nope"})").error(), errc::unknown_message_type);
  auto sourceless = R"({"type":"anomaly","time":"2025-11-21T12:00:00.000000Z","via":"dht","kind":"malformed","count":1})";
  EXPECT_EQ(parse_record(sourceless).error(), errc::missing_key);
  auto dht_counts = R"({"type":"swarm_counts","time":"2025-11-21T12:00:00.000000Z","info_hash":"c12fe1c06bba254a9dc9f519b335aa7c1367a88a","via":"dht","source_url":"x","scrape":true})";
  EXPECT_EQ(parse_record(dht_counts).error(), errc::bad_value);
  EXPECT_EQ(parse_record("[1,2]").error(), errc::wrong_type);
  EXPECT_EQ(parse_record("{not json").error(), errc::bad_value);
  EXPECT_EQ(parse_record(std::string(100, '[') + std::string(100, ']')).error(), errc::too_deep);
}

TEST(RecordJson, RejectsPeerFlagsThatContradictThePeer) {
  auto line = to_json_line(dht_observation());  // port 0: ["port_zero"]
  auto edited = line.replace(line.find("[\"port_zero\"]"), 13, "[]");
  auto r = parse_record(edited);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bad_value);
  EXPECT_NE(r.error().message().find("peer_flags"), std::string::npos) << r.error();
}

TEST(RecordJson, ReplacesInvalidUtf8InsteadOfFailing) {
  Observation o = dht_observation();
  o.via = Via::tracker_http;
  o.source_url = std::string("http://t.example/\xff\xfe");
  auto parsed = parse_record(to_json_line(o));
  ASSERT_TRUE(parsed);
  EXPECT_NE(std::get<Observation>(parsed.value()).source_url->find("http://t.example/"), std::string::npos);
}

}  // namespace
}  // namespace p2pscope
