#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/lab_report.hpp"
#include "lab/lab.hpp"
#include "lab/actors.hpp"
#include "lab/node.hpp"
#include "lab/score.hpp"
#include "lab/state.hpp"
#include "store/jsonl.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>

namespace p2pscope::cli {
namespace {

namespace fs = std::filesystem;

struct LabArgs {
  std::string scenario = "small";
  std::string state_dir;
  std::vector<std::string> command;
  std::vector<std::string> score_files;
  std::string truth;
  unsigned timeout = 120;
  std::optional<std::uint64_t> seed;
};

// Absolute, because processes started inside the lab run from other directories.
fs::path state_dir_of(const LabArgs& a) {
  return fs::absolute(a.state_dir.empty() ? lab::default_state_dir() : fs::path(a.state_dir));
}

int run_up(const LabArgs& a) {
  std::optional<lab::LabUp> up;
  LabStart start{a.scenario, a.seed, state_dir_of(a), a.timeout, [](std::string_view m) { std::cerr << "lab: " << m << "\n"; }};
  if (int rc = start_lab(start, "lab up", up); rc != kOk) return rc;
  const auto& u = *up;
  std::cout << "state:        " << start.state_dir.string() << "\n"
            << "ground truth: " << u.ground_truth.string() << "\n"
            << "routability:  " << u.pfx2as.string() << " (CAIDA pfx2as)\n"
            << "              " << u.asn_mmdb.string() << " (ASN .mmdb)\n";
  if (u.plan.scenario.seeds + u.plan.scenario.leechers > 0)
    for (const auto& t : u.torrents) std::cout << "info hash:    " << t.info_hash.hex() << "  " << t.torrent_file.string() << "\n";
  for (const auto& url : u.plan.tracker_urls()) std::cout << "tracker:      " << url << "\n";
  if (auto dht = u.plan.with_role(lab::Role::dht_node); !dht.empty())
    std::cout << "DHT:          " << dht.size() << " nodes, e.g. " << dht.front()->endpoint.to_string() << "\n";
  for (const auto& f : u.ed2k_files)
    std::cout << "ed2k file:    " << f.link.hash.hex() << "  " << f.link.name << (f.real ? " (real, shared by aMule)" : "") << "\n";
  if (!u.ed2k_files.empty()) {
    std::cout << "eMule inputs: " << u.ed2k_links.string() << " " << u.server_met.string();
    if (!u.plan.with_role(lab::Role::kad_node).empty()) std::cout << " " << u.nodes_dat.string();
    std::cout << "\n";
  }
  std::cout << "free addresses for tools run inside:";
  for (const auto& ip : u.plan.client_addresses()) std::cout << " " << ip.to_string();
  if (auto six = u.plan.client_addresses6(); !six.empty()) {
    std::cout << "\nand IPv6 (crawl and probe with --bind6):";
    for (const auto& ip : six) std::cout << " " << ip.to_string();
  }
  std::cout << "\nrun commands inside with: p2pscope lab exec -- COMMAND\n";
  return kOk;
}

int run_exec(const LabArgs& a) {
  auto box = lab::Sandbox::attach(state_dir_of(a));
  if (!box || box.value().holder() <= 0) {
    std::cerr << "p2pscope lab exec: no lab is running in " << state_dir_of(a).string() << " (run 'p2pscope lab up')\n";
    return kFailure;
  }
  auto rc = box.value().run(a.command);
  if (!rc) {
    std::cerr << "p2pscope lab exec: " << rc.error().message() << "\n";
    return kFailure;
  }
  return rc.value();
}

int run_down(const LabArgs& a) {
  auto st = lab::lab_down(state_dir_of(a));
  if (!st) {
    if (st.error() == std::errc::no_such_process) {
      std::cerr << "p2pscope lab down: no lab in " << state_dir_of(a).string() << "\n";
      return kOk;  // nothing to tear down is not a failure
    }
    std::cerr << "p2pscope lab down: " << st.error().message() << "\n";
    return kFailure;
  }
  std::cerr << "lab: down\n";
  return kOk;
}

int run_score(const LabArgs& a) {
  auto truth_path = a.truth.empty() ? state_dir_of(a) / "ground-truth.json" : fs::path(a.truth);
  std::ifstream tf(truth_path);
  auto truth = nlohmann::json::parse(tf, nullptr, false);
  if (!tf || truth.is_discarded() || !truth.contains("addresses")) {
    std::cerr << "p2pscope lab score: cannot read a ground truth from " << truth_path.string() << "\n";
    return kBadInput;
  }
  std::vector<Observation> obs;
  std::vector<EmuleObservation> emule;
  std::vector<Verdict> verdicts;
  for (const auto& file : a.score_files) {
    auto reader = JsonlReader::open(file);
    if (!reader) {
      std::cerr << "p2pscope lab score: cannot open " << file << ": " << reader.error().message() << "\n";
      return kFailure;
    }
    for (;;) {
      auto rec = reader.value()->next();
      if (!rec) {
        std::cerr << "p2pscope lab score: " << file << ":" << reader.value()->line() << ": a bad record: " << rec.error() << "\n";
        return kBadInput;
      }
      if (!rec.value()) break;
      if (auto* o = std::get_if<Observation>(&*rec.value())) obs.push_back(*o);
      if (auto* o = std::get_if<EmuleObservation>(&*rec.value())) emule.push_back(*o);
      if (auto* v = std::get_if<Verdict>(&*rec.value())) verdicts.push_back(*v);
    }
  }
  bool pass = true;
  if (!obs.empty()) pass = print_crawl_score(truth, obs) && pass;
  if (!emule.empty()) pass = print_emule_crawl_score(truth, emule) && pass;
  auto emule_verdict = [](const Verdict& v) { return v.file_hash.has_value(); };
  if (std::any_of(verdicts.begin(), verdicts.end(), std::not_fn(emule_verdict)))
    pass = print_verdict_score(truth, verdicts) && pass;
  if (std::any_of(verdicts.begin(), verdicts.end(), emule_verdict))
    pass = print_verdict_score(truth, verdicts, Network::emule) && pass;
  if (obs.empty() && emule.empty() && verdicts.empty()) {
    std::cerr << "p2pscope lab score: no observations or verdicts to score\n";
    return kBadInput;
  }
  return pass ? kOk : kFailure;
}

}  // namespace

void add_lab(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<LabArgs>();
  auto* lab = app.add_subcommand("lab", "Bring up, use and tear down the self-contained test swarm (trackers, DHT nodes, peers and misbehaving actors in a private network namespace)");
  lab->require_subcommand(1);
  auto state_option = [&](CLI::App* sub) {
    sub->add_option("--state-dir", args->state_dir, "Where the lab keeps its state (default $XDG_RUNTIME_DIR/p2pscope-lab or /tmp/p2pscope-lab-UID)");
  };

  auto* up = lab->add_subcommand("up", "Create the lab's namespace, torrents, tracker and peers; print where the ground truth is");
  up->add_option("--scenario", args->scenario, "Scenario file, or a built-in one: small, large, emule-small, emule-demo")->capture_default_str();
  up->add_option("--timeout", args->timeout, "Seconds to wait for the swarm to form before giving up")
      ->check(CLI::Range(1u, 3600u))
      ->capture_default_str();
  up->add_option("--seed", args->seed, "Override the scenario's seed (addresses, ids and content)");
  state_option(up);
  up->callback([=] { *exit_code = run_up(*args); });

  auto* exec = lab->add_subcommand("exec", "Run a command inside the running lab: p2pscope lab exec -- COMMAND [ARGS...]");
  exec->add_option("command", args->command, "The command and its arguments (after --)")->required();
  state_option(exec);
  exec->callback([=] { *exit_code = run_exec(*args); });

  auto* down = lab->add_subcommand("down", "Stop every process in the lab and remove its state");
  state_option(down);
  down->callback([=] { *exit_code = run_down(*args); });

  auto* score = lab->add_subcommand(
      "score", "Score a crawl (recall, attribution, actors seen) and verdicts (precision and recall per class) against the lab's ground truth");
  score->add_option("RECORDS", args->score_files, "Records from 'p2pscope crawl' (observations) and/or 'p2pscope diagnose' (verdicts)")
      ->required();
  score->add_option("--truth", args->truth, "Ground-truth file (default: the running lab's)");
  state_option(score);
  score->callback([=] { *exit_code = run_score(*args); });

  auto* node = lab->add_subcommand("node", "Internal: the lab's peer process (started by 'lab up')");
  node->group("");  // hidden from help
  node->add_option("--state-dir", args->state_dir)->required();
  node->callback([=] { *exit_code = lab::run_node(args->state_dir); });
  auto* actors = lab->add_subcommand("actors", "Internal: the lab's trackers, DHT nodes, lite peers and actors");
  actors->group("");
  actors->add_option("--state-dir", args->state_dir)->required();
  actors->callback([=] { *exit_code = lab::run_actors(args->state_dir); });
}

}  // namespace p2pscope::cli
