#include "store/spool.hpp"

#include "tests/testlib/random_values.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace p2pscope {
namespace {

class SpoolFile : public ::testing::Test {
 protected:
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("p2pscope-spool-" + std::to_string(::getpid()) + "-" +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }

  static Batch batch(std::uint64_t seq, std::size_t n) {
    testlib::Gen g(seq);
    Batch b{"w", seq, {}};
    for (std::size_t i = 0; i < n; ++i) b.records.push_back(g.record(i));
    return b;
  }
  static std::vector<Batch> read_all(Spool& s) {
    std::vector<Batch> out;
    EXPECT_TRUE(s.read([&](Batch&& b) -> Status {
      out.push_back(std::move(b));
      return success();
    }));
    return out;
  }
};

TEST_F(SpoolFile, ReadsBackBatchesInTheOrderTheyWereAppended) {
  auto s = Spool::open(dir / "a.spool").value();
  for (std::uint64_t seq = 0; seq < 3; ++seq) ASSERT_TRUE(s.append(batch(seq, 7)));
  auto got = read_all(s);
  ASSERT_EQ(got.size(), 3u);
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    EXPECT_EQ(got[seq].seq, seq);
    EXPECT_EQ(got[seq].records, batch(seq, 7).records);
  }
  ASSERT_TRUE(s.clear());
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(read_all(s).empty());
}

TEST_F(SpoolFile, SkipsABatchTornByACrashAndCountsIt) {
  auto s = Spool::open(dir / "a.spool").value();
  ASSERT_TRUE(s.append(batch(0, 3)));
  ASSERT_TRUE(s.append(batch(1, 3)));
  // A crash in the middle of the second batch's last record.
  auto size = std::filesystem::file_size(dir / "a.spool");
  std::filesystem::resize_file(dir / "a.spool", size - 10);
  auto got = read_all(s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, 0u);
  EXPECT_EQ(s.torn_batches(), 1u);
}

TEST_F(SpoolFile, IsHeldByOneProcessAtATimeAndFreedOnClose) {
  {
    auto s = Spool::open(dir / "a.spool").value();
    EXPECT_EQ(Spool::open(dir / "a.spool").error(), std::errc::resource_unavailable_try_again);
    EXPECT_TRUE(adoptable_spools(dir).empty());
  }
  EXPECT_EQ(adoptable_spools(dir), std::vector<std::filesystem::path>{dir / "a.spool"});
}

TEST_F(SpoolFile, FullDiskIsAnErrorAndLeavesNoTornBatch) {
  std::filesystem::create_symlink("/dev/full", dir / "full.spool");
  auto s = Spool::open(dir / "full.spool").value();
  auto st = s.append(batch(0, 3));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), std::errc::no_space_on_device);
  EXPECT_TRUE(s.empty());
}

}  // namespace
}  // namespace p2pscope
