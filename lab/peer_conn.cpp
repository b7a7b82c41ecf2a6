#include "lab/peer_conn.hpp"

#include "net/tcp_stream.hpp"

namespace p2pscope::lab {
namespace {

class TcpConn final : public PeerConn {
 public:
  explicit TcpConn(tcp::socket s) : socket_(std::move(s)), reads_(socket_) {}

  awaitable<void> read_some(std::string& out, time_point until, error_code& ec) override {
    co_await reads_.read_some(out, until, ec);
  }
  // Not reads_.write: its deadline would re-arm the watchdog a waiting read
  // set. Without one of its own, a write stuck on a peer that stopped
  // reading ends when the read's deadline closes the socket.
  awaitable<void> write(std::string_view bytes, error_code& ec) override {
    co_await asio::async_write(socket_, asio::buffer(bytes), use_ec(ec));
  }
  void close() override {
    error_code ignored;
    socket_.close(ignored);
  }
  bool is_open() const override { return socket_.is_open(); }
  Endpoint remote() const override {
    error_code ec;
    auto r = socket_.remote_endpoint(ec);
    return ec ? Endpoint{} : from_asio(r);
  }
  asio::any_io_executor executor() override { return socket_.get_executor(); }

 private:
  tcp::socket socket_;
  net::TcpStream reads_;  // borrows socket_
};

class UtpConn final : public PeerConn {
 public:
  UtpConn(net::UtpStream s, asio::any_io_executor ex, std::chrono::milliseconds write_timeout)
      : stream_(std::move(s)), ex_(std::move(ex)), write_timeout_(write_timeout), remote_(stream_.peer()) {}

  awaitable<void> read_some(std::string& out, time_point until, error_code& ec) override {
    co_await stream_.read_some(out, until, ec);
  }
  awaitable<void> write(std::string_view bytes, error_code& ec) override {
    co_await stream_.write(bytes, asio::steady_timer::clock_type::now() + write_timeout_, ec);
  }
  void close() override { stream_.close(); }
  bool is_open() const override { return stream_.is_open(); }
  Endpoint remote() const override { return remote_; }
  asio::any_io_executor executor() override { return ex_; }

 private:
  net::UtpStream stream_;
  asio::any_io_executor ex_;
  std::chrono::milliseconds write_timeout_;
  Endpoint remote_;  // kept: the stream forgets its peer once closed
};

}  // namespace

// The awaited calls below are statements of their own: GCC 12 at -O3
// miscompiled `if (!co_await read_more(...)) co_return false;` in these
// member coroutines (the frame resumed into its trap, SIGILL in the release lab's
// actors); clang and GCC without optimisation ran it as written.
awaitable<bool> PeerConn::next_message(std::string& out, std::chrono::milliseconds within) {
  const auto until = asio::steady_timer::clock_type::now() + within;
  for (;;) {
    auto frame = next_frame(in_);
    if (!frame) co_return false;
    if (frame.value()) {
      auto n = frame.value()->consumed;
      out.assign(in_, 0, n);
      in_.erase(0, n);
      co_return true;
    }
    // The length prefix, once read, says how much more to wait for.
    error_code ec;
    co_await net::read_at_least(*this, in_, in_.size() + 1, until, ec);
    if (ec) co_return false;
  }
}

awaitable<bool> PeerConn::next_handshake(std::string& out, std::chrono::milliseconds within) {
  error_code ec;
  co_await net::read_at_least(*this, in_, kHandshakeSize, asio::steady_timer::clock_type::now() + within, ec);
  if (ec) co_return false;
  out.assign(in_, 0, kHandshakeSize);
  in_.erase(0, kHandshakeSize);
  co_return true;
}

std::shared_ptr<PeerConn> tcp_conn(tcp::socket s) { return std::make_shared<TcpConn>(std::move(s)); }

std::shared_ptr<PeerConn> utp_conn(net::UtpStream s, asio::any_io_executor ex, std::chrono::milliseconds write_timeout) {
  return std::make_shared<UtpConn>(std::move(s), std::move(ex), write_timeout);
}

awaitable<void> serve_utp(std::shared_ptr<net::UtpMux> mux, std::chrono::milliseconds write_timeout,
                          std::function<awaitable<void>(std::shared_ptr<PeerConn>)> session) {
  auto ex = co_await asio::this_coro::executor;
  for (;;) {
    error_code ec;
    auto s = co_await mux->accept(ec);
    if (ec == asio::error::operation_aborted) co_return;
    if (!ec) asio::co_spawn(ex, session(utp_conn(std::move(s), ex, write_timeout)), asio::detached);
  }
}

}  // namespace p2pscope::lab
