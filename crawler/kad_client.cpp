#include "crawler/kad_client.hpp"

#include "crawler/utc_now.hpp"
#include "net/pace.hpp"

#include <set>

namespace p2pscope::crawler {
namespace {

using namespace net;
using ed2k::Frame;
using ed2k::Protocol;

bool unknown_id(const kad::KadId& id) { return id == kad::KadId{}; }
Endpoint endpoint_of(const kad::Contact& c) { return Endpoint{c.address(), c.udp_port}; }

// One UDP socket: requests out, datagrams matched back to their waiter by
// (sender, opcode, target), so lookups for several files may ask one node
// at once; anything else is reported once per sender and kind.
class KadSocket {
 public:
  KadSocket(const asio::any_io_executor& ex, const KadConfig& cfg, const KadEvents& ev)
      : socket_(ex), cfg_(cfg), ev_(ev) {}
  ~KadSocket() { *alive_ = false; }

  Status open() {
    error_code ec;
    socket_.open(udp::v4(), ec);
    if (!ec) socket_.bind(udp::endpoint(to_asio(cfg_.local), 0), ec);
    if (ec) return fail(ec, "KAD: cannot open a UDP socket: " + ec.message());
    asio::co_spawn(socket_.get_executor(), receive(alive_), asio::detached);
    return success();
  }
  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

  // Sends req to `to` and returns the datagrams of opcode `want` for
  // `target` (kad::answer_target; zero for an answer without one) that come
  // from it within `wait`: the first one, or (collect) all of them.
  awaitable<std::vector<Frame>> ask(Endpoint to, const Frame& req, std::uint8_t want, kad::KadId target,
                                    std::chrono::milliseconds wait, bool collect) {
    auto key = Key{to, want, target};
    if (waiters_.contains(key)) co_return std::vector<Frame>{};  // one question to a node at a time
    Waiter w{{}, asio::steady_timer(socket_.get_executor(), wait), collect};
    waiters_[key] = &w;
    error_code ec;
    socket_.send_to(asio::buffer(ed2k::encode_udp_frame(req)), to_udp(to), 0, ec);
    if (!ec) co_await w.timer.async_wait(use_ec(ec));
    waiters_.erase(key);
    co_return std::move(w.got);
  }

  void anomaly(const Endpoint& from, AnomalyKind kind, std::string detail) {
    if (reported_.insert({from, kind}).second) ev_.on_anomaly(from, kind, std::move(detail));
  }

 private:
  using Key = std::tuple<Endpoint, std::uint8_t, kad::KadId>;
  struct Waiter {
    std::vector<Frame> got;
    asio::steady_timer timer;
    bool collect = false;
  };

  // Drains every datagram queued at each wake-up without going back to the
  // reactor between them: one wait per burst, not one per answer.
  awaitable<void> receive(std::shared_ptr<bool> alive) {
    std::string buf(65536, '\0');
    error_code ec;
    socket_.non_blocking(true, ec);
    for (;;) {
      co_await socket_.async_wait(udp::socket::wait_read, use_ec(ec));
      if (!*alive || !socket_.is_open()) co_return;
      for (int burst = 0; burst < 256 && socket_.is_open(); ++burst) {
        udp::endpoint from;
        auto n = socket_.receive_from(asio::buffer(buf), from, 0, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) break;
        if (ec) continue;  // an ICMP error for an earlier send: the next datagram may be fine
        take(from_asio(from), std::string_view(buf.data(), n));
        if (!*alive) co_return;
      }
    }
  }

  void take(const Endpoint& from, std::string_view dgram) {
    ed2k::Limits lim = cfg_.limits.tags;
    lim.max_frame = lim.max_unpacked = 1 << 16;
    auto f = ed2k::decode_udp_frame(dgram, lim);
    auto it = waiters_.end();
    if (f) {
      auto target = kad::answer_target(f.value().opcode, f.value().payload).value_or(kad::KadId{});
      it = waiters_.find(Key{from, f.value().opcode, target});
    }
    if (it == waiters_.end()) {
      if (!f) return anomaly(from, AnomalyKind::malformed, "KAD datagram: " + f.error().message());
      return anomaly(from, AnomalyKind::unsolicited, "a KAD datagram nobody asked " + from.to_string() + " for");
    }
    it->second->got.push_back(std::move(f).value());
    if (!it->second->collect) it->second->timer.cancel();
  }

  udp::socket socket_;
  const KadConfig& cfg_;
  const KadEvents& ev_;
  std::map<Key, Waiter*> waiters_;
  std::set<std::pair<Endpoint, AnomalyKind>> reported_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Requests in flight for one purpose (the bootstrap, one file's lookup):
// each request is a coroutine that calls finished() last.
struct Flight {
  explicit Flight(const asio::any_io_executor& ex) : wake(ex) {}
  std::size_t running = 0;
  Wakeup wake;
  void finished() {
    --running;
    wake.notify();
  }
  awaitable<void> all_finished() {
    while (running > 0) co_await wake.wait();
  }
};

// One crawl: shared socket, budget and counters; coroutines per request.
struct Crawl {
  KadSocket& sock;
  const KadConfig& cfg;
  RateGate& gate;
  const KadEvents& ev;
  StopSignal* stop;
  KadBudget budget;
  KadReport report;

  bool stopped() const { return stop && stop->requested(); }
  // Books one packet of opcode to ip: false (and counted) when aMule would not take it now.
  bool allowed(const IpAddress& ip, std::uint8_t opcode) {
    if (!cfg.per_ip_budget || budget.try_take(ip, opcode, KadBudget::Clock::now())) return true;
    ++report.budget_skips;
    return false;
  }

  awaitable<void> bootstrap(kad::Contact c, std::vector<kad::Contact>& known, Flight& flight) {
    auto to = endpoint_of(c);
    if (auto wait = book(gate, to.address); wait.count() > 0) co_await sleep_for(wait);
    // Frames are named before co_await: GCC 12 destroys a braced temporary
    // in a co_await expression twice.
    Frame req{Protocol::kad, kad::op::bootstrap_req, {}};
    auto got = co_await sock.ask(to, std::move(req), kad::op::bootstrap_res, kad::KadId{}, cfg.timeout, false);
    if (!got.empty()) {
      if (auto r = kad::decode_bootstrap_response(got.front().payload, cfg.limits)) {
        ++report.bootstrapped;
        c.id = r.value().id;
        known.push_back(c);
        known.insert(known.end(), r.value().contacts.begin(), r.value().contacts.end());
      } else {
        sock.anomaly(to, AnomalyKind::malformed, "KAD bootstrap answer: " + r.error().message());
      }
    }
    flight.finished();
  }

  awaitable<void> find_node(KadLookup& l, kad::Contact c, Flight& flight) {
    auto to = endpoint_of(c);
    if (auto wait = book(gate, to.address); wait.count() > 0) co_await sleep_for(wait);
    kad::NodeRequest q{cfg.lookup.wanted, l.target(), c.id};
    ++report.find_nodes;
    Frame req{Protocol::kad, kad::op::req, kad::encode_node_request(q)};
    auto got = co_await sock.ask(to, std::move(req), kad::op::res, l.target(), cfg.timeout, false);
    bool ok = false;
    if (!got.empty()) {
      auto r = kad::decode_node_response(got.front().payload, cfg.limits);
      if (r) ok = l.on_reply(to, r.value());
      else sock.anomaly(to, AnomalyKind::malformed, "KAD find-node answer: " + r.error().message());
    }
    if (!ok) l.on_timeout(to);
    flight.finished();
  }

  awaitable<void> search(Ed2kFile file, kad::Contact c, Flight& flight) {
    auto to = endpoint_of(c);
    if (auto wait = book(gate, to.address); wait.count() > 0) co_await sleep_for(wait);
    const auto target = kad::KadId::of(file.hash);
    kad::SourceSearch q{target, 0, file.size};
    ++report.searches;
    Frame req{Protocol::kad, kad::op::search_source_req, kad::encode_source_search(q)};
    auto got = co_await sock.ask(to, std::move(req), kad::op::search_res, target, cfg.search_window, true);
    if (!got.empty()) ++report.searches_answered;
    for (const auto& f : got) take_results(file, c, to, f);
    flight.finished();
  }

  void take_results(const Ed2kFile& file, const kad::Contact& node, const Endpoint& to, const Frame& f) {
    auto r = kad::decode_search_response(f.payload, cfg.limits);
    if (!r) return sock.anomaly(to, AnomalyKind::malformed, "KAD search answer: " + r.error().message());
    for (const auto& res : r.value().results) {
      auto e = kad::source_entry(res);
      if (!e) {
        sock.anomaly(to, AnomalyKind::malformed, "KAD source result without type, address or port");
        continue;
      }
      EmuleObservation o;
      o.time = utc_now();
      o.file = file.hash;
      o.via = Via::kad;
      o.source = to;
      o.source_node_id = node.id;
      o.raw_id = e.value().ip;
      o.id_form = ed2k::IdForm::hybrid;
      o.peer_port = e.value().tcp_port;
      o.user_hash = ed2k::Md4{e.value().user_hash.bytes};
      o.source_type = e.value().type;
      if (e.value().crypt != 0) o.crypt = e.value().crypt;
      ++report.sources;
      ev.on_source(std::move(o));
    }
  }

  awaitable<void> lookup(const Ed2kFile& file, const std::vector<kad::Contact>& seeds) {
    auto ex = co_await asio::this_coro::executor;
    KadLookup l(kad::KadId::of(file.hash), seeds, cfg.lookup);
    Flight flight(ex);
    ++report.lookups;
    while (!l.done() && !stopped()) {
      for (const auto& c : l.next_queries()) {
        if (!allowed(c.address(), kad::op::req)) {
          l.on_timeout(endpoint_of(c));
          continue;
        }
        ++flight.running;
        asio::co_spawn(ex, find_node(l, c, flight), asio::detached);
      }
      if (flight.running == 0) continue;  // every query was over budget: the lookup moves on or ends
      co_await flight.wake.wait();
    }
    co_await flight.all_finished();
    for (const auto& c : l.source_nodes()) {
      if (stopped() || !allowed(c.address(), kad::op::search_source_req)) continue;
      ++flight.running;
      asio::co_spawn(ex, search(file, c, flight), asio::detached);
    }
    co_await flight.all_finished();
    const auto& s = l.stats();
    report.lookup.queries += s.queries;
    report.lookup.replies += s.replies;
    report.lookup.timeouts += s.timeouts;
    report.lookup.unsolicited += s.unsolicited;
    report.lookup.dropped_contacts += s.dropped_contacts;
  }

  // Takes the next file until none is left; parallel_lookups of these run.
  awaitable<void> lookups(const std::vector<Ed2kFile>& files, std::size_t& next,
                          const std::vector<kad::Contact>& known, Flight& flight) {
    while (next < files.size() && !stopped()) co_await lookup(files[next++], known);
    flight.finished();
  }
};

}  // namespace

awaitable<StatusOr<KadReport>> crawl_kad(std::vector<kad::Contact> seeds, std::vector<Ed2kFile> files,
                                         const KadConfig& cfg, RateGate& gate, const KadEvents& ev,
                                         StopSignal* stop) {
  auto ex = co_await asio::this_coro::executor;
  KadSocket sock(ex, cfg, ev);
  if (auto st = sock.open(); !st) co_return st.error();
  StopSignal::Hook hook;
  if (stop) hook = stop->on_request([&sock] { sock.close(); });
  Crawl crawl{sock, cfg, gate, ev, stop, KadBudget{}, KadReport{}};
  Flight boot(ex);
  std::vector<kad::Contact> known;
  for (const auto& c : seeds) {
    if (!unknown_id(c.id)) {
      known.push_back(c);
      continue;
    }
    if (!crawl.allowed(c.address(), kad::op::bootstrap_req)) continue;
    ++boot.running;
    asio::co_spawn(ex, crawl.bootstrap(c, known, boot), asio::detached);
  }
  co_await boot.all_finished();
  std::erase_if(known, [](const kad::Contact& c) { return unknown_id(c.id); });
  Flight files_flight(ex);
  std::size_t next = 0;
  for (std::size_t i = 0; i < std::max<std::size_t>(cfg.parallel_lookups, 1) && i < files.size(); ++i) {
    ++files_flight.running;
    asio::co_spawn(ex, crawl.lookups(files, next, known, files_flight), asio::detached);
  }
  co_await files_flight.all_finished();
  sock.close();
  co_return crawl.report;
}

}  // namespace p2pscope::crawler
