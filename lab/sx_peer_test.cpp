#include "lab/sx_peer.hpp"

#include "tests/testlib/ed2k_bytes.hpp"
#include "tests/testlib/fixtures.hpp"

#include <gtest/gtest.h>

namespace p2pscope::lab {
namespace {

using namespace ed2k;
using test::bytes;
using test::le16;
using test::le64;
using test::md4;
using test::raw;

constexpr std::uint64_t kSize = 34'048'000;  // four parts
const Endpoint kSelf{IpAddress::parse("52.18.7.9").value(), 41523};

// A hub that has the first part of file 1 and knows one source.
struct SxPeer : ::testing::Test {
  SxPeerConfig cfg;
  ClientInfo requester;
  SxPeer() {
    cfg.user_hash = md4(0x30);
    cfg.sources[md4(1)] = {{IpAddress::parse("81.2.3.4").value(), 4662}};
    cfg.status = PartStatus{4, std::string(1, '\x01')};
    cfg.sx2 = false;
    requester.sx1_version = 3;
    requester.ext_requests = 2;  // aMule 2.3.3 announces extended requests level 2
  }
  std::vector<Frame> answer(std::uint8_t opcode, const std::string& payload) {
    auto out = sx_peer_respond(Frame{Protocol::emule, opcode, payload}, cfg, kSelf, requester);
    std::vector<Frame> frames;
    for (std::string_view rest = out; !rest.empty();) {
      auto f = decode_tcp_frame(rest);
      if (!f) break;
      frames.push_back(f.value().frame);
      rest.remove_prefix(f.value().size);
    }
    return frames;
  }
};

// The bytes aMule 2.3.3 sent a hub that announced level 1 and no SX2 (from
// a harness run's pcap): file name request with a level-1 part status
// (4 parts, none complete), set file, and SX1 inside the multipacket.
TEST_F(SxPeer, ReadsAmulesMultipacketAtTheLevelItsOwnHelloAnnounced) {
  auto payload = raw(md4(1)) + le64(kSize) + bytes({0x58}) + le16(4) + bytes({0x00, 0x4F, 0x81});
  int requests = 0;
  cfg.on_request = [&requests](const ClientInfo&, const Md4&) { ++requests; };
  auto frames = answer(op::multipacket_ext, payload);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].opcode, op::multipacket_answer);
  auto status = decode_multipacket_answer(frames[0].payload);
  ASSERT_TRUE(status);
  EXPECT_EQ(status.value().status, cfg.status);
  EXPECT_EQ(frames[1].opcode, op::answer_sources);
  EXPECT_EQ(requests, 1);
}

// aMule 2.3.3's hello as a harness run recorded it (amuled to a hub).
constexpr const char* kAmuleHello =
    "e36f00000001103b1c66685b0e364e04b0b768c8c26fe8bb686f68dea50700000002010001170070327073636f70652d6861726e6573"
    "732d636c69656e74030100113c000000030100f900000000030100fb800d0403030100fa16321334030100feb8050000030100ef0100"
    "00007ae6459aae89";

TEST_F(SxPeer, AnswersAmulesHelloInEveryGuise) {
  auto hello = decode_tcp_frame(testlib::bytes_from_hex(kAmuleHello));
  ASSERT_TRUE(hello);
  for (std::uint8_t sx1 = 1; sx1 <= 4; ++sx1) {
    cfg.sx1 = sx1;
    cfg.sx2 = sx1 == 4;
    cfg.name = sx1 == 4 ? "eMule" : "aMule";
    ClientInfo who;
    auto out = sx_peer_respond(hello.value().frame, cfg, kSelf, who);
    auto answer = decode_tcp_frame(out);
    ASSERT_TRUE(answer) << int(sx1);
    EXPECT_EQ(answer.value().frame.opcode, op::hello_answer);
    auto mine = decode_hello(answer.value().frame.payload, HelloKind::answer);
    ASSERT_TRUE(mine);
    // aMule takes a source whose hello says ID 0 for a LowID, and never names it.
    EXPECT_EQ(mine.value().client_id, ed2k_id(kSelf.address));
    EXPECT_EQ(mine.value().tcp_port, kSelf.port);
    EXPECT_EQ(who.software(), "aMule 2.3.3");
    EXPECT_EQ(who.sx1_version, 3);
    EXPECT_TRUE(who.sx2);
  }
}

TEST_F(SxPeer, AnSx2ItemIsAnsweredInItsVersion) {
  auto payload = raw(md4(1)) + le64(kSize) + bytes({0x58}) + le16(4) + bytes({0x00, 0x4F, 0x83, 0x04}) + le16(0);
  auto frames = answer(op::multipacket_ext, payload);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].opcode, op::answer_sources2);
  auto a = decode_answer_sources2(frames[1].payload);
  ASSERT_TRUE(a);
  EXPECT_EQ(a.value().version, 4);
}

// aMule asks the first source with a part for the part hashes it lacks,
// and shares its part file (answers source exchange) only once it has them.
TEST_F(SxPeer, AnswersTheHashsetRequestWithThePartHashes) {
  EXPECT_TRUE(sx_peer_respond(Frame{Protocol::edonkey, op::hashset_request, raw(md4(1))}, cfg, kSelf, requester).empty())
      << "no hashes configured: silence";
  cfg.part_hashes[md4(1)] = {md4(11), md4(12), md4(13), md4(14)};
  auto out = sx_peer_respond(Frame{Protocol::edonkey, op::hashset_request, raw(md4(1))}, cfg, kSelf, requester);
  auto f = decode_tcp_frame(out);
  ASSERT_TRUE(f);
  EXPECT_EQ(f.value().frame.opcode, op::hashset_answer);
  auto a = decode_hashset_answer(f.value().frame.payload);
  ASSERT_TRUE(a);
  EXPECT_EQ(a.value(), (HashSetAnswer{md4(1), cfg.part_hashes[md4(1)]}));
}

// aMule names an eMule source in source exchange only once the source has
// queued it: a hub that left STARTUPLOADREQ unanswered was never passed on.
TEST_F(SxPeer, QueuesAnEmuleDownloaderThatAsksForAnUploadSlot) {
  requester.emule_version = 0x03040D80;
  cfg.queue_rank = 7;
  auto out = sx_peer_respond(Frame{Protocol::edonkey, op::start_upload_req, raw(md4(1))}, cfg, kSelf, requester);
  auto f = decode_tcp_frame(out);
  ASSERT_TRUE(f);
  EXPECT_EQ(f.value().frame.protocol, Protocol::emule);
  EXPECT_EQ(f.value().frame.opcode, op::queue_ranking);
  EXPECT_EQ(f.value().frame.payload, le16(7) + std::string(10, '\0')) << "aMule drops a ranking that is not 12 bytes";
  EXPECT_TRUE(sx_peer_respond(Frame{Protocol::edonkey, op::start_upload_req, raw(md4(2))}, cfg, kSelf, requester).empty())
      << "a file it does not have";
  requester.emule_version.reset();
  EXPECT_TRUE(sx_peer_respond(Frame{Protocol::edonkey, op::start_upload_req, raw(md4(1))}, cfg, kSelf, requester).empty())
      << "a plain eDonkey client gets no eMule ranking";
}

TEST_F(SxPeer, AnEmptySourceListIsSilenceAsAmuleKeepsIt) {
  cfg.sources[md4(1)].clear();
  auto frames = answer(op::request_sources, raw(md4(1)));
  EXPECT_TRUE(frames.empty());
}

TEST_F(SxPeer, AnSx1AnswerTakesTheLowerOfTheTwoVersions) {
  requester.sx1_version = 2;
  auto frames = answer(op::request_sources, raw(md4(1)));
  ASSERT_EQ(frames.size(), 1u);
  auto a = decode_answer_sources(frames[0].payload, 2);
  ASSERT_TRUE(a);
  EXPECT_EQ(a.value().version, 2);
  EXPECT_EQ(sx_address(a.value().entries.at(0), IdForm::ed2k).to_string(), "81.2.3.4");
}

}  // namespace
}  // namespace p2pscope::lab
