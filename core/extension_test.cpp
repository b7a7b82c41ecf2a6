#include "core/extension.hpp"

#include "core/compact.hpp"
#include "tests/testlib/round_trip.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

using namespace std::string_literals;

TEST(ExtendedHandshake, DecodesBep10FieldsBuiltByLibtorrent) {
  lt::entry e(lt::entry::dictionary_t);
  e["m"]["ut_pex"] = 1;
  e["m"]["ut_metadata"] = 2;
  e["m"]["lt_donthave"] = 0;
  e["v"] = "libtorrent 2.0.8";
  e["p"] = 6881;
  e["yourip"] = "\x0a\x00\x00\x02"s;
  e["ipv4"] = "\x0a\x00\x00\x01"s;
  e["ipv6"] = std::string(15, '\0') + "\x01";
  e["reqq"] = 500;
  e["metadata_size"] = 31235;
  auto h = decode_extended_handshake(encode_bencode(e)).value();
  EXPECT_EQ(h.extension_id("ut_pex"), 1);
  EXPECT_EQ(h.extension_id("ut_metadata"), 2);
  EXPECT_EQ(h.extension_id("lt_donthave"), std::nullopt);  // 0 means disabled
  EXPECT_EQ(h.v, "libtorrent 2.0.8");
  EXPECT_EQ(h.p, 6881);
  EXPECT_EQ(h.yourip->to_string(), "10.0.0.2");
  EXPECT_EQ(h.ipv4->to_string(), "10.0.0.1");
  EXPECT_EQ(h.ipv6->to_string(), "::1");
  EXPECT_EQ(h.reqq, 500);
  EXPECT_EQ(h.metadata_size, 31235);
}

TEST(ExtendedHandshake, RejectsLyingFields) {
  EXPECT_EQ(decode_extended_handshake("d1:md6:ut_pexi300eee").error(), errc::bad_value);
  EXPECT_EQ(decode_extended_handshake("d1:md6:ut_pex1:xee").error(), errc::wrong_type);
  EXPECT_EQ(decode_extended_handshake("d1:pi70000ee").error(), errc::bad_value);
  EXPECT_EQ(decode_extended_handshake("d4:ipv416:0123456789abcdefe").error(), errc::bad_address);
  EXPECT_EQ(decode_extended_handshake("d6:youripi5ee").error(), errc::wrong_type);
  EXPECT_EQ(decode_extended_handshake("d6:yourip3:abce").error(), errc::bad_address);
  EXPECT_EQ(decode_extended_handshake("d4:reqqi-1ee").error(), errc::bad_value);
  // libtorrent reads this as 0 ("disabled"); it must not pass as a real value.
  EXPECT_EQ(decode_extended_handshake("d1:md6:ut_pexi-99999999999999999999eee").error(), errc::bad_value);
  EXPECT_EQ(decode_extended_handshake("d1:pi-99999999999999999999ee").error(), errc::bad_value);
  EXPECT_EQ(decode_extended_handshake("i5e").error(), errc::wrong_type);
}

TEST(Pex, DecodesAddedWithFlagsAndDropped) {
  lt::entry e(lt::entry::dictionary_t);
  e["added"] = "\x01\x02\x03\x04\x1a\xe1\x05\x06\x07\x08\x00\x50"s;
  e["added.f"] = "\x12\x02"s;
  e["added6"] = std::string(15, '\0') + "\x01\x00\x50"s;
  e["added6.f"] = "\x04"s;
  e["dropped"] = "\x09\x09\x09\x09\x00\x01"s;
  auto m = decode_pex(encode_bencode(e)).value();
  ASSERT_EQ(m.added.size(), 3u);
  EXPECT_EQ(m.added[0].endpoint.to_string(), "1.2.3.4:6881");
  EXPECT_TRUE(m.added[0].flags->has(PexFlag::reachable));
  EXPECT_TRUE(m.added[0].flags->has(PexFlag::seed));
  EXPECT_TRUE(m.added[2].flags->has(PexFlag::supports_utp));
  EXPECT_EQ(m.added[2].endpoint.to_string(), "[::1]:80");
  ASSERT_EQ(m.dropped.size(), 1u);
  EXPECT_EQ(m.dropped[0].to_string(), "9.9.9.9:1");
  EXPECT_TRUE(m.anomalies.empty());
}

TEST(Pex, KeepsPeersWhoseFlagsDoNotLineUp) {
  // libtorrent ignores such an "added"; p2pscope keeps the peers (they were
  // advertised) and records the anomaly.
  auto m = decode_pex("d5:added12:" "\x01\x02\x03\x04\x1a\xe1\x05\x06\x07\x08\x00\x50" "7:added.f1:\x10" "e"s).value();
  ASSERT_EQ(m.added.size(), 2u);
  EXPECT_FALSE(m.added[0].flags);
  EXPECT_TRUE(m.anomalies.has(PexAnomaly::added_flags_mismatch));
}

TEST(Pex, RejectsBrokenListsAndFloods) {
  EXPECT_EQ(decode_pex("d5:added5:abcdee").error(), errc::not_multiple);
  EXPECT_EQ(decode_pex("d7:dropped65:" + std::string(65, 'x') + "e").error(), errc::not_multiple);
  EXPECT_EQ(decode_pex("d5:addedi1ee").error(), errc::wrong_type);
  ExtensionLimits lim;
  lim.max_pex_peers = 50;
  std::string flood(6 * 51, '\x01');
  EXPECT_EQ(decode_pex("d5:added306:" + flood + "e", lim).error(), errc::too_many_items);
}

TEST(ExtendedHandshake, RoundTripsRandomHandshakes) {
  testlib::expect_round_trips(
      300, [](testlib::Gen& g) { return g.extended_handshake(); },
      [](const ExtendedHandshake& h) { return encode_extended_handshake(h); },
      [](std::string_view b) { return decode_extended_handshake(b); });
}

// summarize_extended_handshake must accept, reject and read exactly as
// decode_extended_handshake does.
void expect_summary_agrees(std::string_view body, std::string_view name = "ut_pex") {
  auto full = decode_extended_handshake(body);
  auto summary = summarize_extended_handshake(body, name);
  ASSERT_EQ(full.has_value(), summary.has_value()) << body;
  if (!full) {
    EXPECT_EQ(full.error(), summary.error()) << body;
    return;
  }
  EXPECT_EQ(summary.value().extension_id, full.value().extension_id(name)) << body;
  EXPECT_EQ(summary.value().v, full.value().v) << body;
  EXPECT_EQ(summary.value().p, full.value().p) << body;
  EXPECT_EQ(summary.value().yourip, full.value().yourip) << body;
}

TEST(ExtendedHandshakeSummary, AgreesWithTheFullDecodeOnRandomHandshakes) {
  testlib::Gen g(7);
  for (int i = 0; i < 300; ++i) {
    auto h = g.extended_handshake();
    if (g.coin()) h.m["ut_pex"] = static_cast<std::uint8_t>(g.below(3));  // 0: disabled
    auto body = encode_extended_handshake(h);
    expect_summary_agrees(body);
    if (!h.m.empty()) expect_summary_agrees(body, h.m.begin()->first);
  }
}

TEST(ExtendedHandshakeSummary, AgreesWithTheFullDecodeOnLyingFields) {
  for (std::string_view body :
       {"d1:md6:ut_pexi300eee", "d1:md6:ut_pex1:xee", "d1:pi70000ee", "d4:ipv416:0123456789abcdefe",
        "d6:youripi5ee", "d6:yourip3:abce", "d4:reqqi-1ee", "d1:md6:ut_pexi-99999999999999999999eee", "i5e",
        "d1:mi1ee", "d1:vi1ee", "d13:metadata_sizei-5ee", "d4:ipv64:abcde",
        // several bad fields: the same error whatever the dictionary order
        "d1:pi70000e1:vi1ee", "d1:vi1e1:pi70000ee", "d1:pi-1e1:md6:ut_pex1:xee"}) {
    expect_summary_agrees(body);
  }
}

TEST(ExtendedHandshakeSummary, TakesTheFirstOfRepeatedKeysAsTheFullDecodeDoes) {
  // bdecode keeps repeated and unsorted keys; dict_find and the map both take the first.
  expect_summary_agrees("d1:md6:ut_pexi3e6:ut_pexi4ee1:md6:ut_pexi5eee");
  expect_summary_agrees("d1:pi1e1:pi70000ee");
  expect_summary_agrees("d1:pi70000e1:pi1ee");
  EXPECT_EQ(summarize_extended_handshake("d1:md6:ut_pexi3e6:ut_pexi4eee", "ut_pex").value().extension_id, 3);
  EXPECT_EQ(summarize_extended_handshake("d1:md6:ut_pexi0e6:ut_pexi4eee", "ut_pex").value().extension_id,
            std::nullopt);
}

TEST(Pex, RoundTripsRandomMessages) {
  testlib::expect_round_trips(
      300, [](testlib::Gen& g) { return g.pex(); }, [](const PexMessage& m) { return encode_pex(m); },
      [](std::string_view b) { return decode_pex(b); });
}

}  // namespace
}  // namespace p2pscope

#include "core/peer_wire.hpp"
#include "tests/testlib/fixtures.hpp"

#include <cstdio>

namespace p2pscope {
namespace {

TEST(Pex, UtpCaptureFrame58DecodesElevenPeersWithFlags) {
  auto framed = testlib::read_fixture("utp_pex_frame58_eleven_peers.bin");
  auto frame = next_frame(framed).value();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->consumed, framed.size());
  auto ext = decode_extended(frame->payload).value();
  EXPECT_EQ(ext.ext_id, 1);
  auto m = decode_pex(ext.body).value();
  std::string got;
  for (const auto& p : m.added) {
    char flags[8];
    std::snprintf(flags, sizeof flags, "0x%02x", p.flags->bits());
    got += p.endpoint.to_string() + " flags=" + flags + "\n";
  }
  EXPECT_EQ(got, testlib::read_fixture("utp_pex_frame58_eleven_peers.txt"));
  EXPECT_TRUE(m.dropped.empty());
  EXPECT_TRUE(m.anomalies.empty());
}

}  // namespace
}  // namespace p2pscope
