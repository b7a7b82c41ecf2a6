#include "net/utp_socket.hpp"

#include <random>

namespace p2pscope::net {

namespace {

constexpr auto kTick = std::chrono::milliseconds(50);

std::uint64_t now_us() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace

struct UtpStream::Entry {
  Entry(std::uint16_t id, const Endpoint& p, const UtpLimits& lim, const asio::any_io_executor& ex)
      : conn(id, now_us(), lim), peer(p), reader(ex), writer(ex) {}
  Entry(UtpConnection c, const Endpoint& p, const asio::any_io_executor& ex)
      : conn(std::move(c)), peer(p), reader(ex), writer(ex) {}
  UtpConnection conn;
  Endpoint peer;
  // A waiting reader (or connect) and a waiting writer each sleep on their
  // own timer, so each keeps its own deadline: setting one timer's expiry
  // would wake the other's wait. News cancels both.
  asio::steady_timer reader, writer;
  bool closed = false;

  void notify() {
    reader.cancel();
    writer.cancel();
  }
  // Sleeps on `on` until news or `until`; false when `until` passed.
  static awaitable<bool> wait(asio::steady_timer& on, asio::steady_timer::time_point until) {
    if (asio::steady_timer::clock_type::now() >= until) co_return false;
    on.expires_at(until);
    error_code ec;
    co_await on.async_wait(use_ec(ec));
    co_return ec == asio::error::operation_aborted;
  }
};

UtpMux::UtpMux(udp::socket s, UtpLimits lim)
    : socket_(std::move(s)), lim_(lim), next_id_(static_cast<std::uint16_t>(std::random_device{}())),
      accept_wake_(socket_.get_executor()) {}

StatusOr<std::shared_ptr<UtpMux>> UtpMux::open(const asio::any_io_executor& ex, const Endpoint& local, UtpLimits lim) {
  udp::socket s(ex);
  error_code ec;
  s.open(local.address.is_v4() ? udp::v4() : udp::v6(), ec);
  if (!ec) s.bind(to_udp(local), ec);
  if (!ec) s.non_blocking(true, ec);
  if (!ec) {
    // Every connection shares this socket: room for bursts of datagrams
    // (the kernel caps it at net.core.rmem_max; less is no error).
    error_code ignored;
    s.set_option(asio::socket_base::receive_buffer_size(1 << 20), ignored);
  }
  if (ec) return fail(std::make_error_code(std::errc::io_error), "uTP socket on " + local.to_string() + ": " + ec.message());
  auto mux = std::make_shared<UtpMux>(std::move(s), lim);
  asio::co_spawn(ex, [m = mux]() { return m->receive_loop(); }, asio::detached);
  asio::co_spawn(ex, [m = mux]() { return m->ticker(); }, asio::detached);
  return mux;
}

Endpoint UtpMux::local_endpoint() const {
  error_code ec;
  return from_asio(socket_.local_endpoint(ec));
}

std::uint16_t UtpMux::free_id(const Endpoint& peer) {
  // Our receive id and the send id (id + 1) must both be free towards this
  // peer: the peer tells connections apart by the id it receives on.
  while (entries_.count({peer, next_id_}) || entries_.count({peer, static_cast<std::uint16_t>(next_id_ + 1)}) ||
         entries_.count({peer, static_cast<std::uint16_t>(next_id_ - 1)}))
    next_id_ = static_cast<std::uint16_t>(next_id_ + 2);
  auto id = next_id_;
  next_id_ = static_cast<std::uint16_t>(next_id_ + 2);
  return id;
}

void UtpMux::flush(UtpStream::Entry& e) {
  for (const auto& d : e.conn.take_outgoing(now_us())) {
    error_code ec;
    socket_.send_to(asio::buffer(d), to_udp(e.peer), 0, ec);  // refused: retransmission sends it again
  }
}

awaitable<UtpStream> UtpMux::connect(Endpoint peer, std::chrono::milliseconds timeout, error_code& ec) {
  ec = {};
  if (closed_) {
    ec = asio::error::operation_aborted;
    co_return UtpStream{};
  }
  auto id = free_id(peer);
  auto e = std::make_shared<UtpStream::Entry>(id, peer, lim_, socket_.get_executor());
  entries_[{peer, id}] = e;
  flush(*e);
  UtpStream stream(shared_from_this(), e);
  auto until = asio::steady_timer::clock_type::now() + timeout;
  while (e->conn.state() == UtpState::syn_sent && !e->closed) {
    if (!co_await UtpStream::Entry::wait(e->reader, until)) break;
  }
  if (e->conn.state() == UtpState::syn_sent || e->conn.state() == UtpState::timed_out || e->closed) {
    ec = e->closed ? asio::error::operation_aborted : asio::error::timed_out;
  } else if (e->conn.state() == UtpState::reset) {
    ec = asio::error::connection_reset;
  }
  if (ec) stream.close();
  co_return stream;
}

awaitable<void> UtpMux::receive_loop() {
  auto self = shared_from_this();
  std::string buf(64 * 1024, '\0');
  while (!closed_) {
    udp::endpoint from;
    error_code ec;
    auto n = co_await socket_.async_receive_from(asio::buffer(buf), from, use_ec(ec));
    if (ec == asio::error::operation_aborted || closed_) break;
    if (ec) continue;
    auto datagram = std::string_view(buf).substr(0, n);
    auto h = decode_utp(datagram);
    if (!h) {
      if (foreign_) foreign_(from_asio(from), datagram);
      continue;
    }
    // A SYN belongs to the connection it opened (a resent one) or opens one.
    bool syn = h.value().type == UtpType::syn;
    auto it = entries_.find({from_asio(from), syn ? UtpConnection::syn_recv_id(h.value()) : h.value().connection_id});
    if (it == entries_.end()) {
      if (syn) take_syn(from_asio(from), datagram);
      continue;
    }
    auto e = it->second;  // on_datagram may lead to forget()
    (void)e->conn.on_datagram(datagram, now_us());
    flush(*e);
    e->notify();
    forget_if_done(e);
  }
}

void UtpMux::listen(std::size_t backlog) { backlog_ = std::max<std::size_t>(backlog, 1); }

void UtpMux::take_syn(const Endpoint& from, std::string_view datagram) {
  if (!backlog_ || accepted_.size() >= backlog_) return;
  auto c = UtpConnection::accept(datagram, static_cast<std::uint16_t>(std::random_device{}()), now_us(), lim_);
  if (!c) return;
  auto e = std::make_shared<UtpStream::Entry>(std::move(c).value(), from, socket_.get_executor());
  entries_[{from, e->conn.recv_id()}] = e;
  flush(*e);
  accepted_.push_back(std::move(e));
  accept_wake_.cancel();
}

awaitable<UtpStream> UtpMux::accept(error_code& ec) {
  ec = {};
  auto self = shared_from_this();
  while (accepted_.empty() && !closed_) {
    accept_wake_.expires_at(asio::steady_timer::time_point::max());
    error_code ignored;
    co_await accept_wake_.async_wait(use_ec(ignored));
  }
  if (closed_) {
    ec = asio::error::operation_aborted;
    co_return UtpStream{};
  }
  auto e = std::move(accepted_.front());
  accepted_.pop_front();
  co_return UtpStream(self, std::move(e));
}

awaitable<void> UtpMux::ticker() {
  auto self = shared_from_this();
  asio::steady_timer t(socket_.get_executor());
  while (!closed_) {
    t.expires_after(kTick);
    error_code ec;
    co_await t.async_wait(use_ec(ec));
    auto now = now_us();
    std::vector<std::shared_ptr<UtpStream::Entry>> done;
    for (auto& [key, e] : entries_) {
      auto before = e->conn.state();
      e->conn.on_tick(now);
      flush(*e);
      if (e->conn.state() != before) e->notify();
      if (e->closed) done.push_back(e);
    }
    for (const auto& e : done) forget_if_done(e);
  }
}

void UtpMux::forget(const std::shared_ptr<UtpStream::Entry>& e) {
  auto it = entries_.find({e->peer, e->conn.recv_id()});
  if (it != entries_.end() && it->second == e) entries_.erase(it);
}

void UtpMux::forget_if_done(const std::shared_ptr<UtpStream::Entry>& e) {
  bool fin_acked = e->conn.state() == UtpState::fin_sent && e->conn.all_acked();
  if (e->closed && (e->conn.finished() || fin_acked)) forget(e);
}

void UtpMux::send_datagram(const Endpoint& to, std::string_view datagram) {
  if (closed_) return;
  error_code ec;
  socket_.send_to(asio::buffer(datagram.data(), datagram.size()), to_udp(to), 0, ec);
}

void UtpMux::close() {
  if (closed_) return;
  closed_ = true;
  foreign_ = nullptr;
  // A peer keeps a connection nobody ends until its own timeout, and some
  // (libtorrent) refuse a second one from the same address meanwhile.
  for (auto& [key, e] : entries_) {
    if (auto reset = e->conn.abort(now_us()); !reset.empty()) {
      error_code ignored;  // best effort, as any UDP send
      socket_.send_to(asio::buffer(reset), to_udp(e->peer), 0, ignored);
    }
    e->closed = true;
    e->notify();
  }
  entries_.clear();
  accepted_.clear();
  accept_wake_.cancel();
  error_code ec;
  socket_.close(ec);
}

UtpMuxes UtpMuxes::open(const asio::any_io_executor& ex, const IpAddress& local4,
                         const std::optional<IpAddress>& local6, std::vector<std::string>& warnings) {
  auto one = [&](const IpAddress& local) -> std::shared_ptr<UtpMux> {
    auto mux = UtpMux::open(ex, Endpoint{local, 0});
    if (mux) return std::move(mux).value();
    warnings.push_back("no uTP: " + mux.error().message());
    return nullptr;
  };
  UtpMuxes m;
  m.v4 = one(local4);
  if (local6) m.v6 = one(*local6);
  return m;
}

void UtpMuxes::close() {
  for (auto* mux : {v4.get(), v6.get()}) {
    if (mux) mux->close();
  }
}

UtpStream& UtpStream::operator=(UtpStream&& o) noexcept {
  if (this != &o) {
    close();
    mux_ = std::move(o.mux_);
    entry_ = std::move(o.entry_);
  }
  return *this;
}

UtpStream::~UtpStream() { close(); }

const Endpoint& UtpStream::peer() const { return entry_->peer; }

void UtpStream::close() {
  if (!entry_) return;
  // A FIN for a connection the peer still has, after what is still unsent;
  // the mux lingers on it until that is acked. A connection not yet set up
  // is dropped at once.
  bool linger = !entry_->conn.finished() && entry_->conn.state() != UtpState::syn_sent && !mux_->closed_;
  if (linger) {
    entry_->conn.close();
    mux_->flush(*entry_);
  }
  entry_->closed = true;
  entry_->notify();
  if (linger) mux_->forget_if_done(entry_);
  else mux_->forget(entry_);
  entry_.reset();
  mux_.reset();
}

awaitable<void> UtpStream::read_some(std::string& out, asio::steady_timer::time_point until, error_code& ec) {
  ec = {};
  // close() during the wait resets the members: keep what the loop uses.
  auto e = entry_;
  auto mux = mux_;
  if (!e) {
    ec = asio::error::operation_aborted;
    co_return;
  }
  for (;;) {
    auto got = e->conn.read();
    if (!got.empty()) {
      // A read that frees half the window tells the peer at once, or a
      // peer that filled it waits for a timeout to send more.
      if (got.size() >= mux->lim_.receive_window / 2 && !mux->closed_) {
        e->conn.ack_now();
        mux->flush(*e);
      }
      out += got;
      co_return;
    }
    if (e->closed) ec = asio::error::operation_aborted;
    else if (e->conn.state() == UtpState::eof) ec = asio::error::eof;
    else if (e->conn.state() == UtpState::reset) ec = asio::error::connection_reset;
    else if (e->conn.state() == UtpState::timed_out) ec = asio::error::timed_out;
    if (ec) co_return;
    if (!co_await Entry::wait(e->reader, until)) {
      ec = asio::error::timed_out;
      co_return;
    }
  }
}

awaitable<void> UtpStream::write(std::string_view bytes, asio::steady_timer::time_point until, error_code& ec) {
  ec = {};
  auto e = entry_;
  auto mux = mux_;
  while (e && !bytes.empty()) {
    if (e->closed || e->conn.finished()) {
      ec = e->closed ? asio::error::operation_aborted : asio::error::broken_pipe;
      co_return;
    }
    auto took = e->conn.write(bytes);
    bytes.remove_prefix(took);
    mux->flush(*e);
    if (!bytes.empty() && !co_await Entry::wait(e->writer, until)) {
      ec = asio::error::timed_out;
      co_return;
    }
  }
  if (!e) ec = asio::error::operation_aborted;
}

}  // namespace p2pscope::net
