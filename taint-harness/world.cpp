#include "taint-harness/world.hpp"

#include "core/compact.hpp"
#include "core/krpc.hpp"
#include "core/peer_wire.hpp"
#include "lab/dht_responder.hpp"
#include "lab/lab_peer.hpp"
#include "lab/peer_conn.hpp"
#include "net/peer_wire_io.hpp"
#include "net/utp_socket.hpp"

#include <algorithm>
#include <deque>
#include <map>

namespace p2pscope::harness {

using namespace net;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;

namespace {
constexpr std::uint8_t kOurPexId = 1;
constexpr auto kHandshakeTimeout = 10s;
constexpr auto kKeepAlive = 45s;
constexpr auto kIdleTimeout = 300s;
constexpr auto kUtpWriteTimeout = 30s;
}  // namespace

struct World::Impl {
  Impl(asio::io_context& ctx, const HarnessPlan& p, WorldOptions o, Capture& c)
      : io(ctx), plan(p), opt(std::move(o)), capture(c), start(std::chrono::steady_clock::now()),
        client_dht4(p.client), client_dht6(p.client6 ? Endpoint{*p.client6, p.client.port} : Endpoint{}) {}

  asio::io_context& io;
  const HarnessPlan& plan;
  WorldOptions opt;
  Capture& capture;
  std::chrono::steady_clock::time_point start;
  std::unique_ptr<lab::TrackerState> tracker;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  // Every UDP port of ours: uTP at fed BitTorrent peers and a DHT node at
  // the hubs and the DHT-only nodes (a hub's node shares its peer's port).
  std::map<Endpoint, std::shared_ptr<net::UtpMux>> udp_ports;
  // Where the client's DHT node is, per family: its listen port until a
  // message from one of its addresses shows another (KTorrent keeps its
  // DHT on a port of its own).
  Endpoint client_dht4, client_dht6;

  double now() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
  bool from_partner(const Endpoint& from) const { return plan.is_partner(from.address); }
  std::vector<Endpoint> fed_endpoints(Route r) const {
    std::vector<Endpoint> out;
    for (const auto& p : plan.fed_by(r)) out.push_back(p.endpoint);
    return out;
  }
  NodeId node_id(const Endpoint& ep) const { return bep42_node_id(ep.address, 1, ep.to_string() + "harness"); }
  void saw_dht_version(const std::optional<std::string>& v) {
    if (!v) return;
    auto p = printable(*v);
    auto& seen = capture.dht_versions;
    if (std::find(seen.begin(), seen.end(), p) == seen.end()) seen.push_back(p);
  }

  Status listen(const Endpoint& at, std::function<awaitable<void>(tcp::socket, Endpoint)> session);
  Status listen_utp(const FedPeer& p);
  StatusOr<std::shared_ptr<net::UtpMux>> udp_port(const Endpoint& at);
  Status start_tracker();
  Status start_dht(const Endpoint& at);
};

namespace {

// One connection from the client to a fed BitTorrent peer, over TCP or uTP.
// The reader queues what must be sent; one writer sends the queue in order,
// with keep-alives in between, so writes never interleave.
struct FedConn {
  explicit FedConn(std::shared_ptr<lab::PeerConn> w) : wire(std::move(w)), wake(wire->executor()) {}
  std::shared_ptr<lab::PeerConn> wire;
  Wakeup wake;
  std::deque<std::string> outbox;
  void send(std::string m) {
    outbox.push_back(std::move(m));
    wake.notify();
  }
};

awaitable<void> writer(std::shared_ptr<FedConn> c) {
  error_code ec;
  while (c->wire->is_open()) {
    if (c->outbox.empty() && !co_await c->wake.wait_until(std::chrono::steady_clock::now() + kKeepAlive))
      c->outbox.push_back(encode_keep_alive());
    while (!c->outbox.empty() && c->wire->is_open()) {
      auto m = std::move(c->outbox.front());
      c->outbox.pop_front();
      co_await c->wire->write(m, ec);
      if (ec) co_return;
    }
  }
}

ContactSeen contact_at(double t, const Endpoint& at, FedKind kind) {
  ContactSeen c;
  c.t = t;
  c.at = at;
  c.kind = kind;
  return c;
}

PeerId harness_peer_id(const Endpoint& at) {
  std::string id = "-PH0100-";
  auto h = std::hash<std::string>{}(at.to_string());
  while (id.size() < 20) {
    id.push_back(static_cast<char>('0' + h % 10));
    h /= 10;
    if (h == 0) h = 7919;
  }
  return PeerId::from_bytes(id).value();
}

std::string opening(const World::Impl& w, const FedPeer& me, const Endpoint& client) {
  ExtendedHandshake h;
  h.m["ut_pex"] = kOurPexId;
  h.v = w.opt.version;
  h.p = me.endpoint.port;
  h.yourip = client.address;
  h.reqq = 250;
  std::string out = encode_extended(0, encode_extended_handshake(h));
  // A seed that never unchokes: the client stays interested and connected.
  // A leeching hub has no piece.
  bool leech = me.hub && w.opt.hubs == Hubs::leechers;
  std::vector<std::uint8_t> bits((w.opt.pieces + 7) / 8, leech ? 0x00 : 0xff);
  if (!leech && w.opt.pieces % 8) bits.back() = static_cast<std::uint8_t>(0xff << (8 - w.opt.pieces % 8));  // spare bits stay 0
  out += encode_bitfield(Bitfield{bits});
  if (me.hub) out += encode_port(me.endpoint.port);
  return out;
}

std::string hub_pex(const World::Impl& w) {
  PexMessage m;
  for (const auto& p : w.plan.fed_by(Route::pex)) {
    PexFlags f;
    f.set(PexFlag::reachable, p.kind == FedKind::bittorrent);
    f.set(PexFlag::supports_utp, p.kind == FedKind::bittorrent);  // they take uTP at their port too
    f.set(PexFlag::seed);
    m.added.push_back({p.endpoint, f});
  }
  return encode_pex(m);
}

void on_extended(World::Impl& w, const FedPeer& me, FedConn& c, std::size_t contact, std::string_view payload) {
  auto ext = decode_extended(payload);
  if (!ext) return;
  if (ext.value().ext_id == 0) {
    auto h = decode_extended_handshake(ext.value().body);
    if (!h) return;
    auto& k = w.capture.contacts[contact];
    k.extended = true;
    // Printable: the capture goes out as JSON, which takes only UTF-8.
    if (h.value().v) k.v = printable(*h.value().v);
    k.p = h.value().p;
    if (h.value().ipv4) k.ipv4 = h.value().ipv4->to_string();
    if (h.value().ipv6) k.ipv6 = h.value().ipv6->to_string();
    if (h.value().yourip) k.yourip = h.value().yourip->to_string();
    auto their_pex = h.value().extension_id("ut_pex");
    if (me.hub && their_pex) c.send(encode_extended(*their_pex, hub_pex(w)));
  } else if (ext.value().ext_id == kOurPexId) {
    auto pex = decode_pex(ext.value().body);
    if (!pex) return;
    w.capture.pex.push_back({w.now(), me.endpoint, pex.value().added, pex.value().dropped});
  }
}

awaitable<void> read_messages(World::Impl& w, const FedPeer& me, std::shared_ptr<FedConn> c, std::size_t contact) {
  std::string buf;
  for (;;) {
    bool got = co_await c->wire->next_message(buf, kIdleTimeout);  // not in the if: see lab/peer_conn.cpp
    if (!got) co_return;
    auto frame = next_frame(buf);
    if (!frame || !frame.value() || frame.value()->keep_alive) continue;
    const auto& f = *frame.value();
    if (f.id == static_cast<std::uint8_t>(MessageId::port)) w.capture.contacts[contact].sent_port = true;
    if (f.id == static_cast<std::uint8_t>(MessageId::extended)) on_extended(w, me, *c, contact, f.payload);
  }
}

awaitable<void> handshake_and_serve(World::Impl& w, const FedPeer& me, std::shared_ptr<FedConn> c, std::size_t contact) {
  std::string buf;
  bool got = co_await c->wire->next_handshake(buf, kHandshakeTimeout);  // not in the if: see lab/peer_conn.cpp
  if (!got) co_return;
  auto theirs = decode_handshake(buf);
  if (!theirs || theirs.value().info_hash != w.opt.info_hash) co_return;
  w.capture.contacts[contact].handshake = true;
  w.capture.contacts[contact].peer_id = printable_peer_id(theirs.value().peer_id);
  Handshake ours;
  ours.info_hash = w.opt.info_hash;
  ours.peer_id = harness_peer_id(me.endpoint);
  Features f;
  f.set(Feature::extension_protocol);
  f.set(Feature::dht, me.hub);
  ours.set_features(f);
  c->send(encode_handshake(ours) + opening(w, me, c->wire->remote()));
  asio::co_spawn(c->wire->executor(), writer(c), asio::detached);
  co_await read_messages(w, me, c, contact);
}

awaitable<void> peer_session(World::Impl& w, FedPeer me, std::shared_ptr<lab::PeerConn> wire, Carrier carrier) {
  if (w.from_partner(wire->remote())) {  // no feeder of the partner's
    wire->close();
    co_return;
  }
  auto c = std::make_shared<FedConn>(std::move(wire));
  auto contact = w.capture.contacts.size();
  w.capture.contacts.push_back(contact_at(w.now(), me.endpoint, FedKind::bittorrent));
  w.capture.contacts[contact].carrier = carrier;
  co_await handshake_and_serve(w, me, c, contact);
  c->wire->close();
  c->wake.notify();
}

awaitable<void> accept_loop(tcp::acceptor& a, Endpoint at, std::function<awaitable<void>(tcp::socket, Endpoint)> session) {
  for (;;) {
    error_code ec;
    auto s = co_await a.async_accept(use_ec(ec));
    if (!a.is_open()) co_return;
    if (!ec) asio::co_spawn(a.get_executor(), session(std::move(s), at), asio::detached);
  }
}

}  // namespace

StatusOr<std::shared_ptr<net::UtpMux>> World::Impl::udp_port(const Endpoint& at) {
  if (auto it = udp_ports.find(at); it != udp_ports.end()) return it->second;
  P2PSCOPE_TRY(mux, net::UtpMux::open(io.get_executor(), at));
  udp_ports[at] = mux;
  return mux;
}

// uTP (BEP 29) at a fed BitTorrent peer's port, beside its TCP listener.
Status World::Impl::listen_utp(const FedPeer& p) {
  P2PSCOPE_TRY(mux, udp_port(p.endpoint));
  mux->listen();
  auto session = [this, p](std::shared_ptr<lab::PeerConn> c) { return peer_session(*this, p, std::move(c), Carrier::utp); };
  asio::co_spawn(io, lab::serve_utp(std::move(mux), kUtpWriteTimeout, std::move(session)), asio::detached);
  return success();
}

Status World::Impl::listen(const Endpoint& at, std::function<awaitable<void>(tcp::socket, Endpoint)> session) {
  auto a = std::make_unique<tcp::acceptor>(io);
  error_code ec;
  listen_on(*a, at, ec);
  if (ec) return ec;
  asio::co_spawn(io, accept_loop(*a, at, std::move(session)), asio::detached);
  acceptors.push_back(std::move(a));
  return success();
}

namespace {

// The percent-decoded value of key in a query string, if present.
std::optional<std::string> query_value(std::string_view query, std::string_view key) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto end = std::min(query.find('&', pos), query.size());
    auto part = query.substr(pos, end - pos);
    if (part.size() > key.size() && part.substr(0, key.size()) == key && part[key.size()] == '=') {
      auto v = part.substr(key.size() + 1);
      std::string out;
      for (std::size_t i = 0; i < v.size(); ++i) {
        unsigned hex = 0;
        if (v[i] == '%' && i + 2 < v.size() && std::sscanf(std::string(v.substr(i + 1, 2)).c_str(), "%2x", &hex) == 1) {
          out.push_back(static_cast<char>(hex));
          i += 2;
        } else {
          out.push_back(v[i]);
        }
      }
      return out;
    }
    pos = end + 1;
  }
  return std::nullopt;
}


}  // namespace

Status World::Impl::start_tracker() {
  lab::TrackerConfig cfg;
  cfg.injected = fed_endpoints(Route::tracker);
  cfg.interval = 60s;
  cfg.observe = [this](const lab::AnnounceSeen& s) {
    if (from_partner(s.from)) return;  // the tracker lists it; its announces are not the client's
    AnnounceRecord r;
    r.t = now();
    r.udp = s.udp;
    r.from = s.from.address;
    r.port = s.port;
    auto shown = [](const std::optional<std::string>& v) { return v ? std::optional(printable(*v)) : std::nullopt; };
    r.ip = shown(s.ip);
    r.key = s.key;
    r.event = std::string(to_string(s.event));
    r.peer_id = printable_peer_id(s.peer_id);
    r.ipv4 = shown(query_value(s.query, "ipv4"));
    r.ipv6 = shown(query_value(s.query, "ipv6"));
    r.user_agent = shown(s.user_agent);
    capture.announces.push_back(std::move(r));
  };
  tracker = std::make_unique<lab::TrackerState>(std::move(cfg), 0x5eed);
  // One swarm on both faces; a reply carries the asker's family (BEP 15).
  std::vector<Endpoint> faces{plan.tracker};
  if (plan.tracker6) faces.push_back({*plan.tracker6, plan.tracker.port});
  for (const auto& at : faces) P2PSCOPE_CHECK(lab::serve_tracker(io, at, *tracker, 0x5eed));
  return success();
}

// A hub's DHT node: answers the client's queries with the DHT-route peers,
// and asks the client get_peers and find_node every poll (announcing itself
// once it holds a token), recording the values and nodes it gives out.
struct DhtNode {
  DhtNode(World::Impl& world, const Endpoint& self, std::shared_ptr<net::UtpMux> p)
      : w(world), at(self), port(std::move(p)) {}
  World::Impl& w;
  Endpoint at;
  std::shared_ptr<net::UtpMux> port;  // KRPC arrives as its non-uTP datagrams
  std::optional<std::string> token;
  bool announced = false;
  std::uint16_t next_tid = 0;

  // Our other DHT nodes of one family.
  std::vector<NodeEntry> other_nodes(Family f) const {
    std::vector<NodeEntry> out;
    for (const auto& n : w.plan.dht_nodes()) {
      if (n != at && n.address.family() == f) out.push_back({w.node_id(n), n});
    }
    return out;
  }

  void add_nodes(KrpcResponse& r, const KrpcQuery& q, const Endpoint& from) const {
    auto lists = q.wanted_lists(from.address.family());
    if (lists.has(Want::n4)) r.nodes = other_nodes(Family::v4);
    if (lists.has(Want::n6)) r.nodes6 = other_nodes(Family::v6);
  }

  std::optional<std::string> answer(const KrpcQuery& q, const Endpoint& from) {
    KrpcResponse r;
    r.transaction_id = q.transaction_id;
    r.id = w.node_id(at);
    r.requester = from;
    switch (q.method()) {
      case KrpcMethod::ping:
      case KrpcMethod::announce_peer: break;
      case KrpcMethod::find_node:
      case KrpcMethod::sample_infohashes: add_nodes(r, q, from); break;
      case KrpcMethod::get_peers:
        r.token = "harness";
        // Values are peers of the asker's family (BEP 32).
        if (q.info_hash == w.opt.info_hash) {
          for (const auto& p : w.fed_endpoints(Route::dht))
            if (p.address.family() == from.address.family()) r.values.push_back(p);
        } else {
          add_nodes(r, q, from);
        }
        break;
      case KrpcMethod::unknown: return encode_krpc(KrpcError{q.transaction_id, 204, "Method Unknown", std::nullopt});
    }
    return encode_krpc(r);
  }

  void on_response(const KrpcResponse& r) {
    ++w.capture.dht_replies;
    if (r.token) token = r.token;
    std::vector<Endpoint> nodes;
    for (const auto* list : {&r.nodes, &r.nodes6}) {
      for (const auto& n : *list) nodes.push_back(n.endpoint);
    }
    if (!r.values.empty() || !nodes.empty()) w.capture.dht.push_back({w.now(), at, r.values, std::move(nodes)});
  }

  std::string query(KrpcMethod method) {
    auto tid = next_tid++;
    KrpcQuery q;
    // announce_peer goes out only once the client gave this node a token.
    if (method == KrpcMethod::announce_peer)
      q = KrpcQuery::announce_peer(w.node_id(at), w.opt.info_hash, at.port, token.value_or(""));
    else if (method == KrpcMethod::find_node)
      q = KrpcQuery::find_node(w.node_id(at), NodeId::from_bytes(w.opt.info_hash.raw()).value());
    else
      q = KrpcQuery::get_peers(w.node_id(at), w.opt.info_hash);
    q.transaction_id = std::string{static_cast<char>(tid >> 8), static_cast<char>(tid & 0xff)};
    return encode_krpc(q);
  }
};

namespace {

void dht_receive(DhtNode& n, const Endpoint& from, std::string_view datagram) {
  auto msg = decode_krpc(datagram);
  if (!msg || n.w.from_partner(from)) return;
  if (from.address == n.w.plan.client.address) n.w.client_dht4 = from;
  else if (from.address == n.w.plan.client6) n.w.client_dht6 = from;
  if (auto* q = std::get_if<KrpcQuery>(&msg.value())) {
    ++n.w.capture.dht_queries;
    n.w.saw_dht_version(q->version);
    if (auto out = n.answer(*q, from)) n.port->send_datagram(from, *out);
  } else if (auto* r = std::get_if<KrpcResponse>(&msg.value())) {
    n.w.saw_dht_version(r->version);
    n.on_response(*r);
  }
}

awaitable<void> dht_poll(std::shared_ptr<DhtNode> n) {
  for (;;) {
    co_await sleep_for(n->w.opt.dht_poll);
    if (!n->port->is_open()) co_return;
    // An IPv6 node polls the client's IPv6 DHT node.
    auto to = n->at.address.is_v6() ? n->w.client_dht6 : n->w.client_dht4;
    if (n->token && !n->announced) {
      n->port->send_datagram(to, n->query(KrpcMethod::announce_peer));
      n->announced = true;
    }
    for (auto method : {KrpcMethod::get_peers, KrpcMethod::find_node}) n->port->send_datagram(to, n->query(method));
  }
}

constexpr int kProbeAttempts = 3;
constexpr auto kProbeTimeout = 10s;

// One connection from the prober to the client's listen port: our
// handshake, then its answer. Closed at once either way.
awaitable<IncomingAttempt> probe_once(World::Impl& w) {
  IncomingAttempt a;
  a.t = w.now();
  tcp::socket s(w.io);
  Watchdog dog(s);
  dog.arm(kProbeTimeout);
  error_code ec;
  open_outgoing(s, w.plan.client.address, w.plan.prober.address, ec);
  if (!ec) co_await s.async_connect(to_tcp(w.plan.client), use_ec(ec));
  if (ec) {
    a.outcome = ec == asio::error::operation_aborted ? IncomingOutcome::timeout : IncomingOutcome::refused;
    co_return a;
  }
  Handshake ours;
  ours.info_hash = w.opt.info_hash;
  ours.peer_id = harness_peer_id(w.plan.prober);
  auto hello = encode_handshake(ours);
  co_await asio::async_write(s, asio::buffer(hello), use_ec(ec));
  std::string buf(kHandshakeSize, '\0');
  if (!ec) co_await asio::async_read(s, asio::buffer(buf), use_ec(ec));
  auto theirs = decode_handshake(buf);
  if (ec || !theirs || theirs.value().info_hash != w.opt.info_hash) {
    a.outcome = ec == asio::error::operation_aborted ? IncomingOutcome::timeout : IncomingOutcome::closed;
  } else {
    a.outcome = IncomingOutcome::accepted;
    a.peer_id = printable_peer_id(theirs.value().peer_id);
  }
  s.close(ec);
  co_return a;
}

awaitable<void> probe_incoming(World::Impl& w) {
  for (int i = 0; i < kProbeAttempts; ++i) {
    co_await sleep_for(i == 0 ? w.opt.probe_after : w.opt.probe_every);
    auto a = co_await probe_once(w);
    w.capture.incoming.push_back(a);
    if (a.outcome == IncomingOutcome::accepted) co_return;
  }
}

}  // namespace

Status World::Impl::start_dht(const Endpoint& at) {
  P2PSCOPE_TRY(port, udp_port(at));
  auto n = std::make_shared<DhtNode>(*this, at, port);
  // The mux drops this handler when it closes, which breaks the cycle.
  port->on_foreign([n](const Endpoint& from, std::string_view d) { dht_receive(*n, from, d); });
  // An IPv6 node polls only a client that has an IPv6 address to poll.
  if (opt.mode == WorldMode::feed && (at.address.is_v4() || plan.client6)) asio::co_spawn(io, dht_poll(n), asio::detached);
  return success();
}

World::World(asio::io_context& io, const HarnessPlan& plan, WorldOptions opt)
    : impl_(std::make_unique<Impl>(io, plan, std::move(opt), capture_)) {}

World::~World() = default;

double World::elapsed() const { return impl_->now(); }

Status World::start() {
  auto& w = *impl_;
  w.start = std::chrono::steady_clock::now();
  if (auto st = w.start_tracker(); !st) return st;
  for (const auto& p : w.plan.fed) {
    Status st = success();
    if (p.kind == FedKind::bittorrent) {
      st = w.listen(p.endpoint, [&w, p](tcp::socket s, Endpoint) {
        return peer_session(w, p, lab::tcp_conn(std::move(s)), Carrier::tcp);
      });
      // A hub's uTP shares its port with the hub's DHT node.
      if (st) st = w.listen_utp(p);
    } else if (p.kind == FedKind::open_port) {
      // The lab's open port (an SSH server's banner, then a hang-up).
      st = lab::start_open_port(w.io, p.endpoint, [&w, at = p.endpoint](const Endpoint& from) {
        if (!w.from_partner(from)) w.capture.contacts.push_back(contact_at(w.now(), at, FedKind::open_port));
      });
    }
    if (!st) return st;
  }
  for (const auto& n : w.plan.dht_nodes()) {
    if (auto st = w.start_dht(n); !st) return st;
  }
  if (w.opt.mode == WorldMode::feed) asio::co_spawn(w.io, probe_incoming(w), asio::detached);
  return success();
}

void World::stop() {
  auto& w = *impl_;
  error_code ec;
  for (auto& a : w.acceptors) a->close(ec);
  for (auto& [at, port] : w.udp_ports) port->close();
}

}  // namespace p2pscope::harness
