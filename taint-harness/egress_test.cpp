#include "taint-harness/egress.hpp"

#include "tests/testlib/frames.hpp"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <fstream>

namespace p2pscope::harness {
namespace {

namespace fs = std::filesystem;
using testlib::FlowSpec;

// Writes Ethernet frames to a pcap file with libpcap, one second apart.
struct HarnessEgress : ::testing::Test {
  fs::path file = fs::temp_directory_path() / ("harness-egress-" + std::to_string(::getpid()) + ".pcap");
  std::vector<std::string> frames;
  void TearDown() override { fs::remove(file); }

  void write() {
    std::unique_ptr<pcap_t, decltype(&pcap_close)> dead(pcap_open_dead(DLT_EN10MB, 65535), pcap_close);
    auto* d = pcap_dump_open(dead.get(), file.c_str());
    ASSERT_NE(d, nullptr);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      pcap_pkthdr h{};
      h.ts.tv_sec = static_cast<time_t>(1000 + i);
      h.caplen = h.len = static_cast<bpf_u_int32>(frames[i].size());
      pcap_dump(reinterpret_cast<u_char*>(d), &h, reinterpret_cast<const u_char*>(frames[i].data()));
    }
    pcap_dump_close(d);
  }
  void udp(const char* from, const char* to, std::string_view payload) {
    frames.push_back(testlib::ethernet(testlib::udp_datagram({Endpoint::parse(from).value(), Endpoint::parse(to).value()}, payload)));
  }
};

const IpAddress kClient = IpAddress::parse("41.73.12.201").value();

TEST_F(HarnessEgress, CountsOnlyWhatTheClientSendsByFlowAndKrpcKind) {
  std::string ping = "d1:ad2:id20:aaaaaaaaaaaaaaaaaaaae1:q4:ping1:t2:aa1:y1:qe";
  udp("41.73.12.201:6881", "62.1.2.3:6881", ping);
  udp("41.73.12.201:6881", "62.1.2.3:6881", "not bencode");
  udp("62.1.2.3:6881", "41.73.12.201:6881", ping);  // to the client: not egress
  frames.push_back(testlib::ethernet(testlib::tcp_datagram(
      {Endpoint::parse("41.73.12.201:40000").value(), Endpoint::parse("80.1.2.3:443").value()}, 0x02, 1, "")));
  write();
  auto e = egress_from_pcap(file, kClient).value();
  EXPECT_EQ(e.packets, 3u);
  EXPECT_DOUBLE_EQ(e.seconds, 3.0);
  ASSERT_EQ(e.flows.size(), 2u);
  EXPECT_EQ(e.flows[0].protocol, "udp");
  EXPECT_EQ(e.flows[0].packets, 2u);
  EXPECT_EQ(e.flows[0].krpc.at("q:ping"), 1u);
  EXPECT_EQ(e.flows[0].krpc.at("not_krpc"), 1u);
  EXPECT_EQ(e.flows[1].tcp_syns, 1u);
  EXPECT_FALSE(e.damage);
  auto back = egress_from_json(to_json(e)).value();
  EXPECT_EQ(to_json(back), to_json(e));
}

TEST_F(HarnessEgress, DamagedCaptureKeepsEveryGoodPacketAndSaysSo) {
  udp("41.73.12.201:6881", "62.1.2.3:6881", "x");
  udp("41.73.12.201:6881", "62.1.2.3:6881", "y");
  write();
  fs::resize_file(file, fs::file_size(file) - 3);
  auto e = egress_from_pcap(file, kClient).value();
  EXPECT_EQ(e.packets, 1u);
  EXPECT_TRUE(e.damage);
}

TEST_F(HarnessEgress, NotACaptureIsAnError) {
  std::ofstream(file) << "hello";
  EXPECT_FALSE(egress_from_pcap(file, kClient));
}

}  // namespace
}  // namespace p2pscope::harness
