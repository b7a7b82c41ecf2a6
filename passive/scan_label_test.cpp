#include "passive/scan_label.hpp"

#include "tests/testlib/frames.hpp"

#include <gtest/gtest.h>

namespace p2pscope::passive {
namespace {

const IpAddress kHost = IpAddress::parse("10.1.0.11").value();

Endpoint peer(std::size_t i, std::uint16_t port = 0) {
  return {IpAddress::v4(static_cast<std::uint32_t>((77u << 24) | (i << 8) | 9)),
          port ? port : static_cast<std::uint16_t>(20000 + 37 * i)};
}

struct ScanFixture : ::testing::Test {
  std::vector<FailedAttempt> failed;
  ScanLabeler scan{ScanConfig{}, [this](const FailedAttempt& f) { failed.push_back(f); }};

  void tcp(double t, const Endpoint& from, const Endpoint& to, std::uint8_t flags) {
    auto d = testlib::tcp_datagram({from, to}, flags, 1, "");
    scan.packet(t, decode_ip(d).value());
  }
  // host → to: SYN, answered by a RST.
  void refused(double t, const Endpoint& to) {
    tcp(t, {kHost, 40000}, to, 0x02);
    tcp(t + 0.01, to, {kHost, 40000}, 0x14);
  }
  void tracker_gave(const std::vector<Endpoint>& peers) {
    scan.event(TrackerPeersEvent{{0, {}, {kHost, 6881}, Carrier::tcp}, std::nullopt, peers, std::nullopt});
  }
  ScanHost only_host() {
    auto hosts = scan.finish();
    EXPECT_EQ(hosts.size(), 1u);
    return hosts.empty() ? ScanHost{} : hosts[0];
  }
};

TEST_F(ScanFixture, PredictedFailuresRaiseOnlyTheUnsuppressedAlarm) {
  std::vector<Endpoint> peers;
  for (std::size_t i = 0; i < 40; ++i) peers.push_back(peer(i));
  tracker_gave(peers);
  for (std::size_t i = 0; i < 40; ++i) refused(1 + static_cast<double>(i), peers[i]);
  auto h = only_host();
  EXPECT_EQ(h.failed, 40u);
  EXPECT_EQ(h.failed_predicted, 40u);
  ASSERT_TRUE(h.unsuppressed);
  EXPECT_EQ(h.unsuppressed->kind, "address_scan");
  EXPECT_FALSE(h.suppressed);
  EXPECT_EQ(failed.front().predicted, Prediction::tracker);
  EXPECT_EQ(failed.front().why, "rst");
}

TEST_F(ScanFixture, BitTorrentPortPeerRatioWithholdsTheSuppressedAlarm) {
  for (std::size_t i = 0; i < 40; ++i) refused(static_cast<double>(i), peer(i));
  auto h = only_host();
  EXPECT_EQ(h.failed_predicted, 0u);
  EXPECT_DOUBLE_EQ(h.ppr, 1.0);
  EXPECT_TRUE(h.unsuppressed);
  EXPECT_FALSE(h.suppressed);
  EXPECT_TRUE(h.ppr_suppressed);
}

TEST_F(ScanFixture, HorizontalScanAlarmsInBothDetectors) {
  for (std::size_t i = 0; i < 40; ++i) refused(static_cast<double>(i), peer(i, 22));
  auto h = only_host();
  EXPECT_NEAR(h.ppr, 1.0 / 40, 1e-9);
  ASSERT_TRUE(h.suppressed);
  EXPECT_EQ(h.suppressed->kind, "address_scan");
  EXPECT_EQ(h.suppressed->distinct, 25u);
}

TEST_F(ScanFixture, VerticalScanIsAPortScan) {
  for (std::uint16_t port = 1; port <= 20; ++port) refused(port, peer(1, port));
  auto h = only_host();
  ASSERT_TRUE(h.suppressed);
  EXPECT_EQ(h.suppressed->kind, "port_scan");
  EXPECT_EQ(h.suppressed->distinct, 15u);
}

TEST_F(ScanFixture, SlowFailuresStayUnderTheWindow) {
  for (std::size_t i = 0; i < 40; ++i) refused(static_cast<double>(i) * 20, peer(i, 22));  // 15 per 300 s
  auto h = only_host();
  EXPECT_EQ(h.failed, 40u);
  EXPECT_FALSE(h.unsuppressed);
}

TEST_F(ScanFixture, SynAckIsSuccessAndSilenceTimesOut) {
  tcp(0, {kHost, 40000}, peer(1), 0x02);
  tcp(0.1, peer(1), {kHost, 40000}, 0x12);
  tcp(1, {kHost, 40001}, peer(2), 0x02);
  tcp(1.5, {kHost, 40001}, peer(2), 0x02);  // retransmitted
  tcp(30, {kHost, 40002}, peer(3), 0x02);   // expires the one before; this one at finish()
  auto h = only_host();
  EXPECT_EQ(h.attempts, 3u);
  EXPECT_EQ(h.failed, 2u);
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].to, peer(2));
  EXPECT_EQ(failed[0].why, "timeout");
}

TEST_F(ScanFixture, IcmpUnreachableFailsTheQuotedAttempt) {
  auto syn = testlib::tcp_datagram({{kHost, 40000}, peer(1)}, 0x02, 1, "");
  scan.packet(0, decode_ip(syn).value());
  auto icmp = testlib::icmp_port_unreachable(peer(1).address, syn);
  scan.packet(0.2, decode_ip(icmp).value());
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].why, "icmp_unreachable");
}

TEST_F(ScanFixture, UtpBeforeTcpPredictsTheConnection) {
  auto utp = testlib::udp_datagram({{kHost, 6881}, peer(1)}, std::string("\x41\x00\x12\x34", 4) + std::string(16, '\0'));
  scan.packet(0, decode_ip(utp).value());
  refused(1, peer(1));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].predicted, Prediction::udp);
}

}  // namespace
}  // namespace p2pscope::passive
