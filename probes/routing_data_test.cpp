#include "probes/routing_data.hpp"

#include "lab/routability.hpp"
#include "tests/testlib/status.hpp"

#include <gtest/gtest.h>
#include <maxminddb.h>
#include <zlib.h>

#include <filesystem>
#include <cstdlib>
#include <fstream>

namespace p2pscope::probes {
namespace {

namespace fs = std::filesystem;
IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

class RoutingData : public ::testing::Test {
 protected:
  RoutingData() : dir_(fs::temp_directory_path() / ("p2pscope-rd-" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
  }
  ~RoutingData() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }
  fs::path write_gz(const std::string& name, const std::string& text) {
    auto* gz = gzopen((dir_ / name).c_str(), "wb");
    gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
    gzclose(gz);
    return dir_ / name;
  }
  StatusOr<RoutingLoad> load(const fs::path& f, RoutingFormat fmt = RoutingFormat::automatic, RoutingLimits lim = {}) {
    auto r = load_routing(f, fmt, table_, lim);
    detail_ = message_of(r);
    return r;
  }
  fs::path dir_;
  PrefixTable table_;
  std::string detail_;
};

TEST_F(RoutingData, ReadsCaidaPfx2asWithMultiOriginAndAsSets) {
  auto r = load(write_gz("x.pfx2as.gz", "1.0.0.0\t24\t13335\n1.0.4.0\t22\t38803_56203\n1.0.64.0\t18\t18144,4826\n"
                                        "2001:db8::\t32\t64500\n"));
  ASSERT_TRUE(r) << detail_;
  EXPECT_EQ(r.value().format, RoutingFormat::pfx2as);
  EXPECT_EQ(r.value().prefixes, 4u);
  ASSERT_TRUE(table_.build());
  EXPECT_EQ(table_.lookup(ip("1.0.5.1"))->asn, 38803u);
  EXPECT_EQ(table_.lookup(ip("1.0.100.1"))->asn, 18144u);
  EXPECT_EQ(table_.lookup(ip("2001:db8::9"))->asn, 64500u);
}

TEST_F(RoutingData, ReadsBgpdumpRibAndUpdateLinesAndSkipsWithdrawals) {
  auto r = load(write("rib.txt",
                      "TABLE_DUMP2|1600000000|B|202.12.28.1|4777|1.0.0.0/24|4777 2516 13335|IGP|202.12.28.1|0|0||NAG||\n"
                      "TABLE_DUMP2|1600000000|B|202.12.28.1|4777|5.6.0.0/16|4777 {64500,64501}|IGP|x|0|0||NAG||\n"
                      "BGP4MP|1600000001|A|198.51.100.1|64496|2001:db8:5::/48|64496 64499|IGP|x|0|0||NAG||\n"
                      "BGP4MP|1600000002|W|198.51.100.1|64496|9.9.9.0/24\n"));
  ASSERT_TRUE(r) << detail_;
  EXPECT_EQ(r.value().format, RoutingFormat::bgpdump);
  EXPECT_EQ(r.value().prefixes, 3u);
  EXPECT_EQ(r.value().skipped, 1u);
  ASSERT_TRUE(table_.build());
  EXPECT_EQ(table_.lookup(ip("1.0.0.7"))->asn, 13335u) << "the origin is the last AS of the path";
  EXPECT_EQ(table_.lookup(ip("5.6.7.8"))->asn, 64500u) << "an AS set's first member";
  EXPECT_EQ(table_.lookup(ip("2001:db8:5::1"))->asn, 64499u);
  EXPECT_EQ(table_.lookup(ip("9.9.9.9")), std::nullopt);
}

TEST_F(RoutingData, NamesTheBadLineAndRefusesBrokenFiles) {
  EXPECT_EQ(load(write("a.pfx2as", "1.0.0.0\t24\t13335\n1.0.0.0\t24\tAS13335\n")).error(), errc::malformed_line);
  EXPECT_NE(detail_.find("a.pfx2as: line 2: "), std::string::npos) << detail_;
  EXPECT_FALSE(load(write("b.pfx2as", "1.0.0.1\t24\t13335\n")));
  EXPECT_NE(detail_.find("line 1"), std::string::npos);
  EXPECT_FALSE(load(write("c.txt", "TABLE_DUMP2|1|B|x|1|not-a-prefix|1 2|IGP\n")));
  RoutingLimits tight;
  tight.max_line = 16;
  EXPECT_EQ(load(write("d.pfx2as", "1.0.0.0\t24\t13335 and a long tail\n"), RoutingFormat::pfx2as, tight).error(),
            errc::oversized);
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "1." + std::to_string(i % 250) + ".0.0\t16\t" + std::to_string(i) + "\n";
  std::ifstream in(write_gz("e.gz", text), std::ios::binary);
  std::string gz((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(load(write("cut.gz", gz.substr(0, gz.size() / 2))).error(), errc::bad_compression);
  EXPECT_FALSE(load(dir_ / "missing.pfx2as"));
  EXPECT_FALSE(load(write("bad.mmdb", "not a database")));
  EXPECT_FALSE(detail_.empty());
}

// The defect: routing data that announced nothing loaded "fine", and every
// peer became bogus_unroutable.
TEST_F(RoutingData, AFileThatAnnouncesNothingIsRefusedWithWhatItHeld) {
  EXPECT_EQ(load(write("empty.pfx2as", "")).error(), errc::no_data);
  EXPECT_NE(detail_.find("the file is empty"), std::string::npos) << detail_;
  EXPECT_EQ(load(write("blank.pfx2as", "\n   \n# only a comment\n")).error(), errc::no_data);
  EXPECT_NE(detail_.find("3 blank or comment lines"), std::string::npos) << detail_;
  EXPECT_EQ(load(write("w.txt", "BGP4MP|1|W|198.51.100.1|64496|9.9.9.0/24\n")).error(), errc::no_data);
  EXPECT_NE(detail_.find("1 withdrawals"), std::string::npos) << detail_;
  auto ok = load(write("some.pfx2as", "# header\n1.0.0.0\t24\t13335\n"));
  ASSERT_TRUE(ok) << detail_;
  EXPECT_EQ(ok.value().skipped_text(), "1 blank or comment lines");
}

TEST_F(RoutingData, TheCapCountsDistinctPrefixes) {
  RoutingLimits lim;
  lim.max_prefixes = 5;
  std::string text;
  for (int i = 0; i < 100; ++i) text += "1." + std::to_string(i % 3) + ".0.0\t16\t" + std::to_string(i) + "\n";
  ASSERT_TRUE(load(write("dups.pfx2as", text), RoutingFormat::automatic, lim)) << detail_;
  text.clear();
  for (int i = 0; i < 6; ++i) text += "1." + std::to_string(i) + ".0.0\t16\t1\n";
  EXPECT_EQ(load(write("six.pfx2as", text), RoutingFormat::automatic, lim).error(), errc::too_many_items);
  EXPECT_NE(detail_.find("distinct prefixes"), std::string::npos) << detail_;
}

// An .mmdb of another kind (no AS numbers) and one whose data section is
// damaged: neither may load as an empty routing table.
TEST_F(RoutingData, AnMmdbWithoutAsNumbersOrWithDamagedDataIsRefused) {
  auto script = write("city.pl", R"perl(
use MaxMind::DB::Writer::Tree;
my $t = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 24, database_type => 'City-ish',
  languages => ['en'], description => { en => 'no AS here' }, remove_reserved_networks => 0,
  map_key_type_callback => sub { 'utf8_string' });
$t->insert_network('23.1.2.0/24', { city => 'Nowhere' });
open(my $o, '>:raw', $ARGV[0]) or die; $t->write_tree($o); close $o;
)perl");
  auto city = dir_ / "city.mmdb";
  ASSERT_EQ(std::system(("perl " + script.string() + " " + city.string()).c_str()), 0);
  EXPECT_EQ(load(city).error(), errc::no_data);
  EXPECT_NE(detail_.find("records without an AS number"), std::string::npos) << detail_;

  auto asn = dir_ / "asn.mmdb";
  ASSERT_TRUE(test::is_ok(lab::write_asn_mmdb({{ip("23.1.2.0"), 24, 64501, "Farm Hosting"}}, asn)));
  MMDB_s db;
  ASSERT_EQ(MMDB_open(asn.c_str(), MMDB_MODE_MMAP, &db), MMDB_SUCCESS);
  auto data_at = db.metadata.node_count * db.metadata.record_size / 4 + 16;
  MMDB_close(&db);
  std::string bytes;
  {
    std::ifstream in(asn, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto metadata_at = bytes.rfind("\xab\xcd\xefMaxMind.com");
  ASSERT_NE(metadata_at, std::string::npos);
  ASSERT_LT(data_at, metadata_at);
  std::fstream f(asn, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(data_at));
  f << std::string(metadata_at - data_at, '\x0f');  // extended-type bytes that name no type
  f.close();
  auto r = load(asn);
  ASSERT_FALSE(r);
  EXPECT_NE(detail_.find("data record at offset"), std::string::npos) << detail_;

  // A search tree record past the data section: named as that, not as "outside the file".
  auto tree = dir_ / "tree.mmdb";
  ASSERT_TRUE(test::is_ok(lab::write_asn_mmdb({{ip("23.1.2.0"), 24, 64501, "Farm Hosting"}}, tree)));
  std::fstream t(tree, std::ios::in | std::ios::out | std::ios::binary);
  t.seekp(0);
  t << std::string("\xff\xff\xff\xff\xff\xff", 6);  // node 0's two 24-bit records
  t.close();
  EXPECT_FALSE(load(tree));
  EXPECT_NE(detail_.find("points past the data section"), std::string::npos) << detail_;
}

// The lab writes its .mmdb with MaxMind's own writer; walking it must give
// back every announcement with its AS and organisation.
TEST_F(RoutingData, WalksAnAsnMmdbBackIntoItsPrefixes) {
  std::vector<lab::Announcement> a{{ip("23.1.2.0"), 24, 64501, "Farm Hosting"},
                                   {ip("77.7.0.0"), 16, 64502, "Big ISP"},
                                   {ip("2001:db8:7::"), 48, 64503, "V6 Net"}};
  auto file = dir_ / "asn.mmdb";
  ASSERT_TRUE(test::is_ok(lab::write_asn_mmdb(a, file)));
  auto r = load(file);
  ASSERT_TRUE(r) << detail_;
  EXPECT_EQ(r.value().format, RoutingFormat::mmdb);
  EXPECT_EQ(r.value().prefixes, 3u);
  ASSERT_TRUE(table_.build());
  auto hit = table_.lookup(ip("23.1.2.99"));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->prefix.to_string(), "23.1.2.0/24");
  EXPECT_EQ(hit->org, "Farm Hosting");
  EXPECT_EQ(table_.lookup(ip("77.7.200.1"))->asn, 64502u);
  EXPECT_EQ(table_.lookup(ip("2001:db8:7:1::5"))->asn, 64503u);
  EXPECT_EQ(table_.lookup(ip("23.1.3.1")), std::nullopt);
  EXPECT_EQ(table_.lookup(ip("::ffff:77.7.1.1"))->asn, 64502u);
}

}  // namespace
}  // namespace p2pscope::probes
