#include "core/ed2k_link.hpp"
#include "tests/testlib/status.hpp"

#include <gtest/gtest.h>

namespace p2pscope::ed2k {
namespace {

using test::is_ok;

FileLink file_link(std::string_view text) {
  auto l = parse_link(text);
  EXPECT_TRUE(is_ok(l)) << text;
  return l ? std::get<FileLink>(l.value()) : FileLink{};
}

HashSet hash_of_zeros(std::uint64_t size, std::size_t chunk) {
  FileHasher h;
  std::string zeros(chunk, '\0');
  for (std::uint64_t done = 0; done < size; done += chunk) h.update(std::string_view(zeros).substr(0, std::min<std::uint64_t>(chunk, size - done)));
  return std::move(h).finish();
}

// Known answers: alcc (aMule 2.3.3's link tool) on files of zero bytes, and
// RFC 1320's MD4 test vectors.
TEST(Ed2kLink, Md4IsRfc1320s) {
  EXPECT_EQ(md4_of("").hex(), "31d6cfe0d16ae931b73c59d7e0c089c0");
  EXPECT_EQ(md4_of("abc").hex(), "a448017aaf21d8525fc10ae87aa6729d");
}

TEST(Ed2kLink, AFileBelowOnePartIsItsOwnMd4) {
  auto h = hash_of_zeros(9'727'999, 1 << 20);
  EXPECT_EQ(h.file.hex(), "ac44b93fc9aff773ab0005c911f8396f");
  EXPECT_TRUE(h.parts.empty());
}

TEST(Ed2kLink, AnExactMultipleOfThePartSizeEndsWithTheEmptyPartsHash) {
  auto one = hash_of_zeros(kPartSize, 1 << 20);
  EXPECT_EQ(one.file.hex(), "fc21d9af828f92a8df64beac3357425d");
  ASSERT_EQ(one.parts.size(), 2u);
  EXPECT_EQ(one.parts[0].hex(), "d7def262a127cd79096a108e7a9fc138");
  EXPECT_EQ(one.parts[1].hex(), "31d6cfe0d16ae931b73c59d7e0c089c0");
  auto two = hash_of_zeros(2 * kPartSize, 999'983);  // a prime chunk size crosses part ends mid-chunk
  EXPECT_EQ(two.file.hex(), "114b21c63a74b6ca922291a11177dd5c");
  EXPECT_EQ(two.parts.size(), 3u);
}

TEST(Ed2kLink, APartialLastPartIsHashedAsItIs) {
  auto h = hash_of_zeros(12'000'000, 65'536);
  EXPECT_EQ(h.file.hex(), "26e5db501f39de2d1b6e090f8a766620");
  ASSERT_EQ(h.parts.size(), 2u);
  EXPECT_EQ(h.parts[1].hex(), "142dc8cae6c430f07f9142b860a0c982");
  EXPECT_EQ(part_hash_count(12'000'000), 2u);
  EXPECT_EQ(part_hash_count(kPartSize - 1), 0u);
  EXPECT_EQ(part_hash_count(kPartSize), 2u);
}

TEST(Ed2kLink, FileLinksWithEveryOptionalField) {
  auto l = file_link(
      "ed2k://|file|z12000000|12000000|26E5DB501F39DE2D1B6E090F8A766620|h=AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH|"
      "p=d7def262a127cd79096a108e7a9fc138:142dc8cae6c430f07f9142b860a0c982|/|sources,81.2.3.4:4662,host.example:4242|/");
  EXPECT_EQ(l.name, "z12000000");
  EXPECT_EQ(l.size, 12'000'000u);
  EXPECT_EQ(l.hash.hex(), "26e5db501f39de2d1b6e090f8a766620");
  EXPECT_EQ(l.aich, "AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH");
  EXPECT_EQ(l.parts.size(), 2u);
  EXPECT_EQ(l.sources, (std::vector<std::string>{"81.2.3.4:4662", "host.example:4242"}));
  EXPECT_EQ(file_link(format_link(l)), l);
}

TEST(Ed2kLink, NamesArePercentDecodedAndEncodedBack) {
  auto l = file_link("ED2K://|file|a%20b%7Cc%zz.iso|1000|139981a0fa92dfd88c357a08b39ccc51|/");
  EXPECT_EQ(l.name, "a b|c%zz.iso");
  EXPECT_EQ(format_link(l), "ed2k://|file|a%20b%7Cc%25zz.iso|1000|139981a0fa92dfd88c357a08b39ccc51|/");
  EXPECT_EQ(file_link(format_link(l)), l);
}

TEST(Ed2kLink, ServerAndServerListLinks) {
  auto s = parse_link("ed2k://|server|203.0.113.1|4661|/");
  ASSERT_TRUE(is_ok(s));
  EXPECT_EQ(std::get<ServerLink>(s.value()), (ServerLink{"203.0.113.1", 4661}));
  EXPECT_EQ(format_link(std::get<ServerLink>(s.value())), "ed2k://|server|203.0.113.1|4661|/");
  auto list = parse_link("ed2k://|serverlist|http://lab.example/server.met|/");
  ASSERT_TRUE(is_ok(list));
  EXPECT_EQ(std::get<ServerListLink>(list.value()).url, "http://lab.example/server.met");
}

TEST(Ed2kLink, EveryBadFieldIsNamed) {
  auto message = [](std::string_view text) { return message_of(parse_link(text)); };
  EXPECT_NE(message("magnet:?xt=urn:btih:x").find("does not start with ed2k://|"), std::string::npos);
  EXPECT_NE(message("ed2k://|file|a|0|139981a0fa92dfd88c357a08b39ccc51|/").find("size '0'"), std::string::npos);
  EXPECT_NE(message("ed2k://|file|a|274877906945|139981a0fa92dfd88c357a08b39ccc51|/").find("2^38"),
            std::string::npos);
  EXPECT_NE(message("ed2k://|file|a|10|1399|/").find("hash '1399'"), std::string::npos);
  EXPECT_NE(message("ed2k://|file|a|10|139981a0fa92dfd88c357a08b39ccc51|p=139981a0fa92dfd88c357a08b39ccc51|/")
                .find("a file of 10 bytes has 0"),
            std::string::npos);
  EXPECT_NE(message("ed2k://|file|a|10|139981a0fa92dfd88c357a08b39ccc51|/|sources,nohost|/").find("HOST:PORT"),
            std::string::npos);
  EXPECT_NE(message("ed2k://|server|h|0|/").find("port '0'"), std::string::npos);
  EXPECT_NE(message("ed2k://|search|x|/").find("not file, server or serverlist"), std::string::npos);
}

}  // namespace
}  // namespace p2pscope::ed2k
