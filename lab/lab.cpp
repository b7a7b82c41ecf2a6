#include "lab/lab.hpp"

#include "lab/amule.hpp"
#include "lab/routability.hpp"
#include "lab/state.hpp"
#include "lab/truth.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <thread>

namespace p2pscope::lab {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Debian's opentracker only serves whitelisted infohashes, and will not
// keep running as root; in a nested user namespace it runs as uid 1000.
std::vector<std::string> opentracker_argv(const LabPlan& plan, const fs::path& dir) {
  const auto* t = plan.find("opentracker");
  auto ip = t->endpoint.address.to_string();
  auto port = std::to_string(t->endpoint.port);
  return {"unshare", "--user", "--map-user=1000", "--map-group=1000", "opentracker", "-i", ip, "-p", port,
          "-P", port, "-d", dir.string(), "-w", (dir / "whitelist").string()};
}

bool wait_for_file(const fs::path& f, Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    if (fs::exists(f)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

Status write_file(const fs::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return std::make_error_code(std::errc::io_error);
  return success();
}

// Starts `p2pscope lab WHAT --state-dir DIR` inside and waits for its ready file.
Status start_inner(const Sandbox& box, const LabOptions& opt, std::string_view what, const char* ready,
                   Clock::time_point deadline) {
  const auto& dir = opt.state_dir;
  auto log = dir / (std::string(what) + ".log");
  fs::remove(dir / ready);
  auto pid = box.spawn({opt.self_exe.string(), "lab", std::string(what), "--state-dir", dir.string()}, log);
  if (!pid) return Error(pid.error()).within("starting 'lab " + std::string(what) + "' failed");
  if (!wait_for_file(dir / ready, deadline))
    return fail(std::errc::timed_out, "'lab " + std::string(what) + "' did not come up; see " + log.string());
  return success();
}

bool has_actors(const LabPlan& plan) {
  return std::any_of(plan.parties.begin(), plan.parties.end(), [](const Party& p) { return p.impl == Impl::lab_actor; });
}

// The crawler's eMule inputs: every file's link, the lab's servers (the
// poisoned ones too: a crawler meets them), and the KAD responder's nodes.
Status write_emule_inputs(const LabPlan& plan, const std::vector<EmuleLabFile>& files, LabUp& up) {
  auto dir = up.ground_truth.parent_path() / "emule";
  fs::create_directories(dir);
  up.ed2k_links = dir / "links.txt";
  up.server_met = dir / "server.met";
  up.nodes_dat = dir / "nodes.dat";
  std::string links;
  for (const auto& f : files) links += ed2k::format_link(f.link) + "\n";
  P2PSCOPE_CHECK(write_file(up.ed2k_links, links));
  P2PSCOPE_CHECK(write_file(up.server_met, lab_server_met(plan, PoisonedServers::include)));
  std::optional<ed2k::Md4> real;
  for (const auto& f : files)
    if (f.real) real = f.link.hash;
  if (!plan.with_role(Role::kad_node).empty())
    P2PSCOPE_CHECK(write_file(up.nodes_dat, kad::encode_nodes_dat(lab_nodes_dat(plan, real))));
  return success();
}

}  // namespace

StatusOr<LabUp> lab_up(const Scenario& s, const LabOptions& opt) {
  auto say = [&](std::string_view m) {
    if (opt.progress) opt.progress(m);
  };
  auto deadline = Clock::now() + opt.ready_timeout;
  auto plan = make_plan(s);
  const auto& dir = opt.state_dir;

  say("creating the network namespace");
  SandboxSpec spec;
  spec.state_dir = dir;
  spec.addresses = plan.addresses();
  P2PSCOPE_TRY(box, Sandbox::create(spec));
  auto fail = [&](std::string why, Error e) -> StatusOr<LabUp> {
    (void)box.destroy();
    return why.empty() ? e : e.within(why);
  };
  std::ofstream(dir / kScenarioFile) << "# written by p2pscope lab up\n" << format_scenario(s);
  say("writing torrent content");
  auto torrents = make_torrents(plan, dir);
  if (!torrents) return fail("writing the lab's torrents failed", torrents.error());

  if (s.opentracker) {
    say("starting opentracker");
    std::ofstream wl(dir / "whitelist");
    for (const auto& t : torrents.value()) wl << t.info_hash.hex() << "\n";
    wl.close();
    auto pid = box.spawn(opentracker_argv(plan, dir), dir / "opentracker.log");
    if (!pid) return fail("starting opentracker failed", pid.error());
    if (!wait_for_tcp_listener(box, plan.find("opentracker")->endpoint, deadline))
      return fail("", p2pscope::fail(std::errc::timed_out, "opentracker did not start listening; see " +
                                                               (dir / "opentracker.log").string()));
  }

  // The real eMule file first: the KAD responder places nodes near its hash.
  std::optional<EmuleLabFile> real;
  if (!amule_daemons(plan).empty()) {
    fs::create_directories(dir / "amule");
    auto written = write_real_file(plan, dir / "amule" / kRealFileName);
    if (!written) return fail("writing the real eMule file failed", written.error());
    if (auto st = write_file(dir / kRealFileLink, ed2k::format_link(written.value().link) + "\n"); !st)
      return fail("", st.error());
    real = std::move(written).value();
  }

  if (has_actors(plan)) {
    say("starting the lab's trackers, " + std::to_string(s.dht_nodes) + " DHT nodes, " +
        std::to_string(s.lite_peers) + " lite peers and the misbehaving actors");
    if (auto st = start_inner(box, opt, "actors", kActorsReadyFile, deadline); !st) return fail("", st.error());
  }

  if (s.seeds + s.leechers > 0) {
    say("starting " + std::to_string(s.seeds) + " libtorrent seeds and " + std::to_string(s.leechers) + " leechers");
    if (auto st = start_inner(box, opt, "node", kNodeReadyFile, deadline); !st) return fail("", st.error());
  }

  auto ed2k_files = scripted_files(plan);
  if (!amule_daemons(plan).empty()) {
    say("starting " + std::to_string(s.amule_seeders) + " aMule seeder(s) and " + std::to_string(s.amule_downloaders) +
        " downloader(s)");
    // aMule takes its time: hashing, offering, and a whole part downloaded,
    // each offer on its one-minute republish tick. Two minutes unloaded;
    // a loaded 2-core CI machine once needed more than five, and a
    // downloader the seeder never serves is restarted each minute until
    // it has a part (start_amuleds).
    deadline = std::max(deadline, Clock::now() + std::chrono::seconds(840));
    if (auto st = start_amuleds(box, plan, dir, *real, {deadline, opt.progress}); !st) return fail("", st.error());
    ed2k_files.push_back(*real);
  }

  say("writing routability data and ground truth");
  auto announcements = lab_announcements(plan);
  auto pfx2as = dir / kPfx2asFile, mmdb = dir / kAsnMmdbFile;
  fs::create_directories(pfx2as.parent_path());
  if (auto st = write_file(pfx2as, format_pfx2as(announcements)); !st) return fail("writing " + pfx2as.string() + " failed", st.error());
  if (auto st = write_asn_mmdb(announcements, mmdb); !st) return fail("", st.error());
  auto truth = dir / kGroundTruthFile;
  auto j = ground_truth({plan, torrents.value(), announcements, pfx2as, mmdb, ed2k_files});
  if (auto st = write_file(truth, j.dump(1) + "\n"); !st) return fail("writing ground truth failed", st.error());
  LabUp up{std::move(box), std::move(plan), std::move(torrents).value(), truth, pfx2as, mmdb, {}, {}, {}, {}};
  if (!ed2k_files.empty()) {
    if (auto st = write_emule_inputs(up.plan, ed2k_files, up); !st) {
      (void)up.sandbox.destroy();
      return st.error().within("writing the eMule inputs failed");
    }
  }
  up.ed2k_files = std::move(ed2k_files);
  say("lab is up");
  return up;
}

Status lab_down(const fs::path& state_dir) {
  auto box = Sandbox::attach(state_dir);
  if (!box) return box.error();
  P2PSCOPE_CHECK(box.value().destroy());
  std::error_code ec;
  fs::remove_all(state_dir, ec);
  if (ec) return ec;
  return success();
}

}  // namespace p2pscope::lab
