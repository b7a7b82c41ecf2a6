#include "lab/announcer.hpp"

#include <random>

namespace p2pscope::lab {
namespace {

using namespace std::chrono_literals;

constexpr int kAttempts = 3;
constexpr auto kAttemptTimeout = 2s;

// Sends req from s and waits for a response with the same transaction id.
awaitable<Result<UdpTrackerResponse>> exchange(udp::socket& s, const Endpoint& tracker, const UdpTrackerRequest& req,
                                               std::uint32_t tx, Family family) {
  auto out = encode_udp_tracker(req);
  std::string buf(65536, '\0');
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    error_code ec;
    co_await s.async_send_to(asio::buffer(out), to_udp(tracker), use_ec(ec));
    asio::steady_timer deadline(s.get_executor(), kAttemptTimeout);
    deadline.async_wait([&s](const error_code& e) {
      if (!e) s.cancel();
    });
    while (!ec) {
      udp::endpoint from;
      auto n = co_await s.async_receive_from(asio::buffer(buf), from, use_ec(ec));
      if (ec) break;
      auto r = decode_udp_tracker_response(std::string_view(buf.data(), n), family);
      if (r && transaction_id_of(r.value()) == tx) {
        deadline.cancel();
        co_return r.value();
      }
    }
    if (ec != asio::error::operation_aborted) {  // the deadline must fire before the next attempt
      error_code ignored;
      co_await deadline.async_wait(use_ec(ignored));
    }
  }
  co_return std::make_error_code(std::errc::timed_out);
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

}  // namespace p2pscope::lab
