#include "cli/lab_report.hpp"

#include "cli/exit_codes.hpp"
#include "lab/score.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace p2pscope::cli {

namespace fs = std::filesystem;

namespace {

StatusOr<lab::Scenario> load_scenario(const std::string& what) {
  lab::ScenarioError err;
  Result<lab::Scenario> s = errc::bad_value;
  if (fs::is_regular_file(what)) {
    s = lab::load_scenario_file(what, &err);
  } else if (auto builtin = lab::builtin_scenario(what)) {
    s = lab::parse_scenario(builtin.value(), &err);
  } else {
    return fail(errc::bad_value, "'" + what + "' is neither a scenario file nor a built-in scenario (small, large, emule-small, emule-demo)");
  }
  if (!s) return fail(s.error(), what + ": " + err.to_string());
  return std::move(s).value();
}

}  // namespace

int start_lab(const LabStart& s, const char* cmd, std::optional<lab::LabUp>& up) {
  auto scenario = load_scenario(s.scenario);
  if (!scenario) {
    std::cerr << "p2pscope " << cmd << ": " << scenario.error() << "\n";
    return kBadInput;
  }
  if (s.seed) scenario.value().seed = *s.seed;
  lab::LabOptions opt;
  opt.state_dir = s.state_dir;
  opt.self_exe = fs::read_symlink("/proc/self/exe");
  opt.progress = s.progress;
  opt.ready_timeout = std::chrono::seconds(s.timeout);
  auto result = lab::lab_up(scenario.value(), opt);
  if (!result) {
    std::cerr << "p2pscope " << cmd << ": " << result.error() << "\n";
    return kFailure;
  }
  up.emplace(std::move(result).value());
  return kOk;
}

namespace {
bool print_score(const lab::CrawlScore& s, const char* network) {
  std::printf("%s\n", network);
  std::printf("recall:       %zu of %zu handed-out lab peers observed (%.1f%%)\n", s.found, s.expected, 100 * s.recall());
  std::printf("attribution:  %zu of %zu observations name a source and route the ground truth confirms (%.1f%%)\n",
              s.confirmed, s.observations, 100 * s.attribution());
  std::printf("actors seen handing out the bogus peers they introduced: %zu of %zu\n", s.actors_seen.size(),
              s.actors_seen.size() + s.actors_missing.size());
  for (const auto& m : s.actors_missing) std::printf("  not seen: %s\n", m.c_str());
  if (s.utp_only)
    std::printf("uTP-only peers heard through PEX (a uTP session): %zu of %zu\n", s.utp_only_heard, s.utp_only);
  if (s.ipv6_expected) {
    std::printf("IPv6: %zu of %zu handed-out IPv6 peers observed; IPv6-only peers heard through PEX: %zu of %zu\n",
                s.ipv6_found, s.ipv6_expected, s.ipv6_only_heard, s.ipv6_only);
  }
  for (const auto& u : s.unheard) std::printf("  no PEX from: %s\n", u.c_str());
  for (std::size_t i = 0; i < s.unconfirmed.size() && i < 10; ++i) std::printf("  unconfirmed: %s\n", s.unconfirmed[i].c_str());
  for (std::size_t i = 0; i < s.missed.size() && i < 10; ++i) std::printf("  missed: %s\n", s.missed[i].c_str());
  bool pass = s.recall() >= 0.99 && s.confirmed == s.observations && s.actors_missing.empty() &&
              s.utp_only_heard == s.utp_only && s.ipv6_only_heard == s.ipv6_only;
  std::printf("crawl: %s (bar: recall >= 99%%, attribution 100%%, every actor seen, every uTP-only and IPv6-only peer "
              "heard)\n",
              pass ? "PASS" : "FAIL");
  return pass;
}
}  // namespace

bool print_crawl_score(const nlohmann::json& truth, const std::vector<Observation>& obs) {
  return print_score(lab::score_crawl(truth, obs), "BitTorrent");
}

bool print_emule_crawl_score(const nlohmann::json& truth, const std::vector<EmuleObservation>& obs) {
  return print_score(lab::score_emule_crawl(truth, obs), "eMule");
}

bool print_verdict_score(const nlohmann::json& truth, const std::vector<Verdict>& verdicts, Network net) {
  auto scores = net == Network::emule ? lab::score_emule_verdicts(truth, verdicts) : lab::score_verdicts(truth, verdicts);
  std::printf("%s verdicts\n", net == Network::emule ? "eMule" : "BitTorrent");
  bool pass = true;
  // The gated classes are scored even when no verdict names them.
  for (auto kind : {VerdictKind::anti_p2p, VerdictKind::byte_order}) {
    if (scores[kind].in_truth == 0) {
      std::printf("%-17s the ground truth has none: nothing to score\n", std::string(to_string(kind)).c_str());
      pass = false;
    }
  }
  for (const auto& [kind, c] : scores) {
    bool gated = kind == VerdictKind::anti_p2p || kind == VerdictKind::byte_order;
    std::printf("%-17s precision %zu/%zu (%.3f)  recall %zu/%zu (%.3f)%s\n", std::string(to_string(kind)).c_str(), c.correct,
                c.predicted, c.precision(), c.correct, c.actual, c.recall(), gated ? "  [gated]" : "");
    if (gated) {
      pass = pass && c.precision() == 1.0 && c.recall() >= 0.95;
      for (std::size_t i = 0; i < c.wrong.size() && i < 5; ++i) std::printf("  wrongly %s: %s\n", std::string(to_string(kind)).c_str(), c.wrong[i].c_str());
      for (std::size_t i = 0; i < c.missed.size() && i < 5; ++i) std::printf("  missed: %s\n", c.missed[i].c_str());
    }
  }
  std::printf("verdicts: %s (bar: anti_p2p and byte_order precision 1.0, recall >= 0.95)\n", pass ? "PASS" : "FAIL");
  return pass;
}

bool print_dht_node_score(const nlohmann::json& truth, const std::vector<DhtNodeSeen>& seen,
                          const std::vector<Verdict>& verdicts) {
  auto s = lab::score_dht_nodes(truth, seen, verdicts);
  if (s.by_role.empty()) return true;
  std::printf("DHT node verdicts (%zu lab nodes recorded by the crawl)\n", s.met);
  bool pass = true;
  for (auto kind : {VerdictKind::dht_fake_values, VerdictKind::dht_phantom_neighbours, VerdictKind::dht_sybil}) {
    const auto& c = s.by_kind[kind];
    std::printf("%-23s precision %zu/%zu (%.3f)\n", std::string(to_string(kind)).c_str(), c.correct, c.predicted,
                c.precision());
    pass = pass && c.precision() == 1.0;
    for (std::size_t i = 0; i < c.wrong.size() && i < 5; ++i) std::printf("  wrongly: %s\n", c.wrong[i].c_str());
  }
  for (const auto& [role, c] : s.by_role) {
    std::printf("%-23s recall %zu/%zu of those met (%.3f), %zu met of %zu\n", role.c_str(), c.correct, c.actual,
                c.recall(), c.actual, c.in_truth);
    pass = pass && c.actual == c.in_truth && c.recall() >= 0.95;
    for (std::size_t i = 0; i < c.missed.size() && i < 5; ++i) std::printf("  missed: %s\n", c.missed[i].c_str());
  }
  std::printf("DHT nodes: %s (bar: every bogus node met, precision 1.0 and recall >= 0.95 per kind)\n",
              pass ? "PASS" : "FAIL");
  return pass;
}

}  // namespace p2pscope::cli
