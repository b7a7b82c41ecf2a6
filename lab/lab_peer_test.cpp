#include "lab/lab_peer.hpp"

#include <gtest/gtest.h>

namespace p2pscope::lab {
namespace {

Endpoint ep(const char* text) { return Endpoint::parse(text).value(); }

class LabPeerPolicy : public ::testing::Test {
 protected:
  LabPeerPolicy() { world_.pieces[lab_ih_] = 10; }
  LabPeer make(Role role, PeerKind kind, const char* at = "23.1.2.3:51413", int variant = 0) {
    party_ = Party{.role = role, .impl = Impl::lab_actor, .name = "p", .endpoint = ep(at), .variant = variant};
    return LabPeer(party_, kind, world_, 1);
  }
  PeerWorld world_;
  Party party_{};
  InfoHash lab_ih_ = InfoHash::from_bytes(std::string(20, 'l')).value();
  InfoHash random_ih_ = InfoHash::from_bytes(std::string(20, 'r')).value();
};

TEST_F(LabPeerPolicy, HonestPeersListOnlyPeersTheyCompletedAHandshakeWith) {
  auto p = make(Role::leecher, PeerKind::honest);
  p.learned(ep("31.0.0.1:6881"));
  p.heard(ep("37.0.0.1:6881"));
  p.connected(ep("45.0.0.1:6881"));
  EXPECT_EQ(p.pex_list(), std::vector<Endpoint>{ep("45.0.0.1:6881")});
  EXPECT_TRUE(p.accepts(lab_ih_));
  EXPECT_FALSE(p.accepts(random_ih_));
}

TEST_F(LabPeerPolicy, AntiP2pPeersAcceptAnyInfohashAndListFleetAndFakes) {
  auto p = make(Role::anti_p2p, PeerKind::anti_p2p);
  p.set_fleet({ep("23.1.2.3:51413"), ep("23.1.2.4:51413")}, {ep("23.1.2.100:6881")}, false);
  p.connected(ep("45.0.0.1:6881"));
  EXPECT_TRUE(p.accepts(random_ih_));
  EXPECT_TRUE(p.claims_all_pieces());
  EXPECT_EQ(p.pex_list(), (std::vector<Endpoint>{ep("23.1.2.4:51413"), ep("23.1.2.100:6881")}));
}

TEST_F(LabPeerPolicy, ByteOrderPeersReverseEverythingTheyLearned) {
  auto p = make(Role::byte_order, PeerKind::byte_order);
  p.learned(ep("1.2.3.4:6881"));
  p.connected(ep("45.0.0.10:51413"));
  p.heard(ep("37.0.0.1:6881"));  // PEX it hears is not what it learned from trackers
  EXPECT_EQ(p.pex_list(), (std::vector<Endpoint>{ep("4.3.2.1:6881"), ep("10.0.0.45:51413")}));
  EXPECT_FALSE(p.accepts(random_ih_));
}

TEST_F(LabPeerPolicy, ByteOrderPeersWithANeighbourhoodLearnOnlyClientsBesideIt) {
  world_.clients.insert(IpAddress::parse("45.0.0.99").value());
  auto p = make(Role::byte_order, PeerKind::byte_order);
  p.set_known({ep("1.2.3.4:6881"), ep("23.1.2.3:51413")});  // its own address is left out
  p.learned(ep("31.0.0.1:6881"));                            // a tracker's answer outside it
  p.learned(ep("45.0.0.99:7000"));                           // a tool connecting from a client address
  EXPECT_EQ(p.pex_list(), (std::vector<Endpoint>{ep("4.3.2.1:6881"), ep("99.0.0.45:7000")}));
}

TEST_F(LabPeerPolicy, Ipv6ByteOrderPeersGarbleIpv6AddressesTheirOwnWay) {
  auto whole = make(Role::byte_order, PeerKind::byte_order, "[2a01:1:2::1]:51413", static_cast<int>(V6Reversal::whole));
  whole.learned(ep("[2400:abcd:ef01::1234]:6881"));
  whole.learned(ep("31.0.0.1:6881"));  // another family: an IPv6-only actor never learns it
  EXPECT_EQ(whole.pex_list(), std::vector<Endpoint>{ep("[3412::1ef:cdab:24]:6881")});
  auto words = make(Role::byte_order, PeerKind::byte_order, "[2a01:1:2::1]:51413", static_cast<int>(V6Reversal::words));
  words.learned(ep("[2400:abcd:ef01::1234]:6881"));
  EXPECT_EQ(words.pex_list(), std::vector<Endpoint>{ep("[cdab:24:0:1ef:0:0:3412:0]:6881")});
}

TEST_F(LabPeerPolicy, PropagatorsRelayEverythingTheyHear) {
  auto p = make(Role::propagator, PeerKind::propagator);
  p.learned(ep("31.0.0.1:6881"));
  p.heard(ep("10.9.9.9:6881"));
  p.heard(ep("23.1.2.3:51413"));  // itself: never listed
  EXPECT_EQ(p.pex_list(), (std::vector<Endpoint>{ep("10.9.9.9:6881"), ep("31.0.0.1:6881")}));
}

}  // namespace
}  // namespace p2pscope::lab
