// Known answers from real aMule 2.3.3 (Debian 1:2.3.3-3), recorded in a
// network namespace by scripts/capture_amule.py: every message is decoded
// as tshark's edonkey dissector decodes it, and the fields the crawler
// relies on hold what the capture script sent or what aMule is known to say.
#include "core/ed2k_client.hpp"
#include "core/ed2k_server.hpp"
#include "core/hash.hpp"
#include "core/kad.hpp"
#include "tests/testlib/fixtures.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

namespace p2pscope::ed2k {
namespace {

const char* const kAmule = "198.51.100.10";
const char* const kProbe = "198.51.100.20";

struct Line {
  std::string flow, from, bytes, protocols, types;  // protocols and types: tshark's, comma-separated
};

std::string unhex(const std::string& h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

std::vector<Line> capture() {
  std::istringstream hex(testlib::read_fixture("ed2k/amule233_lab.hex"));
  std::istringstream dissected(testlib::read_fixture("ed2k/amule233_lab.tshark"));
  std::vector<Line> out;
  std::string h, t;
  while (std::getline(hex, h) && std::getline(dissected, t)) {
    Line l;
    std::istringstream hs(h), ts(t);
    std::string payload, flow, from;
    hs >> l.flow >> l.from >> payload;
    ts >> flow >> from >> l.protocols >> l.types;
    EXPECT_EQ(flow + from, l.flow + l.from) << "the two files list the same packets";
    l.bytes = unhex(payload);
    out.push_back(std::move(l));
  }
  return out;
}

std::string endpoint(const char* ip, int port) { return std::string(ip) + ':' + std::to_string(port); }

// One direction of a TCP flow, as the frames it carried. The key is
// "flow from": the flow names the listening port, from the sender.
std::map<std::string, std::vector<Frame>> tcp_frames(const std::vector<Line>& lines) {
  std::map<std::string, std::string> streams;
  for (const auto& l : lines)
    if (l.flow.starts_with("tcp:")) streams[l.flow + ' ' + l.from] += l.bytes;
  std::map<std::string, std::vector<Frame>> out;
  for (auto& [key, stream] : streams) {
    std::string_view rest = stream;
    while (!rest.empty()) {
      auto f = decode_tcp_frame(rest);
      EXPECT_TRUE(f) << key << ": " << f.error().message();
      if (!f) break;
      out[key].push_back(f.value().frame);
      rest.remove_prefix(f.value().size);
    }
  }
  return out;
}

const Frame& first(const std::map<std::string, std::vector<Frame>>& frames, const std::string& key, std::uint8_t op) {
  static const Frame none;
  auto it = frames.find(key);
  if (it == frames.end()) {
    ADD_FAILURE() << "no stream " << key;
    return none;
  }
  for (const auto& f : it->second)
    if (f.opcode == op) return f;
  ADD_FAILURE() << key << " has no opcode " << int(op);
  return none;
}

std::string hex_byte(std::uint8_t b) { return "0x" + detail::to_hex(&b, 1); }

TEST(Ed2kCapture, EveryMessageIsDecodedAsTsharkDecodesIt) {
  auto lines = capture();
  ASSERT_GT(lines.size(), 20u);
  std::map<std::string, std::string> ours, theirs;
  for (const auto& l : lines) {
    if (l.flow.starts_with("udp:")) {
      auto f = decode_udp_frame(l.bytes);
      if (l.types.empty()) {
        EXPECT_FALSE(f) << l.flow << " " << l.from << ": tshark sees no eDonkey message (obfuscated), nor do we";
      } else {
        ASSERT_TRUE(f) << l.flow << " " << l.from;
        EXPECT_EQ(hex_byte(static_cast<std::uint8_t>(f.value().protocol)) + ' ' + hex_byte(f.value().opcode),
                  l.protocols + ' ' + l.types);
      }
      continue;
    }
    auto key = l.flow + ' ' + l.from;
    if (!l.types.empty()) theirs[key] += (theirs[key].empty() ? "" : ",") + l.types;
  }
  for (const auto& [key, frames] : tcp_frames(lines))
    for (const auto& f : frames) ours[key] += (ours[key].empty() ? "" : ",") + hex_byte(f.opcode);
  EXPECT_EQ(theirs.size(), 6u) << "both directions of the server, probe and source connections";
  EXPECT_EQ(ours, theirs);
}

TEST(Ed2kCapture, Amule233SaysWhoItIsInBothHellos) {
  auto frames = tcp_frames(capture());
  auto answer = decode_hello(first(frames, "tcp:4662 " + endpoint(kAmule, 4662), op::hello_answer).payload,
                             HelloKind::answer);
  ASSERT_TRUE(answer);
  auto c = client_info(answer.value());
  EXPECT_EQ(c.software(), "aMule 2.3.3");
  EXPECT_EQ(c.sx1_version, 3);
  EXPECT_EQ(c.ext_requests, 2);
  EXPECT_TRUE(c.sx2 && c.ext_multipacket && c.multipacket && c.large_files);
  EXPECT_TRUE(c.crypt_supported && c.crypt_requested && !c.crypt_required);
  EXPECT_EQ(c.kad_version, 8);
  EXPECT_EQ(c.udp_port, 4672);
  EXPECT_EQ(answer.value().user_hash.bytes[5], 14);
  EXPECT_EQ(answer.value().user_hash.bytes[14], 111);

  // aMule's own hello to the source its server named: its HighID and the server.
  std::string key;
  for (const auto& [k, f] : frames)
    if (k.starts_with("tcp:4663 " + std::string(kAmule))) key = k;
  auto hello = decode_hello(first(frames, key, op::hello).payload, HelloKind::hello);
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello.value().user_hash, answer.value().user_hash);
  EXPECT_EQ(ip_of_ed2k_id(hello.value().client_id), IpAddress::parse(kAmule).value());
  EXPECT_EQ(ip_of_ed2k_id(hello.value().server_ip), IpAddress::parse(kProbe).value());
  EXPECT_EQ(hello.value().server_port, 4661);
  EXPECT_EQ(client_info(hello.value()).software(), "aMule 2.3.3");
}

TEST(Ed2kCapture, AFakeHashGetsNoSuchFileAndASharedOneItsName) {
  auto frames = tcp_frames(capture());
  auto to_probe = "tcp:4662 " + endpoint(kAmule, 4662);
  EXPECT_EQ(decode_hash_only(first(frames, to_probe, op::no_such_file).payload).value().hex(),
            "0badf00d0badf00d0badf00d0badf00d");
  auto multi = decode_multipacket_answer(first(frames, to_probe, op::multipacket_answer).payload);
  ASSERT_TRUE(multi);
  EXPECT_EQ(multi.value().file.hex(), "26e5db501f39de2d1b6e090f8a766620");
  EXPECT_EQ(multi.value().name, "z12000000");
  ASSERT_TRUE(multi.value().status);
  EXPECT_EQ(multi.value().status->parts, 0) << "a complete file";
}

TEST(Ed2kCapture, AmuleAsksItsServerAndItsSourceForTheFileItWants) {
  auto lines = capture();
  auto frames = tcp_frames(lines);
  std::string to_server, to_source;
  for (const auto& [k, f] : frames) {
    if (k.starts_with("tcp:4661 " + std::string(kAmule))) to_server = k;
    if (k.starts_with("tcp:4663 " + std::string(kAmule))) to_source = k;
  }
  auto login = decode_login(first(frames, to_server, op::login_request).payload);
  ASSERT_TRUE(login);
  EXPECT_EQ(login.value().tcp_port, 4662);
  auto q = decode_get_sources(first(frames, to_server, op::get_sources).payload);
  ASSERT_TRUE(q);
  ASSERT_EQ(q.value().size(), 1u);
  EXPECT_EQ(q.value()[0].file.hex(), "5eed5eed5eed5eed5eed5eed5eed5eed");
  EXPECT_EQ(q.value()[0].size, 5'000'000u);

  // To a peer that advertised extended requests 1, aMule (itself 2) wrote level 1.
  auto ask = decode_multipacket(first(frames, to_source, op::multipacket_ext).payload, MultiKind::extended, 1);
  ASSERT_TRUE(ask);
  EXPECT_EQ(ask.value().size, 5'000'000u);
  ASSERT_FALSE(ask.value().items.empty());
  EXPECT_EQ(ask.value().items.front().opcode, op::request_filename);
  EXPECT_EQ(ask.value().items.back().opcode, op::request_sources2);
  EXPECT_EQ(ask.value().items.back().sx2_version, 4);

  for (const auto& l : lines)
    if (l.flow == "udp:4665-4665") {
      auto f = decode_udp_frame(l.bytes);
      ASSERT_TRUE(f);
      EXPECT_EQ(f.value().opcode, op::glob_serv_stat_req);
      EXPECT_EQ(decode_challenge(f.value().payload).value() & 0xffff0000u, 0x55AA0000u);
    }
}

TEST(Ed2kCapture, AmuleAnswersKadBootstrapFindNodeAndPing) {
  std::optional<kad::BootstrapResponse> boot;
  std::optional<kad::NodeRequest> asked;
  std::optional<kad::NodeResponse> told;
  std::optional<std::uint16_t> pong;
  for (const auto& l : capture()) {
    if (!l.flow.starts_with("udp:467")) continue;
    auto f = decode_udp_frame(l.bytes);
    if (!f) continue;
    const auto& p = f.value().payload;
    switch (f.value().opcode) {
      case kad::op::bootstrap_res: boot = kad::decode_bootstrap_response(p).value(); break;
      case kad::op::req: asked = kad::decode_node_request(p).value(); break;
      case kad::op::res: told = kad::decode_node_response(p).value(); break;
      case kad::op::pong: pong = kad::decode_pong(p).value(); break;
      default: break;
    }
  }
  ASSERT_TRUE(boot && asked && told && pong);
  EXPECT_EQ(boot->tcp_port, 4662);
  EXPECT_EQ(boot->version, 8);
  EXPECT_EQ(asked->receiver, boot->id) << "the probe named aMule by the id its bootstrap answer gave";
  EXPECT_EQ(asked->target.hex(), "26e5db501f39de2d1b6e090f8a766620");
  EXPECT_EQ(told->target, asked->target);
  EXPECT_EQ(*pong, 4673) << "the port aMule saw the ping come from";
}

}  // namespace
}  // namespace p2pscope::ed2k
