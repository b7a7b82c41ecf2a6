#include "crawler/kad_client.hpp"

#include "crawler/utc_now.hpp"
#include "net/pace.hpp"

#include <set>

namespace p2pscope::crawler {
namespace {

using namespace net;
using ed2k::Frame;
using ed2k::Protocol;
using Clock = std::chrono::steady_clock;

bool unknown_id(const kad::KadId& id) { return id == kad::KadId{}; }
Endpoint endpoint_of(const kad::Contact& c) { return Endpoint{c.address(), c.udp_port}; }

// Who waits for the answers to a request: told of each answer, and once
// when the request's time is up without one (or, collecting, at its end).
class AnswerSink {
 public:
  virtual void answer(const Endpoint& from, Frame f) = 0;
  virtual void expired(const Endpoint& from) = 0;

 protected:
  ~AnswerSink() = default;
};

enum class Collect : std::uint8_t { first, all };

// One UDP socket: requests out, datagrams matched back to their request by
// (sender, opcode, target), so lookups for several files may ask one node
// at once; anything else is reported once per sender and kind. Requests
// are entries in a table swept every kSweep, not a coroutine and a timer
// each: a crawl sends thousands a second.
class KadSocket {
 public:
  static constexpr auto kSweep = std::chrono::milliseconds(20);

  KadSocket(const asio::any_io_executor& ex, const KadConfig& cfg, const KadEvents& ev)
      : socket_(ex), sweep_(ex), cfg_(cfg), ev_(ev) {}
  ~KadSocket() { *alive_ = false; }

  Status open() {
    error_code ec;
    socket_.open(udp::v4(), ec);
    if (!ec) socket_.bind(udp::endpoint(to_asio(cfg_.local), 0), ec);
    if (!ec) socket_.non_blocking(true, ec);
    if (ec) return fail(ec, "KAD: cannot open a UDP socket: " + ec.message());
    asio::co_spawn(socket_.get_executor(), receive(alive_), asio::detached);
    asio::co_spawn(socket_.get_executor(), sweep(alive_), asio::detached);
    return success();
  }
  // Closes the socket and ends every request now.
  void close() {
    error_code ignored;
    socket_.close(ignored);
    sweep_.cancel();
    expire(Clock::time_point::max());
  }

  // Sends req to `to`; the datagrams of opcode `want` for `target`
  // (kad::answer_target; zero for an answer without one) that come from it
  // before `deadline` go to `sink`, which must stay valid until told
  // expired() or forget()s itself. False when it was not sent: the socket
  // failed, or a question of the same kind to that node is open.
  bool send(const Endpoint& to, const Frame& req, std::uint8_t want, const kad::KadId& target,
            Clock::time_point deadline, AnswerSink& sink, Collect collect) {
    Key key{to, want, target};
    if (!socket_.is_open() || pending_.contains(key)) return false;
    error_code ec;
    socket_.send_to(asio::buffer(ed2k::encode_udp_frame(req)), to_udp(to), 0, ec);
    if (ec) return false;
    pending_.emplace(key, Pending{&sink, deadline, collect});
    return true;
  }
  // Drops every request of `sink` without telling it.
  void forget(const AnswerSink& sink) {
    std::erase_if(pending_, [&](const auto& kv) { return kv.second.sink == &sink; });
  }

  void anomaly(const Endpoint& from, AnomalyKind kind, std::string detail) {
    if (reported_.insert({from, kind}).second) ev_.on_anomaly(from, kind, std::move(detail));
  }

 private:
  using Key = std::tuple<Endpoint, std::uint8_t, kad::KadId>;
  struct Pending {
    AnswerSink* sink;
    Clock::time_point deadline;
    Collect collect;
  };

  // async_receive_from tries the read before it waits: while datagrams are
  // queued each completes without the reactor, and the wait it falls back
  // to needs no re-arming (async_wait re-arms the descriptor every time).
  awaitable<void> receive(std::shared_ptr<bool> alive) {
    std::string buf(65536, '\0');
    error_code ec;
    for (;;) {
      udp::endpoint from;
      auto n = co_await socket_.async_receive_from(asio::buffer(buf), from, use_ec(ec));
      if (!*alive || !socket_.is_open()) co_return;
      if (ec) continue;  // an ICMP error for an earlier send: the next datagram may be fine
      take(from_asio(from), std::string_view(buf.data(), n));
    }
  }

  awaitable<void> sweep(std::shared_ptr<bool> alive) {
    for (;;) {
      sweep_.expires_after(kSweep);
      error_code ec;
      co_await sweep_.async_wait(use_ec(ec));
      if (!*alive || !socket_.is_open()) co_return;
      expire(Clock::now());
    }
  }

  void expire(Clock::time_point now) {
    std::vector<std::pair<Endpoint, AnswerSink*>> due;
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      due.emplace_back(std::get<0>(it->first), it->second.sink);
      it = pending_.erase(it);
    }
    for (auto& [from, sink] : due) sink->expired(from);
  }

  void take(const Endpoint& from, std::string_view dgram) {
    ed2k::Limits lim = cfg_.limits.tags;
    lim.max_frame = lim.max_unpacked = 1 << 16;
    auto f = ed2k::decode_udp_frame(dgram, lim);
    if (!f) return anomaly(from, AnomalyKind::malformed, "KAD datagram: " + f.error().message());
    auto target = kad::answer_target(f.value().opcode, f.value().payload).value_or(kad::KadId{});
    auto it = pending_.find(Key{from, f.value().opcode, target});
    if (it == pending_.end())
      return anomaly(from, AnomalyKind::unsolicited, "a KAD datagram nobody asked " + from.to_string() + " for");
    auto* sink = it->second.sink;
    if (it->second.collect == Collect::first) pending_.erase(it);
    sink->answer(from, std::move(f).value());
  }

  udp::socket socket_;
  asio::steady_timer sweep_;
  const KadConfig& cfg_;
  const KadEvents& ev_;
  std::map<Key, Pending> pending_;
  std::set<std::pair<Endpoint, AnomalyKind>> reported_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Requests in flight for one purpose, each a coroutine that calls
// finished() last (the bootstrap; the lookups themselves).
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

// One question, awaited: the first answer, or nothing at the deadline.
class OneAnswer final : public AnswerSink {
 public:
  explicit OneAnswer(const asio::any_io_executor& ex) : wake_(ex) {}
  void answer(const Endpoint&, Frame f) override {
    got_ = std::move(f);
    over_ = true;
    wake_.notify();
  }
  void expired(const Endpoint&) override {
    over_ = true;
    wake_.notify();
  }
  awaitable<std::optional<Frame>> wait() {
    while (!over_) co_await wake_.wait();
    co_return std::move(got_);
  }

 private:
  Wakeup wake_;
  std::optional<Frame> got_;
  bool over_ = false;
};

struct Crawl;

// One file: the find-node iterations toward it, then the source searches
// at the answered nodes near it. Answers arrive through the socket's table.
class FileLookup final : public AnswerSink {
 public:
  FileLookup(Crawl& crawl, const Ed2kFile& file, const std::vector<kad::Contact>& seeds, const asio::any_io_executor& ex);
  ~FileLookup() { forget(); }
  awaitable<void> run();
  void answer(const Endpoint& from, Frame f) override;
  void expired(const Endpoint& from) override;

 private:
  void forget();
  void send(const Endpoint& to, const Frame& req, std::uint8_t want, Clock::duration wait, Collect collect);
  awaitable<void> wait_for_answers() {
    while (open_ > 0) co_await wake_.wait();
  }

  Crawl& crawl_;
  Ed2kFile file_;
  KadLookup lookup_;
  Wakeup wake_;
  std::size_t open_ = 0;  // requests not yet answered or expired
  bool searching_ = false;
  std::map<Endpoint, kad::KadId> searched_;  // the node id behind each search
  std::set<Endpoint> answered_;              // searches with a datagram back
};

// One crawl: shared socket, budget and counters.
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
    OneAnswer one(co_await asio::this_coro::executor);
    Frame req{Protocol::kad, kad::op::bootstrap_req, {}};
    if (sock.send(to, req, kad::op::bootstrap_res, kad::KadId{}, Clock::now() + cfg.timeout, one, Collect::first)) {
      if (auto got = co_await one.wait()) {
        if (auto r = kad::decode_bootstrap_response(got->payload, cfg.limits)) {
          ++report.bootstrapped;
          c.id = r.value().id;
          known.push_back(c);
          known.insert(known.end(), r.value().contacts.begin(), r.value().contacts.end());
        } else {
          sock.anomaly(to, AnomalyKind::malformed, "KAD bootstrap answer: " + r.error().message());
        }
      }
    }
    sock.forget(one);
    flight.finished();
  }

  void take_results(const Ed2kFile& file, const kad::KadId& node, const Endpoint& to, const Frame& f) {
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
      o.source_node_id = node;
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

  // Takes the next file until none is left; parallel_lookups of these run.
  awaitable<void> lookups(const std::vector<Ed2kFile>& files, std::size_t& next,
                          const std::vector<kad::Contact>& known, Flight& flight) {
    auto ex = co_await asio::this_coro::executor;
    while (next < files.size() && !stopped()) {
      FileLookup l(*this, files[next++], known, ex);
      co_await l.run();
    }
    flight.finished();
  }
};

FileLookup::FileLookup(Crawl& crawl, const Ed2kFile& file, const std::vector<kad::Contact>& seeds,
                       const asio::any_io_executor& ex)
    : crawl_(crawl), file_(file), lookup_(kad::KadId::of(file.hash), seeds, crawl.cfg.lookup), wake_(ex) {}

void FileLookup::forget() { crawl_.sock.forget(*this); }

void FileLookup::send(const Endpoint& to, const Frame& req, std::uint8_t want, Clock::duration wait, Collect collect) {
  if (crawl_.sock.send(to, req, want, lookup_.target(), Clock::now() + wait, *this, collect)) ++open_;
  else if (!searching_) lookup_.on_timeout(to);
}

awaitable<void> FileLookup::run() {
  auto& cfg = crawl_.cfg;
  ++crawl_.report.lookups;
  while (!lookup_.done() && !crawl_.stopped()) {
    for (const auto& c : lookup_.next_queries()) {
      if (!crawl_.allowed(c.address(), kad::op::req)) {
        lookup_.on_timeout(endpoint_of(c));
        continue;
      }
      auto to = endpoint_of(c);
      // The gate is the crawl's rate: waiting here holds this lookup only.
      if (auto slot = book(crawl_.gate, to.address); slot.count() > 0) co_await sleep_for(slot);
      ++crawl_.report.find_nodes;
      Frame req{Protocol::kad, kad::op::req, kad::encode_node_request({cfg.lookup.wanted, lookup_.target(), c.id})};
      send(to, req, kad::op::res, cfg.timeout, Collect::first);
    }
    if (open_ == 0) continue;  // nothing went out: the lookup moves on or ends
    co_await wake_.wait();
  }
  co_await wait_for_answers();
  searching_ = true;
  const kad::SourceSearch q{lookup_.target(), 0, file_.size};
  const Frame search{Protocol::kad, kad::op::search_source_req, kad::encode_source_search(q)};
  for (const auto& c : lookup_.source_nodes()) {
    if (crawl_.stopped() || !crawl_.allowed(c.address(), kad::op::search_source_req)) continue;
    auto to = endpoint_of(c);
    if (auto slot = book(crawl_.gate, to.address); slot.count() > 0) co_await sleep_for(slot);
    ++crawl_.report.searches;
    searched_[to] = c.id;
    send(to, search, kad::op::search_res, cfg.search_window, Collect::all);
  }
  co_await wait_for_answers();
  const auto& s = lookup_.stats();
  auto& sum = crawl_.report.lookup;
  sum.queries += s.queries;
  sum.replies += s.replies;
  sum.timeouts += s.timeouts;
  sum.unsolicited += s.unsolicited;
  sum.dropped_contacts += s.dropped_contacts;
}

void FileLookup::answer(const Endpoint& from, Frame f) {
  if (searching_) {
    if (auto it = searched_.find(from); it != searched_.end()) {
      if (answered_.insert(from).second) ++crawl_.report.searches_answered;  // at its first datagram
      crawl_.take_results(file_, it->second, from, f);
    }
    return;
  }
  auto r = kad::decode_node_response(f.payload, crawl_.cfg.limits);
  if (!r) crawl_.sock.anomaly(from, AnomalyKind::malformed, "KAD find-node answer: " + r.error().message());
  if (!r || !lookup_.on_reply(from, r.value())) lookup_.on_timeout(from);
  --open_;
  wake_.notify();
}

void FileLookup::expired(const Endpoint& from) {
  if (!searching_) lookup_.on_timeout(from);
  --open_;
  wake_.notify();
}

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
