#include "taint-harness/emule_world.hpp"

#include "core/ed2k.hpp"
#include "crawler/sx_session.hpp"
#include "lab/ed2k_server.hpp"
#include "lab/emule.hpp"
#include "lab/lab_peer.hpp"
#include "lab/sx_peer.hpp"
#include "net/rate_gate.hpp"

namespace p2pscope::harness {

using namespace net;  // NOLINT(google-build-using-namespace)

struct EmuleWorld::Impl {
  Impl(asio::io_context& ctx, const HarnessPlan& p, EmuleWorldOptions o, Capture& c)
      : io(ctx), plan(p), opt(std::move(o)), capture(c), start(std::chrono::steady_clock::now()) {}

  asio::io_context& io;
  const HarnessPlan& plan;
  EmuleWorldOptions opt;
  Capture& capture;
  std::chrono::steady_clock::time_point start;
  bool recording = true;
  std::unique_ptr<lab::Ed2kServerState> server;
  std::vector<std::unique_ptr<lab::SxPeerConfig>> peers;  // the sessions hold references: they live here
  RateGate gate{Politeness::unlimited()};

  double now() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
  Status start_server();
  Status start_peer(const FedPeer& p);
};

namespace {

ed2k::Md4 marked_hash(std::uint8_t kind, std::size_t index, std::uint16_t salt) {
  // eMule's marks (byte 5 = 14, byte 14 = 111) make it an eMule-style user hash.
  return ed2k::Md4{{0x70, kind, static_cast<std::uint8_t>(index), static_cast<std::uint8_t>(salt >> 8),
                    static_cast<std::uint8_t>(salt), 14, 0x32, 0, 0, 0, 0, 0, 0, 0, 111, 0}};
}

ContactSeen emule_contact(double t, const Endpoint& at, FedKind kind, const ed2k::ClientInfo* who) {
  ContactSeen c;
  c.t = t;
  c.at = at;
  c.kind = kind;
  c.handshake = who != nullptr;  // a hello, then a request for our file
  if (who) c.v = who->software();
  return c;
}

awaitable<void> ask_once(EmuleWorld::Impl& w, std::size_t index, std::uint8_t version) {
  const auto& asker = w.plan.askers[index];
  crawler::SxConfig cfg;
  cfg.user_hash = marked_hash(2, index, w.plan.client.port);
  cfg.port = asker.port;
  cfg.local = asker.address;
  cfg.name = "p2pscope-harness";
  cfg.sx1 = version <= 3 ? version : 3;
  cfg.request = version <= 3 ? crawler::SxRequest::sx1_only : crawler::SxRequest::best;
  SxAsk ask;
  ask.t = w.now();
  ask.asker = asker;
  ask.asked = version;
  crawler::Ed2kEvents ev;
  ev.on_source = [&ask](EmuleObservation o) { add_sx_entry(ask, o); };
  ev.on_anomaly = [&ask](AnomalyKind, std::string why) { ask.anomaly = std::move(why); };
  auto out = co_await crawler::sx_session(w.plan.client, crawler::Ed2kFile{w.opt.file.hash, w.opt.file.size}, cfg,
                                          w.gate, ev);
  ask.end = std::string(name_of(out.end));
  ask.version = out.version;
  if (out.client) ask.software = out.client->software();
  if (w.recording) w.capture.sx.push_back(std::move(ask));
}

awaitable<void> ask_rounds(EmuleWorld::Impl& w) {
  co_await sleep_for(w.opt.first_ask);
  for (std::size_t round = 0; round * 4 < w.plan.askers.size(); ++round) {
    for (std::uint8_t v = 1; v <= 4 && round * 4 + v - 1 < w.plan.askers.size(); ++v)
      asio::co_spawn(w.io, ask_once(w, round * 4 + v - 1, v), asio::detached);
    co_await sleep_for(w.opt.ask_every);
  }
}

}  // namespace

ed2k::PartStatus first_part_only(std::uint64_t size) {
  auto s = ed2k::empty_part_status(size);
  if (!s.bits.empty()) s.bits[0] = 1;
  return s;
}

void add_sx_entry(SxAsk& ask, const EmuleObservation& o) {
  if (auto p = o.peer()) ask.sources.push_back(*p);
  else ++ask.low_ids;
}

Status EmuleWorld::Impl::start_server() {
  lab::Ed2kServerConfig cfg;
  cfg.name = "p2pscope harness server";
  server = std::make_unique<lab::Ed2kServerState>(cfg);
  const auto client_id = ed2k::ed2k_id(plan.client.address);
  lab::Ed2kServerState::Observer seen;
  seen.login = [this](const IpAddress& from, const ed2k::Login&, std::uint32_t) {
    if (recording && from == plan.client.address) ++capture.logins;
  };
  seen.offer = [this, client_id](std::uint32_t id, std::uint16_t port, const std::vector<ed2k::OfferedFile>& files) {
    if (!recording || id != client_id) return;
    for (const auto& f : files) capture.offers.push_back({now(), id, port, f.id, f.port});
  };
  server->observe(std::move(seen));
  for (const auto& p : plan.fed_by(Route::server)) server->list(opt.file.hash, ed2k::ed2k_id(p.endpoint.address), p.endpoint.port);
  if (plan.seeder) server->list(opt.file.hash, ed2k::ed2k_id(plan.seeder->address), plan.seeder->port);

  tcp::acceptor a(io);
  error_code ec;
  listen_on(a, plan.tracker, ec);
  if (ec) return ec;
  udp::socket u(io);
  u.open(udp::v4(), ec);
  if (!ec) u.bind(to_udp(Endpoint{plan.tracker.address, static_cast<std::uint16_t>(plan.tracker.port + 4)}), ec);
  if (ec) return ec;
  asio::co_spawn(io, lab::serve_ed2k_tcp(std::move(a), *server), asio::detached);
  asio::co_spawn(io, lab::serve_ed2k_udp(std::move(u), *server), asio::detached);
  return success();
}

Status EmuleWorld::Impl::start_peer(const FedPeer& p) {
  if (p.kind == FedKind::unreachable) return success();
  if (p.kind == FedKind::open_port) {
    return lab::start_open_port(io, p.endpoint, [this, at = p.endpoint](const Endpoint&) {
      if (recording) capture.contacts.push_back(emule_contact(now(), at, FedKind::open_port, nullptr));
    });
  }
  auto cfg = std::make_unique<lab::SxPeerConfig>();
  cfg->user_hash = marked_hash(1, peers.size(), plan.client.port);
  cfg->status = first_part_only(opt.file.size);
  cfg->part_hashes[opt.file.hash] = opt.part_hashes;
  // aMule keeps a queued source valid for source exchange while it is
  // connected; a hub that hung up after 30 s would not be passed on.
  cfg->idle = std::chrono::seconds(600);
  auto& mine = cfg->sources[opt.file.hash];
  if (p.hub) {
    for (const auto& f : plan.fed_by(Route::sx))
      if (f.sx == p.sx) mine.push_back(f.endpoint);
    cfg->sx1 = hub_sx1_advertised(p.sx);
    cfg->sx2 = p.sx >= 4;
    if (p.sx >= 4) {
      cfg->name = "eMule";
      cfg->emule_version = lab::kEmule050a;
    }
  }
  cfg->on_request = [this, at = p.endpoint](const ed2k::ClientInfo& who, const ed2k::Md4&) {
    if (recording) capture.contacts.push_back(emule_contact(now(), at, FedKind::emule, &who));
  };
  tcp::acceptor a(io);
  error_code ec;
  listen_on(a, p.endpoint, ec);
  if (ec) return ec;
  asio::co_spawn(io, lab::serve_sx_peer(std::move(a), *cfg), asio::detached);
  peers.push_back(std::move(cfg));
  return success();
}

EmuleWorld::EmuleWorld(asio::io_context& io, const HarnessPlan& plan, EmuleWorldOptions opt)
    : impl_(std::make_unique<Impl>(io, plan, std::move(opt), capture_)) {}

EmuleWorld::~EmuleWorld() = default;

double EmuleWorld::elapsed() const { return impl_->now(); }

Status EmuleWorld::start() {
  auto& w = *impl_;
  w.start = std::chrono::steady_clock::now();
  P2PSCOPE_CHECK(w.start_server());
  for (const auto& p : w.plan.fed) P2PSCOPE_CHECK(w.start_peer(p));
  if (w.opt.mode == WorldMode::feed) asio::co_spawn(w.io, ask_rounds(w), asio::detached);
  return success();
}

void EmuleWorld::stop() { impl_->recording = false; }

}  // namespace p2pscope::harness
