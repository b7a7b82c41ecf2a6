#include "net/http_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>

namespace p2pscope::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

struct Shared {
  HttpHandler handler;
  HttpLimits limits;
  std::size_t open = 0;
};

std::string field(const http::request<http::empty_body>& req, http::field f) {
  auto it = req.find(f);
  return it == req.end() ? std::string() : std::string(it->value());
}

http::response<http::string_body> to_response(HttpAnswer a, unsigned version, bool head, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(a.status), version};
  res.set(http::field::server, "p2pscope");
  for (auto& [k, v] : a.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.content_length(a.body.size());  // for HEAD too: what a GET would send
  if (!head) res.body() = std::move(a.body);
  return res;
}

// An error the client caused gets one answer before the connection closes.
std::optional<HttpAnswer> answer_to(const error_code& ec) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  if (ec == http::error::header_limit) return HttpAnswer{431, {{"Content-Type", "text/plain"}}, "request header too large\n"};
  if (ec == http::error::unexpected_body || ec == http::error::body_limit)
    return HttpAnswer{413, {{"Content-Type", "text/plain"}}, "this server takes no request body\n"};
  if (ec.category() == http::make_error_code(http::error::bad_method).category())
    return HttpAnswer{400, {{"Content-Type", "text/plain"}}, "malformed request\n"};
  return std::nullopt;  // the peer went away or timed out: nobody to answer
}

awaitable<void> session(tcp::socket socket, std::shared_ptr<Shared> shared, StopSignal& stop) {
  beast::tcp_stream stream(std::move(socket));
  auto hook = stop.on_request([&stream] { stream.socket().close(); });
  beast::flat_buffer buffer(shared->limits.header_bytes + 512);
  for (bool keep_alive = true; keep_alive && !stop.requested();) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(shared->limits.header_bytes);
    stream.expires_after(shared->limits.read_timeout);
    error_code ec;
    co_await http::async_read(stream, buffer, parser, use_ec(ec));
    if (ec) {
      if (auto a = answer_to(ec); a && !stop.requested()) {
        stream.expires_after(shared->limits.write_timeout);
        co_await http::async_write(stream, to_response(std::move(*a), 11, false, false), use_ec(ec));
      }
      break;
    }
    const auto& req = parser.get();
    HttpAsk ask{std::string(req.method_string()), std::string(req.target()), field(req, http::field::if_none_match),
                field(req, http::field::if_modified_since)};
    keep_alive = req.keep_alive();
    auto res = to_response(shared->handler(ask), req.version(), req.method() == http::verb::head, keep_alive);
    stream.expires_after(shared->limits.write_timeout);
    co_await http::async_write(stream, res, use_ec(ec));
    if (ec) break;
  }
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  --shared->open;
}

}  // namespace

awaitable<void> serve_http(tcp::acceptor& acceptor, HttpHandler handler, HttpLimits limits, StopSignal& stop) {
  auto shared = std::make_shared<Shared>(Shared{std::move(handler), limits, 0});
  auto hook = stop.on_request([&acceptor] {
    error_code ec;
    acceptor.close(ec);
  });
  auto ex = co_await asio::this_coro::executor;
  while (!stop.requested()) {
    error_code ec;
    auto socket = co_await acceptor.async_accept(use_ec(ec));
    if (ec) {
      if (stop.requested() || !acceptor.is_open()) break;
      // Out of descriptors, say: wait a little rather than spin.
      co_await stop.sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (shared->open >= shared->limits.max_connections) {
      socket.close(ec);
      continue;
    }
    ++shared->open;
    asio::co_spawn(ex, session(std::move(socket), shared, stop), asio::detached);
  }
}

}  // namespace p2pscope::net
