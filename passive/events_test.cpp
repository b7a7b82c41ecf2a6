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
  KrpcEvent k{v6_hop(), KrpcKind::query, hostile_bytes(), InfoHash{}, {}, {}, {}, hostile_bytes()};
  expect_same_json(k);
  expect_same_json(TrackerAnnounceEvent{v6_hop(), InfoHash{}, id, 1, "started", hostile_bytes()});
  expect_same_json(TrackerPeersEvent{v6_hop(), std::nullopt, {v6_hop().from, v6_hop().to}, hostile_bytes()});
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
