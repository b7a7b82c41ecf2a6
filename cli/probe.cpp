// p2pscope probe: the active probes over every (infohash, peer) a crawl
// handed out. Per peer: TCP connect and handshake for the real infohash;
// when the port is open, the fake-infohash probe on a second connection;
// when the peer does not answer for the real infohash, a handshake to each
// byte-reversed address on the same port. Politeness as in crawl.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/validators.hpp"
#include "cli/record_io.hpp"
#include "probes/peer_probe.hpp"
#include "store/record_json.hpp"

#include <unistd.h>

#include <csignal>
#include <iostream>
#include <set>

namespace p2pscope::cli {
namespace {

using namespace net;

struct ProbeArgs {
  std::vector<std::string> records;
  DbIo io;
  bool output_given = false;
  std::string output = "-", bind, bind6, run;
  bool no_fake = false, no_reverse = false, quiet = false;
  std::size_t max_sessions = 200;
  double per_ip_rate = 2, global_rate = 300;
  double connect_timeout = 5, handshake_timeout = 8, linger = 3;
};

struct Target {
  InfoHash ih;
  Endpoint peer;
  friend auto operator<=>(const Target&, const Target&) = default;
};

struct Shared {
  const ProbeArgs& args;
  const probes::PeerProbeConfig& cfg;
  net::RateGate& gate;
  std::vector<Target> targets;
  std::size_t next = 0, done = 0;
  std::vector<ProbeResult> results;
  std::mt19937_64 rng;  // fake infohashes: one fresh draw per probe
  probes::ProbeIdentity own;
};

awaitable<void> probe_one(Shared& s, const Target& t) {
  auto live = co_await probes::contact_peer(t.peer, t.ih, s.own, s.cfg, s.gate, false);
  for (auto& r : probes::liveness_results(t.peer, t.ih, live)) s.results.push_back(std::move(r));
  if (!s.args.no_fake && live.connect == ProbeOutcome::positive) {
    auto fake = probes::random_info_hash(s.rng);
    auto c = co_await probes::contact_peer(t.peer, fake, s.own, s.cfg, s.gate, true);
    s.results.push_back(probes::fake_infohash_result(t.peer, t.ih, fake, c));
  }
  if (!s.args.no_reverse && live.handshake != ProbeOutcome::positive) {
    for (const auto& r : byte_order_variants(t.peer.address)) {
      Endpoint rev{r, t.peer.port};
      auto c = co_await probes::contact_peer(rev, t.ih, s.own, s.cfg, s.gate, false);
      s.results.push_back(probes::reverse_result(t.peer, rev, t.ih, c));
    }
  }
}

awaitable<void> worker(Shared& s) {
  while (s.next < s.targets.size()) {
    auto t = s.targets[s.next++];
    co_await probe_one(s, t);
    ++s.done;
  }
}

awaitable<void> progress(Shared& s) {
  while (s.done < s.targets.size()) {
    co_await sleep_for(std::chrono::seconds(1));
    std::cerr << "\rprobe: " << s.done << " of " << s.targets.size() << " peers probed, " << s.results.size()
              << " results" << std::flush;
  }
  std::cerr << "\n";
}

// Every (infohash, peer) the crawl records hand out, once each.
std::optional<std::vector<Target>> load_targets(const ProbeArgs& a, int* code) {
  RecordInputs in;
  if ((*code = read_inputs(a.records, a.io, in, "probe", Needs::observations)) != kOk) return std::nullopt;
  std::set<Target> uniq;
  for (const auto& o : in.observations) uniq.insert({o.info_hash, o.peer});
  return std::vector<Target>(uniq.begin(), uniq.end());
}

int run_probe(const ProbeArgs& a) {
  // Hours of probing must not end in an output that cannot be written.
  if ((!a.io.db.conninfo || a.output_given) && !check_outputs({a.output}, "probe")) return kFailure;
  int code = kOk;
  auto targets = load_targets(a, &code);
  if (!targets) return code;
  probes::PeerProbeConfig cfg;
  cfg.connect_timeout = std::chrono::milliseconds(static_cast<long>(a.connect_timeout * 1000));
  cfg.handshake_timeout = std::chrono::milliseconds(static_cast<long>(a.handshake_timeout * 1000));
  cfg.linger = std::chrono::milliseconds(static_cast<long>(a.linger * 1000));
  if (!a.bind.empty()) cfg.local = IpAddress::parse(a.bind).value();
  if (!a.bind6.empty()) cfg.local6 = IpAddress::parse(a.bind6).value();
  net::Politeness pol;
  pol.per_ip_rate = a.per_ip_rate;
  pol.global_rate = a.global_rate;
  pol.max_sessions = a.max_sessions;
  net::RateGate gate(pol);
  auto rng = probes::seeded_generator();
  auto own = probes::ProbeIdentity::fresh(rng);
  if (!a.quiet)
    std::cerr << "probe: " << targets->size() << " peers as " << own.client << "; politeness: " << pol.describe()
              << "; fake-infohash probe "
              << (a.no_fake ? "off" : "on") << ", reverse probe " << (a.no_reverse ? "off" : "on") << "\n";
  Shared s{a, cfg, gate, std::move(*targets), 0, 0, {}, rng, own};
  asio::io_context io;
  for (std::size_t i = 0; i < std::min(a.max_sessions, s.targets.size()); ++i) asio::co_spawn(io, worker(s), asio::detached);
  if (!a.quiet && ::isatty(2)) asio::co_spawn(io, progress(s), asio::detached);
  asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](const error_code& ec, int) {
    if (!ec) io.stop();
  });
  while (s.done < s.targets.size() && !io.stopped()) io.run_one();
  auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  std::string lines;
  std::vector<Record> records;
  for (auto& r : s.results) {
    r.time = now;
    r.run = a.run;
    lines += to_json_line(Record{r}) + "\n";
    records.emplace_back(r);
  }
  bool complete = s.done == s.targets.size();
  if ((!a.io.db.conninfo || a.output_given) && !write_output(a.output, lines, "probe")) return kFailure;
  if (!store_records(a.io, records, "probe", a.output_given ? "the -o file " + a.output : "")) return kFailure;
  if (!a.quiet)
    std::cerr << "probe: " << s.done << " of " << s.targets.size() << " peers probed" << (complete ? "" : " (interrupted)")
              << ", " << s.results.size() << " results\n";
  return complete ? kOk : kFailure;
}

}  // namespace

void add_probe(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ProbeArgs>();
  auto* p = app.add_subcommand("probe", "Probe every peer a crawl handed out: TCP, handshake, fake infohash, reversed address");
  p->add_option("RECORDS", a->records, "Crawl records (JSON Lines); observations are probed, other records ignored. "
                                       "With --db and none given: the database's observations")
      ->check(CLI::ExistingFile | CLI::IsMember({"-"}));
  p->add_option("-o,--output", a->output, "Where probe results go (JSON Lines); written when the run completes (with "
                                         "--db: only when given)")
      ->capture_default_str();
  add_db_io(p, a->io, "Read observations from and store probe results in", DbUse::write_spooled);
  p->add_option("--run-id", a->run, "Run id stored with each result");
  auto ip_check = CLI::Validator(
      [](std::string& s) { return IpAddress::parse(s) ? std::string() : "not an IP address: " + s; }, "IP");
  p->add_option("--bind", a->bind, "Source address for IPv4 probes")->check(ip_check);
  p->add_option("--bind6", a->bind6, "Source address for IPv6 probes")->check(ip_check);
  p->add_flag("--no-fake", a->no_fake, "Skip the fake-infohash probe");
  p->add_flag("--no-reverse", a->no_reverse, "Skip handshakes to byte-reversed addresses");
  p->add_option("--max-sessions", a->max_sessions, "Peers probed at once")->check(CLI::Range(1, 100000))->capture_default_str();
  p->add_option("--per-ip-rate", a->per_ip_rate, "Connections per second to one IP")->check(FinitePositive())->capture_default_str();
  p->add_option("--global-rate", a->global_rate, "Connections per second overall")->check(FinitePositive())->capture_default_str();
  p->add_option("--connect-timeout", a->connect_timeout, "Seconds")->check(FiniteRange(0.05, 120.0))->capture_default_str();
  p->add_option("--handshake-timeout", a->handshake_timeout, "Seconds")->check(FiniteRange(0.05, 120.0))->capture_default_str();
  p->add_option("--linger", a->linger, "Seconds to listen after a fake-infohash handshake")->check(FiniteRange(0.0, 120.0))->capture_default_str();
  p->add_flag("-q,--quiet", a->quiet, "Only errors on standard error");
  p->callback([a, p, exit_code] {
    a->output_given = p->get_option("--output")->count() > 0;
    *exit_code = run_probe(*a);
  });
}

}  // namespace p2pscope::cli
