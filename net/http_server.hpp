// A small read-only HTTP/1.1 server on Boost.Beast: one coroutine per
// connection, keep-alive, a deadline on every read and write, a cap on the
// request header and no request body at all. The handler turns each
// request into a response; it runs on the server's io_context thread and
// must not block for long.
//
// serve_http runs until the StopSignal is requested (then closes the
// acceptor and every connection) or the acceptor fails.
#pragma once

#include "net/asio.hpp"
#include "net/http_types.hpp"
#include "net/stop_signal.hpp"

#include <functional>

namespace p2pscope::net {

struct HttpLimits {
  std::uint32_t header_bytes = 16 * 1024;           // larger: 431, and the connection is closed
  std::chrono::milliseconds read_timeout{15000};    // per request, from its first byte awaited
  std::chrono::milliseconds write_timeout{30000};   // per response
  std::size_t max_connections = 256;                // more are accepted and closed at once
};

using HttpHandler = std::function<HttpAnswer(const HttpAsk&)>;

awaitable<void> serve_http(tcp::acceptor& acceptor, HttpHandler handler, HttpLimits limits, StopSignal& stop);

}  // namespace p2pscope::net
