// p2pscope demo: the whole pipeline on the built-in lab, scored against the
// lab's ground truth: the BitTorrent lab first, then the eMule one
// (emule-demo). The network stages (crawl, probe) run as this binary's own
// subcommands inside the lab, each with its log in the output directory;
// diagnose and blocklist run in-process on the files they wrote.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/lab_report.hpp"
#include "cli/record_io.hpp"
#include "cli/report.hpp"
#include "cli/verdicts.hpp"
#include "lab/score.hpp"
#include "lab/state.hpp"
#include "report/explain.hpp"

#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace p2pscope::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct DemoArgs {
  std::string scenario = "small";
  std::optional<std::uint64_t> seed;
  std::string state_dir, out = "p2pscope-demo";
  std::string emule_scenario = "emule-demo";  // "none": BitTorrent only
  unsigned timeout = 120;
  bool keep_lab = false;
};

// The first SIGINT/SIGTERM ends the running stage and lets the demo tear the
// lab down; a second one ends the demo at once.
std::atomic<pid_t> g_stage{0};
volatile std::sig_atomic_t g_interrupted = 0;

void on_signal(int sig) {
  if (g_interrupted) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_interrupted = 1;
  if (pid_t p = g_stage.load(); p > 0) ::kill(p, SIGTERM);
}

class Demo {
 public:
  explicit Demo(const DemoArgs& a) : a_(a), started_(Clock::now()) {}

  int run();

 private:
  void step(const char* what) { std::printf("\n[%d/%d] %s\n", ++step_, steps(), what), std::fflush(stdout); }
  int report_stage(const std::string& half);
  int steps() const { return a_.emule_scenario == "none" ? 6 : 11; }
  void say(const std::string& line) { std::printf("      %s\n", line.c_str()), std::fflush(stdout); }
  std::string elapsed() const {
    auto s = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_).count();
    return std::to_string(s / 60) + "m" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60) + "s";
  }
  int bring_up(const std::string& scenario, const fs::path& state);
  // Runs `p2pscope ARGS...` inside the lab, output to out/LOG; kOk or says why not.
  int stage(const std::vector<std::string>& args, const std::string& log);
  int crawl_and_probe();
  // One network's half of the files: "" (BitTorrent) or "emule-".
  // `probe` of HALFcrawl.jsonl from the lab's first client address (both
  // families when the lab has IPv6).
  int probe_stage(const std::string& half);
  int diagnose_stage(const std::string& half, probes::Diagnosis& diagnosis);
  int judge();
  bool score(const nlohmann::json& truth);
  // Leaves the lab up when --keep-lab asks for it and `keep` allows it.
  enum class Keep : bool { no, if_asked };
  void tear_down(Keep keep);
  int run_bittorrent(bool& pass);
  int run_emule(bool& pass);
  int crawl_and_probe_emule();
  int judge_emule();
  bool score_emule(const nlohmann::json& truth);
  bool score_truth(bool (Demo::*scorer)(const nlohmann::json&));

  const DemoArgs& a_;
  Clock::time_point started_;
  int step_ = 0;
  fs::path out_, state_, self_;
  std::optional<lab::LabUp> lab_;
  fs::path lab_state_;  // the running lab's
  probes::Diagnosis diagnosis_, emule_diagnosis_;
  std::vector<Observation> observations_;
  std::vector<DhtNodeSeen> dht_nodes_;
  std::vector<EmuleObservation> emule_observations_;
};

int Demo::bring_up(const std::string& scenario, const fs::path& state) {
  step(("lab up: " + scenario).c_str());
  lab_state_ = state;
  LabStart start{scenario, a_.seed, state, a_.timeout, [this](std::string_view m) { say(std::string(m)); }};
  if (int rc = start_lab(start, "demo", lab_); rc != kOk) return rc;
  const auto& sc = lab_->plan.scenario;
  say("scenario " + sc.name + ", seed " + std::to_string(sc.seed) + ": up after " + elapsed() + "; state in " + state.string());
  return kOk;
}

int Demo::stage(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv{self_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  fs::remove(out_ / log);
  auto pid = lab_->sandbox.spawn(argv, out_ / log);
  if (!pid) {
    std::cerr << "p2pscope demo: cannot start p2pscope " << args.front() << ": " << pid.error().message() << "\n";
    return kFailure;
  }
  g_stage = pid.value();
  int status = 0;
  while (::waitpid(pid.value(), &status, 0) < 0 && errno == EINTR) {
  }
  g_stage = 0;
  if (g_interrupted) return kFailure;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "p2pscope demo: p2pscope " << args.front() << " failed (status " << status << "); see " << (out_ / log).string() << "\n";
    return kFailure;
  }
  return kOk;
}

int Demo::crawl_and_probe() {
  auto bind = lab_->plan.client_bind_flags(0);
  std::string bind_text;
  for (const auto& f : bind) bind_text += f + " ";
  auto dht = lab_->plan.with_role(lab::Role::dht_node).front()->endpoint.to_string();
  step("crawl --quick, inside the lab: trackers, DHT and PEX, IPv4 and IPv6, for about a minute");
  std::vector<std::string> crawl{"crawl", "--quick"};
  crawl.insert(crawl.end(), bind.begin(), bind.end());
  crawl.insert(crawl.end(), {"--bootstrap", dht, "-o", (out_ / "crawl.jsonl").string()});
  for (const auto& t : lab_->torrents) crawl.push_back(t.torrent_file.string());
  say("p2pscope crawl --quick " + bind_text + "--bootstrap " + dht + " -o crawl.jsonl TORRENT (log: crawl.log)");
  if (int rc = stage(crawl, "crawl.log"); rc != kOk) return rc;
  RecordInputs in;
  if (!read_records({(out_ / "crawl.jsonl").string()}, in, "demo")) return kFailure;
  observations_ = std::move(in.observations);
  dht_nodes_ = std::move(in.dht_nodes);
  std::set<std::string> sources;
  for (const auto& o : observations_) sources.insert(probes::source_of(o));
  say(std::to_string(observations_.size()) + " observations from " + std::to_string(sources.size()) + " sources, " +
      std::to_string(dht_nodes_.size()) + " DHT nodes recorded (" + elapsed() + ")");

  step("probe, inside the lab: TCP connect, handshake, fake infohash, reversed address; DHT nodes: a random infohash, "
       "pings to the nodes they name");
  return probe_stage("");
}

int Demo::probe_stage(const std::string& half) {
  auto bind = lab_->plan.client_bind_flags(0);
  std::string bind_text;
  for (const auto& f : bind) bind_text += f + " ";
  say("p2pscope probe " + bind_text + "-o " + half + "probes.jsonl " + half + "crawl.jsonl (log: " + half + "probe.log)");
  std::vector<std::string> args{"probe"};
  args.insert(args.end(), bind.begin(), bind.end());
  args.insert(args.end(), {"--per-ip-rate", "20", "--global-rate", "2000", "--connect-timeout", "2", "--handshake-timeout",
                           "3", "--linger", "1", "-o", (out_ / (half + "probes.jsonl")).string(),
                           (out_ / (half + "crawl.jsonl")).string()});
  return stage(args, half + "probe.log");
}

int Demo::diagnose_stage(const std::string& half, probes::Diagnosis& diagnosis) {
  DiagnoseArgs d;
  d.records = {(out_ / (half + "crawl.jsonl")).string(), (out_ / (half + "probes.jsonl")).string()};
  d.routing = {lab_->pfx2as.string()};
  d.output = (out_ / (half + "verdicts.jsonl")).string();
  d.report = "none";  // written below, from the one report the screen shows
  if (int rc = run_diagnose(d, &diagnosis); rc != kOk) return rc;
  auto text = report_text(diagnosis, d.top);
  if (!write_output((out_ / (half + "report.txt")).string(), text, "demo")) return kFailure;
  std::istringstream report(text);
  for (std::string line; std::getline(report, line);) say(line);
  return kOk;
}

int Demo::judge() {
  step("diagnose: verdicts per peer, the Fig. 4 breakdown, the worst sources");
  if (int rc = diagnose_stage("", diagnosis_); rc != kOk) return rc;

  step("blocklist and report: the anti-P2P verdicts as PeerGuardian P2P and eMule DAT; the HTML report");
  for (const char* format : {"p2p", "dat"}) {
    BlocklistArgs b;
    b.verdicts = {(out_ / "verdicts.jsonl").string()};
    b.format = format;
    b.output = (out_ / (std::string("blocklist.") + format)).string();
    if (int rc = run_blocklist(b); rc != kOk) return rc;
  }
  return report_stage("");
}

int Demo::report_stage(const std::string& half) {
  ReportArgs r;
  r.judge.records = {(out_ / (half + "crawl.jsonl")).string(), (out_ / (half + "probes.jsonl")).string()};
  r.judge.routing = {lab_->pfx2as.string()};
  r.output = (out_ / (half + "report.html")).string();
  r.title = "p2pscope demo: the " + std::string(half.empty() ? "BitTorrent" : "eMule") + " lab";
  say("p2pscope report --routing ROUTING -o " + half + "report.html " + half + "crawl.jsonl " + half + "probes.jsonl");
  return run_report(r);
}

// `explain` on every actor must name its role (what it looks like as a
// source, whether it is anti-P2P itself) and, for a peer, a source that
// handed it out.
bool explain_actors(const std::vector<lab::ActorFinding>& actors, const report::Records& records,
                    const probes::Diagnosis& d) {
  report::Explainer ex(records, d);
  std::size_t asked = 0, right = 0;
  for (const auto& f : actors) {
    auto want = lab::expected_of_actor(f.role);
    auto subject = report::parse_subject(f.address);
    if (!want || !subject) continue;
    ++asked;
    auto e = ex.explain(subject.value(), {.handed_out_listed = 0});
    bool looks = std::any_of(e.as_source.begin(), e.as_source.end(),
                             [&](const probes::SourceReport* s) { return to_string(s->looks_like) == want->looks_like; });
    bool anti = std::any_of(e.verdicts.begin(), e.verdicts.end(),
                            [](const Verdict* v) { return v->verdict == VerdictKind::anti_p2p; });
    bool peer = f.role != "tracker" && f.role != "ed2k_server";
    bool sourced = !peer || !e.seen.empty() || !e.emule_seen.empty();
    if (looks && anti == want->anti_p2p && sourced) {
      ++right;
      continue;
    }
    std::printf("  explain %s (%s): %s%s%s\n", f.address.c_str(), f.role.c_str(),
                looks ? "" : ("not named \"" + std::string(want->looks_like) + "\"; ").c_str(),
                anti == want->anti_p2p ? "" : "its own verdict is wrong; ", sourced ? "" : "no source handed it out");
  }
  std::printf("explain: %zu of %zu actors named with their role, and (peers) the source that handed them out\n", right,
              asked);
  return right == asked;
}

void print_actors(const std::vector<lab::ActorFinding>& actors) {
  std::printf("actors (from the ground truth) and what the diagnosis made of them:\n");
  for (const auto& f : actors) {
    std::string seen = f.looks_like.empty() ? "-" : f.looks_like;
    std::printf("  %-16s %-22s %-10s verdict %-12s as a source: %-26s", f.name.c_str(), f.address.c_str(), f.role.c_str(),
                f.own_verdict.empty() ? "-" : f.own_verdict.c_str(), seen.c_str());
    if (f.introduced) std::printf(" introduced %zu, judged right %zu", f.introduced, f.flagged);
    std::printf("\n");
  }
}

bool Demo::score(const nlohmann::json& truth) {
  step("score against the lab's ground truth");
  bool crawl_ok = print_crawl_score(truth, observations_);
  bool verdicts_ok = print_verdict_score(truth, diagnosis_.verdicts);
  bool nodes_ok = print_dht_node_score(truth, dht_nodes_, diagnosis_.verdicts);
  std::map<std::string, std::string> looks_like;
  for (const auto& s : diagnosis_.sources) looks_like[s.source] = std::string(to_string(s.looks_like));
  auto actors = lab::score_actors(truth, diagnosis_.verdicts, looks_like);
  print_actors(actors);
  bool explained = explain_actors(actors, {observations_, {}, {}, dht_nodes_}, diagnosis_);
  return crawl_ok && verdicts_ok && nodes_ok && explained;
}

void Demo::tear_down(Keep keep) {
  if (!lab_) return;
  if (keep == Keep::if_asked && a_.keep_lab && !g_interrupted) {
    std::printf("\nthe lab is still up (--keep-lab): p2pscope lab exec --state-dir %s -- COMMAND; lab down --state-dir %s\n",
                lab_state_.c_str(), lab_state_.c_str());
    return;
  }
  if (auto st = lab::lab_down(lab_state_); !st) std::cerr << "p2pscope demo: lab down: " << st.error().message() << "\n";
  lab_.reset();
}

int Demo::crawl_and_probe_emule() {
  auto client = lab_->plan.client_addresses().front().to_string();
  step("crawl --quick, inside the eMule lab: index servers (TCP and UDP), KAD, then source exchange");
  std::vector<std::string> crawl{"crawl", "--quick", "--bind", client, "-o", (out_ / "emule-crawl.jsonl").string(),
                                 lab_->ed2k_links.string(), lab_->server_met.string(), lab_->nodes_dat.string()};
  say("p2pscope crawl --quick --bind " + client + " -o emule-crawl.jsonl links.txt server.met nodes.dat (log: emule-crawl.log)");
  if (int rc = stage(crawl, "emule-crawl.log"); rc != kOk) return rc;
  RecordInputs in;
  if (!read_records({(out_ / "emule-crawl.jsonl").string()}, in, "demo")) return kFailure;
  emule_observations_ = std::move(in.emule_observations);
  std::set<std::string> sources;
  for (const auto& o : emule_observations_) sources.insert(std::string(to_string(o.via)) + " " + o.source.to_string());
  say(std::to_string(emule_observations_.size()) + " eMule observations from " + std::to_string(sources.size()) +
      " sources (" + elapsed() + ")");

  step("probe, inside the eMule lab: hello, one fake file hash per peer, the other byte order of every ID");
  return probe_stage("emule-");
}

int Demo::judge_emule() {
  step("diagnose the eMule peers: verdicts, the Fig. 4 tree per route, the worst sources; the HTML report");
  if (int rc = diagnose_stage("emule-", emule_diagnosis_); rc != kOk) return rc;
  say("blocklist: the eMule anti-P2P verdicts as eMule DAT (emule-blocklist.dat)");
  BlocklistArgs b;
  b.verdicts = {(out_ / "emule-verdicts.jsonl").string()};
  b.format = "dat";
  b.output = (out_ / "emule-blocklist.dat").string();
  if (int rc = run_blocklist(b); rc != kOk) return rc;
  return report_stage("emule-");
}

bool Demo::score_emule(const nlohmann::json& truth) {
  step("score the eMule half against the lab's ground truth");
  bool crawl_ok = print_emule_crawl_score(truth, emule_observations_);
  bool verdicts_ok = print_verdict_score(truth, emule_diagnosis_.verdicts, Network::emule);
  std::map<std::string, std::string> looks_like, reversed;
  for (const auto& s : emule_diagnosis_.sources) {
    if (s.via == Via::ed2k_server_udp) continue;  // a server is named by its TCP address
    looks_like[s.source] = std::string(to_string(s.looks_like));
    if (auto text = probes::reversed_entries_text(s); !text.empty()) reversed[s.source] = text;
  }
  auto actors = lab::score_emule_actors(truth, emule_diagnosis_.verdicts, looks_like, reversed);
  print_actors(actors);
  bool named = true;
  for (const auto& f : actors) {
    if (f.role != "emule_byte_order") continue;
    bool ok = f.looks_like == to_string(probes::SourceLooks::byte_order_relay) && !f.reversed.empty();
    std::printf("  %s: %s\n", f.name.c_str(), ok ? ("named as a byte-order relay, reversed entries: " + f.reversed).c_str()
                                                 : "NOT named as the source of its reversed entries");
    named = named && ok;
  }
  bool explained = explain_actors(actors, {{}, emule_observations_, {}, {}}, emule_diagnosis_);
  return crawl_ok && verdicts_ok && named && explained;
}

bool Demo::score_truth(bool (Demo::*scorer)(const nlohmann::json&)) {
  std::ifstream tf(lab_->ground_truth);
  auto truth = nlohmann::json::parse(tf, nullptr, false);
  return !truth.is_discarded() && (this->*scorer)(truth);
}

int Demo::run_bittorrent(bool& pass) {
  int rc = bring_up(a_.scenario, state_);
  if (rc == kOk && !g_interrupted) rc = crawl_and_probe();
  if (rc == kOk && !g_interrupted) rc = judge();
  if (rc == kOk && !g_interrupted) pass = score_truth(&Demo::score);
  // The eMule lab follows: keep only the last lab up.
  if (a_.emule_scenario == "none" || rc != kOk || g_interrupted) return rc;
  tear_down(Keep::no);
  return rc;
}

int Demo::run_emule(bool& pass) {
  pass = false;
  int rc = bring_up(a_.emule_scenario, fs::path(state_.string() + "-emule"));
  if (rc == kOk && !g_interrupted) rc = crawl_and_probe_emule();
  if (rc == kOk && !g_interrupted) rc = judge_emule();
  if (rc == kOk && !g_interrupted) pass = score_truth(&Demo::score_emule);
  return rc;
}

int Demo::run() {
  out_ = fs::absolute(a_.out);
  state_ = fs::absolute(a_.state_dir.empty() ? fs::path(lab::default_state_dir().string() + "-demo") : fs::path(a_.state_dir));
  self_ = fs::read_symlink("/proc/self/exe");
  std::error_code ec;
  fs::create_directories(out_, ec);
  if (ec) {
    std::cerr << "p2pscope demo: cannot create " << out_.string() << ": " << ec.message() << "\n";
    return kFailure;
  }
  // crawl appends to its record file: a run in the same directory before
  // this one must not become part of this one's records.
  for (const auto* appended : {"crawl.jsonl", "emule-crawl.jsonl"}) fs::remove(out_ / appended, ec);
  std::printf("p2pscope demo: crawl, probe, diagnose and blocklist on the built-in labs (BitTorrent, then eMule), scored\n"
              "against their ground truth.\n"
              "Packets stay inside the lab's own network namespace. Outputs go to %s\n", out_.c_str());
  bool bt_pass = false, emule_pass = true;
  int rc = run_bittorrent(bt_pass);
  if (rc == kOk && !g_interrupted && a_.emule_scenario != "none") rc = run_emule(emule_pass);
  bool pass = bt_pass && emule_pass;
  tear_down(Keep::if_asked);
  if (g_interrupted) {
    std::cerr << "p2pscope demo: interrupted; the lab is down\n";
    return 128 + SIGINT;
  }
  if (rc != kOk) return rc;
  std::printf("\ndemo: %s after %s (bar, on each network: crawl recall >= 99%% with every actor seen; anti_p2p and "
              "byte_order precision 1.0, recall >= 0.95; eMule: every byte-order actor named with its SX version)\n",
              pass ? "PASS" : "FAIL", elapsed().c_str());
  return pass ? kOk : kFailure;
}

}  // namespace

void add_demo(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<DemoArgs>();
  auto* d = app.add_subcommand(
      "demo", "Run the whole pipeline on the built-in lab and score it against its ground truth (about 2 minutes)");
  d->footer(
      "Brings up the BitTorrent lab (its own network namespace; nothing leaves it), runs crawl --quick and probe\n"
      "inside it, then diagnose and blocklist, prints the breakdown, the worst sources and what became of each\n"
      "actor, and scores crawl and verdicts against the ground truth; then the same on the eMule lab (index\n"
      "servers, KAD, source exchange). Exit status 0 when every score meets its bar, 1 when not.\n"
      "Outputs in --out: crawl.jsonl, probes.jsonl, verdicts.jsonl, report.txt, blocklist.p2p, blocklist.dat,\n"
      "emule-crawl.jsonl, emule-probes.jsonl, emule-verdicts.jsonl, emule-report.txt, emule-blocklist.dat,\n"
      "and the crawl and probe logs.");
  d->add_option("--scenario", a->scenario, "BitTorrent scenario file, or a built-in one: small, large")->capture_default_str();
  d->add_option("--emule-scenario", a->emule_scenario, "eMule scenario file, a built-in one (emule-demo, emule-small), "
                                                       "or none to leave the eMule half out")
      ->capture_default_str();
  d->add_option("--seed", a->seed, "Override both scenarios' seeds (addresses, ids and content)");
  d->add_option("-o,--out", a->out, "Directory for the outputs")->capture_default_str();
  d->add_option("--state-dir", a->state_dir, "The lab's state directory (default: the lab's default with -demo appended)");
  d->add_option("--timeout", a->timeout, "Seconds to wait for the lab to form")->check(CLI::Range(1u, 3600u))->capture_default_str();
  d->add_flag("--keep-lab", a->keep_lab, "Leave the lab up afterwards, for lab exec");
  d->callback([a, exit_code] {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    *exit_code = Demo(*a).run();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
  });
}

}  // namespace p2pscope::cli
