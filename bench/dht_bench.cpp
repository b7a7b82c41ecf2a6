// Completed DHT get_peers lookups per second: p2pscope's lookup (KrpcClient
// + GetPeersLookup, as the crawler runs it) against libtorrent's own
// session::dht_get_peers, for the same targets on the same lab DHT, in the
// same run. Run it inside the lab (bench/run.sh does):
//
//   p2pscope lab exec -- dht_bench --bind FREE_IP --bootstrap NODE_IP:PORT [--lookups N] [--bind6 FREE_IP6]
//
// With --bind6 both sides are dual-stack: libtorrent listens on both
// addresses (a DHT node per listen socket, BEP 32), ours asks `want n4 n6`
// and walks both DHTs in one lookup, as the crawler does with IPv6 on.
//
// libtorrent has no completion callback for dht_get_peers, so its batch is
// timed until post_dht_stats() lists no get_peers traversal (polled every
// 10 ms). Both sides start all N lookups at once with their own default
// branching; the crawler's politeness gate is lifted (libtorrent has none on
// outgoing lookups). libtorrent gets its routing table filled first (it
// starts lookups from it; ours start from the bootstrap node, as the crawler
// does). Prints one JSON object.
#include "crawler/dht_crawl.hpp"

#include <libtorrent/alert_types.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>

#include <cstdio>
#include <optional>
#include <ctime>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

namespace p2pscope {
namespace {

using namespace net;
using Clock = std::chrono::steady_clock;

struct Options {
  IpAddress bind = IpAddress::v4(0);
  std::optional<IpAddress> bind6;
  Endpoint bootstrap;
  std::size_t lookups = 1000;
};

struct Timing {
  double wall = 0, cpu = 0;
  std::size_t done = 0, replies = 0, timeouts = 0;
};

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::vector<InfoHash> targets(std::size_t n) {
  std::mt19937_64 rng(2026);
  std::vector<InfoHash> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string raw(20, '\0');
    for (auto& c : raw) c = static_cast<char>(rng());
    out.push_back(InfoHash::from_bytes(raw).value());
  }
  return out;
}

// Waits for one alert of type A; false after `limit`.
template <class A>
A* wait_for(lt::session& s, std::chrono::seconds limit) {
  auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    s.wait_for_alert(lt::milliseconds(10));
    std::vector<lt::alert*> alerts;
    s.pop_alerts(&alerts);
    for (auto* a : alerts)
      if (auto* x = lt::alert_cast<A>(a)) return x;
  }
  return nullptr;
}

Timing run_libtorrent(const Options& o, const std::vector<InfoHash>& ts) {
  lt::settings_pack sp;
  auto listen = o.bind.to_string() + ":0", outgoing = o.bind.to_string();
  if (o.bind6) {
    listen += ",[" + o.bind6->to_string() + "]:0";
    outgoing += "," + o.bind6->to_string();
  }
  sp.set_str(lt::settings_pack::listen_interfaces, listen);
  sp.set_str(lt::settings_pack::outgoing_interfaces, outgoing);
  sp.set_str(lt::settings_pack::dht_bootstrap_nodes, o.bootstrap.to_string());
  sp.set_bool(lt::settings_pack::enable_dht, true);
  sp.set_bool(lt::settings_pack::enable_lsd, false);
  sp.set_bool(lt::settings_pack::enable_upnp, false);
  sp.set_bool(lt::settings_pack::enable_natpmp, false);
  // Lifted like our politeness gate (8,000 B/s default, 0 and 10^8 measured
  // the same here: it throttles answers to incoming queries, not lookups).
  sp.set_int(lt::settings_pack::dht_upload_rate_limit, 0);
  // The same 4 MiB receive queue our KRPC socket asks for, so neither side
  // loses replies to a full socket buffer.
  sp.set_int(lt::settings_pack::recv_socket_buffer_size, 4 << 20);
  sp.set_int(lt::settings_pack::send_socket_buffer_size, 4 << 20);
  sp.set_int(lt::settings_pack::alert_mask, lt::alert_category::dht | lt::alert_category::status);
  lt::session s{lt::session_params(sp)};
  if (!wait_for<lt::dht_bootstrap_alert>(s, std::chrono::seconds(30))) throw std::runtime_error("libtorrent DHT did not bootstrap");
  std::this_thread::sleep_for(std::chrono::seconds(3));  // let its routing table fill past the bootstrap

  Timing t;
  auto cpu0 = process_cpu_seconds();
  auto start = Clock::now();
  for (const auto& ih : ts) s.dht_get_peers(lt::sha1_hash(ih.raw().data()));
  for (;;) {
    s.post_dht_stats();
    auto* st = wait_for<lt::dht_stats_alert>(s, std::chrono::seconds(60));
    if (!st) throw std::runtime_error("libtorrent did not report DHT stats");
    bool busy = false;
    for (const auto& l : st->active_requests) busy = busy || std::string_view(l.type) == "get_peers";
    if (!busy) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  t.wall = std::chrono::duration<double>(Clock::now() - start).count();
  t.cpu = process_cpu_seconds() - cpu0;
  t.done = ts.size();
  return t;
}

awaitable<void> one_lookup(crawler::KrpcClient& c, InfoHash ih, std::vector<NodeEntry> boot, Timing& t) {
  auto st = (co_await crawler::dht_get_peers(c, ih, std::move(boot), {}, {[](const auto&) {}, [](auto&&...) {}, {}, {}})).stats;
  t.replies += st.replies;
  t.timeouts += st.timeouts;
  ++t.done;
}

Timing run_ours(const Options& o, const std::vector<InfoHash>& ts) {
  asio::io_context io;
  net::RateGate gate(net::Politeness::unlimited());
  crawler::KrpcConfig cfg;
  cfg.bind_v4 = o.bind;
  cfg.bind_v6 = o.bind6;
  std::mt19937_64 rng(7);
  std::string id(20, '\0');
  for (auto& c : id) c = static_cast<char>(rng());
  cfg.own_id = NodeId::from_bytes(id).value();
  auto client = crawler::KrpcClient::open(io.get_executor(), cfg, gate, [](auto&&...) {});
  if (!client) throw std::runtime_error("KrpcClient::open: " + client.error().message());
  std::vector<NodeEntry> boot{{NodeId{}, o.bootstrap}};
  Timing t;
  auto cpu0 = process_cpu_seconds();
  auto start = Clock::now();
  for (const auto& ih : ts) asio::co_spawn(io, one_lookup(*client.value(), ih, boot, t), asio::detached);
  while (t.done < ts.size()) io.run_one();
  t.wall = std::chrono::duration<double>(Clock::now() - start).count();
  t.cpu = process_cpu_seconds() - cpu0;
  return t;
}

Options parse(int argc, char** argv) {
  Options o;
  bool have_bind = false, have_boot = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--bind") {
      auto ip = IpAddress::parse(v);
      if (!ip) throw std::invalid_argument("--bind: not an IP address: " + v);
      o.bind = ip.value();
      have_bind = true;
    } else if (a == "--bootstrap") {
      auto ep = Endpoint::parse(v);
      if (!ep) throw std::invalid_argument("--bootstrap: not IP:PORT: " + v);
      o.bootstrap = ep.value();
      have_boot = true;
    } else if (a == "--bind6") {
      auto ip = IpAddress::parse(v);
      if (!ip || ip.value().is_v4()) throw std::invalid_argument("--bind6: not an IPv6 address: " + v);
      o.bind6 = ip.value();
    } else if (a == "--lookups") {
      o.lookups = std::stoul(v);
    } else {
      throw std::invalid_argument("unknown option " + a);
    }
  }
  if (!have_bind || !have_boot) throw std::invalid_argument("--bind and --bootstrap are required");
  return o;
}

}  // namespace
}  // namespace p2pscope

int main(int argc, char** argv) {
  using namespace p2pscope;
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dht_bench: %s\nusage: dht_bench --bind IP --bootstrap IP:PORT [--lookups N] [--bind6 IP6]\n", e.what());
    return 2;
  }
  auto ts = targets(o.lookups);
  try {
    auto lt_t = run_libtorrent(o, ts);
    auto ours = run_ours(o, ts);
    std::printf(
        "{\"lookups\": %zu, \"ipv6\": %s, \"libtorrent_wall_s\": %.3f, \"libtorrent_cpu_s\": %.3f, \"ours_wall_s\": %.3f, "
        "\"ours_cpu_s\": %.3f, \"ours_replies\": %zu, \"ours_timeouts\": %zu, \"libtorrent_per_s\": %.1f, "
        "\"ours_per_s\": %.1f, \"ratio\": %.2f}\n",
        o.lookups, o.bind6 ? "true" : "false", lt_t.wall, lt_t.cpu, ours.wall, ours.cpu, ours.replies, ours.timeouts,
        static_cast<double>(o.lookups) / lt_t.wall, static_cast<double>(o.lookups) / ours.wall, lt_t.wall / ours.wall);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dht_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
