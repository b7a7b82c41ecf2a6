#include "crawler/tally.hpp"

#include <gtest/gtest.h>

namespace p2pscope::crawler {
namespace {

Observation from_tracker(const std::string& url, const char* peer) {
  Observation o;
  o.info_hash = InfoHash::from_hex("c12fe1c06bba254a9dc9f519b335aa7c1367a88a").value();
  o.peer = Endpoint::parse(peer).value();
  o.via = Via::tracker_udp;
  o.source_url = url;
  return o;
}

Observation from_pex(const char* source, const char* peer) {
  auto o = from_tracker("", peer);
  o.via = Via::pex;
  o.source_url.reset();
  o.source_endpoint = Endpoint::parse(source).value();
  return o;
}

TEST(SourceTally, CountsRepeatsUniquesAndOverlap) {
  SourceTally t;
  EXPECT_TRUE(t.add(from_tracker("udp://a:1/announce", "1.1.1.1:1")).new_peer);
  auto again = t.add(from_tracker("udp://a:1/announce", "1.1.1.1:1"));
  EXPECT_FALSE(again.new_observation);
  EXPECT_FALSE(again.new_peer);
  t.add(from_tracker("udp://a:1/announce", "2.2.2.2:2"));
  auto relayed = t.add(from_pex("9.9.9.9:51413", "1.1.1.1:1"));
  EXPECT_TRUE(relayed.new_observation);
  EXPECT_FALSE(relayed.new_peer);
  EXPECT_EQ(t.unique_peers(), 2u);
  EXPECT_EQ(t.handed_out(), 4u);
  EXPECT_EQ(t.observations(), 3u);
  auto rows = t.rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].source, "udp://a:1/announce");
  EXPECT_EQ(rows[0].returned, 3u);
  EXPECT_EQ(rows[0].unique, 2u);
  EXPECT_EQ(rows[0].overlap, 1u);
  EXPECT_EQ(rows[1].via, Via::pex);
  EXPECT_EQ(rows[1].overlap, 1u);
}

TEST(SourceTally, KeysSourcesByRouteAndSource) {
  EXPECT_EQ(source_key(from_pex("9.9.9.9:51413", "1.1.1.1:1")), "pex 9.9.9.9:51413");
  EXPECT_EQ(source_key(from_tracker("http://t/announce", "1.1.1.1:1")), "tracker_udp http://t/announce");
}

}  // namespace
}  // namespace p2pscope::crawler
