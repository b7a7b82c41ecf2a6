#include "passive/pcap_reader.hpp"

#include "tests/testlib/frames.hpp"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace p2pscope::passive {
namespace {

namespace fs = std::filesystem;

// What a pass saw: every frame's time, bytes and decoded payload, in order.
struct Seen {
  std::vector<std::string> frames;
  ReadSummary summary;
};

std::string describe(const Frame& f, const Packet* p) {
  std::string s = std::to_string(f.t) + "|" + std::to_string(f.wire_length) + "|" + std::string(f.data) + "|";
  if (p) s += p->src.to_string() + ">" + p->dst.to_string() + ":" + std::string(p->payload);
  return s;
}

struct PassivePipelinedRead : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("p2pscope-pipelined-" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }

  // A capture of n Ethernet frames of varying sizes (some not IP), enough
  // to cross the reader's batch limits by count and by bytes.
  fs::path capture(std::size_t n) {
    auto path = dir / "many.pcap";
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t* out = pcap_dump_open(dead, path.c_str());
    for (std::size_t i = 0; i < n; ++i) {
      testlib::FlowSpec fs{Endpoint::parse("10.0.0." + std::to_string(i % 250 + 1) + ":6881").value(),
                           Endpoint::parse("192.0.2.7:51413").value()};
      std::string frame = i % 97 == 0 ? std::string(60, '\xee')  // not IP
                                      : testlib::ethernet(testlib::udp_datagram(fs, std::string(i % 1400, static_cast<char>('a' + i % 26))));
      pcap_pkthdr h{};
      h.ts.tv_sec = static_cast<long>(1700000000 + i);
      h.ts.tv_usec = static_cast<long>(i % 1000000);
      h.caplen = h.len = static_cast<bpf_u_int32>(frame.size());
      pcap_dump(reinterpret_cast<u_char*>(out), &h, reinterpret_cast<const u_char*>(frame.data()));
    }
    pcap_dump_close(out);
    pcap_close(dead);
    return path;
  }

  Seen read(const fs::path& file, bool pipelined) {
    Seen s;
    auto reader = PcapReader::open(file);
    EXPECT_TRUE(reader);
    auto sink = [&s](const Frame& f, const Packet* p) { s.frames.push_back(describe(f, p)); };
    s.summary = pipelined ? read_packets_pipelined(reader.value(), sink) : read_packets(reader.value(), sink);
    return s;
  }

  void expect_same_pass(const fs::path& file) {
    auto a = read(file, false), b = read(file, true);
    EXPECT_EQ(a.frames, b.frames);
    EXPECT_EQ(a.summary.frames, b.summary.frames);
    EXPECT_EQ(a.summary.not_ip, b.summary.not_ip);
    EXPECT_EQ(a.summary.damage, b.summary.damage);
  }
};

TEST_F(PassivePipelinedRead, GivesTheSameFramesAndSummaryAsTheSequentialRead) {
  auto file = capture(10000);
  expect_same_pass(file);
  EXPECT_EQ(read(file, true).summary.not_ip, 104u);  // every 97th frame
}

TEST_F(PassivePipelinedRead, ACaptureCutMidRecordKeepsEveryFrameBeforeTheDamage) {
  auto file = capture(3000);
  fs::resize_file(file, fs::file_size(file) - 100);
  expect_same_pass(file);
  auto s = read(file, true);
  EXPECT_TRUE(s.summary.damage.has_value());
  EXPECT_EQ(s.summary.frames, 2999u);
}

TEST_F(PassivePipelinedRead, AnExceptionFromTheSinkStopsTheReaderAndComesBack) {
  auto file = capture(20000);
  auto reader = PcapReader::open(file);
  ASSERT_TRUE(reader);
  std::size_t calls = 0;
  auto sink = [&calls](const Frame&, const Packet*) {
    if (++calls == 5000) throw std::runtime_error("stop");
  };
  EXPECT_THROW(read_packets_pipelined(reader.value(), sink), std::runtime_error);
  EXPECT_EQ(calls, 5000u);
}

TEST_F(PassivePipelinedRead, AnEmptyCaptureEndsAtOnce) {
  auto file = capture(0);
  auto s = read(file, true);
  EXPECT_TRUE(s.frames.empty());
  EXPECT_EQ(s.summary.frames, 0u);
  EXPECT_FALSE(s.summary.damage);
}

}  // namespace
}  // namespace p2pscope::passive
