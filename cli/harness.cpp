// p2pscope harness: run real clients in the taint harness and report, per
// client, the peers it gave out that it was never given.
#include "cli/commands.hpp"
#include "cli/db_options.hpp"
#include "cli/exit_codes.hpp"
#include "store/pg_reports.hpp"
#include "taint-harness/report.hpp"
#include "taint-harness/run.hpp"

#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

namespace p2pscope::cli {
namespace {

namespace fs = std::filesystem;
using namespace p2pscope::harness;

struct HarnessArgs {
  std::vector<std::string> clients;
  std::vector<std::string> controls;
  std::string command, command_name = "custom";
  std::string out = "p2pscope-harness";
  std::string reference;
  unsigned window = 0;  // 0: each driver's own
  unsigned idle = 0;    // > 0: idle runs of this many seconds
  bool anonymous = false;
  bool ipv6 = false;     // accepted; IPv6 feeding is the default
  bool no_ipv6 = false;
  std::uint64_t seed = 1;
  unsigned jobs = 1;
  bool list = false;
  DbArgs db;
};

// Names one harness invocation in the database: (session, client) is a run.
std::string new_session() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
  std::random_device rd;
  return fmt::format("harness-{}-{:08x}", when, rd());
}

double epoch_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool store_reports(const HarnessArgs& a, const nlohmann::json& reports, const fs::path& file) {
  std::size_t fresh = 0;
  auto keep = "the reports stay in " + file.string() + "; `p2pscope db import " + file.string() +
              "` stores them later";
  bool ok = store_with_retry(a.db, "harness", keep, [&](pqxx::connection& c) -> Status {
    P2PSCOPE_TRY(n, pg::store_harness_reports(c, reports));
    fresh = n;
    return success();
  });
  if (ok) std::cerr << "database: " << fresh << " new harness run(s), " << reports.size() - fresh << " already stored\n";
  return ok;
}

bool on_path(const std::string& binary) {
  if (binary.find('/') != std::string::npos) return ::access(binary.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  std::size_t pos = 0;
  while (pos <= p.size()) {
    auto end = std::min(p.find(':', pos), p.size());
    if (::access((p.substr(pos, end - pos) + "/" + binary).c_str(), X_OK) == 0) return true;
    pos = end + 1;
  }
  return false;
}

// A program built with p2pscope: `given`, else $ENV, else next to this
// binary (installed), else in the build tree (build_dir, beside cli/), else
// its bare name, looked up on PATH.
std::string built_program(const std::string& given, const char* env_name, const std::string& name,
                          const fs::path& build_dir) {
  std::error_code ec;
  // Clients run with their profile directory as the working directory, so a
  // relative path is made absolute; a bare name is still looked up on PATH.
  auto resolved = [&ec](const std::string& p) {
    return p.find('/') == std::string::npos ? p : fs::absolute(p, ec).string();
  };
  if (!given.empty()) return resolved(given);
  if (const char* env = std::getenv(env_name); env && *env) return resolved(env);
  auto self = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (const auto& candidate : {self / name, self / ".." / build_dir / name}) {
    if (fs::exists(candidate, ec)) return fs::weakly_canonical(candidate, ec).string();
  }
  return name;
}

std::string reference_binary(const std::string& given) {
  return built_program(given, "P2PSCOPE_REFERENCE_CLIENT", "p2pscope-reference-client", "taint-harness");
}

// KTorrent's driver is built only with libktorrent-dev.
std::string ktorrent_binary() {
  return built_program("", "P2PSCOPE_KTORRENT_CLIENT", "p2pscope-ktorrent-client", "taint-harness/ktorrent");
}

// The eMule reference peer lives next to the reference client.
std::string emule_reference_binary(const std::string& reference) {
  auto ref = fs::path(reference_binary(reference));
  if (!ref.has_parent_path()) return "p2pscope-emule-reference";
  return (ref.parent_path() / "p2pscope-emule-reference").string();
}

// --control names: the BitTorrent reference client's modes, and the eMule
// reference peer's as emule-MODE.
constexpr std::string_view kEmuleControl = "emule-";

// How to get a client's program when it is missing.
std::string how_to_get(const ClientDriver& d) {
  static const std::map<std::string, std::string> packages = {{"transmission", "transmission-daemon"},
                                                              {"qbittorrent", "qbittorrent-nox"},
                                                              {"deluge", "deluged"},
                                                              {"rtorrent", "rtorrent"},
                                                              {"aria2", "aria2"},
                                                              {"biglybt", "biglybt"},
                                                              {"amule", "amule-daemon amule-utils"}};
  if (auto it = packages.find(d.name); it != packages.end()) return "install it with: apt-get install " + it->second;
  if (d.name == "ktorrent")
    return "p2pscope builds it when libktorrent's development files are installed: apt-get install libktorrent-dev "
           "(scripts/setup.sh does), then build again; P2PSCOPE_KTORRENT_CLIENT names another copy";
  return "it is built with p2pscope (scripts/demo.sh builds it; or cmake --build BUILD --target "
         "p2pscope-reference-client, or cmake --install); --reference PATH or P2PSCOPE_REFERENCE_CLIENT names "
         "another copy";
}

// The drivers to run, in order: every installed client when none, no
// control and no command is named (the others are listed in `skipped`).
// A client or control asked for by name whose program is missing is an
// error, as is an unknown name.
StatusOr<std::vector<ClientDriver>> choose(const HarnessArgs& a, std::vector<std::string>& skipped) {
  auto builtin = builtin_drivers(reference_binary(a.reference));
  builtin.push_back(ktorrent_driver(ktorrent_binary()));
  builtin.push_back(biglybt_driver());
  builtin.push_back(amule_driver());
  std::vector<ClientDriver> out;
  if (a.clients.empty() && a.command.empty() && a.controls.empty()) {
    for (auto& d : builtin) {
      if (on_path(d.binary)) out.push_back(d);
      else skipped.push_back(d.name + " (" + d.binary + " not installed)");
    }
  }
  auto named = [&](ClientDriver d) -> Status {
    if (on_path(d.binary)) {
      out.push_back(std::move(d));
      return success();
    }
    return fail(errc::bad_value, d.name + " was asked for, but " + d.binary + " is not " +
                                     (d.binary.find('/') != std::string::npos ? "there" : "on PATH") + "; " +
                                     how_to_get(d));
  };
  for (const auto& name : a.clients) {
    auto it = std::find_if(builtin.begin(), builtin.end(), [&](const ClientDriver& d) { return d.name == name; });
    if (it == builtin.end())
      return fail(errc::bad_value,
                  "unknown client '" + name +
                      "' (known: transmission, qbittorrent, deluge, rtorrent, aria2, reference, ktorrent, biglybt, amule)");
    if (auto st = named(*it); !st) return st.error();
  }
  for (const auto& mode : a.controls) {
    auto d = mode.starts_with(kEmuleControl)
                 ? emule_reference_driver(emule_reference_binary(a.reference), mode.substr(kEmuleControl.size()))
                 : buggy_reference_driver(reference_binary(a.reference), mode);
    if (auto st = named(std::move(d)); !st) return st.error();
  }
  if (!a.command.empty()) {
    auto g = generic_driver(a.command_name, a.command);
    if (!g) return fail(g.error(), "bad --command (fields: {torrent} {dir} {port} {ip} {ip6} {profile} {dht})");
    out.push_back(std::move(g).value());
  }
  return out;
}

// One client, in a forked process (runs fork, so the parent stays
// single-threaded and several can run at once): writes report.json in its
// run directory.
pid_t start_run(const ClientDriver& d, const HarnessArgs& a, const fs::path& dir) {
  pid_t pid = ::fork();
  if (pid > 0) ::setpgid(pid, pid);  // both sides, so a signal forwarded at once finds the group
  if (pid != 0) return pid;
  ::setpgid(0, 0);
  RunOptions o;
  o.dir = dir;
  o.plan.seed = a.seed;
  o.plan.ipv6 = !a.no_ipv6;
  if (a.window) o.window = std::chrono::seconds(a.window);
  if (a.idle) {
    o.mode = RunMode::idle;
    o.window = std::chrono::seconds(a.idle);
  }
  if (a.anonymous) o.anonymity = Anonymity::on;
  auto r = run_client(d, o);
  nlohmann::json j;
  if (r) j = to_json(make_report(std::move(r).value()));
  else j = {{"client", d.name}, {"verdict", "error"}, {"error", "the harness failed: " + r.error().message()}};
  std::ofstream(dir.parent_path() / (d.name + ".report.json"), std::ios::trunc) << j.dump(1);
  ::_exit(0);
}

int run_harness(const HarnessArgs& a) {
  std::vector<std::string> skipped;
  auto drivers = choose(a, skipped);
  if (!drivers) {
    std::cerr << "p2pscope harness: " << drivers.error() << "\n";
    return kBadInput;
  }
  for (const auto& s : skipped) std::cerr << "harness: skipping " << s << "\n";
  if (a.list) {
    for (const auto& d : drivers.value()) std::cout << d.name << "\t" << client_version(d) << "\t" << d.window.count() << " s\n";
    return kOk;
  }
  if (drivers.value().empty()) {
    std::cerr << "p2pscope harness: no client to run\n";
    return kBadInput;
  }
  if (a.db.conninfo) {
    if (auto st = pg::check_conninfo(*a.db.conninfo); !st) {
      std::cerr << "p2pscope harness: --db: " << st.error() << "\n";
      return kBadInput;
    }
  }
  // Clients run with their profile as the working directory: every path
  // handed to them must be absolute.
  std::error_code ec;
  auto out = fs::absolute(a.out, ec);
  if (!ec) fs::create_directories(out / "runs", ec);
  if (ec) {
    std::cerr << "p2pscope harness: -o " << a.out << ": " << ec.message() << "\n";
    return kBadInput;
  }
  const auto session = new_session();
  std::map<std::string, double> started;
  std::map<pid_t, std::string> running;
  std::size_t next = 0;
  const auto& ds = drivers.value();
  stop_runs_on_signals();
  bool forwarded = false;
  while (next < ds.size() || !running.empty()) {
    while (!stop_requested() && next < ds.size() && running.size() < a.jobs) {
      const auto& d = ds[next++];
      auto secs = a.idle ? a.idle : a.window ? a.window : static_cast<unsigned>(d.window.count());
      std::cerr << "harness: " << d.name << ": running " << (a.idle ? "idle (no torrent) " : "")
                << (a.anonymous ? "in anonymous mode " : "") << "for " << secs << " s in its own sandbox ("
                << (out / "runs" / d.name).string() << ")\n";
      started[d.name] = epoch_seconds();
      running[start_run(d, a, out / "runs" / d.name)] = d.name;
    }
    if (stop_requested() && !forwarded) {
      // Each run leads a process group of its own (its sandbox child is in
      // it; the client is not): every level stops through its own path.
      forwarded = true;
      std::cerr << "harness: stopping: ending " << running.size() << " run(s) and tearing down their sandboxes\n";
      for (const auto& [pid, name] : running) ::kill(-pid, SIGTERM);
    }
    if (running.empty()) break;
    int st = 0;
    pid_t pid = ::waitpid(-1, &st, WNOHANG);
    if (pid == 0 || (pid < 0 && errno == EINTR)) {
      ::usleep(100000);  // a signal between the check above and a blocking wait() would go unheard
      continue;
    }
    if (pid < 0) break;
    if (auto it = running.find(pid); it != running.end()) {
      std::cerr << "harness: " << it->second << ": done\n";
      running.erase(it);
    }
  }
  std::vector<ClientReport> reports;
  nlohmann::json all = nlohmann::json::array();
  bool failed = false;
  std::size_t not_run = 0;
  for (const auto& d : ds) {
    if (!started.count(d.name)) {
      ++not_run;
      continue;
    }
    std::ifstream f(out / "runs" / (d.name + ".report.json"));
    auto j = nlohmann::json::parse(f, nullptr, false);
    if (j.is_discarded()) j = {{"client", d.name}, {"verdict", "error"}, {"error", "the run left no report"}};
    j["session"] = session;
    j["started"] = started[d.name];
    auto v = j.value("verdict", "error");
    failed |= v != to_string(ClientVerdict::clean) && v != to_string(ClientVerdict::measured);
    all.push_back(j);
  }
  std::ofstream(out / "report.json", std::ios::trunc) << all.dump(1) << "\n";
  auto table = report_table(all);
  std::ofstream(out / "report.txt", std::ios::trunc) << table;
  std::cout << table << "\nreport: " << (out / "report.json").string() << ", " << (out / "report.txt").string() << "\n";
  if (a.db.conninfo && !store_reports(a, all, out / "report.json")) return kFailure;
  if (stop_requested()) {
    std::cerr << "p2pscope harness: interrupted; the report covers " << all.size() << " run(s), " << not_run
              << " client(s) were not run\n";
    return kFailure;
  }
  return failed ? kFailure : kOk;
}

}  // namespace

void add_harness(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<HarnessArgs>();
  auto* sub = app.add_subcommand(
      "harness",
      "Run real BitTorrent and eMule clients in a sandbox, feed them peers, and report every peer they give out that they were "
      "never given (byte-order bugs, unchecked propagation)");
  sub->add_option("--client", a->clients,
                  "Client to test (repeatable): transmission, qbittorrent, deluge, rtorrent, aria2, reference, ktorrent, "
                  "biglybt (BitTorrent; ktorrent is libktorrent run by p2pscope-ktorrent-client, built with "
                  "libktorrent-dev), "
                  "amule (eMule: aMule 2.3.3 with a second amuled as the seeder). "
                  "Default: every installed one, unless --control or --command names what to run");
  sub->add_option("--control", a->controls,
                  "Run a deliberately buggy reference client (positive control), with the --client ones: "
                  "reverse-pex, unchecked-pex, port-host-order-pex, announce-ip-host-order, ipv6-reply-as-ipv4 "
                  "(BitTorrent); emule-hybrid-in-v2, emule-ed2k-in-v3, emule-v4-stored-raw (an old aMule's "
                  "source-exchange byte-order defects), emule-none (the eMule peer with aMule 2.3.3's rules)")
      ->check(CLI::IsMember({"reverse-pex", "unchecked-pex", "port-host-order-pex", "announce-ip-host-order",
                             "ipv6-reply-as-ipv4", "emule-hybrid-in-v2", "emule-ed2k-in-v3",
                             "emule-v4-stored-raw", "emule-none"}));
  sub->add_option("--command", a->command,
                  "Test any client: a shell command with {torrent} {dir} {port} {ip} {ip6} {profile} {dht} filled in "
                  "({ip6}: the client's IPv6 address, '' with --no-ipv6)");
  sub->add_option("--name", a->command_name, "Name of the --command client in the report")->capture_default_str();
  sub->add_option("-o,--out", a->out, "Directory for report.json, report.txt and each run's files")->capture_default_str();
  auto* window = sub->add_option("--window", a->window, "Seconds each client runs (default: per client, 45-110)")
                     ->check(CLI::Range(5u, 3600u));
  sub->add_flag("--anonymous", a->anonymous,
                "Turn on each client's anonymous mode (qbittorrent, deluge, reference) and fail any that leaks what "
                "BEP 37 says it must not; clients without one run as usual, their audit for information");
  sub->add_option("--idle", a->idle,
                  "Idle egress instead: load no torrent, and count every packet each client sends in this many seconds")
      ->check(CLI::Range(30u, 86400u))
      ->excludes(window)
      ->excludes("--control");
  sub->add_option("--seed", a->seed, "Seed for the test world's addresses and ports")->capture_default_str();
  auto* no6 = sub->add_flag("--no-ipv6", a->no_ipv6,
                            "IPv4 only. By default the harness feeds IPv6 too: the client and the tracker get IPv6 "
                            "addresses, and the tracker, the hubs' ut_pex (added6) and IPv6 DHT nodes (values, nodes6) "
                            "hand out IPv6 peers. Transmission, aria2 and the reference client are told their IPv6 "
                            "address; qBittorrent, Deluge and rtorrent bind one (IPv4) address");
  sub->add_flag("--ipv6", a->ipv6, "Feed IPv6 too (the default)")->excludes(no6);
  sub->add_option("-j,--jobs", a->jobs, "Clients to run at once, each in its own sandbox")
      ->check(CLI::Range(1u, 16u))->capture_default_str();
  sub->add_option("--reference", a->reference, "Path to p2pscope-reference-client (default: next to p2pscope)");
  sub->add_flag("--list", a->list, "List the clients that would run, with their versions, and exit");
  add_db_options(sub, a->db, "Also store each client run (harness_run) and the peers it was fed and gave out (harness_flow) in",
                 DbUse::write_direct);
  sub->footer("Every taint run also gets a BEP 37 anonymity audit (version in peer id or \"v\", addresses in the "
              "extended handshake, ip= in announces, User-Agent, DHT \"v\", the PORT message, incoming connections).\n"
              "Exit status: 0 when every client is clean (or, with --idle, was measured), 1 when any creates bogus "
              "peers, leaks in anonymous mode, failed to run, or gave nothing out (inconclusive), 2 on bad usage.");
  sub->callback([a, exit_code] { *exit_code = run_harness(*a); });
}

}  // namespace p2pscope::cli
