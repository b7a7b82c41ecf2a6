// One peer-wire connection of a lab peer, over TCP or uTP (BEP 29): the
// session code reads and writes bytes without knowing which carrier it has.
// Reads have the shape of net::TcpStream and net::UtpStream (read_some by a
// deadline), so net::read_at_least serves them.
//
// Ownership and threads: one io_context thread. One read and one write may
// be outstanding at once (a lab peer's reader and its PEX writer). close()
// ends both; the object must outlive the calls (the session holds it in a
// shared_ptr).
#pragma once

#include "core/ip.hpp"
#include "core/peer_wire.hpp"
#include "lab/asio.hpp"
#include "net/utp_socket.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace p2pscope::lab {

class PeerConn {
 public:
  using time_point = asio::steady_timer::time_point;
  virtual ~PeerConn() = default;
  // Appends at least one byte to out, or sets ec. Nothing by `until` ends
  // the connection (ec timed_out or operation_aborted).
  virtual awaitable<void> read_some(std::string& out, time_point until, error_code& ec) = 0;
  // Sends all of bytes, or sets ec.
  virtual awaitable<void> write(std::string_view bytes, error_code& ec) = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  // The far end's address and source port (its listen port only when it dialled from it).
  virtual Endpoint remote() const = 0;
  virtual asio::any_io_executor executor() = 0;

  // Reads until a whole message (or the 68-byte handshake) is in and moves
  // it to `out`; false when the connection ended, the message did not
  // arrive whole within `within`, or what came is not the peer wire.
  awaitable<bool> next_message(std::string& out, std::chrono::milliseconds within);
  awaitable<bool> next_handshake(std::string& out, std::chrono::milliseconds within);

 private:
  std::string in_;  // bytes read past the last message handed out
};

// A connected (or accepted) TCP socket.
std::shared_ptr<PeerConn> tcp_conn(tcp::socket s);
// A connected (or accepted) uTP stream; writes give up after `write_timeout`.
std::shared_ptr<PeerConn> utp_conn(net::UtpStream s, asio::any_io_executor ex, std::chrono::milliseconds write_timeout);

// Accepts uTP connections on `mux` (listen() already called) until it is
// closed, and runs `session` on each as a coroutine of its own (writes give
// up after `write_timeout`). What `session` captures must outlive the mux.
awaitable<void> serve_utp(std::shared_ptr<net::UtpMux> mux, std::chrono::milliseconds write_timeout,
                          std::function<awaitable<void>(std::shared_ptr<PeerConn>)> session);

}  // namespace p2pscope::lab
