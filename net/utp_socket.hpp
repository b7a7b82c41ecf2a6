// uTP over one UDP socket: many connections (core/utp_stream.hpp) share it,
// matched to incoming datagrams by sender and connection id. Outgoing ones
// come from connect(); once listen() was called, a SYN from a new peer
// opens an incoming one that accept() hands out. A
// UtpStream is one connection as a byte stream for a session coroutine:
// read_some waits for bytes, the end of the stream or a deadline; write
// queues bytes and sends what the windows allow. One read_some and one
// write may be outstanding at once, each with its own deadline.
//
// Datagrams go out with a non-blocking send: one the kernel refuses is
// dropped, and uTP's retransmission sends it again. A ticker retransmits
// and times connections out every tick (50 ms).
//
// Ownership and threads: one io_context thread. UtpMux is shared
// (std::shared_ptr): its receive loop and ticker and every stream hold it,
// so it lives until close() and the last stream are gone. A UtpStream is
// move-only; destroying it or close() sends FIN after what was written.
// The mux keeps the connection (retransmitting, taking acks) until that
// FIN is acked, the peer ends it, or it times out; then it forgets it.
#pragma once

#include "core/ip.hpp"
#include "core/utp_stream.hpp"
#include "net/asio.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace p2pscope::net {

class UtpMux;

class UtpStream {
 public:
  UtpStream() = default;
  UtpStream(UtpStream&&) noexcept = default;
  UtpStream& operator=(UtpStream&&) noexcept;
  UtpStream(const UtpStream&) = delete;
  UtpStream& operator=(const UtpStream&) = delete;
  ~UtpStream();

  // Appends at least one byte to `out`, or sets ec: asio::error::eof at the
  // end of the stream, connection_reset, timed_out (the connection gave
  // up, or `until` passed), operation_aborted after close().
  awaitable<void> read_some(std::string& out, asio::steady_timer::time_point until, error_code& ec);
  // Queues all of `bytes`, waiting for send-buffer room until `until`.
  awaitable<void> write(std::string_view bytes, asio::steady_timer::time_point until, error_code& ec);
  void close();
  bool is_open() const noexcept { return entry_ != nullptr; }
  // The peer; valid while is_open().
  const Endpoint& peer() const;

 private:
  friend class UtpMux;
  struct Entry;
  UtpStream(std::shared_ptr<UtpMux> mux, std::shared_ptr<Entry> e) : mux_(std::move(mux)), entry_(std::move(e)) {}
  std::shared_ptr<UtpMux> mux_;
  std::shared_ptr<Entry> entry_;
};

class UtpMux : public std::enable_shared_from_this<UtpMux> {
 public:
  // A UDP socket bound to `local` (port 0: any), its receive loop and ticker running.
  static StatusOr<std::shared_ptr<UtpMux>> open(const asio::any_io_executor& ex, const Endpoint& local,
                                                UtpLimits lim = {});
  // The set-up (SYN, STATE) within `timeout`; ec timed_out or connection_reset otherwise.
  awaitable<UtpStream> connect(Endpoint peer, std::chrono::milliseconds timeout, error_code& ec);
  // From now on a SYN that matches no connection opens one, queued for
  // accept() (up to `backlog` waiting; SYNs past that are ignored, and the
  // peer sends them again).
  void listen(std::size_t backlog = 64);
  // The next incoming connection; ec operation_aborted after close().
  awaitable<UtpStream> accept(error_code& ec);
  // Datagrams that are not uTP go to `h`, called on the io_context thread
  // (instead of being dropped): this lets a DHT node share the port, as
  // clients do. close() drops the handler, so it may hold the mux; it must
  // not call close() itself.
  using ForeignHandler = std::function<void(const Endpoint& from, std::string_view datagram)>;
  void on_foreign(ForeignHandler h) { foreign_ = std::move(h); }
  // Sends one datagram of the caller's on this socket (non-blocking: one
  // the kernel refuses is dropped, as a UDP send may be).
  void send_datagram(const Endpoint& to, std::string_view datagram);
  // Stops the loops and ends every stream (operation_aborted), sending an
  // ST_RESET to the peer of each connection not finished yet.
  void close();
  Endpoint local_endpoint() const;
  bool is_open() const noexcept { return !closed_; }
  std::size_t connections() const noexcept { return entries_.size(); }

  // Not for callers: UtpMux::open makes it.
  UtpMux(udp::socket s, UtpLimits lim);

 private:
  friend class UtpStream;
  using Key = std::pair<Endpoint, std::uint16_t>;  // the peer, our receive id

  awaitable<void> receive_loop();
  awaitable<void> ticker();
  void flush(UtpStream::Entry& e);
  void take_syn(const Endpoint& from, std::string_view datagram);
  void forget(const std::shared_ptr<UtpStream::Entry>& e);
  // Forgets a closed connection once it has nothing more to deliver.
  void forget_if_done(const std::shared_ptr<UtpStream::Entry>& e);
  std::uint16_t free_id(const Endpoint& peer);

  udp::socket socket_;
  UtpLimits lim_;
  bool closed_ = false;
  std::uint16_t next_id_;
  std::map<Key, std::shared_ptr<UtpStream::Entry>> entries_;
  std::size_t backlog_ = 0;  // 0: not listening
  std::deque<std::shared_ptr<UtpStream::Entry>> accepted_;
  asio::steady_timer accept_wake_;
  ForeignHandler foreign_;
};

// The muxes a run's sessions share, one per family (null: no uTP there).
struct UtpMuxes {
  std::shared_ptr<UtpMux> v4, v6;
  UtpMux* for_peer(const Endpoint& e) const { return e.address.is_v4() ? v4.get() : v6.get(); }
  // Opens one on local4 and, when given, one on local6 (port 0: any); a
  // family whose socket cannot be opened stays null, and `warnings` says why.
  static UtpMuxes open(const asio::any_io_executor& ex, const IpAddress& local4, const std::optional<IpAddress>& local6,
                       std::vector<std::string>& warnings);
  void close();
};

}  // namespace p2pscope::net
