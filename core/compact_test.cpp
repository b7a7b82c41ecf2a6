#include "core/compact.hpp"

#include "tests/testlib/random_values.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

using namespace std::string_literals;

TEST(Compact, EncodesPeerAsAddressThenBigEndianPort) {
  auto ep = Endpoint::parse("1.2.3.4:6881").value();
  EXPECT_EQ(encode_compact_peer(ep), "\x01\x02\x03\x04\x1a\xe1"s);
  EXPECT_EQ(decode_compact_peer("\x01\x02\x03\x04\x1a\xe1"s).value(), ep);
  EXPECT_EQ(encode_compact_peer(Endpoint::parse("[::1]:1").value()).size(), 18u);
}

TEST(Compact, RejectsListsThatAreNotWholeEntries) {
  EXPECT_EQ(decode_compact_peers(std::string(13, 'x'), Family::v4, 100).error(), errc::not_multiple);
  EXPECT_EQ(decode_compact_peers(std::string(17, 'x'), Family::v6, 100).error(), errc::not_multiple);
  EXPECT_EQ(decode_compact_nodes(std::string(27, 'x'), Family::v4, 100).error(), errc::not_multiple);
  EXPECT_EQ(decode_compact_nodes(std::string(37, 'x'), Family::v6, 100).error(), errc::not_multiple);
  EXPECT_EQ(decode_compact_peer(std::string(7, 'x')).error(), errc::bad_length);
}

TEST(Compact, EnforcesEntryLimit) {
  EXPECT_EQ(decode_compact_peers(std::string(6 * 11, 'x'), Family::v4, 10).error(), errc::too_many_items);
  EXPECT_EQ(decode_compact_peers(std::string(6 * 10, 'x'), Family::v4, 10).value().size(), 10u);
}

TEST(Compact, NodesCarryIdThenPeer) {
  auto id = NodeId::from_hex("0102030405060708090a0b0c0d0e0f1011121314").value();
  NodeEntry n{id, Endpoint::parse("[2001:db8::2]:6881").value()};
  auto raw = encode_compact_nodes(std::vector{n});
  ASSERT_EQ(raw.size(), 38u);
  EXPECT_EQ(raw.substr(0, 20), id.raw());
  EXPECT_EQ(decode_compact_nodes(raw, Family::v6, 8).value(), std::vector{n});
}

TEST(Compact, RoundTripsRandomLists) {
  testlib::Gen g(1);
  for (int i = 0; i < 300; ++i) {
    Family f = g.coin() ? Family::v4 : Family::v6;
    std::vector<Endpoint> peers(g.below(50));
    for (auto& p : peers) p = g.endpoint(f);
    EXPECT_EQ(decode_compact_peers(encode_compact_peers(peers), f, 50).value(), peers);
    std::vector<NodeEntry> nodes(g.below(16));
    for (auto& n : nodes) n = g.node(f);
    EXPECT_EQ(decode_compact_nodes(encode_compact_nodes(nodes), f, 16).value(), nodes);
  }
}

}  // namespace
}  // namespace p2pscope
