#include "passive/events.hpp"

#include <gtest/gtest.h>

namespace p2pscope::passive {
namespace {

// Every byte value, the JSON specials and printable()'s '%' among them.
std::string hostile_bytes() {
  std::string s = "plain \"quoted\" back\\slash 100% ";
  for (int b = 0; b < 256; ++b) s += static_cast<char>(b);
  return s;
}

Hop v6_hop() {
  return {1700000000.25, Endpoint::parse("[2001:db8::1]:6881").value(), Endpoint::parse("10.0.0.255:0").value(),
          Carrier::utp};
}

// The direct writer and the nlohmann tree must give the same object.
void expect_same_json(const Event& e) {
  std::string line;
  append_json(e, line);
  EXPECT_EQ(nlohmann::json::parse(line), to_json(e)) << line;
}

TEST(PassiveRecords, HostileTextIsWrittenAsTheJsonTreeWritesIt) {
  PeerId id = PeerId::from_bytes(std::string("-qB\"%\\\x01\x7f\xff") + std::string(11, '\0')).value();
  expect_same_json(HandshakeEvent{v6_hop(), InfoHash{}, id, true, false});
  ExtendedHandshakeEvent x{v6_hop(), hostile_bytes(), 0, IpAddress::parse("::ffff:1.2.3.4").value(), 3};
  expect_same_json(x);
  KrpcEvent k;
  k.hop = v6_hop();
  k.method = hostile_bytes();
  k.info_hash = InfoHash{};
  k.version = hostile_bytes();
  expect_same_json(k);
  k.transaction_id = hostile_bytes();
  k.node_id = NodeId{};
  k.target = NodeId{};
  k.token = hostile_bytes();
  k.port = 65535;
  k.implied_port = true;
  k.defect = hostile_bytes();
  expect_same_json(k);
  k.kind = KrpcKind::error;
  k.error_code = -9'223'372'036'854'775'807 - 1;
  k.error_message = hostile_bytes();
  expect_same_json(k);
  expect_same_json(TrackerAnnounceEvent{v6_hop(), InfoHash{}, id, 1, "started", hostile_bytes()});
  expect_same_json(TrackerPeersEvent{v6_hop(), std::nullopt, {v6_hop().from, v6_hop().to}, hostile_bytes()});
}

TEST(PassiveRecords, Ed2kRecordsAreWrittenAsTheJsonTreeWritesThem) {
  ed2k::Md4 hash{{0x5e, 0xed, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0xff}};
  expect_same_json(Ed2kHelloEvent{v6_hop(), Ed2kHelloKind::answer, hash, 0x0a0b0c0d, 4662, hostile_bytes(), "aMule 2.3.3", 4, true, 3});
  expect_same_json(Ed2kHelloEvent{v6_hop(), Ed2kHelloKind::login, hash, 0, 4662, "", "", 0, false, 0});
  expect_same_json(Ed2kFileEvent{v6_hop(), "set_req_file_id", hash});
  expect_same_json(Ed2kFileEvent{v6_hop(), "multipacket_ext", hash, std::uint64_t{1} << 38});
  for (std::uint8_t version = 1; version <= 4; ++version) {
    Ed2kSourcesEvent e{v6_hop(), Ed2kRoute::sx, hash, version, {{0x04030201, 4662, 7, hash}, {1234, 1, 0, std::nullopt}}};
    expect_same_json(e);
  }
  expect_same_json(Ed2kSourcesEvent{v6_hop(), Ed2kRoute::kad, hash, 0, {}});
}

// Each route's ID form names the address; the other form is the reversal.
TEST(PassiveRecords, Ed2kSourcesNameBothForms) {
  ed2k::Md4 hash{};
  Ed2kSourcesEvent sx2{v6_hop(), Ed2kRoute::sx, hash, 2, {{ed2k::ed2k_id(IpAddress::parse("1.2.3.4").value()), 4662, 0, {}}}};
  auto j = to_json(sx2);
  EXPECT_EQ(j["form"], "ed2k");
  EXPECT_EQ(j["sources"][0]["address"], "1.2.3.4");
  EXPECT_EQ(j["sources"][0]["other_form"], "4.3.2.1");
  Ed2kSourcesEvent sx4{v6_hop(), Ed2kRoute::sx, hash, 4, {{ed2k::hybrid_id(IpAddress::parse("1.2.3.4").value()), 4662, 0, {}}}};
  j = to_json(sx4);
  EXPECT_EQ(j["form"], "hybrid");
  EXPECT_EQ(j["sources"][0]["address"], "1.2.3.4");
  EXPECT_EQ(j["sources"][0]["other_form"], "4.3.2.1");
  Ed2kSourcesEvent low{v6_hop(), Ed2kRoute::server, hash, 0, {{77, 4662, 0, {}}}};
  j = to_json(low);
  EXPECT_EQ(j["sources"][0]["low_id"], true);
  EXPECT_FALSE(j["sources"][0].contains("address"));
  EXPECT_FALSE(j.contains("sx_version"));
  Ed2kHelloEvent hello{v6_hop(), Ed2kHelloKind::hello, hash, ed2k::ed2k_id(IpAddress::parse("198.51.100.10").value()), 4662, "n", "", 0, false, 0};
  EXPECT_EQ(to_json(hello)["id_address"], "198.51.100.10");
}

TEST(PassiveRecords, AddressesAreWrittenAsToStringWritesThem) {
  for (const char* text : {"0.0.0.0:0", "255.255.255.255:65535", "1.20.100.9:80", "[::]:1", "[::ffff:1.2.3.4]:2"}) {
    auto ep = Endpoint::parse(text).value();
    std::string out = "x";
    ep.append_to(out);
    EXPECT_EQ(out, std::string("x") + text);
    EXPECT_EQ(ep.to_string(), text);
  }
}

}  // namespace
}  // namespace p2pscope::passive
