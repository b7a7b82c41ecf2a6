#include "probes/blocklist.hpp"

#include "probes/known_lists.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace p2pscope::probes {
namespace {

IpRange range(const char* a, const char* b, std::string label) {
  return make_range(IpAddress::parse(a).value(), IpAddress::parse(b).value(), std::move(label)).value();
}

std::vector<IpRange> sample() {
  return {range("1.2.3.10", "1.2.3.20", "Anti: P2P, Inc.\nfarm"), range("1.2.3.21", "1.2.3.30", "other"),
          range("9.9.9.9", "9.9.9.9", "byte-order"), range("2001:db8::1", "2001:db8::1", "v6 peer")};
}

// What our own list reader makes of a written list: the ranges it covers.
std::vector<IpRange> read_back(const Blocklist& b, ListFormat f) {
  auto l = parse_known_list(b.text, f, {});
  EXPECT_TRUE(l) << message_of(l) << "\n" << b.text;
  return l ? merge_ranges(l.value().ranges) : std::vector<IpRange>{};
}

TEST(Blocklist, P2pAndDatRoundTripMergedAndCleanLabels) {
  for (auto f : {BlocklistFormat::p2p, BlocklistFormat::dat}) {
    auto b = format_blocklist(sample(), f);
    EXPECT_EQ(b.rules, 2u) << "touching ranges merge: " << b.text;
    EXPECT_EQ(b.left_out_v6, 1u);
    auto back = read_back(b, f == BlocklistFormat::p2p ? ListFormat::p2p : ListFormat::dat);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[0].first, IpAddress::parse("1.2.3.10").value());
    EXPECT_EQ(back[0].last, IpAddress::parse("1.2.3.30").value());
  }
  auto p2p = format_blocklist(sample(), BlocklistFormat::p2p).text;
  EXPECT_EQ(p2p.substr(0, p2p.find('\n')), "Anti  P2P, Inc. farm (+1 more):1.2.3.10-1.2.3.30")
      << "one colon per line, before the range";
  auto dat = format_blocklist(sample(), BlocklistFormat::dat).text;
  EXPECT_EQ(dat.substr(0, dat.find('\n')), "001.002.003.010 - 001.002.003.030 , 000 , Anti: P2P  Inc. farm (+1 more)");
}

TEST(Blocklist, ALabelNeverTurnsALineIntoAComment) {
  auto b = format_blocklist({range("5.5.5.5", "5.5.5.5", "#1 farm"), range("6.6.6.6", "6.6.6.6", " ")}, BlocklistFormat::p2p);
  EXPECT_EQ(b.text, "_1 farm:5.5.5.5-5.5.5.5\np2pscope:6.6.6.6-6.6.6.6\n");
  EXPECT_EQ(read_back(b, ListFormat::p2p).size(), 2u);
}

// Found by fuzz_known_list: a label that begins with a byte-order mark and
// "//" was written first, the reader dropped the mark, and the line was a
// comment.
TEST(Blocklist, AByteOrderMarkInALabelCannotHideACommentMarker) {
  auto b = format_blocklist({range("5.6.7.8", "5.6.7.8", "\xef\xbb\xbf://1 farm")}, BlocklistFormat::p2p);
  EXPECT_EQ(b.text, " _/1 farm:5.6.7.8-5.6.7.8\n");
  EXPECT_EQ(read_back(b, ListFormat::p2p).size(), 1u);
}

// Found by fuzz_known_list in CI: taking the mark out of "\xef" + mark +
// "\xbb\xbf" joined the bytes around it into a new one, which stayed.
TEST(Blocklist, AByteOrderMarkMadeByTakingOneOutGoesToo) {
  auto b = format_blocklist({range("5.6.7.8", "5.6.7.8", "\xef\xef\xbb\xbf\xbb\xbf://1 farm")}, BlocklistFormat::p2p);
  EXPECT_EQ(b.text, " _/1 farm:5.6.7.8-5.6.7.8\n");
  EXPECT_EQ(read_back(b, ListFormat::p2p).size(), 1u);
}

TEST(Blocklist, CidrKeepsIpv6AndCountsPrefixes) {
  auto b = format_blocklist(sample(), BlocklistFormat::cidr);
  EXPECT_EQ(b.left_out_v6, 0u);
  auto back = read_back(b, ListFormat::cidr);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[2].first, IpAddress::parse("2001:db8::1").value());
  // 1.2.3.10-30 takes six blocks (.10/31 .12/30 .16/29 .24/30 .28/31 .30/32);
  // then 9.9.9.9/32 and the IPv6 /128.
  EXPECT_EQ(b.rules, 6u + 1u + 1u) << b.text;
}

TEST(Blocklist, NftAndIpsetDefineBothFamilies) {
  auto nft = format_blocklist(sample(), BlocklistFormat::nft, "bad name!");
  EXPECT_NE(nft.text.find("table inet p2pscope {"), std::string::npos) << "an unsafe name falls back";
  EXPECT_NE(nft.text.find("1.2.3.10-1.2.3.30"), std::string::npos);
  EXPECT_NE(nft.text.find("type ipv6_addr"), std::string::npos);
  EXPECT_NE(nft.text.find("elements = { 2001:db8::1 }"), std::string::npos);
  EXPECT_EQ(nft.rules, 3u);
  auto ipset = format_blocklist(sample(), BlocklistFormat::ipset, "lab");
  EXPECT_NE(ipset.text.find("create lab-v6 hash:net family inet6"), std::string::npos);
  EXPECT_NE(ipset.text.find("add lab-v6 2001:db8::1/128 -exist"), std::string::npos);
}

TEST(Blocklist, ListNames) {
  EXPECT_TRUE(valid_list_name("p2pscope_lab-1"));
  EXPECT_FALSE(valid_list_name(""));
  EXPECT_FALSE(valid_list_name("bad name!"));
  EXPECT_FALSE(valid_list_name(std::string(29, 'a'))) << "ipset names hold 31 bytes with -v4";
  EXPECT_TRUE(valid_list_name(std::string(28, 'a')));
}

}  // namespace
}  // namespace p2pscope::probes
