// Two real BiglyBT 3.2 instances in the harness's sandbox
// (tests/fixtures/biglybt/biglybt32_pair_lab.pcapng): their TCP stream, which
// switches to the Azureus messaging protocol after the handshake, and their
// Vuze DHT datagrams, read by the extractor and compared with tshark's
// BitTorrent and Vuze-DHT dissectors.
#include "passive/capture_events.hpp"
#include "tests/testlib/fixtures.hpp"
#include "tests/testlib/tshark.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace p2pscope::passive {
namespace {

using test_capture::only;
using testlib::first_value;

const std::string kCapture = "biglybt/biglybt32_pair_lab.pcapng";
constexpr std::string_view kClient = "187.104.111.104", kPartner = "178.40.38.54";

std::vector<Event> events() { return test_capture::capture_events(testlib::fixture_path(kCapture)); }

std::vector<PexEvent> az_pex() {
  auto all = only<PexEvent>(events());
  std::erase_if(all, [](const PexEvent& e) { return e.dialect != PexDialect::az_pex; });
  return all;
}

// (sender, receiver, peers added) of every AZ_PEER_EXCHANGE. tshark shows
// the bencoded strings' lengths: the added peers are those of 6 (IPv4) and
// 18 (IPv6) bytes (the other strings are keys, the infohash and the
// handshake types, none of those lengths here).
TEST(AzPcap, PeerExchangesMatchTshark) {
  std::multiset<std::string> ours, theirs;
  for (const auto& e : az_pex())
    ours.insert(e.hop.from.to_string() + " " + e.hop.to.to_string() + " " + std::to_string(e.pex.added.size()));
  for (const auto& r : testlib::tshark_fields(testlib::fixture_path(kCapture), {},
                                              "bittorrent.msg.aztype == \"AZ_PEER_EXCHANGE\"",
                                              {"ip.src", "tcp.srcport", "ip.dst", "tcp.dstport", "bencode.str.length"})) {
    ASSERT_EQ(r.size(), 5u);
    std::size_t peers = 0;
    for (const auto& len : testlib::cell_values(r[4])) peers += len == "6" || len == "18";
    theirs.insert(r[0] + ":" + r[1] + " " + r[2] + ":" + r[3] + " " + std::to_string(peers));
  }
  EXPECT_EQ(theirs.size(), 2u) << "tshark found too few: is it installed?";
  EXPECT_EQ(ours, theirs);
}

TEST(AzPcap, TheClientNamesPeersOfBothFamiliesToItsPartner) {
  auto pex = az_pex();
  auto sent = std::find_if(pex.begin(), pex.end(), [](const PexEvent& e) { return e.hop.from.address.to_string() == kClient; });
  ASSERT_NE(sent, pex.end());
  EXPECT_EQ(sent->hop.to.address.to_string(), kPartner);
  auto v6 = std::count_if(sent->pex.added.begin(), sent->pex.added.end(),
                          [](const PexPeer& p) { return !p.endpoint.address.is_v4(); });
  EXPECT_EQ(sent->pex.added.size(), 11u);
  EXPECT_EQ(v6, 4);
  for (const auto& p : sent->pex.added) {
    EXPECT_NE(p.endpoint.address.to_string(), kClient);  // nobody names itself or its partner
    EXPECT_NE(p.endpoint.address.to_string(), kPartner);
    EXPECT_EQ(p.flags, PexFlags{});  // all plain
  }
}

// Both sides' handshakes are read, and the AZMP streams after them are not
// taken for broken plain ones.
TEST(AzPcap, AzmpStreamsAreNotPeerWireDamage) {
  std::vector<Event> all;
  Extractor x([&](const Event& e) { all.push_back(e); });
  ASSERT_TRUE(read_packets(testlib::fixture_path(kCapture), [&x](const Frame& f, const Packet* p) {
    if (p) x.packet(f.t, *p);
  }));
  x.finish();
  EXPECT_EQ(only<HandshakeEvent>(all).size(), 2u);
  EXPECT_TRUE(only<ExtendedHandshakeEvent>(all).empty());  // AZMP has AZ_HANDSHAKE instead
  EXPECT_EQ(x.anomalies().count("peer_wire_malformed"), 0u);
  EXPECT_EQ(x.anomalies().count("az_pex_malformed"), 0u);
}

std::string key_hex(std::string_view k) { return detail::to_hex(reinterpret_cast<const std::uint8_t*>(k.data()), k.size()); }

// (sender, receiver, action, transaction id, protocol version, network,
// instance id, a request's originator, a find_node's id) of every datagram.
// tshark reads port 6881 as the Vuze DHT when told; the partner's BEP 15
// announces leave from that port too, so only Vuze actions are kept.
TEST(VuzePcap, HeadersMatchTshark) {
  std::multiset<std::string> ours, theirs;
  for (const auto& e : only<VuzeDhtEvent>(events())) {
    const auto& p = e.packet;
    ours.insert(e.hop.from.to_string() + " " + e.hop.to.to_string() + " " + std::to_string(static_cast<int>(p.action)) +
                " " + std::to_string(p.transaction_id) + " " + std::to_string(p.protocol_version) + " " +
                std::to_string(p.network) + " " + std::to_string(p.instance_id) + " " +
                (p.originator ? p.originator->to_string() : "-") + " " +
                (p.action == VuzeAction::find_node_request ? key_hex(p.key) : "-"));
  }
  for (const auto& r : testlib::tshark_fields(
           testlib::fixture_path(kCapture), {"-d", "udp.port==6881,vuze-dht"},
           "vuze-dht.action >= 1024 && vuze-dht.action <= 1039 && !icmp",
           {"ip.src", "udp.srcport", "ip.dst", "udp.dstport", "vuze-dht.action", "vuze-dht.transaction_id",
            "vuze-dht.proto_ver", "vuze-dht.network_id", "vuze-dht.instance_id", "vuze-dht.address.ipv4",
            "vuze-dht.address.port", "vuze-dht.id"})) {
    ASSERT_EQ(r.size(), 12u);
    bool request = std::stoi(r[4]) % 2 == 0 && r[4] != "1032";
    theirs.insert(r[0] + ":" + r[1] + " " + r[2] + ":" + r[3] + " " + r[4] + " " + r[5] + " " + first_value(r[6]) + " " +
                  r[7] + " " + r[8] + " " + (request ? first_value(r[9]) + ":" + first_value(r[10]) : "-") + " " +
                  (r[4] == "1028" ? r[11] : "-"));
  }
  EXPECT_EQ(theirs.size(), 25u) << "tshark found too few: is it installed?";
  EXPECT_EQ(ours, theirs);
}

// Where tshark's dissector stops short (it misplaces the error type of
// protocol 54 and stops inside a version-55 find_node reply), the fields
// are checked against what BiglyBT's own code writes (DHTUDPPacketReplyError,
// DHTUDPPacketReplyFindNode): the wrong-address error names the asker's real
// address, and the find_node reply's two contacts.
TEST(VuzePcap, ErrorsAndContactsDecodeWhereTsharkStops) {
  auto all = only<VuzeDhtEvent>(events());
  std::size_t errors = 0, replies_with_contacts = 0, unread_bbt = 0;
  for (const auto& e : all) {
    if (e.packet.action == VuzeAction::error_reply) {
      ++errors;
      EXPECT_EQ(e.packet.error_type, kVuzeErrorWrongAddress);
      ASSERT_TRUE(e.packet.error_address);
      EXPECT_EQ(e.packet.error_address->port, e.hop.to.port);  // the port it was asked from
    }
    if (e.packet.action == VuzeAction::find_node_reply && !e.packet.contacts.empty()) {
      ++replies_with_contacts;
      for (const auto& c : e.packet.contacts) EXPECT_EQ(c.endpoint.port, 6881);
    }
    // Everything of the main network's packets is read; BiglyBT's own
    // network (4) appends upload statistics from version 55, left unread.
    if (e.packet.network == 4) unread_bbt += e.packet.unread > 0;
    else EXPECT_EQ(e.packet.unread, 0u) << name_of(e.packet.action);
  }
  EXPECT_GE(unread_bbt, 1u);
  EXPECT_GE(errors, 3u);
  EXPECT_GE(replies_with_contacts, 1u);
}

}  // namespace
}  // namespace p2pscope::passive
