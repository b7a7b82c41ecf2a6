#include "lab/lab.hpp"

#include "lab/state.hpp"

#include <libtorrent/alert_types.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_info.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <thread>

namespace p2pscope::lab {
namespace {

namespace fs = std::filesystem;

class LabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("p2pscope-labtest-" + std::to_string(::getpid()));
    opt_.state_dir = dir_;
    opt_.self_exe = P2PSCOPE_BINARY;
  }
  void TearDown() override {
    (void)lab_down(dir_);
    fs::remove_all(dir_);
  }
  fs::path dir_;
  LabOptions opt_;
};

// A stock libtorrent client at a free lab address; returns how many peers
// the lab's tracker handed it within the deadline.
int peers_from_tracker(const LabUp& lab, const fs::path& save) {
  auto ip = lab.plan.client_addresses().front().to_string();
  lt::settings_pack sp;
  sp.set_str(lt::settings_pack::listen_interfaces, ip + ":6881");
  sp.set_str(lt::settings_pack::outgoing_interfaces, ip);
  sp.set_bool(lt::settings_pack::enable_dht, false);
  sp.set_bool(lt::settings_pack::enable_lsd, false);
  sp.set_int(lt::settings_pack::alert_mask, lt::alert_category::tracker | lt::alert_category::error);
  lt::session ses(sp);
  lt::add_torrent_params atp;
  atp.ti = std::make_shared<lt::torrent_info>(lab.torrents.front().torrent_file.string());
  atp.save_path = save.string();
  ses.add_torrent(std::move(atp));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int best = 0;
  while (std::chrono::steady_clock::now() < deadline && best == 0) {
    std::vector<lt::alert*> alerts;
    ses.wait_for_alert(std::chrono::milliseconds(500));
    ses.pop_alerts(&alerts);
    for (auto* a : alerts) {
      if (auto* r = lt::alert_cast<lt::tracker_reply_alert>(a)) best = std::max(best, r->num_peers);
    }
  }
  ses.abort();
  return best;
}

TEST_F(LabTest, SmallLabServesPeersThroughItsTrackerAndLeavesNothingBehind) {
  std::string detail;
  auto s = parse_scenario(builtin_scenario("small").value()).value();
  auto up = lab_up(s, opt_, &detail);
  ASSERT_TRUE(up) << up.error().message() << ": " << detail;
  const auto& lab = up.value();

  int peers = lab.sandbox.run_function([&] { return peers_from_tracker(lab, dir_ / "client"); }).value();
  EXPECT_GE(peers, s.seeds + s.leechers) << "a stock client got too few peers from the lab's tracker";

  std::ifstream f(lab.ground_truth);
  auto truth = nlohmann::json::parse(f);
  EXPECT_EQ(truth["info_hashes"][0], lab.torrents.front().info_hash.hex());
  EXPECT_EQ(truth["addresses"].size(), lab.plan.parties.size());

  auto ns = lab.sandbox.netns_inode();
  EXPECT_GE(processes_in_netns(ns).size(), 3u);  // holder, opentracker, peers
  ASSERT_TRUE(lab_down(dir_));
  EXPECT_TRUE(processes_in_netns(ns).empty());
  EXPECT_FALSE(fs::exists(dir_));
}

}  // namespace
}  // namespace p2pscope::lab
