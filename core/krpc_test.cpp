#include "core/krpc.hpp"

#include "tests/testlib/round_trip.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

using namespace std::string_literals;

// The worked examples of BEP 5, byte for byte.
constexpr std::string_view kPingQuery = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
constexpr std::string_view kPingResponse = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
constexpr std::string_view kError = "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee";
constexpr std::string_view kFindNode =
    "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe";
constexpr std::string_view kGetPeers =
    "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe";
constexpr std::string_view kGetPeersValues =
    "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re";
constexpr std::string_view kGetPeersNodesPlaceholder =
    "d1:rd2:id20:abcdefghij01234567895:nodes9:def456...5:token8:aoeusnthe1:t2:aa1:y1:re";
constexpr std::string_view kAnnounce =
    "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:"
    "aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";

template <class T>
T decode_as(std::string_view buf) {
  auto m = decode_krpc(buf);
  EXPECT_TRUE(m) << (m ? "" : m.error().message());
  return std::get<T>(m.value());
}

NodeId id(std::string_view s) { return NodeId::from_bytes(s).value(); }

TEST(Krpc, DecodesBep5Ping) {
  auto q = decode_as<KrpcQuery>(kPingQuery);
  EXPECT_EQ(q.transaction_id, "aa");
  EXPECT_EQ(q.method(), KrpcMethod::ping);
  EXPECT_EQ(q.id, id("abcdefghij0123456789"));
  EXPECT_EQ(encode_krpc(q), kPingQuery);
  auto r = decode_as<KrpcResponse>(kPingResponse);
  EXPECT_EQ(r.id, id("mnopqrstuvwxyz123456"));
  EXPECT_EQ(encode_krpc(r), kPingResponse);
}

// The factories build BEP 5's example queries byte for byte.
TEST(Krpc, FactoriesBuildBep5Queries) {
  auto id = NodeId::from_bytes("abcdefghij0123456789").value();
  auto other = std::string("mnopqrstuvwxyz123456");
  auto with_tid = [](KrpcQuery q) {
    q.transaction_id = "aa";
    return encode_krpc(q);
  };
  EXPECT_EQ(with_tid(KrpcQuery::ping(id)), kPingQuery);
  EXPECT_EQ(with_tid(KrpcQuery::find_node(id, NodeId::from_bytes(other).value())), kFindNode);
  EXPECT_EQ(with_tid(KrpcQuery::get_peers(id, InfoHash::from_bytes(other).value())), kGetPeers);
  auto ann = KrpcQuery::announce_peer(id, InfoHash::from_bytes(other).value(), 6881, "aoeusnth");
  EXPECT_EQ(ann.method(), KrpcMethod::announce_peer);
  EXPECT_EQ(ann.port, 6881);
  EXPECT_EQ(ann.token, "aoeusnth");
  // BEP 51's query: find_node's arguments under its own method name.
  EXPECT_EQ(with_tid(KrpcQuery::sample_infohashes(id, NodeId::from_bytes(other).value())),
            "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q17:sample_infohashes1:t2:aa1:y1:qe");
}

TEST(Krpc, DecodesBep5Error) {
  auto e = decode_as<KrpcError>(kError);
  EXPECT_EQ(e.code, 201);
  EXPECT_EQ(e.message, "A Generic Error Ocurred");
  EXPECT_EQ(encode_krpc(e), kError);
}

TEST(Krpc, DecodesBep5FindNodeAndGetPeers) {
  auto f = decode_as<KrpcQuery>(kFindNode);
  EXPECT_EQ(f.method(), KrpcMethod::find_node);
  EXPECT_EQ(f.target, id("mnopqrstuvwxyz123456"));
  EXPECT_EQ(encode_krpc(f), kFindNode);
  auto g = decode_as<KrpcQuery>(kGetPeers);
  EXPECT_EQ(g.method(), KrpcMethod::get_peers);
  EXPECT_EQ(g.info_hash->raw(), "mnopqrstuvwxyz123456");
  EXPECT_EQ(encode_krpc(g), kGetPeers);
}

TEST(Krpc, DecodesBep5ValuesAsPeers) {
  auto r = decode_as<KrpcResponse>(kGetPeersValues);
  EXPECT_EQ(r.token, "aoeusnth");
  ASSERT_EQ(r.values.size(), 2u);
  EXPECT_EQ(r.values[0].to_string(), "97.120.106.101:11893");  // "axje.u"
  EXPECT_EQ(r.values[1].to_string(), "105.100.104.116:28269");  // "idhtnm"
  EXPECT_EQ(encode_krpc(r), kGetPeersValues);
}

TEST(Krpc, RejectsBep5NodesPlaceholderAsNotMultiple) {
  // BEP 5's "def456..." stands for real nodes; 9 bytes is not whole 26-byte entries.
  EXPECT_EQ(decode_krpc(kGetPeersNodesPlaceholder).error(), errc::not_multiple);
}

TEST(Krpc, DecodesBep5AnnouncePeerWithImpliedPort) {
  auto a = decode_as<KrpcQuery>(kAnnounce);
  EXPECT_EQ(a.method(), KrpcMethod::announce_peer);
  EXPECT_TRUE(a.implied_port);
  EXPECT_EQ(a.port, 6881);
  EXPECT_EQ(a.token, "aoeusnth");
  EXPECT_EQ(encode_krpc(a), kAnnounce);
}

TEST(Krpc, DecodesMessagesBuiltByLibtorrentEntry) {
  lt::entry e(lt::entry::dictionary_t);
  e["t"] = "xy";
  e["y"] = "r";
  e["v"] = "LT20";
  e["ip"] = std::string("\x0a\x00\x00\x01\x1a\xe1", 6);
  e["r"]["id"] = std::string(20, 'N');
  e["r"]["nodes6"] = std::string(20, 'M') + std::string(16, '\x20') + "\x00\x50"s;
  e["r"]["samples"] = std::string(40, 'S');
  e["r"]["interval"] = 21600;
  e["r"]["num"] = 1234;
  auto r = decode_as<KrpcResponse>(encode_bencode(e));
  EXPECT_EQ(r.version, "LT20");
  EXPECT_EQ(r.requester->to_string(), "10.0.0.1:6881");
  ASSERT_EQ(r.nodes6.size(), 1u);
  EXPECT_EQ(r.nodes6[0].endpoint.port, 80);
  ASSERT_TRUE(r.samples);
  EXPECT_EQ(r.samples->size(), 2u);
  EXPECT_EQ(r.interval, 21600);
  EXPECT_EQ(r.num, 1234);
}

TEST(Krpc, DecodesWantAndReadOnly) {
  lt::entry e(lt::entry::dictionary_t);
  e["t"] = "1";
  e["y"] = "q";
  e["q"] = "get_peers";
  e["ro"] = 1;
  e["a"]["id"] = std::string(20, 'a');
  e["a"]["info_hash"] = std::string(20, 'b');
  e["a"]["want"] = lt::entry::list_type{lt::entry("n4"), lt::entry("n6"), lt::entry("n9")};
  auto q = decode_as<KrpcQuery>(encode_bencode(e));
  EXPECT_TRUE(q.read_only);
  EXPECT_TRUE(q.want.has(Want::n4));
  EXPECT_TRUE(q.want.has(Want::n6));
  EXPECT_EQ(q.wanted_lists(Family::v4), q.want) << "what want names, whoever asks";
  KrpcQuery none;
  EXPECT_EQ(none.wanted_lists(Family::v4), WantFlags{Want::n4}) << "no want: the asker's family";
  EXPECT_EQ(none.wanted_lists(Family::v6), WantFlags{Want::n6});
}

TEST(Krpc, KeepsUnknownMethodsByName) {
  auto q = decode_as<KrpcQuery>("d1:ad2:id20:abcdefghij0123456789e1:q4:vote1:t2:aa1:y1:qe");
  EXPECT_EQ(q.method(), KrpcMethod::unknown);
  EXPECT_EQ(q.method_name, "vote");
}

struct BadCase {
  std::string_view name;
  std::string_view input;
  errc expected;
};

TEST(Krpc, RejectsHostileInputWithSpecificErrors) {
  const BadCase cases[] = {
      {"not a dict", "li1ee", errc::wrong_type},
      {"truncated", "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:q", errc::bencode_malformed},
      {"missing t", "d1:rd2:id20:mnopqrstuvwxyz123456e1:y1:re", errc::missing_key},
      {"bad y", "d1:t2:aa1:y1:xe", errc::unknown_message_type},
      {"short id", "d1:rd2:id3:abce1:t2:aa1:y1:re", errc::bad_hash},
      {"id is int", "d1:rd2:idi5ee1:t2:aa1:y1:re", errc::wrong_type},
      {"values not strings", "d1:rd2:id20:abcdefghij01234567896:valuesli1eee1:t2:aa1:y1:re", errc::wrong_type},
      {"value 7 bytes", "d1:rd2:id20:abcdefghij01234567896:valuesl7:abcdefgee1:t2:aa1:y1:re", errc::bad_length},
      {"samples not multiple", "d1:rd2:id20:abcdefghij01234567897:samples3:abce1:t2:aa1:y1:re", errc::not_multiple},
      {"error list short", "d1:eli201ee1:t2:aa1:y1:ee", errc::bad_length},
      {"port out of range",
       "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti70000e5:token1:xe1:q13:announce_"
       "peer1:t2:aa1:y1:qe",
       errc::bad_value},
      {"announce without token",
       "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti1ee1:q13:announce_peer1:t2:aa1:y1:"
       "qe",
       errc::missing_key},
      {"negative overflow", "d1:eli-99999999999999999999e1:xe1:t2:aa1:y1:ee", errc::bad_value},
      {"trailing bytes", "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:rexx", errc::trailing_bytes},
  };
  for (const auto& c : cases) {
    auto m = decode_krpc(c.input);
    ASSERT_FALSE(m) << c.name;
    EXPECT_EQ(m.error(), c.expected) << c.name << ": " << m.error().message();
  }
}

TEST(Krpc, EnforcesLimits) {
  std::string deep(40, 'l');
  deep += std::string(40, 'e');
  EXPECT_EQ(decode_krpc(deep).error(), errc::too_deep);
  EXPECT_EQ(decode_krpc(std::string(70000, 'x')).error(), errc::oversized);
  KrpcResponse r;
  r.transaction_id = "t";
  testlib::Gen g(7);
  for (int i = 0; i < 20; ++i) r.nodes.push_back(g.node(Family::v4));
  KrpcLimits lim;
  lim.max_nodes = 19;
  EXPECT_EQ(decode_krpc(encode_krpc(r), lim).error(), errc::too_many_items);
}

TEST(Krpc, RoundTripsRandomMessages) {
  testlib::expect_round_trips(
      500, [](testlib::Gen& g) { return g.krpc(); }, [](const KrpcMessage& m) { return encode_krpc(m); },
      [](std::string_view b) { return decode_krpc(b); });
}

}  // namespace
}  // namespace p2pscope
