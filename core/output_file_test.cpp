#include "core/output_file.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace p2pscope {
namespace {

namespace fs = std::filesystem;

class OutputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("p2pscope-out-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static void put(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }
  std::size_t entries() const { return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {})); }
  Status write(const fs::path& p, std::string_view text) { return said(write_output_file(p, text)); }
  Status check(const fs::path& p) { return said(check_output_file(p)); }
  Status said(Status st) {
    detail_ = message_of(st);
    return st;
  }
  fs::path dir_;
  std::string detail_;
};

TEST_F(OutputFileTest, ReplacesARegularFileWholeAndKeepsItsMode) {
  auto f = dir_ / "list.p2p";
  put(f, "old\n");
  fs::permissions(f, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  ASSERT_TRUE(write(f, "new\n")) << detail_;
  EXPECT_EQ(slurp(f), "new\n");
  EXPECT_EQ(fs::status(f).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  EXPECT_EQ(entries(), 1u) << "no temporary file left behind";
}

TEST_F(OutputFileTest, CreatesAnAbsentFile) {
  ASSERT_TRUE(write(dir_ / "new.jsonl", "x\n")) << detail_;
  EXPECT_EQ(slurp(dir_ / "new.jsonl"), "x\n");
}

// The defect: rename() over a symbolic link replaced the link itself.
TEST_F(OutputFileTest, WritesThroughASymlinkAndKeepsTheLink) {
  fs::create_directories(dir_ / "deployed");
  put(dir_ / "deployed" / "list.p2p", "old\n");
  fs::create_symlink("deployed/list.p2p", dir_ / "current.p2p");
  ASSERT_TRUE(write(dir_ / "current.p2p", "new\n")) << detail_;
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "current.p2p")));
  EXPECT_EQ(slurp(dir_ / "deployed" / "list.p2p"), "new\n");
}

TEST_F(OutputFileTest, ADanglingSymlinkCreatesItsTarget) {
  fs::create_symlink("target.txt", dir_ / "link.txt");
  ASSERT_TRUE(write(dir_ / "link.txt", "made\n")) << detail_;
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "link.txt")));
  EXPECT_EQ(slurp(dir_ / "target.txt"), "made\n");
}

TEST_F(OutputFileTest, WritesThroughAFifo) {
  auto f = dir_ / "pipe";
  ASSERT_EQ(::mkfifo(f.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = slurp(f); });
  auto st = write(f, "through the pipe\n");
  reader.join();
  ASSERT_TRUE(st) << detail_;
  EXPECT_EQ(got, "through the pipe\n");
  EXPECT_TRUE(fs::is_fifo(fs::symlink_status(f))) << "the FIFO is still a FIFO";
}

// The defect: as root, `-o /dev/null` replaced the device node with a file.
TEST_F(OutputFileTest, ADeviceNodeStaysADevice) {
  auto f = dir_ / "null";
  if (::mknod(f.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) GTEST_SKIP() << "mknod needs CAP_MKNOD";
  ASSERT_TRUE(write(f, "discarded\n")) << detail_;
  EXPECT_TRUE(fs::is_character_file(fs::symlink_status(f)));
  ASSERT_TRUE(check(f)) << detail_;
}

TEST_F(OutputFileTest, RefusesADirectoryAndAMissingDirectory) {
  EXPECT_EQ(write(dir_, "x").error(), std::errc::is_a_directory);
  EXPECT_NE(detail_.find(dir_.string()), std::string::npos) << detail_;
  auto missing = dir_ / "no" / "such" / "list.p2p";
  auto st = check(missing);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), std::errc::no_such_file_or_directory);
  EXPECT_NE(detail_.find("cannot create a file in"), std::string::npos) << detail_;
  EXPECT_FALSE(write(missing, "x"));
}

TEST_F(OutputFileTest, CheckLeavesNothingBehind) {
  ASSERT_TRUE(check(dir_ / "later.jsonl")) << detail_;
  EXPECT_EQ(entries(), 0u);
  EXPECT_FALSE(fs::exists(dir_ / "later.jsonl"));
}

TEST_F(OutputFileTest, ALinkCycleIsAnError) {
  fs::create_symlink("b", dir_ / "a");
  fs::create_symlink("a", dir_ / "b");
  auto st = check(dir_ / "a");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), std::errc::too_many_symbolic_link_levels);
}

}  // namespace
}  // namespace p2pscope
