#include "passive/pcap_file.hpp"

#include "core/packet.hpp"

#include "tests/testlib/fixtures.hpp"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace p2pscope::passive {
namespace {

namespace fs = std::filesystem;

// Everything a reader gave for a file: each frame, then how it ended.
std::string read_all(const fs::path& file, FileReader with, bool* classic = nullptr,
                     const std::string& filter = "") {
  auto r = PcapReader::open(file, with);
  if (!r) return "cannot open: " + r.error().message();
  if (classic) *classic = !r.value().read_by_libpcap();
  if (!filter.empty())
    if (auto st = r.value().set_filter(filter); !st) return "bad filter: " + st.error().message();
  std::string out;
  for (;;) {
    auto f = r.value().next();
    if (!f) return out + "damage: " + f.error().message() + "\n";
    if (!f.value()) return out + "end\n";
    char t[64];
    std::snprintf(t, sizeof t, "%.17g", f.value()->t);
    out += std::string(t) + " " + std::to_string(f.value()->wire_length) + " " +
           std::to_string(f.value()->data.size()) + " " + std::to_string(std::hash<std::string_view>{}(f.value()->data)) + "\n";
  }
}

struct PcapFile : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("p2pscope-pcapfile-" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }

  fs::path write(const std::string& name, const std::string& bytes) {
    auto p = dir / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  // A classic pcap header (this machine's byte order) and records given
  // field by field: time, sub-second part, caplen, len, then caplen bytes
  // (or fewer, for damage).
  static std::string header(std::uint32_t magic = 0xa1b2c3d4, std::uint32_t snaplen = 65535, std::uint16_t minor = 4,
                            std::uint32_t link = 1 /* Ethernet */) {
    std::string h(24, '\0');
    std::uint16_t major = 2;
    std::memcpy(h.data(), &magic, 4);
    std::memcpy(h.data() + 4, &major, 2);
    std::memcpy(h.data() + 6, &minor, 2);
    std::memcpy(h.data() + 16, &snaplen, 4);
    std::memcpy(h.data() + 20, &link, 4);
    return h;
  }
  static std::string record(std::uint32_t sec, std::uint32_t sub, std::uint32_t caplen, std::uint32_t len,
                            std::size_t bytes) {
    std::string r(16, '\0');
    std::memcpy(r.data(), &sec, 4);
    std::memcpy(r.data() + 4, &sub, 4);
    std::memcpy(r.data() + 8, &caplen, 4);
    std::memcpy(r.data() + 12, &len, 4);
    for (std::size_t i = 0; i < bytes; ++i) r += static_cast<char>(i * 7 + sec);
    return r;
  }
  // Both readers on the file; the classic reader must have taken it.
  void expect_same(const fs::path& file) {
    bool classic = false;
    auto fast = read_all(file, FileReader::fastest, &classic);
    EXPECT_TRUE(classic) << file;
    EXPECT_EQ(fast, read_all(file, FileReader::libpcap)) << file;
  }
};

TEST_F(PcapFile, RealCapturesReadAsLibpcapReadsThem) {
  // (bittorrent_utp.pcap is pcapng, whatever its name: OtherFormatsStayWithLibpcap)
  for (auto name : {"bittorrent.pcap", "zeek_tracker.pcap"}) {
    expect_same(testlib::fixture_path("pcaps/" + std::string(name)));
  }
}

TEST_F(PcapFile, AFileCutAnywhereEndsWithLibpcapsFramesAndMessage) {
  auto whole = testlib::read_fixture("pcaps/bittorrent.pcap").substr(0, 6000);
  for (std::size_t cut = 24; cut <= whole.size(); cut += (cut < 400 ? 1 : 37)) {
    expect_same(write("cut.pcap", whole.substr(0, cut)));
    if (HasFailure()) FAIL() << "cut at " << cut;
  }
}

TEST_F(PcapFile, OddRecordsReadAsLibpcapReadsThem) {
  // Longer than the snap length (kept cut to it), longer than any snap
  // length (damage), times past 2^31 and sub-second parts past a second.
  expect_same(write("snap.pcap", header(0xa1b2c3d4, 100) + record(1, 2, 200, 300, 200) + record(3, 4, 50, 50, 50)));
  expect_same(write("snap-cut.pcap", header(0xa1b2c3d4, 100) + record(1, 2, 200, 300, 150)));
  expect_same(write("snap-short.pcap", header(0xa1b2c3d4, 100) + record(1, 2, 200, 300, 60)));
  expect_same(write("huge.pcap", header() + record(1, 2, 262145, 262145, 10)));
  expect_same(write("zero-snap.pcap", header(0xa1b2c3d4, 0) + record(1, 2, 70000, 70000, 70000)));
  expect_same(write("times.pcap", header() + record(0xffffffff, 0xffffffff, 10, 10, 10) + record(0x80000000, 999999, 0, 0, 0)));
  expect_same(write("nanos.pcap", header(0xa1b23c4d) + record(1700000000, 123456789, 10, 10, 10) +
                                      record(1700000000, 0xffffffff, 10, 10, 10)));
}

TEST_F(PcapFile, FiltersRunOnTheClassicReadersFrames) {
  auto file = testlib::fixture_path("pcaps/bittorrent.pcap");
  auto all = read_all(file, FileReader::libpcap);
  for (std::string filter : {"udp", "tcp port 6881", "greater 1000", "tcp[tcpflags] & tcp-syn != 0"}) {
    bool classic = false;
    auto fast = read_all(file, FileReader::fastest, &classic, filter);
    EXPECT_TRUE(classic);
    EXPECT_EQ(fast, read_all(file, FileReader::libpcap, nullptr, filter)) << filter;
    EXPECT_LT(fast.size(), all.size()) << filter << " filtered nothing";
  }
}

TEST_F(PcapFile, OtherFormatsStayWithLibpcap) {
  bool classic = true;
  for (auto name : {"bt-http.pcapng", "bittorrent_utp.pcap"}) {
    classic = true;
    auto path = testlib::fixture_path("pcaps/" + std::string(name));
    // Looking at the header must leave libpcap's file (the same open file) where it was.
    EXPECT_EQ(read_all(path, FileReader::fastest, &classic), read_all(path, FileReader::libpcap)) << name;
    EXPECT_FALSE(classic) << name;
  }
  // Written big-endian: every field byte-swapped.
  std::string swapped("\xa1\xb2\xc3\xd4\x00\x02\x00\x04", 8);
  swapped += std::string(8, '\0') + std::string("\x00\x00\xff\xff\x00\x00\x00\x01", 8);
  classic = true;
  EXPECT_EQ(read_all(write("swapped.pcap", swapped), FileReader::fastest, &classic), "end\n");
  EXPECT_FALSE(classic);
  classic = true;
  read_all(write("v2.3.pcap", header(0xa1b2c3d4, 65535, 3) + record(1, 2, 10, 10, 10)), FileReader::fastest, &classic);
  EXPECT_FALSE(classic);
  EXPECT_FALSE(classic_pcap_header("\x0a\x0d\x0d\x0a"));
}

// The defect: libpcap reports LINKTYPE_RAW files as DLT_RAW (12), which was
// taken for a LINKTYPE value and refused as "unsupported link type 12".
TEST_F(PcapFile, RawIpCapturesAreRead) {
  // An IPv4 header (20 bytes, UDP) and an 8-byte UDP header.
  std::string ip("\x45\x00\x00\x1c\x00\x00\x00\x00\x40\x11\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08"
                 "\x1a\xe1\x1a\xe2\x00\x08\x00\x00", 28);
  std::string rec(16, '\0');
  std::uint32_t fields[4] = {1, 0, 28, 28};
  std::memcpy(rec.data(), fields, 16);
  for (std::uint32_t link : {101u, 12u, 14u}) {
    auto file = write("raw" + std::to_string(link) + ".pcap", header(0xa1b2c3d4, 65535, 4, link) + rec + ip);
    for (auto with : {FileReader::fastest, FileReader::libpcap}) {
      auto r = PcapReader::open(file, with);
      ASSERT_TRUE(r) << "linktype " << link << ": " << message_of(r);
      EXPECT_EQ(r.value().link(), LinkType::raw);
      auto f = r.value().next();
      ASSERT_TRUE(f && f.value()) << message_of(f);
      auto p = decode_frame(r.value().link(), f.value()->data);
      ASSERT_TRUE(p) << "linktype " << link;
      EXPECT_EQ(p.value().dst_port, 6882);
    }
  }
}

}  // namespace
}  // namespace p2pscope::passive
