// p2pscope probe: the active probes over every (infohash, peer) a crawl
// handed out. Per peer: connect (TCP, then uTP when TCP cannot) and
// handshake for the real infohash; when it connected, the fake-infohash
// probe on a second connection over the same carrier;
// when the peer does not answer for the real infohash, a handshake to each
// byte-reversed address on the same port. eMule peers (probes/emule_plan.hpp):
// one session each, a hello and one random file hash, and a hello to the
// other byte order of every ID. DHT nodes a crawl recorded (dht_node
// records, probes/dht_nodes.hpp): a get_peers for a random infohash and pings
// to the nodes it names. Politeness as in crawl.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/validators.hpp"
#include "cli/record_io.hpp"
#include "crawler/ed2k_crawl.hpp"
#include "crawler/krpc_client.hpp"
#include "net/address_locks.hpp"
#include "probes/dht_nodes.hpp"
#include "probes/emule_plan.hpp"
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
  bool no_fake = false, no_reverse = false, no_utp = false, no_dht_nodes = false, quiet = false;
  std::size_t max_sessions = 200;
  double per_ip_rate = 2, global_rate = 300;
  double connect_timeout = 5, handshake_timeout = 8, linger = 3, dht_timeout = 3;
};

struct DhtRun {
  std::vector<Endpoint> nodes;                 // each node address once
  crawler::KrpcClient* krpc = nullptr;         // open when there are nodes (owned by run_probe, after its io_context)
  probes::KrpcAsk ask;
  probes::DhtNodeProbeConfig cfg;
};

struct Target {
  InfoHash ih;
  Endpoint peer;
  friend auto operator<=>(const Target&, const Target&) = default;
};

struct EmuleRun {
  probes::EmuleProbeConfig cfg;
  probes::EmuleProbePlan plan;
  std::map<Endpoint, probes::EmuleSeen> seen;
};

struct Shared {
  const ProbeArgs& args;
  const probes::PeerProbeConfig& cfg;
  net::RateGate& gate;
  std::vector<Target> targets;
  EmuleRun& emule;
  DhtRun& dht;
  std::size_t next = 0, done = 0;
  std::vector<ProbeResult> results;
  std::mt19937_64 rng;  // fake infohashes and file hashes: one fresh draw per probe
  probes::ProbeIdentity own;
  net::AddressLocks& locks;  // one contact per address at a time (net/address_locks.hpp)
  std::size_t total() const { return targets.size() + emule.plan.contacts.size() + dht.nodes.size(); }
};

// For the real infohash: asked again when it hangs up at once (peer_probe.hpp).
awaitable<probes::Contact> contact(Shared& s, const Endpoint& peer, const InfoHash& ih) {
  auto held = co_await s.locks.lock(peer.address);
  co_return co_await probes::contact_peer_again_if_hung_up(peer, ih, s.own, s.cfg, s.gate);
}

awaitable<probes::Contact> contact_fake(Shared& s, const Endpoint& peer, const InfoHash& fake, probes::CarrierPlan plan) {
  auto held = co_await s.locks.lock(peer.address);
  co_return co_await probes::contact_peer(peer, fake, s.own, s.cfg, s.gate, true, plan);
}

awaitable<void> probe_one(Shared& s, const Target& t) {
  auto live = co_await contact(s, t.peer, t.ih);
  for (auto& r : probes::liveness_results(t.peer, t.ih, live)) s.results.push_back(std::move(r));
  if (!s.args.no_fake && live.connected()) {
    auto fake = probes::random_info_hash(s.rng);
    // The carrier that worked: an honest peer hangs up on the fake hash, and that is no reason to try the other.
    auto plan = live.carrier == Carrier::utp ? probes::CarrierPlan::utp_only : probes::CarrierPlan::tcp_only;
    auto c = co_await contact_fake(s, t.peer, fake, plan);
    s.results.push_back(probes::fake_infohash_result(t.peer, t.ih, fake, c));
  }
  if (!s.args.no_reverse && live.handshake != ProbeOutcome::positive) {
    for (const auto& r : byte_order_variants(t.peer.address)) {
      Endpoint rev{r, t.peer.port};
      auto c = co_await contact(s, rev, t.ih);
      s.results.push_back(probes::reverse_result(t.peer, rev, t.ih, c));
    }
  }
}

awaitable<void> probe_emule(Shared& s, const probes::EmulePeerContact& c) {
  probes::EmuleSeen seen;
  if (c.ask_fake) seen.fake = probes::random_file_hash(s.rng);
  {
    auto held = co_await s.locks.lock(c.at.address);
    seen.contact = co_await probes::contact_emule_peer(c.at, seen.fake, s.emule.cfg, s.gate);
  }
  s.emule.seen[c.at] = std::move(seen);
}

awaitable<void> probe_dht_node(Shared& s, Endpoint node) {
  auto c = co_await probes::probe_dht_node(s.dht.ask, node, probes::random_info_hash(s.rng), s.dht.cfg);
  for (auto& r : probes::dht_node_results(c)) s.results.push_back(std::move(r));
}

awaitable<void> worker(Shared& s) {
  while (s.next < s.total()) {
    auto i = s.next++;
    auto emule_end = s.targets.size() + s.emule.plan.contacts.size();
    if (i < s.targets.size()) {
      auto t = s.targets[i];
      co_await probe_one(s, t);
    } else if (i < emule_end) {
      auto c = s.emule.plan.contacts[i - s.targets.size()];
      co_await probe_emule(s, c);
    } else {
      co_await probe_dht_node(s, s.dht.nodes[i - emule_end]);
    }
    ++s.done;
  }
}

awaitable<void> progress(Shared& s) {
  while (s.done < s.total()) {
    co_await sleep_for(std::chrono::seconds(1));
    std::cerr << "\rprobe: " << s.done << " of " << s.total() << " peers probed, " << s.results.size()
              << " BitTorrent results" << std::flush;
  }
  std::cerr << "\n";
}

// Every (infohash, peer) the crawl records hand out, once each, and the
// eMule contacts their eMule observations call for.
std::optional<std::vector<Target>> load_targets(const ProbeArgs& a, EmuleRun& emule, DhtRun& dht, int* code) {
  RecordInputs in;
  if ((*code = read_inputs(a.records, a.io, in, "probe", Needs::observations)) != kOk) return std::nullopt;
  std::set<Target> uniq;
  for (const auto& o : in.observations) uniq.insert({o.info_hash, o.peer});
  probes::EmulePlanFlags flags;
  flags.set(probes::EmulePlanFlag::no_fake, a.no_fake).set(probes::EmulePlanFlag::no_reverse, a.no_reverse);
  emule.plan = probes::plan_emule_probes(in.emule_observations, flags);
  if (!a.no_dht_nodes) {
    std::set<Endpoint> nodes;
    for (const auto& n : in.dht_nodes) nodes.insert(n.node);
    dht.nodes.assign(nodes.begin(), nodes.end());
  }
  return std::vector<Target>(uniq.begin(), uniq.end());
}

// The eMule prober's deadlines follow the BitTorrent ones; its user hash is
// the crawler's for the same address, or aMule bans the address.
probes::EmuleProbeConfig emule_config(const probes::PeerProbeConfig& cfg) {
  probes::EmuleProbeConfig e;
  e.local = cfg.local;
  e.user_hash = crawler::crawler_user_hash(cfg.local);
  e.connect_timeout = cfg.connect_timeout;
  e.hello_timeout = e.answer_timeout = cfg.handshake_timeout;
  return e;
}

// The KRPC client the DHT node probes go through: read-only (BEP 43), a
// random node id, an IPv6 socket only when there is an IPv6 node.
std::unique_ptr<crawler::KrpcClient> open_krpc(const ProbeArgs& a, const probes::PeerProbeConfig& cfg,
                                               net::RateGate& gate, asio::io_context& io, std::mt19937_64& rng,
                                               DhtRun& dht) {
  crawler::KrpcConfig k;
  std::string id(20, '\0');
  for (auto& c : id) c = static_cast<char>(rng());
  k.own_id = NodeId::from_bytes(id).value();
  k.timeout = std::chrono::milliseconds(static_cast<long>(a.dht_timeout * 1000));
  k.bind_v4 = cfg.local;
  if (std::any_of(dht.nodes.begin(), dht.nodes.end(), [](const Endpoint& e) { return !e.address.is_v4(); }))
    k.bind_v6 = cfg.local6;
  auto c = crawler::KrpcClient::open(io.get_executor(), k, gate, [](const Endpoint&, AnomalyKind, std::string) {});
  if (!c) {
    std::cerr << "p2pscope probe: cannot open the DHT socket: " << c.error().message() << "\n";
    return nullptr;
  }
  dht.krpc = c.value().get();
  dht.cfg.contact_special_purpose = cfg.contact_special_purpose;
  dht.ask = [k = dht.krpc](const Endpoint& to, KrpcQuery q) { return k->query(to, std::move(q)); };
  return std::move(c.value());
}

int run_probe(const ProbeArgs& a) {
  // Hours of probing must not end in an output that cannot be written.
  if ((!a.io.db.conninfo || a.output_given) && !check_outputs({a.output}, "probe")) return kFailure;
  int code = kOk;
  EmuleRun emule;
  DhtRun dht;
  auto targets = load_targets(a, emule, dht, &code);
  if (!targets) return code;
  asio::io_context io;  // before cfg: its uTP sockets must go first
  probes::PeerProbeConfig cfg;
  cfg.connect_timeout = std::chrono::milliseconds(static_cast<long>(a.connect_timeout * 1000));
  cfg.handshake_timeout = std::chrono::milliseconds(static_cast<long>(a.handshake_timeout * 1000));
  cfg.linger = std::chrono::milliseconds(static_cast<long>(a.linger * 1000));
  if (!a.bind.empty()) cfg.local = IpAddress::parse(a.bind).value();
  if (!a.bind6.empty()) cfg.local6 = IpAddress::parse(a.bind6).value();
  emule.cfg = emule_config(cfg);
  std::vector<std::string> warnings;
  if (!a.no_utp) {
    // An IPv6 socket only when there is an IPv6 peer to probe.
    bool any_v6 = std::any_of(targets->begin(), targets->end(), [](const Target& t) { return !t.peer.address.is_v4(); });
    std::optional<IpAddress> local6;
    if (any_v6) local6 = cfg.local6;
    cfg.utp = net::UtpMuxes::open(io.get_executor(), cfg.local, local6, warnings);
  }
  for (const auto& w : warnings) std::cerr << "probe: warning: " << w << "\n";
  net::Politeness pol;
  pol.per_ip_rate = a.per_ip_rate;
  pol.global_rate = a.global_rate;
  pol.max_sessions = a.max_sessions;
  net::RateGate gate(pol);
  auto rng = probes::seeded_generator();
  auto own = probes::ProbeIdentity::fresh(rng);
  std::unique_ptr<crawler::KrpcClient> krpc;
  if (!dht.nodes.empty() && !(krpc = open_krpc(a, cfg, gate, io, rng, dht))) return kFailure;
  if (!a.quiet)
    std::cerr << "probe: " << targets->size() << " BitTorrent peers as " << own.client << ", "
              << emule.plan.contacts.size() << " eMule addresses (" << emule.plan.reverses.size()
              << " reverse checks, " << emule.plan.low_ids << " LowIDs not contactable) as user hash "
              << emule.cfg.user_hash.hex() << ", " << dht.nodes.size() << " DHT nodes; politeness: " << pol.describe()
              << "; fake-hash probes "
              << (a.no_fake ? "off" : "on") << ", reverse probes " << (a.no_reverse ? "off" : "on") << "\n";
  net::AddressLocks locks(io.get_executor());
  Shared s{a, cfg, gate, std::move(*targets), emule, dht, 0, 0, {}, rng, own, locks};
  for (std::size_t i = 0; i < std::min(a.max_sessions, s.total()); ++i) asio::co_spawn(io, worker(s), asio::detached);
  if (!a.quiet && ::isatty(2)) asio::co_spawn(io, progress(s), asio::detached);
  asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](const error_code& ec, int) {
    if (!ec) io.stop();
  });
  while (s.done < s.total() && !io.stopped()) io.run_one();
  cfg.utp.close();
  if (dht.krpc) dht.krpc->close();
  for (auto& r : probes::emule_probe_results(emule.plan, emule.seen)) s.results.push_back(std::move(r));
  auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  std::string lines;
  std::vector<Record> records;
  for (auto& r : s.results) {
    r.time = now;
    r.run = a.run;
    lines += to_json_line(Record{r}) + "\n";
    records.emplace_back(r);
  }
  bool complete = s.done == s.total();
  if ((!a.io.db.conninfo || a.output_given) && !write_output(a.output, lines, "probe")) return kFailure;
  if (!store_records(a.io, records, "probe", a.output_given ? "the -o file " + a.output : "")) return kFailure;
  if (!a.quiet)
    std::cerr << "probe: " << s.done << " of " << s.total() << " peers probed" << (complete ? "" : " (interrupted)")
              << ", " << s.results.size() << " results\n";
  return complete ? kOk : kFailure;
}

}  // namespace

void add_probe(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ProbeArgs>();
  auto* p = app.add_subcommand("probe", "Probe every peer a crawl handed out: TCP, handshake, fake infohash, reversed address");
  p->add_option("RECORDS", a->records, "Crawl records (JSON Lines); observations and DHT nodes are probed, other records ignored. "
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
  p->add_flag("--no-fake", a->no_fake, "Skip the fake-infohash and fake-file-hash probes");
  p->add_flag("--no-reverse", a->no_reverse, "Skip handshakes (eMule: hellos) to byte-reversed addresses");
  p->add_flag("--no-utp", a->no_utp, "Connect over TCP only (default: uTP too, when TCP cannot connect)");
  p->add_flag("--no-dht-nodes", a->no_dht_nodes, "Skip the DHT nodes the crawl recorded (dht_node records)");
  p->add_option("--dht-timeout", a->dht_timeout, "Seconds to wait for a DHT node's answer")
      ->check(FiniteRange(0.05, 60.0))
      ->capture_default_str();
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
