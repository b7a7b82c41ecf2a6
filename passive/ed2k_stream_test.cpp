#include "passive/ed2k_stream.hpp"

#include "tests/testlib/fixtures.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

namespace p2pscope::passive {
namespace {

using namespace ed2k;

// The TCP streams of the recorded aMule 2.3.3 session (core/ed2k_capture_test.cpp
// reads the same capture frame by frame), by "flow sender".
std::map<std::string, std::string> recorded_streams() {
  std::istringstream hex(testlib::read_fixture("ed2k/amule233_lab.hex"));
  std::map<std::string, std::string> out;
  for (std::string flow, from, payload; hex >> flow >> from >> payload;)
    if (flow.starts_with("tcp:")) out[flow + ' ' + from] += testlib::bytes_from_hex(payload);
  return out;
}

// What a parser reported, in order, as "opcode" words, and the hashes.
struct Seen {
  std::vector<std::string> frames;
  std::vector<std::pair<std::uint8_t, Md4>> requests, answers;
  std::vector<Hello> hellos;
  std::vector<FoundSources> found;
  std::vector<SourceRequest> asked;
  std::vector<std::uint64_t> sizes;  // of each request, 0 where it says none
  Ed2kHandlers handlers() {
    Ed2kHandlers h;
    h.frame = [this](const Frame& f) { frames.push_back(std::to_string(f.opcode)); };
    h.hello = [this](const Hello& x, HelloKind) { hellos.push_back(x); };
    h.file_request = [this](std::uint8_t op, const Md4& m, std::uint64_t size) {
      requests.emplace_back(op, m);
      sizes.push_back(size);
    };
    h.file_answer = [this](std::uint8_t op, const Md4& m) { answers.emplace_back(op, m); };
    h.found_sources = [this](const FoundSources& f, SourceForm) { found.push_back(f); };
    h.get_sources = [this](const std::vector<SourceRequest>& q) { asked.insert(asked.end(), q.begin(), q.end()); };
    return h;
  }
};

Seen parse(const std::string& stream, std::size_t piece, Ed2kStreamParser* out = nullptr) {
  Seen seen;
  auto h = seen.handlers();
  Ed2kStreamParser p;
  for (std::size_t i = 0; i < stream.size(); i += piece) p.feed(std::string_view(stream).substr(i, piece), h);
  EXPECT_EQ(p.state(), Ed2kStreamParser::State::frames);
  EXPECT_EQ(p.undecodable(), 0u);
  if (out) *out = p;
  return seen;
}

TEST(Ed2kStream, RecordedAmuleStreamsGiveTheSameFramesInAnyPieceSize) {
  for (const auto& [key, stream] : recorded_streams()) {
    auto whole = parse(stream, stream.size());
    EXPECT_FALSE(whole.frames.empty()) << key;
    for (std::size_t piece : {1u, 7u, 1000u}) EXPECT_EQ(parse(stream, piece).frames, whole.frames) << key << " in " << piece;
  }
}

TEST(Ed2kStream, TheProbeAsksForAHashAndAmuleSaysItHasNoSuchFile) {
  auto streams = recorded_streams();
  Ed2kStreamParser amule;
  auto answers = parse(streams.at("tcp:4662 198.51.100.10:4662"), 5, &amule);
  auto asked = parse(streams.at("tcp:4662 198.51.100.20:36749"), 5);
  ASSERT_TRUE(amule.sender());
  EXPECT_EQ(amule.sender()->software(), "aMule 2.3.3");
  EXPECT_EQ(amule.sender()->sx1_version, 3);
  ASSERT_FALSE(asked.requests.empty());
  ASSERT_FALSE(answers.answers.empty());
  EXPECT_EQ(asked.requests.front().first, op::set_req_file_id);
  EXPECT_EQ(answers.answers.front(), std::make_pair(op::no_such_file, asked.requests.front().second));
}

// MULTIPACKET_EXT is the one client request that says the file's size,
// which makes a requested hash crawlable (an ed2k:// link needs it).
TEST(Ed2kStream, AmulesExtendedMultipacketGivesTheFileSize) {
  auto seen = parse(recorded_streams().at("tcp:4663 198.51.100.10:47297"), 3);
  ASSERT_FALSE(seen.requests.empty());
  EXPECT_EQ(seen.requests.front().first, op::multipacket_ext);
  EXPECT_EQ(seen.sizes.front(), 5'000'000u);
  auto probe = parse(recorded_streams().at("tcp:4662 198.51.100.20:36749"), 3);
  ASSERT_GE(probe.requests.size(), 2u);
  EXPECT_EQ(probe.sizes[0], 0u) << "SETREQFILEID does not say it";
  EXPECT_EQ(probe.sizes[1], 12'000'000u);
}

TEST(Ed2kStream, TheServerSideCarriesLoginGetSourcesAndFoundSources) {
  auto streams = recorded_streams();
  Seen client;
  Ed2kHandlers h = client.handlers();
  int logins = 0;
  h.login = [&](const Login& l) { logins += l.user_hash.bytes[5] == 14; };
  Ed2kStreamParser p;
  p.feed(streams.at("tcp:4661 198.51.100.10:42843"), h);
  EXPECT_EQ(logins, 1);
  ASSERT_EQ(client.asked.size(), 1u);
  auto server = parse(streams.at("tcp:4661 198.51.100.20:4661"), 3);
  ASSERT_EQ(server.found.size(), 1u);
  EXPECT_EQ(server.found[0].file, client.asked[0].file);
}

TEST(Ed2kStream, ABrokenHeaderFailsTheStreamAndAnUndecodablePayloadDoesNot) {
  Seen seen;
  auto h = seen.handlers();
  Ed2kStreamParser p;
  p.feed(encode_tcp_frame(Frame{Protocol::edonkey, op::found_sources, "short"}), h);
  p.feed(encode_tcp_frame(Frame{Protocol::edonkey, op::no_such_file, std::string(16, 'x')}), h);
  EXPECT_EQ(p.state(), Ed2kStreamParser::State::frames);
  EXPECT_EQ(p.undecodable(), 1u);
  EXPECT_EQ(seen.answers.size(), 1u);
  p.feed(std::string("\xE3\xFF\xFF\xFF\x7F\x01", 6), h);  // a 2 GiB frame
  EXPECT_EQ(p.state(), Ed2kStreamParser::State::failed);
  EXPECT_EQ(p.failure(), errc::oversized);
  p.feed(encode_tcp_frame(Frame{Protocol::edonkey, op::no_such_file, std::string(16, 'y')}), h);
  EXPECT_EQ(seen.answers.size(), 1u) << "a failed stream reads no more";
}

TEST(Ed2kStream, RecognisesTheStartOfAFrameOnly) {
  EXPECT_TRUE(looks_like_ed2k(encode_tcp_frame(Frame{Protocol::edonkey, op::hello, std::string(40, 'a')})));
  EXPECT_FALSE(looks_like_ed2k("\x13" "BitTorrent protocol"));
  EXPECT_FALSE(looks_like_ed2k(std::string("\xE3\x00\x00\x00\x00\x01", 6)));  // length 0
  EXPECT_FALSE(looks_like_ed2k(std::string("\xE3\x00\x00\x00\x10\x01", 6)));  // 256 MiB
}

}  // namespace
}  // namespace p2pscope::passive
