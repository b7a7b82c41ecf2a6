#include "store/jsonl.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace p2pscope {
namespace {

class JsonlFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("p2pscope-jsonl-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".jsonl"))
                .string();
    std::filesystem::remove(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  static Observation observation(int i) {
    Observation o;
    o.time = Timestamp{std::chrono::microseconds{i}};
    o.info_hash = InfoHash::from_hex("c12fe1c06bba254a9dc9f519b335aa7c1367a88a").value();
    o.peer = Endpoint{IpAddress::v4(static_cast<std::uint32_t>(0x01000000 + i)), 6881};
    o.via = Via::pex;
    o.source_endpoint = Endpoint::parse("5.5.5.5:5").value();
    return o;
  }

  void write_raw(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }

  std::string path_;
};

TEST_F(JsonlFile, WritesAndReadsBackInOrder) {
  {
    auto w = JsonlWriter::open(path_, OpenMode::truncate, 100).value();
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(w->write(observation(i)));
    ASSERT_TRUE(w->sync());
    EXPECT_EQ(w->records_written(), 50u);
  }
  auto r = JsonlReader::open(path_).value();
  for (int i = 0; i < 50; ++i) {
    auto rec = r->next().value();
    ASSERT_TRUE(rec);
    EXPECT_EQ(std::get<Observation>(*rec), observation(i));
  }
  EXPECT_FALSE(r->next().value());
}

TEST_F(JsonlFile, ReportsBadLineNumberAndContinues) {
  auto good = to_json_line(observation(1));
  write_raw(good + "\n\n{\"type\":\"observation\"}\n" + good + "\n");
  auto r = JsonlReader::open(path_).value();
  EXPECT_TRUE(r->next().value());
  auto bad = r->next();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), errc::missing_key);
  EXPECT_EQ(r->line(), 3u);
  EXPECT_NE(bad.error().message().find("time"), std::string::npos) << bad.error();
  EXPECT_TRUE(r->next().value());
  EXPECT_EQ(r->line(), 4u);
  EXPECT_FALSE(r->next().value());
}

TEST_F(JsonlFile, RejectsOverlongLineWithoutBufferingIt) {
  JsonLimits lim;
  lim.max_line = 1000;
  write_raw(std::string(300000, 'x') + "\n" + to_json_line(observation(2)));  // last line has no newline
  auto r = JsonlReader::open(path_, lim).value();
  auto bad = r->next();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), errc::oversized);
  EXPECT_EQ(r->line(), 1u);
  auto rec = r->next().value();
  ASSERT_TRUE(rec);
  EXPECT_EQ(std::get<Observation>(*rec), observation(2));
}

TEST_F(JsonlFile, FullDiskIsReportedAndNothingIsDropped) {
  // /dev/full fails every write with ENOSPC.
  auto w = JsonlWriter::open("/dev/full", OpenMode::append, 1 << 20).value();
  ASSERT_TRUE(w->write(observation(1)));
  auto pending = w->pending_bytes();
  auto st = w->flush();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), std::errc::no_space_on_device);
  EXPECT_EQ(w->pending_bytes(), pending);  // still buffered for a retry
  EXPECT_EQ(w->records_written(), 0u);
}

TEST_F(JsonlFile, OpenErrorsCarryErrno) {
  auto r = JsonlReader::open("/nonexistent/dir/x.jsonl");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::no_such_file_or_directory);
}

// The defects: text after a NUL byte went unread, a repeated key kept its
// last value (which peer a blocklist blocks), and year 0000 passed.
TEST_F(JsonlFile, RefusesNulDuplicateKeysAndYearZeroByLine) {
  auto good = to_json_line(observation(1));
  auto dup = good;
  dup.insert(dup.size() - 1, ",\"peer_ip\":\"9.9.9.9\"");
  auto year0 = good;
  year0.replace(year0.find("1970"), 4, "0000");
  auto nul = good + std::string("\0 trailing", 10);  // a whole record, then what nlohmann never read
  write_raw(good + "\n" + dup + "\n" + year0 + "\n" + nul + "\n" + good + "\n");
  auto r = JsonlReader::open(path_).value();
  EXPECT_TRUE(r->next().value());
  for (auto [line, why] : {std::pair{2u, "\"peer_ip\" appears twice"}, std::pair{3u, "time"}, std::pair{4u, "NUL byte"}}) {
    auto bad = r->next();
    ASSERT_FALSE(bad) << "line " << line;
    EXPECT_EQ(r->line(), line);
    EXPECT_NE(bad.error().message().find(why), std::string::npos) << bad.error();
  }
  EXPECT_TRUE(r->next().value());
  EXPECT_FALSE(r->next().value());
}

// The defect: a directory opened fine and failed on read with no reason.
TEST_F(JsonlFile, ADirectoryIsRefusedAtOpen) {
  auto r = JsonlReader::open(std::filesystem::temp_directory_path().string());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::is_a_directory);
}

}  // namespace
}  // namespace p2pscope
