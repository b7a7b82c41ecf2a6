// Issue 25's passive acceptance on the capture of real aMule 2.3.3 made in
// a namespace of our own (tests/fixtures/ed2k/amule233_lab.pcapng,
// scripts/capture_amule.py): every eDonkey and KAD field the extractor
// records is compared with tshark's `edonkey` dissector on the same frames.
#include "passive/capture_events.hpp"
#include "tests/testlib/fixtures.hpp"
#include "tests/testlib/tshark.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace p2pscope::passive {
namespace {

using test_capture::only;
using testlib::first_value;

const std::string kCapture = "ed2k/amule233_lab.pcapng";

std::vector<Event> events() { return test_capture::capture_events(testlib::fixture_path(kCapture)); }

// tshark decodes eDonkey on the ports the capture used (as the script that made it).
std::vector<std::vector<std::string>> tshark(const std::string& filter, const std::vector<std::string>& fields) {
  std::vector<std::string> decode;
  for (const char* port : {"tcp.port==4661", "tcp.port==4662", "tcp.port==4663", "udp.port==4665", "udp.port==4672",
                           "udp.port==4673"})
    decode.insert(decode.end(), {"-d", std::string(port) + ",edonkey"});
  return testlib::tshark_fields(testlib::fixture_path(kCapture), decode, filter, fields);
}

std::string upper(std::string s) {
  std::ranges::transform(s, s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// (sender, user hash, client ID as the address tshark shows, TCP port) of
// every hello, hello answer and login.
TEST(Ed2kPcap, HellosAndLoginsMatchTshark) {
  std::multiset<std::string> ours, theirs;
  for (const auto& h : only<Ed2kHelloEvent>(events()))
    ours.insert(h.hop.from.to_string() + " " + h.user_hash.hex() + " " + ed2k::ip_of_ed2k_id(h.client_id).to_string() +
                " " + std::to_string(h.port));
  for (const auto& r : tshark("edonkey.client_hash", {"ip.src", "tcp.srcport", "edonkey.client_hash", "edonkey.clientid",
                                                      "edonkey.port"})) {
    ASSERT_EQ(r.size(), 5u);
    theirs.insert(r[0] + ":" + r[1] + " " + r[2] + " " + first_value(r[3]) + " " + first_value(r[4]));
  }
  EXPECT_EQ(theirs.size(), 5u) << "tshark found too few: is it installed?";
  EXPECT_EQ(ours, theirs);
}

// (sender, message type, file hash) of every message that names one file,
// over TCP and KAD.
TEST(Ed2kPcap, FileRequestsAndAnswersMatchTshark) {
  const std::map<std::string, std::string> opcode = {
      {"set_req_file_id", "0x4f"}, {"get_sources", "0x19"},      {"no_such_file", "0x48"},
      {"multipacket_ext", "0xa4"}, {"multipacket_answer", "0x93"}, {"kad_search_source", "0x34"}};
  std::multiset<std::string> ours, theirs;
  for (const auto& f : only<Ed2kFileEvent>(events())) {
    ASSERT_TRUE(opcode.contains(f.message)) << f.message;
    ours.insert(f.hop.from.to_string() + " " + opcode.at(f.message) + " " + upper(f.file.hex()));
  }
  auto rows = tshark("edonkey.file_hash && !(edonkey.message.type == 0x42)",
                     {"ip.src", "tcp.srcport", "edonkey.message.type", "edonkey.file_hash"});
  // KAD node lookups (0x21, 0x29) carry a target too, which may be a file's
  // hash or a keyword's or a node's: only source searches name a file.
  auto kad = tshark("edonkey.message.type == 0x34 && edonkey.kademlia.target.id",
                    {"ip.src", "udp.srcport", "edonkey.message.type", "edonkey.kademlia.target.id"});
  rows.insert(rows.end(), kad.begin(), kad.end());
  for (const auto& r : rows) {
    ASSERT_EQ(r.size(), 4u);
    theirs.insert(r[0] + ":" + r[1] + " " + r[2] + " " + upper(r[3]));
  }
  EXPECT_EQ(theirs.size(), 8u) << "tshark found too few: is it installed?";
  EXPECT_EQ(ours, theirs);
}

// The server's FOUNDSOURCES: the file, and each source's address and port.
TEST(Ed2kPcap, FoundSourcesMatchTshark) {
  std::multiset<std::string> ours, theirs;
  for (const auto& s : only<Ed2kSourcesEvent>(events())) {
    EXPECT_EQ(s.route, Ed2kRoute::server);
    for (const auto& src : s.sources)
      ours.insert(s.file.hex() + " " + ed2k::ip_of_ed2k_id(src.id).to_string() + ":" + std::to_string(src.port));
  }
  for (const auto& r : tshark("edonkey.message.type == 0x42", {"edonkey.file_hash", "edonkey.ip", "edonkey.port"})) {
    ASSERT_EQ(r.size(), 3u);
    theirs.insert(r[0] + " " + r[1] + ":" + r[2]);
  }
  EXPECT_EQ(theirs.size(), 1u);
  EXPECT_EQ(ours, theirs);
}

// What tshark does not spell out: aMule's own hello answers say who it is.
TEST(Ed2kPcap, AmuleHellosCarryItsFingerprint) {
  std::multiset<Ed2kHelloKind> amule;
  for (const auto& h : only<Ed2kHelloEvent>(events())) {
    if (h.software != "aMule 2.3.3") continue;
    amule.insert(h.kind);
    EXPECT_EQ(h.user_hash.hex(), "d53e0a306e0e560770abde34c9756fb3");
    EXPECT_EQ(h.crypt & 1, 1) << "aMule 2.3.3 supports obfuscation by default";
    if (h.kind != Ed2kHelloKind::login) EXPECT_TRUE(h.sx2);
  }
  EXPECT_EQ(amule, (std::multiset<Ed2kHelloKind>{Ed2kHelloKind::login, Ed2kHelloKind::hello, Ed2kHelloKind::answer}))
      << "its login, its hello to the source, its hello answer to the probe";
}

}  // namespace
}  // namespace p2pscope::passive
