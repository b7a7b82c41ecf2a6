#include "lab/actors.hpp"

#include "lab/dht_responder.hpp"
#include "lab/emule.hpp"
#include "lab/lab_peer.hpp"
#include "lab/state.hpp"
#include "lab/torrents.hpp"
#include "lab/tracker_server.hpp"

#include <libtorrent/torrent_info.hpp>

#include <sys/resource.h>

#include <bit>
#include <deque>
#include <random>
#include <set>
#include <fstream>
#include <iostream>

namespace p2pscope::lab {
namespace {

namespace fs = std::filesystem;

// A large lab holds thousands of sockets in this one process.
void raise_fd_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

struct Actors {
  PeerWorld world;
  std::deque<TrackerState> trackers;
  std::unique_ptr<DhtSwarm> dht;
  std::deque<udp::socket> dht_sockets;  // one per port the nodes use
  std::deque<LabPeer> peers;
  std::deque<Ed2kServerState> ed2k_servers;
  std::unique_ptr<KadResponderState> kad;
  std::unique_ptr<udp::socket> kad_socket;  // every KAD node's
  std::deque<SxPeerConfig> sx_peers;
  std::size_t emule_sockets = 0;
};

std::vector<Endpoint> endpoints_of(const LabPlan& plan, std::initializer_list<Role> roles) {
  std::vector<Endpoint> out;
  for (auto r : roles) {
    for (const auto* p : plan.with_role(r)) out.push_back(p->endpoint);
  }
  return out;
}

// One line per announce that carries an event, appended as it arrives:
// "TRACKER<TAB>udp|http<TAB>EVENT<TAB>FROM<TAB>INFOHASH". Tests count a crawler's
// `started` and `stopped` announces with it.
std::function<void(const AnnounceSeen&)> event_logger(std::shared_ptr<std::ofstream> log, Endpoint tracker) {
  return [log = std::move(log), tracker](const AnnounceSeen& a) {
    if (a.event == AnnounceEvent::none) return;
    *log << tracker.to_string() << '\t' << (a.udp ? "udp" : "http") << '\t' << to_string(a.event) << '\t' << a.from.to_string() << '\t'
         << a.info_hash.hex() << std::endl;
  };
}

template <class Socket, class Protocol>
Status open_bound(Socket& s, Protocol proto, const typename Protocol::endpoint& ep) {
  error_code ec;
  s.open(proto, ec);
  if (!ec) s.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.bind(ep, ec);
  if (ec) return Error(ec).within("binding " + ep.address().to_string() + ":" + std::to_string(ep.port()));
  return success();
}

Status listen_on(tcp::acceptor& acc, const Endpoint& ep) {
  error_code ec;
  net::listen_on(acc, ep, ec);
  if (ec) return Error(ec).within("listening on " + ep.to_string());
  return success();
}

Status start_trackers(asio::io_context& io, const LabPlan& plan, const fs::path& state_dir, Actors& a) {
  auto log = std::make_shared<std::ofstream>(state_dir / kTrackerEventsFile, std::ios::app);
  auto injected = endpoints_of(plan, {Role::bogus_unroutable, Role::bogus_dead, Role::bogus_open_port});
  std::uint64_t n = 0;
  for (const auto* t : plan.with_role(Role::tracker)) {
    auto faces = t->endpoints();
    a.world.udp_trackers.insert(a.world.udp_trackers.end(), faces.begin(), faces.end());
    if (t->impl != Impl::lab_actor) continue;
    TrackerConfig cfg;
    cfg.min_interval = std::chrono::seconds(plan.scenario.tracker_min_interval);
    cfg.observe = event_logger(log, t->endpoint);
    if (plan.poisoned(*t)) {
      cfg.honour_ip = true;
      cfg.injected = injected;
      a.world.poisoned_trackers.insert(a.world.poisoned_trackers.end(), faces.begin(), faces.end());
    }
    // A dual-stack tracker keeps one swarm for both faces, as real ones do.
    auto& state = a.trackers.emplace_back(cfg, plan.scenario.seed + ++n);
    for (const auto& face : faces) P2PSCOPE_CHECK(serve_tracker(io, face, state, plan.scenario.seed * 7919 + n));
  }
  return success();
}

// An id sharing exactly `bits` leading bits with ih (bit `bits` differs),
// the rest random.
NodeId id_near(const InfoHash& ih, int bits, std::mt19937_64& rng) {
  auto raw = std::string(ih.raw());
  for (int i = bits; i < 160; ++i) {
    auto mask = static_cast<char>(0x80 >> (i % 8));
    bool set = i == bits ? (raw[i / 8] & mask) == 0 : (rng() & 1) != 0;
    raw[i / 8] = static_cast<char>(set ? raw[i / 8] | mask : raw[i / 8] & ~mask);
  }
  return NodeId::from_bytes(raw).value();
}

// The responder's nodes: the honest ones first (their ids follow from the
// seed as before bogus nodes existed), then the bogus ones. Bogus nodes sit
// where lookups for the lab's torrents meet them: ids sharing
// bit_width(dht_nodes) + 4 leading bits with their torrent's infohash,
// nearer than any honest node is likely to be, yet under the 32 bits that
// make an id suspicious in itself; the vertical Sybils share 48. None is a
// BEP 42 id.
std::vector<DhtNodeSpec> dht_specs(const LabPlan& plan, const std::vector<LabTorrent>& torrents) {
  std::vector<DhtNodeSpec> out;
  std::mt19937_64 rng(plan.scenario.seed ^ 0x5b11);
  int placed = std::min(28, static_cast<int>(std::bit_width(static_cast<unsigned>(plan.scenario.dht_nodes))) + 4);
  std::size_t honest = 0;
  for (auto role : {Role::dht_node, Role::dht_fake_values, Role::dht_phantom, Role::dht_sybil, Role::dht_sybil_near}) {
    for (const auto* p : plan.with_role(role)) {
      DhtNodeSpec n;
      n.endpoint = p->endpoint;
      // Every third honest node predates BEP 51, as many real ones do.
      if (role == Role::dht_node && honest++ % 3 == 2) n.bep51 = Bep51::unknown_method;
      if (role != Role::dht_node && static_cast<std::size_t>(p->variant) < torrents.size())
        n.id = id_near(torrents[static_cast<std::size_t>(p->variant)].info_hash, role == Role::dht_sybil_near ? 48 : placed, rng);
      if (role == Role::dht_fake_values) {
        n.behaviour = DhtBehaviour::fake_values;
        n.values = fake_values_of(plan, *p);
      } else if (role == Role::dht_phantom) {
        n.behaviour = DhtBehaviour::phantom;
        n.neighbours = phantom_neighbours_of(plan, *p);
      }
      out.push_back(std::move(n));
    }
  }
  return out;
}

Status start_dht(asio::io_context& io, const LabPlan& plan, const std::vector<LabTorrent>& torrents, Actors& a) {
  auto nodes = dht_specs(plan, torrents);
  if (nodes.empty()) return success();
  a.dht = std::make_unique<DhtSwarm>(nodes, plan.scenario.seed);
  std::set<std::pair<bool, std::uint16_t>> ports;  // (IPv6, port)
  for (const auto& n : nodes) ports.insert({n.endpoint.address.is_v6(), n.endpoint.port});
  for (auto [v6, port] : ports) {
    auto& socket = a.dht_sockets.emplace_back(io);
    error_code ec;
    socket.open(v6 ? udp::v6() : udp::v4(), ec);
    if (!ec && v6) socket.set_option(asio::ip::v6_only(true), ec);
    if (!ec) socket.bind(udp::endpoint(v6 ? udp::v6() : udp::v4(), port), ec);
    if (ec) return Error(ec).within("binding the DHT responder's UDP port " + std::to_string(port));
    asio::co_spawn(io, serve_dht(socket, *a.dht), asio::detached);
  }
  // The IPv6 peers announce to the IPv6 nodes nearest each torrent.
  for (const auto& t : torrents) {
    std::vector<std::pair<NodeId, Endpoint>> six;
    auto target = NodeId::from_bytes(t.info_hash.raw()).value();
    for (const auto& n : a.dht->nodes()) {
      if (n.endpoint.address.is_v6()) six.emplace_back(n.id ^ target, n.endpoint);
    }
    auto k = std::min<std::size_t>(8, six.size());
    std::partial_sort(six.begin(), six.begin() + static_cast<std::ptrdiff_t>(k), six.end());
    for (std::size_t i = 0; i < k; ++i) a.world.dht_announce_v6[t.info_hash].push_back(six[i].second);
  }
  return success();
}

PeerKind kind_of(Role r) {
  switch (r) {
    case Role::anti_p2p: return PeerKind::anti_p2p;
    case Role::byte_order: return PeerKind::byte_order;
    case Role::propagator: return PeerKind::propagator;
    default: return PeerKind::honest;
  }
}

Status start_peers(asio::io_context& io, const LabPlan& plan, Actors& a) {
  std::uint64_t n = 0;
  for (const auto& p : plan.parties) {
    if (p.impl != Impl::lab_actor) continue;
    if (p.role == Role::bogus_open_port) {
      P2PSCOPE_CHECK(start_open_port(io, p.endpoint));
      continue;
    }
    if (p.role != Role::leecher && p.role != Role::anti_p2p && p.role != Role::byte_order && p.role != Role::propagator)
      continue;
    auto& peer = a.peers.emplace_back(p, kind_of(p.role), a.world, plan.scenario.seed * 1000003 + ++n);
    if (p.role == Role::anti_p2p) {
      std::vector<Endpoint> fleet, fakes;
      for (const auto& q : plan.parties) {
        if (q.farm != p.farm) continue;  // (the eMule farm's numbers are its own)
        if (q.role == Role::anti_p2p) fleet.push_back(q.endpoint);
        if (q.role == Role::anti_p2p_fake) fakes.push_back(q.endpoint);
      }
      bool head = farm_head(plan, p.farm) == &p;
      peer.set_fleet(std::move(fleet), std::move(fakes), head);
    }
    // From the start, so that its whole list is in its first ut_pex messages.
    if (p.role == Role::byte_order) peer.set_known(byte_order_known(plan, p));
    P2PSCOPE_CHECK(start_lab_peer(io, peer));
  }
  return success();
}

// The eMule side (lab/emule.hpp): index servers (TCP, and UDP at port + 4),
// the KAD responder's nodes, and every scripted eMule peer.
Status start_emule(asio::io_context& io, const LabPlan& plan, const std::optional<ed2k::Md4>& real_file, Actors& a) {
  for (const auto* p : plan.with_role(Role::ed2k_server)) {
    auto& state = a.ed2k_servers.emplace_back(ed2k_server_config(plan, *p));
    list_scripted_sources(plan, state);
    tcp::acceptor acc(io);
    P2PSCOPE_CHECK(listen_on(acc, p->endpoint));
    udp::socket u(io);
    P2PSCOPE_CHECK(open_bound(u, udp::v4(), to_udp({p->endpoint.address, static_cast<std::uint16_t>(p->endpoint.port + 4)})));
    asio::co_spawn(io, serve_ed2k_tcp(std::move(acc), state), asio::detached);
    asio::co_spawn(io, serve_ed2k_udp(std::move(u), state), asio::detached);
    a.emule_sockets += 2;
  }
  auto nodes = kad_nodes(plan, real_file);
  if (!nodes.empty()) {
    a.kad = std::make_unique<KadResponderState>(nodes);
    index_kad_sources(plan, *a.kad);
    a.kad_socket = std::make_unique<udp::socket>(io);
    P2PSCOPE_CHECK(open_bound(*a.kad_socket, udp::v4(), udp::endpoint(udp::v4(), kKadNodePort)));
    asio::co_spawn(io, serve_kad(*a.kad_socket, *a.kad), asio::detached);
    ++a.emule_sockets;
  }
  for (const auto& p : plan.parties) {
    bool scripted = p.impl == Impl::lab_actor &&
                    (p.role == Role::emule_peer || p.role == Role::emule_byte_order || p.role == Role::emule_anti_p2p);
    if (!scripted) continue;
    const auto& cfg = a.sx_peers.emplace_back(sx_peer_config(plan, p));
    tcp::acceptor acc(io);
    P2PSCOPE_CHECK(listen_on(acc, p.endpoint));
    asio::co_spawn(io, serve_sx_peer(std::move(acc), cfg), asio::detached);
    ++a.emule_sockets;
  }
  return success();
}

awaitable<void> report_ready(const Actors& a, fs::path state_dir) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto all_announced = [&] {
    return std::all_of(a.peers.begin(), a.peers.end(), [](const LabPeer& p) { return p.announced(); });
  };
  while (!all_announced() && std::chrono::steady_clock::now() < deadline) co_await sleep_for(std::chrono::milliseconds(100));
  std::ofstream(state_dir / kActorsReadyFile) << a.peers.size() << " peers (" << (all_announced() ? "all" : "not all")
                                              << " announced), " << a.trackers.size() << " trackers, "
                                              << (a.dht ? a.dht->nodes().size() : 0) << " DHT nodes, " << a.ed2k_servers.size()
                                              << " eDonkey servers, " << (a.kad ? a.kad->nodes().size() : 0) << " KAD nodes, "
                                              << a.sx_peers.size() << " scripted eMule peers\n";
}

}  // namespace

int run_actors(const fs::path& state_dir) {
  auto files = load_lab_files(state_dir);
  if (!files) {
    std::cerr << "lab actors: " << files.error() << "\n";
    return 1;
  }
  const auto& plan = files.value().plan;
  const auto& torrents = files.value().torrents;
  raise_fd_limit();
  asio::io_context io(1);
  Actors a;
  for (const auto& t : torrents) {
    lt::error_code ec;
    lt::torrent_info ti(t.torrent_file.string(), ec);
    if (ec) {
      std::cerr << "lab actors: cannot read " << t.torrent_file << ": " << ec.message() << "\n";
      return 1;
    }
    a.world.pieces[t.info_hash] = static_cast<std::size_t>(ti.num_pieces());
  }
  a.world.pex_interval = std::chrono::seconds(plan.scenario.pex_interval);
  for (const auto& ip : plan.client_addresses()) a.world.clients.insert(ip);
  for (const auto& ip : plan.client_addresses6()) a.world.clients.insert(ip);
  auto failed = [](const char* what, const Status& st) {
    if (!st) std::cerr << "lab actors: starting the " << what << " failed: " << st.error().message() << "\n";
    return !st;
  };
  // In this order: peers announce to the trackers they find in a.world.
  if (failed("trackers", start_trackers(io, plan, state_dir, a)) || failed("DHT", start_dht(io, plan, torrents, a)) ||
      failed("peers", start_peers(io, plan, a)) || failed("eMule servers and peers", start_emule(io, plan, files.value().real_emule_file, a)))
    return 1;
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const error_code&, int) { io.stop(); });
  // Ready once every peer has announced: the swarm is formed when lab up returns.
  asio::co_spawn(io, report_ready(a, state_dir), asio::detached);
  io.run();
  return 0;
}

}  // namespace p2pscope::lab
