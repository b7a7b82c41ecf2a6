#include "taint-harness/wire_check.hpp"

#include "core/ed2k_client.hpp"
#include "core/packet.hpp"
#include "tests/testlib/fixtures.hpp"
#include "tests/testlib/frames.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace p2pscope::harness {
namespace {

// The recorded uTP session: 82.243.113.43 sends one ut_pex naming 11 peers
// (frame 58; the fixture lists them, sliced out independently of passive).
const IpAddress kSender = IpAddress::parse("82.243.113.43").value();

std::vector<Endpoint> frame58_peers() {
  std::vector<Endpoint> out;
  std::istringstream lines(testlib::read_fixture("utp_pex_frame58_eleven_peers.txt"));
  for (std::string line; std::getline(lines, line);) out.push_back(Endpoint::parse(line.substr(0, line.find(' '))).value());
  return out;
}

const Endpoint kReceiver = Endpoint::parse("192.168.1.5:40959").value();

Capture feeders_saw(const std::vector<Endpoint>& peers) {
  Capture c;
  PexSeen m;
  m.to = kReceiver;
  for (const auto& e : peers) m.added.push_back({e, std::nullopt});
  c.pex.push_back(m);
  return c;
}

HarnessPlan plan_with_client(const IpAddress& client) {
  HarnessPlan p;
  p.client = {client, 64969};
  return p;
}

WireCheck check(const Capture& c, const HarnessPlan& plan = plan_with_client(kSender)) {
  auto w = check_wire(testlib::fixture_path("pcaps/bittorrent_utp.pcap"), c, plan);
  EXPECT_TRUE(w) << w.error().message();
  return w ? w.value() : WireCheck{};
}

TEST(WireCheck, TheSameElevenPeersAgree) {
  auto w = check(feeders_saw(frame58_peers()));
  EXPECT_TRUE(w.agree()) << ::testing::PrintToString(w.differences);
  EXPECT_EQ(w.pex_messages, 1u);
  EXPECT_EQ(w.pex_peers, 11u);
  EXPECT_EQ(w.krpc_responses, 0u) << "the sender only queried";
}

TEST(WireCheck, APeerOnlyOneViewHasIsNamedWithTheViewThatHasIt) {
  auto peers = frame58_peers();
  auto missing = peers.back();
  peers.pop_back();
  peers.push_back(Endpoint::parse("23.9.9.9:6881").value());
  auto w = check(feeders_saw(peers));
  EXPECT_EQ(w.differing, 2u);
  EXPECT_EQ(w.differences, (std::vector<std::string>{
                               "pex added " + missing.to_string() + ": in the pcap, not in the feeders' capture",
                               "pex added 23.9.9.9:6881: in the feeders' capture, not in the pcap"}));
}

TEST(WireCheck, AMessageTheFeedersReadButThePcapLacksIsNamed) {
  auto c = feeders_saw(frame58_peers());
  c.pex.push_back(c.pex.front());
  auto w = check(c);
  EXPECT_EQ(w.differences, std::vector<std::string>{"ut_pex to 192.168.1.5:40959: the feeders read 2, the pcap holds 1"});
}

TEST(WireCheck, OnlyWhatTheClientSentCounts) {
  auto w = check(Capture{}, plan_with_client(IpAddress::parse("192.168.1.5").value()));
  EXPECT_TRUE(w.agree());
  EXPECT_EQ(w.pex_messages, 0u) << "the ut_pex went to 192.168.1.5, not from it";
}

// A client whose outgoing socket is unbound sends from whatever address the
// kernel picks (on the sandbox's loopback, the receiver's): what reaches a
// feeder's own endpoint is the client's all the same.
TEST(WireCheck, WhatReachesAFeedersEndpointIsTheClientsFromAnyAddress) {
  auto plan = plan_with_client(IpAddress::parse("23.0.0.1").value());
  plan.fed.push_back({kReceiver, Route::pex, FedKind::bittorrent, true});
  auto w = check(feeders_saw(frame58_peers()), plan);
  EXPECT_TRUE(w.agree()) << ::testing::PrintToString(w.differences);
  EXPECT_EQ(w.pex_messages, 1u);
}

TEST(WireCheck, DifferencesAreListedUpToTheCapAndAllCounted) {
  std::vector<Endpoint> peers = frame58_peers();
  for (std::uint32_t i = 0; i < 25; ++i) peers.push_back({IpAddress::v4(0x17000000 + i), 6881});
  Capture c = feeders_saw(peers);
  c.dht.push_back({0, {}, {Endpoint::parse("23.1.1.1:1").value()}, {}});
  auto w = check(c);
  EXPECT_EQ(w.differing, 26u);
  EXPECT_EQ(w.differences.size(), kMaxDifferences);
  EXPECT_FALSE(w.agree());
}

// ---- eMule: source exchange answers ----

const Endpoint kEmuleClient = Endpoint::parse("23.4.5.6:4662").value();
const Endpoint kAsker = Endpoint::parse("31.7.8.9:40001").value();
const std::vector<Endpoint> kSources{Endpoint::parse("45.1.2.3:4662").value(), Endpoint::parse("61.9.8.7:5000").value()};

// A hand-built capture: the asker connects to the client, and the client
// answers with one ANSWERSOURCES (SX1) whose 28-byte entries carry
// kSources as hybrid IDs, version 3, the way it writes to an asker that
// advertised level 3. No hello goes by, so passive's own reading of the
// entries is version 2.
std::filesystem::path sx_answer_pcap() {
  ed2k::SourcesAnswer a;
  a.version = 3;
  for (const auto& s : kSources) a.entries.push_back({ed2k::hybrid_id(s.address), s.port, 0, 0, ed2k::Md4{}, 0});
  auto frame = ed2k::encode_tcp_frame({ed2k::Protocol::emule, ed2k::op::answer_sources, ed2k::encode_answer_sources(a)});
  using F = TcpFlag;
  auto bits = [](std::initializer_list<F> fs) {
    std::uint8_t b = 0;
    for (auto f : fs) b |= static_cast<std::uint8_t>(f);
    return b;
  };
  const testlib::FlowSpec in{kAsker, kEmuleClient}, out{kEmuleClient, kAsker};
  std::vector<std::string> packets{testlib::tcp_datagram(in, bits({F::syn}), 1000, ""),
                                   testlib::tcp_datagram(out, bits({F::syn, F::ack}), 5000, "", 1001),
                                   testlib::tcp_datagram(in, bits({F::ack}), 1001, "", 5001),
                                   testlib::tcp_datagram(out, bits({F::psh, F::ack}), 5001, frame, 1001)};
  std::string file(24, '\0');
  const std::uint32_t magic = 0xa1b2c3d4, snaplen = 65535, link = 1;
  const std::uint16_t major = 2, minor = 4;
  std::memcpy(file.data(), &magic, 4);
  std::memcpy(file.data() + 4, &major, 2);
  std::memcpy(file.data() + 6, &minor, 2);
  std::memcpy(file.data() + 16, &snaplen, 4);
  std::memcpy(file.data() + 20, &link, 4);
  std::uint32_t t = 1;
  for (const auto& p : packets) {
    auto eth = testlib::ethernet(p);
    std::uint32_t rec[4] = {t++, 0, static_cast<std::uint32_t>(eth.size()), static_cast<std::uint32_t>(eth.size())};
    file.append(reinterpret_cast<const char*>(rec), sizeof rec);
    file += eth;
  }
  auto path = std::filesystem::temp_directory_path() / ("p2pscope-wire-sx-" + std::to_string(::getpid()) + ".pcap");
  std::ofstream(path, std::ios::binary) << file;
  return path;
}

Capture asker_read(std::uint8_t version, std::vector<Endpoint> sources) {
  Capture c;
  SxAsk a;
  a.asker = kAsker;
  a.asked = version;
  a.end = "answered";
  a.version = version;
  a.sources = std::move(sources);
  c.sx.push_back(a);
  return c;
}

// The 28-byte entries are version 3 because the asker advertised level 3;
// the check reads them so, where passive alone would read version 2.
TEST(WireCheck, SourceExchangeEntriesAreReadInTheVersionTheAskerReadThem) {
  auto pcap = sx_answer_pcap();
  auto w = check_wire(pcap, asker_read(3, kSources), plan_with_client(kEmuleClient.address));
  std::filesystem::remove(pcap);
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(w.value().sx_answers, 1u);
  EXPECT_EQ(w.value().sx_sources, 2u);
  EXPECT_TRUE(w.value().agree()) << ::testing::PrintToString(w.value().differences);
}

TEST(WireCheck, ASourceTheAskerReadButTheAnswerLacksIsNamed) {
  auto pcap = sx_answer_pcap();
  auto read = kSources;
  read.back() = Endpoint::parse("61.9.8.7:5001").value();
  auto w = check_wire(pcap, asker_read(3, read), plan_with_client(kEmuleClient.address));
  std::filesystem::remove(pcap);
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(w.value().differences,
            (std::vector<std::string>{"sx source 61.9.8.7:5000: in the pcap, not in the feeders' capture",
                                      "sx source 61.9.8.7:5001: in the feeders' capture, not in the pcap"}));
}

TEST(WireCheck, AMissingPcapIsAnError) {
  EXPECT_FALSE(check_wire("/nonexistent/sandbox-lo.pcap", Capture{}, plan_with_client(kSender)));
}

}  // namespace
}  // namespace p2pscope::harness
