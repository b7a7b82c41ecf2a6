// Acceptance of the crawler (issue #4): `p2pscope crawl --quick`, run inside
// the `small` lab as a user runs it, scored against the lab's ground truth.
#include "lab/lab.hpp"
#include "crawler/crawl.hpp"
#include "lab/score.hpp"
#include "store/jsonl.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace p2pscope {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class CrawlLab : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("p2pscope-crawltest-" + std::to_string(::getpid()));
    opt_.state_dir = dir_;
    opt_.self_exe = P2PSCOPE_BINARY;
    fs::create_directories(out_dir());
  }
  void TearDown() override {
    (void)lab::lab_down(dir_);
    fs::remove_all(dir_);
    fs::remove_all(out_dir());
  }
  fs::path out_dir() const { return fs::path(dir_.string() + "-out"); }

  // Runs `p2pscope crawl ARGS` inside the lab; returns its exit status.
  int crawl_inside(const lab::LabUp& up, const std::string& args) {
    auto cmd = std::string(P2PSCOPE_BINARY) + " crawl " + args + " 2>" + (out_dir() / "stderr.txt").string();
    auto rc = up.sandbox.run_function([&] { return std::system(cmd.c_str()) == 0 ? 0 : 1; });
    return rc ? rc.value() : -1;
  }

  std::vector<Observation> observations(const fs::path& file) {
    std::vector<Observation> out;
    auto reader = JsonlReader::open(file.string());
    EXPECT_TRUE(reader);
    if (!reader) return out;
    for (;;) {
      auto rec = reader.value()->next();
      EXPECT_TRUE(rec) << "a record the crawler wrote does not parse";
      if (!rec || !rec.value()) break;
      if (auto* o = std::get_if<Observation>(&*rec.value())) out.push_back(*o);
    }
    return out;
  }

  fs::path dir_;
  lab::LabOptions opt_;
};

std::string join(const std::vector<std::string>& v, std::size_t n = 20) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < n; ++i) s += "\n  " + v[i];
  return s;
}

TEST_F(CrawlLab, QuickCrawlFindsEveryHandedOutPeerWithConfirmedSources) {
  auto scenario = lab::parse_scenario(lab::builtin_scenario("small").value());
  ASSERT_TRUE(scenario);
  std::string detail;
  auto up = lab::lab_up(scenario.value(), opt_, &detail);
  ASSERT_TRUE(up) << detail;
  const auto& plan = up.value().plan;
  auto records = out_dir() / "crawl.jsonl";
  auto summary = out_dir() / "summary.json";
  std::string args = "--quick --bind " + plan.client_addresses()[0].to_string() + " --bootstrap " +
                     plan.with_role(lab::Role::dht_node).front()->endpoint.to_string() + " -o " + records.string() +
                     " --summary " + summary.string() + " " + up.value().torrents.front().torrent_file.string();
  ASSERT_EQ(crawl_inside(up.value(), args), 0) << std::ifstream(out_dir() / "stderr.txt").rdbuf();

  auto truth = json::parse(std::ifstream(up.value().ground_truth));
  auto score = lab::score_crawl(truth, observations(records));
  EXPECT_GE(score.recall(), 0.99) << score.found << " of " << score.expected << "; missed:" << join(score.missed);
  EXPECT_EQ(score.confirmed, score.observations) << "unconfirmed:" << join(score.unconfirmed);
  EXPECT_TRUE(score.actors_missing.empty()) << "never seen as sources:" << join(score.actors_missing);
  EXPECT_GT(score.observations, 1000u);
  // Every kind of actor is among the sources seen.
  for (std::string kind : {"byte-order-", "anti-p2p-", "propagator-", "lab-tracker-"}) {
    EXPECT_TRUE(std::any_of(score.actors_seen.begin(), score.actors_seen.end(),
                            [&](const std::string& a) { return a.starts_with(kind); }))
        << kind << " not seen; seen:" << join(score.actors_seen, 100);
  }
  auto s = json::parse(std::ifstream(summary));
  // The crawler's own tally counts at least every lab peer the scorer found.
  EXPECT_GE(s["unique_peers"].get<std::size_t>(), score.found);
  EXPECT_EQ(s["observations"].get<std::size_t>(), score.observations) << "the summary disagrees with the records";
  // How fast it finishes is the benchmarks' business; that it honours its
  // own limit (the monitor checks once a second) is this test's.
  EXPECT_LE(s["elapsed_s"].get<int>(), crawler::CrawlConfig::quick().max_duration.count() + 2) << s["stop_reason"];
}

}  // namespace
}  // namespace p2pscope
