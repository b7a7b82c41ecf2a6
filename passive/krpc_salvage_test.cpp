#include "passive/krpc_salvage.hpp"

#include <gtest/gtest.h>

namespace p2pscope::passive {
namespace {

const Hop kHop{1, Endpoint::parse("192.0.2.1:6881").value(), Endpoint::parse("192.0.2.2:6881").value(), Carrier::udp};
const std::string kId(20, 'i');

// A bencoded string.
std::string bs(const std::string& s) { return std::to_string(s.size()) + ":" + s; }
// 26 bytes of compact IPv4 node: id, 10.0.0.<n>, port 6881.
std::string node(char n) { return std::string(20, n) + std::string{10, 0, 0, n} + "\x1a\xe1"; }

std::optional<KrpcEvent> salvage(const std::string& bytes) {
  auto strict = decode_krpc(bytes);
  EXPECT_FALSE(strict) << "the strict decoder takes it: no salvage needed";
  return salvage_krpc(kHop, bytes, strict ? std::error_code{} : strict.error());
}

TEST(KrpcSalvage, NodesOfATornLengthKeepTheirWholeEntriesAndNameTheDefect) {
  auto e = salvage("d1:rd2:id" + bs(kId) + "5:nodes" + bs(node(1) + node(2) + "abcde") + "e1:t2:aa1:y1:re");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, KrpcKind::response);
  ASSERT_EQ(e->nodes.size(), 2u);
  EXPECT_EQ(e->nodes[1].endpoint.to_string(), "10.0.0.2:6881");
  EXPECT_EQ(e->node_id->raw(), kId);
  EXPECT_EQ(e->transaction_id, "aa");
  EXPECT_EQ(e->defect, "nodes is 57 bytes, not a multiple of 26");
}

TEST(KrpcSalvage, AQueryWithoutATransactionIdKeepsWhatItAsked) {
  auto e = salvage("d1:ad2:id" + bs(kId) + "9:info_hash" + bs(std::string(20, 'h')) + "e1:q9:get_peers1:y1:qe");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->method, "get_peers");
  EXPECT_EQ(e->info_hash->raw(), std::string(20, 'h'));
  EXPECT_TRUE(e->transaction_id.empty());
  EXPECT_EQ(e->defect, "no transaction id (t)");
}

TEST(KrpcSalvage, AnIdOfTheWrongLengthIsNamedAndTheRestKept) {
  auto e = salvage("d1:ad2:id" + bs(std::string(19, 'i')) + "12:implied_porti1e9:info_hash" + bs(std::string(20, 'h')) +
                   "4:porti6881e5:token" + bs("tok") + "e1:q13:announce_peer1:t2:bb1:y1:qe");
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->node_id);
  EXPECT_EQ(e->defect, "id is 19 bytes, not 20");
  EXPECT_EQ(e->port, 6881);
  EXPECT_TRUE(e->implied_port);
  EXPECT_EQ(e->token, "tok");
}

TEST(KrpcSalvage, AnErrorWhoseCodeIsTextKeepsItsMessage) {
  auto e = salvage("d1:el3:2015:Errore1:t2:cc1:y1:ee");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, KrpcKind::error);
  EXPECT_FALSE(e->error_code);
  EXPECT_EQ(e->error_message, "Error");
  EXPECT_EQ(e->defect, "the error code is not an integer");
}

TEST(KrpcSalvage, ABadValuesEntryIsSkippedAndNamed) {
  auto good = std::string{1, 2, 3, 4} + "\x1a\xe1";
  auto e = salvage("d1:rd2:id" + bs(kId) + "6:valuesl" + bs(good) + bs("xyz") + "ee1:t2:aa1:y1:re");
  ASSERT_TRUE(e);
  ASSERT_EQ(e->values.size(), 1u);
  EXPECT_EQ(e->values[0].to_string(), "1.2.3.4:6881");
  EXPECT_EQ(e->defect, "values entry 2 is not a 6- or 18-byte peer");
}

TEST(KrpcSalvage, BencodeThatIsNoKrpcMessageIsNotSalvaged) {
  for (std::string bytes : {"d1:ai1ee", "li1ee", "d1:y1:xe", "d1:y2:qqe", "d1:yi1ee", "d3:abc"})
    EXPECT_FALSE(salvage_krpc(kHop, bytes, errc::bad_value)) << bytes;
}

TEST(KrpcSalvage, WhatNoRuleHereExplainsIsNamedByTheStrictDecodersError) {
  auto e = salvage("d1:rd2:id" + bs(kId) + "8:intervali-5ee1:t2:aa1:y1:re");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->defect, make_error_code(errc::bad_value).message());
}

}  // namespace
}  // namespace p2pscope::passive
