#include "lab/announcer.hpp"

#include "core/krpc.hpp"
#include "net/connect.hpp"

#include <memory>
#include <random>

namespace p2pscope::lab {
namespace {

using namespace std::chrono_literals;

constexpr int kAttempts = 3;
constexpr auto kAttemptTimeout = 2s;
constexpr std::size_t kMaxHttpReply = 1 << 20;  // a lab tracker's reply to numwant 200 is a few KiB

// Sends `out` from s to `to` and waits for a datagram that `ours` turns into
// a T (it returns nothing for anything else), resending after each attempt's
// deadline.
// (A coroutine: everything but the socket is taken by value.)
template <class T, class Match>
awaitable<Result<T>> exchange(udp::socket& s, Endpoint to, std::string out, Match ours) {
  std::string buf(65536, '\0');
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    error_code ec;
    co_await s.async_send_to(asio::buffer(out), to_udp(to), use_ec(ec));
    asio::steady_timer deadline(s.get_executor(), kAttemptTimeout);
    // The deadline may have expired, its handler queued, just as the answer
    // came: then cancel() cannot stop it, and it runs after this coroutine
    // (and the caller's socket) are gone. `answered` keeps it off the socket.
    auto answered = std::make_shared<bool>(false);
    deadline.async_wait([&s, answered](const error_code& e) {
      if (!e && !*answered) s.cancel();
    });
    while (!ec) {
      udp::endpoint from;
      auto n = co_await s.async_receive_from(asio::buffer(buf), from, use_ec(ec));
      if (ec) break;
      if (std::optional<T> r = ours(std::string_view(buf.data(), n))) {
        *answered = true;
        deadline.cancel();
        co_return std::move(*r);
      }
    }
    if (ec != asio::error::operation_aborted) {  // the deadline must fire before the next attempt
      error_code ignored;
      co_await deadline.async_wait(use_ec(ignored));
    }
  }
  co_return std::make_error_code(std::errc::timed_out);
}

// A BEP 15 request and the response with its transaction id.
awaitable<Result<UdpTrackerResponse>> exchange(udp::socket& s, const Endpoint& tracker, const UdpTrackerRequest& req,
                                               std::uint32_t tx, Family family) {
  return exchange<UdpTrackerResponse>(s, tracker, encode_udp_tracker(req),
                                      [tx, family](std::string_view d) -> std::optional<UdpTrackerResponse> {
                                        auto r = decode_udp_tracker_response(d, family);
                                        if (r && transaction_id_of(r.value()) == tx) return r.value();
                                        return std::nullopt;
                                      });
}

// A KRPC query and the answer with its transaction id.
awaitable<Result<KrpcMessage>> krpc_exchange(udp::socket& s, const Endpoint& node, const KrpcQuery& q) {
  return exchange<KrpcMessage>(s, node, encode_krpc(q), [tx = q.transaction_id](std::string_view d) -> std::optional<KrpcMessage> {
    auto m = decode_krpc(d);
    if (!m || !std::visit([&](const auto& x) { return x.transaction_id == tx; }, m.value())) return std::nullopt;
    return m.value();
  });
}

std::uint32_t next_tx() {
  static std::mt19937 rng(std::random_device{}());
  return static_cast<std::uint32_t>(rng());
}

}  // namespace

awaitable<Result<UdpAnnounceResponse>> udp_announce(const IpAddress& local, const Endpoint& tracker,
                                                    const AnnounceSpec& spec) {
  // One socket for connect and announce: trackers tie the connection id to
  // the source address and port.
  udp::socket s(co_await asio::this_coro::executor);
  error_code ec;
  s.open(local.is_v4() ? udp::v4() : udp::v6(), ec);
  if (!ec) s.bind(udp::endpoint(to_asio(local), 0), ec);
  if (ec) co_return ec;
  auto tx = next_tx();
  auto c = co_await exchange(s, tracker, UdpConnectRequest{tx}, tx, local.family());
  if (!c) co_return c.error();
  auto* conn = std::get_if<UdpConnectResponse>(&c.value());
  if (!conn) co_return make_error_code(errc::unknown_message_type);
  UdpAnnounceRequest a;
  a.connection_id = conn->connection_id;
  a.transaction_id = tx = next_tx();
  a.info_hash = spec.info_hash;
  a.peer_id = spec.peer_id;
  a.left = spec.seed ? 0 : 1;
  a.event = spec.event;
  a.ip = spec.ip && spec.ip->is_v4() ? spec.ip->v4_value() : 0;
  a.key = tx;
  a.num_want = spec.num_want;
  a.port = spec.port;
  auto r = co_await exchange(s, tracker, a, tx, local.family());
  if (!r) co_return r.error();
  if (auto* ann = std::get_if<UdpAnnounceResponse>(&r.value())) co_return *ann;
  co_return make_error_code(errc::bad_value);  // the tracker answered with an error
}

awaitable<Result<HttpAnnounceResponse>> http_announce(const IpAddress& local, const Endpoint& tracker,
                                                      HttpAnnounceParams params) {
  tcp::socket s(co_await asio::this_coro::executor);
  if (auto ec = co_await connect_within(s, tracker, local, kAttemptTimeout)) co_return ec;
  Watchdog<tcp::socket> dog(s);
  dog.arm(kAttemptTimeout);
  std::string request = "GET " + announce_url("/announce", params) + " HTTP/1.0\r\nHost: " + tracker.to_string() + "\r\n\r\n";
  error_code ec;
  co_await asio::async_write(s, asio::buffer(request), use_ec(ec));
  if (ec) co_return ec;
  std::string reply;
  co_await asio::async_read(s, asio::dynamic_buffer(reply, kMaxHttpReply), use_ec(ec));
  if (ec != asio::error::eof) co_return ec ? ec : make_error_code(errc::oversized);
  auto body = reply.find("\r\n\r\n");
  if (body == std::string::npos || !reply.starts_with("HTTP/1.0 200")) co_return make_error_code(errc::bad_value);
  co_return decode_http_announce(std::string_view(reply).substr(body + 4));
}

awaitable<Status> dht_announce(const IpAddress& local, const Endpoint& node, const NodeId& id, const InfoHash& ih,
                               std::uint16_t port) {
  udp::socket s(co_await asio::this_coro::executor);
  error_code ec;
  s.open(local.is_v4() ? udp::v4() : udp::v6(), ec);
  if (!ec) s.bind(udp::endpoint(to_asio(local), 0), ec);
  if (ec) co_return ec;
  // Read-only (BEP 43): the socket is ephemeral and answers nothing, so no
  // node may put it in its routing table (the responder once learned
  // thousands of these and slowed every answer).
  KrpcQuery gp;
  gp.transaction_id = "gp";
  gp.method_name = "get_peers";
  gp.id = id;
  gp.info_hash = ih;
  gp.read_only = true;
  auto got = co_await krpc_exchange(s, node, gp);
  if (!got) co_return got.error();
  auto* r = std::get_if<KrpcResponse>(&got.value());
  if (!r || !r->token) co_return make_error_code(errc::bad_value);
  KrpcQuery ap;
  ap.transaction_id = "ap";
  ap.method_name = "announce_peer";
  ap.id = id;
  ap.info_hash = ih;
  ap.port = port;
  ap.token = r->token;
  ap.read_only = true;
  auto done = co_await krpc_exchange(s, node, ap);
  if (!done) co_return done.error();
  if (!std::holds_alternative<KrpcResponse>(done.value())) co_return make_error_code(errc::bad_value);
  co_return success();
}

}  // namespace p2pscope::lab
