#include "core/vuze_dht.hpp"

#include "tests/testlib/fixtures.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

using namespace std::string_literals;

// Datagrams two BiglyBT 3.2 instances sent each other in the harness
// (tests/fixtures/biglybt/biglybt32_pair_lab.pcapng, frames 1, 2, 20, 21).
const std::string kPingRequest = testlib::bytes_from_hex(
    "845f9e5265f3842f00000400ddabac4336000000000036047f000001a5de4d626bce000001a24d7cdede00ff03014002400302");
const std::string kWrongAddressError = testlib::bytes_from_hex(
    "00000408ddabac43845f9e5265f3842f3600000000005ad6e5d200ff00010000000104bb686f68a5de");
const std::string kFindNodeRequest = testlib::bytes_from_hex(
    "b4a524c175878ddb000004044f1776c937000000000437047f0000011ae123a34c00000001a24d7d19dc00ff1453142c59d1f67d9f269c36"
    "dd4d1bcc6ffe902fcdffffffff00000000ff");
const std::string kFindNodeReply = testlib::bytes_from_hex(
    "000004054f1776c9b4a524c175878ddb37000000000423a34c0000ff00058637272fffffffff00000000010110ba487509bf5e08353f01f7"
    "c640f8000000020137047f0000011ae1013704b22826361ae1");

TEST(VuzeDht, DecodesARecordedPingRequest) {
  auto p = decode_vuze_dht(kPingRequest).value();
  EXPECT_EQ(p.action, VuzeAction::ping_request);
  EXPECT_EQ(p.connection_id, 0x845f9e5265f3842fULL);
  EXPECT_EQ(p.transaction_id, 0xddabac43u);
  EXPECT_EQ(p.protocol_version, 54);
  EXPECT_EQ(p.network, 0u);
  EXPECT_EQ(p.originator_version, 54);
  EXPECT_EQ(p.originator->to_string(), "127.0.0.1:42462");  // what it believes it is, before anyone tells it
  EXPECT_EQ(p.instance_id, 0x4d626bceu);
  EXPECT_EQ(p.time, 0x1a24d7cdedeLL);
  EXPECT_EQ(p.unread, 0u);
}

TEST(VuzeDht, DecodesARecordedWrongAddressError) {
  auto p = decode_vuze_dht(kWrongAddressError).value();
  EXPECT_EQ(p.action, VuzeAction::error_reply);
  EXPECT_EQ(p.transaction_id, 0xddabac43u);  // the ping's
  EXPECT_EQ(p.connection_id, 0x845f9e5265f3842fULL);
  EXPECT_EQ(p.error_type, kVuzeErrorWrongAddress);
  EXPECT_EQ(p.error_address->to_string(), "187.104.111.104:42462");  // where the replier saw it
  EXPECT_FALSE(p.originator);
}

TEST(VuzeDht, DecodesARecordedFindNodeOnBiglybtsOwnNetwork) {
  auto q = decode_vuze_dht(kFindNodeRequest).value();
  EXPECT_EQ(q.action, VuzeAction::find_node_request);
  EXPECT_EQ(q.protocol_version, 55);
  EXPECT_EQ(q.network, 4u);  // DHT.NW_BIGLYBT_MAIN
  EXPECT_EQ(q.key.size(), 20u);
  EXPECT_EQ(q.unread, 1u);   // BiglyBT's upload statistics (version 55, its own network)
  auto r = decode_vuze_dht(kFindNodeReply).value();
  EXPECT_EQ(r.action, VuzeAction::find_node_reply);
  EXPECT_EQ(r.transaction_id, q.transaction_id);
  ASSERT_EQ(r.contacts.size(), 2u);
  EXPECT_EQ(r.contacts[0].endpoint.to_string(), "127.0.0.1:6881");
  EXPECT_EQ(r.contacts[1].endpoint.to_string(), "178.40.38.54:6881");
  EXPECT_EQ(r.contacts[1].version, 55);
  EXPECT_EQ(r.unread, 0u);
}

TEST(VuzeDht, EveryShortenedDatagramIsAnErrorNotAPacket) {
  for (const auto* d : {&kPingRequest, &kWrongAddressError, &kFindNodeRequest, &kFindNodeReply}) {
    for (std::size_t n = 0; n + 1 < d->size(); ++n) {
      auto p = decode_vuze_dht(std::string_view(*d).substr(0, n));
      // The find_node request's last byte is unread trailing data: one short of it still decodes.
      if (d == &kFindNodeRequest && n == d->size() - 1) continue;
      EXPECT_FALSE(p) << n << " of " << d->size();
    }
  }
}

TEST(VuzeDht, OtherUdpProtocolsAreNotVuze) {
  auto bep15_connect = "\x00\x00\x04\x17\x27\x10\x19\x80\x00\x00\x00\x00\x12\x34\x56\x78"s;
  EXPECT_EQ(decode_vuze_dht(bep15_connect).error(), errc::unknown_message_type);
  EXPECT_EQ(decode_vuze_dht("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe").error(), errc::unknown_message_type);
  EXPECT_EQ(decode_vuze_dht("\xe3\x01\x02"s).error(), errc::unknown_message_type);  // eDonkey
  auto reply_as_request = kWrongAddressError;
  reply_as_request[0] = '\x80';  // a "request" whose action is a reply's
  EXPECT_EQ(decode_vuze_dht(reply_as_request).error(), errc::unknown_message_type);
  auto old = kPingRequest;
  old[16] = 5;  // protocol version 5: older than anything still spoken
  EXPECT_EQ(decode_vuze_dht(old).error(), errc::unknown_message_type);
}

VuzeDhtPacket header(VuzeAction a, std::uint8_t version) {
  VuzeDhtPacket p;
  p.action = a;
  p.connection_id = 0x8000000000000001ULL;
  p.transaction_id = 7;
  p.protocol_version = version;
  p.vendor = version >= 14 ? 3 : 0;
  p.network = version >= 9 ? 4 : 0;
  p.instance_id = 99;
  if (is_request(a)) {
    p.originator_version = version >= 9 ? std::optional<std::uint8_t>(version) : std::nullopt;
    p.originator = Endpoint::parse("203.0.113.9:6881").value();
    p.time = 1'700'000'000'000;
  }
  return p;
}

VuzeValue tracker_value(std::string bytes, std::uint8_t protocol = 54) {
  VuzeValue v;
  v.version = protocol >= 11 ? 3 : -1;
  v.created = 1'700'000'000'123;
  v.bytes = std::move(bytes);
  v.originator = {50, Endpoint::parse("198.51.100.7:7000").value()};
  v.flags = 1;
  return v;
}

TEST(VuzeDht, RoundTripsEveryDecodedActionAcrossVersions) {
  for (std::uint8_t version : std::initializer_list<std::uint8_t>{54, 26, 13, 9, 6}) {
    SCOPED_TRACE(int{version});
    auto store = header(VuzeAction::store_request, version);
    store.store_keys = {std::string(20, 'k')};
    store.values = {tracker_value("51413;C", version), tracker_value("6881", version)};
    auto found = header(VuzeAction::find_value_reply, version);
    found.values = {tracker_value("6881", version)};
    auto nodes = header(VuzeAction::find_node_reply, version);
    nodes.contacts = {{50, Endpoint::parse("198.51.100.7:7000").value()}, {50, Endpoint::parse("[2001:db8::1]:6881").value()}};
    auto closer = header(VuzeAction::find_value_reply, version);
    closer.contacts = nodes.contacts;
    auto fv = header(VuzeAction::find_value_request, version);
    fv.key = std::string(20, 'v');
    auto fn = header(VuzeAction::find_node_request, version);
    fn.key = std::string(20, 'n');
    auto err = header(VuzeAction::error_reply, version);
    err.error_type = kVuzeErrorWrongAddress;
    err.error_address = Endpoint::parse("203.0.113.9:6881").value();
    for (const auto& p : {header(VuzeAction::ping_request, version), header(VuzeAction::ping_reply, version), store, found,
                          nodes, closer, fv, fn, err}) {
      auto back = decode_vuze_dht(encode_vuze_dht(p));
      ASSERT_TRUE(back) << name_of(p.action) << ": " << back.error().message();
      EXPECT_EQ(back.value().action, p.action);
      EXPECT_EQ(back.value().contacts, p.contacts);
      EXPECT_EQ(back.value().values, p.values);
      EXPECT_EQ(back.value().key, p.key);
      EXPECT_EQ(back.value().store_keys, p.store_keys);
      EXPECT_EQ(back.value().error_address, p.error_address);
      EXPECT_EQ(back.value().originator, p.originator);
      EXPECT_EQ(back.value().unread, 0u);
    }
  }
}

TEST(VuzeDht, TrackerValuesArePeersAtTheirOriginator) {
  EXPECT_EQ(tracker_value("51413;C").peer()->to_string(), "198.51.100.7:51413");
  EXPECT_EQ(tracker_value("6881").peer()->to_string(), "198.51.100.7:6881");
  EXPECT_FALSE(tracker_value("").peer());
  EXPECT_FALSE(tracker_value("0").peer());
  EXPECT_FALSE(tracker_value("70000").peer());
  EXPECT_FALSE(tracker_value("\x01\x02 binary"s).peer());
}

TEST(VuzeDht, RefusesMoreContactsThanTheLimit) {
  auto nodes = header(VuzeAction::find_node_reply, 54);
  for (int i = 0; i < 5; ++i) nodes.contacts.push_back({54, Endpoint::parse("198.51.100.7:" + std::to_string(7000 + i)).value()});
  VuzeDhtLimits lim;
  lim.max_contacts = 4;
  EXPECT_EQ(decode_vuze_dht(encode_vuze_dht(nodes), lim).error(), errc::too_many_items);
}

TEST(VuzeDht, RefusesAnAddressOfAnotherLength) {
  auto bad = encode_vuze_dht(header(VuzeAction::ping_request, 54));
  bad[8 + 4 + 4 + 1 + 1 + 4 + 1] = 5;  // the originator's address length
  EXPECT_FALSE(decode_vuze_dht(bad));
}

}  // namespace
}  // namespace p2pscope
