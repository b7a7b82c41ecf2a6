#include "report/explain.hpp"

#include "report/report_fixture.hpp"

#include <gtest/gtest.h>

namespace p2pscope::report {
namespace {

using testing::ep;

class Explain : public testing::SmallCrawl {
 protected:
  Explanation of(const char* subject) { return explain(parse_subject(subject).value(), records(), diagnosis()); }
};

TEST_F(Explain, AnAntiP2pPeerIsNamedWithItsVerdictItsSourceAndWhatItHandedOut) {
  auto e = of("5.5.5.1:6881");
  ASSERT_EQ(e.verdicts.size(), 1u);
  EXPECT_EQ(e.verdicts[0]->verdict, VerdictKind::anti_p2p);
  ASSERT_EQ(e.seen.size(), 1u);
  EXPECT_EQ(e.seen[0]->via, Via::tracker_udp);
  ASSERT_EQ(e.as_source.size(), 1u);
  EXPECT_EQ(e.as_source[0]->looks_like, probes::SourceLooks::anti_p2p_peer);
  EXPECT_EQ(e.handed_out, 6u);
  auto text = explain_text(e);
  EXPECT_NE(text.find("anti_p2p"), std::string::npos) << text;
  EXPECT_NE(text.find("tracker_udp from udp://t.example:6969/announce"), std::string::npos) << text;
  EXPECT_NE(text.find("looks like: anti-P2P peer"), std::string::npos) << text;
  EXPECT_NE(text.find("fake_infohash positive"), std::string::npos) << text;
}

TEST_F(Explain, AByteReversedPeerNamesTheClientThatHandedItOut) {
  auto e = of("1.0.0.20");
  ASSERT_EQ(e.verdicts.size(), 1u);
  EXPECT_EQ(e.verdicts[0]->verdict, VerdictKind::byte_order);
  ASSERT_EQ(e.seen.size(), 1u);
  EXPECT_EQ(e.seen[0]->source_endpoint, honest_);
  EXPECT_NE(explain_text(e).find("pex from 20.0.0.1:6881"), std::string::npos);
}

TEST_F(Explain, APortNarrowsTheAddressToOneEndpoint) {
  pex(honest_, ep("5.5.5.1:7000"), 12);
  EXPECT_EQ(of("5.5.5.1").seen.size(), 2u) << "every port";
  EXPECT_EQ(of("5.5.5.1:6881").seen.size(), 1u);
  EXPECT_EQ(of("5.5.5.1:7000").seen.size(), 1u);
}

TEST_F(Explain, ATrackerIsFoundByTheAddressThatAnswered) {
  auto e = of("30.0.0.1");
  EXPECT_EQ(e.handed_out, 3u);
  ASSERT_EQ(e.as_source.size(), 1u);
  EXPECT_EQ(e.as_source[0]->source, "udp://t.example:6969/announce");
}

TEST_F(Explain, ASourceListsOnlyTheFirstOfWhatItHandedOut) {
  auto e = explain(parse_subject("5.5.5.1").value(), records(), diagnosis(), {.handed_out_listed = 2});
  EXPECT_EQ(e.handed_out, 6u);
  ASSERT_EQ(e.handed_out_first.size(), 2u);
  EXPECT_EQ(e.handed_out_first[0]->peer, ep("5.5.5.2:6881")) << "oldest first";
  EXPECT_NE(explain_text(e).find("6 observation(s) name it as their source; the first 2"), std::string::npos);
}

TEST_F(Explain, JsonCarriesTheRecordsInTheirOwnForm) {
  auto j = explain_json(of("5.5.5.1:6881"));
  EXPECT_EQ(j["subject"], "5.5.5.1:6881");
  EXPECT_EQ(j["verdicts"][0]["verdict"], "anti_p2p");
  EXPECT_EQ(j["seen"][0]["source_url"], "udp://t.example:6969/announce");
  EXPECT_EQ(j["as_source"][0]["looks_like"], "anti-P2P peer");
  EXPECT_EQ(j["handed_out"], 6);
}

TEST_F(Explain, AnAddressNoRecordNamesSaysSo) {
  auto e = of("9.9.9.9");
  EXPECT_TRUE(e.empty());
  EXPECT_NE(explain_text(e).find("no record names it"), std::string::npos);
}

TEST(ExplainSubject, TakesAnAddressOrAnEndpointOfEitherFamily) {
  EXPECT_FALSE(parse_subject("1.2.3.4").value().port);
  EXPECT_EQ(parse_subject("1.2.3.4:6881").value().port, 6881);
  EXPECT_FALSE(parse_subject("2001:db8::1").value().port);
  EXPECT_EQ(parse_subject("[2001:db8::1]:6881").value().port, 6881);
  EXPECT_FALSE(parse_subject("1.2.3"));
  EXPECT_FALSE(parse_subject("host.example:80"));
  EXPECT_FALSE(parse_subject(""));
}

}  // namespace
}  // namespace p2pscope::report
