#include "crawler/udp_tracker_client.hpp"

#include "net/pace.hpp"

#include <random>

namespace p2pscope::crawler {

using namespace net;

UdpTrackerClient::UdpTrackerClient(const asio::any_io_executor& ex, Endpoint tracker, IpAddress local,
                                   UdpTrackerTiming timing, net::RateGate& gate, AnomalyFn on_anomaly)
    : ex_(ex), tracker_(tracker), local_(local), timing_(timing), gate_(gate), on_anomaly_(std::move(on_anomaly)),
      tid_state_(static_cast<std::uint32_t>(std::random_device{}())), socket_(ex) {}

std::uint32_t UdpTrackerClient::next_tid() {
  tid_state_ = tid_state_ * 1664525u + 1013904223u;
  return tid_state_;
}

Result<void> UdpTrackerClient::open_socket() {
  if (socket_.is_open()) return success();
  error_code ec;
  socket_.open(local_.is_v4() ? udp::v4() : udp::v6(), ec);
  // Not connect()ed: a connected socket has the kernel drop datagrams from
  // anyone else unseen, and a reply from another address is an anomaly to record.
  if (!ec) socket_.bind(udp::endpoint(to_asio(local_), 0), ec);
  if (ec) {
    error_code ignored;
    socket_.close(ignored);
    return std::error_code(ec.value(), std::system_category());
  }
  return success();
}

awaitable<Result<UdpTrackerResponse>> UdpTrackerClient::exchange(UdpTrackerRequest req, std::uint32_t tid) {
  // One socket for the client's life: trackers may tie the connection id to
  // the source port as well as the address.
  if (auto st = open_socket(); !st) co_return st.error();
  auto out = encode_udp_tracker(req);
  std::string buf(UdpTrackerLimits{}.max_size + 1, '\0');
  auto wait = timing_.first_wait;
  auto total = std::chrono::milliseconds{0};
  bool heard = false;  // any datagram from the tracker, even a bad one
  const auto to = to_udp(tracker_);
  for (int attempt = 0; attempt <= timing_.max_resends; ++attempt, wait *= 2) {
    co_await net::pace(gate_, tracker_.address);
    error_code ec;
    socket_.send_to(asio::buffer(out), to, 0, ec);
    total += wait;
    asio::steady_timer deadline(ex_, wait);
    bool expired = false;
    deadline.async_wait([this, &expired, alive = alive_](const error_code& e) {
      if (e || !*alive) return;
      expired = true;
      socket_.cancel();
    });
    while (!expired) {
      udp::endpoint from;
      auto n = co_await socket_.async_receive_from(asio::buffer(buf), from, use_ec(ec));
      if (ec == asio::error::operation_aborted || !*alive_) break;
      if (ec) continue;
      if (from != to) {
        on_anomaly_(from_asio(from), AnomalyKind::unsolicited,
                    "BEP 15 reply from " + from_asio(from).to_string() + " while asking " + tracker_.to_string());
        continue;
      }
      heard = true;
      auto r = decode_udp_tracker_response(std::string_view(buf.data(), n), tracker_.address.family());
      if (!r) {
        on_anomaly_(tracker_, AnomalyKind::malformed, "BEP 15 reply: " + r.error().message());
        continue;
      }
      if (transaction_id_of(r.value()) != tid) {
        on_anomaly_(tracker_, AnomalyKind::unsolicited, "BEP 15 reply with a transaction id we did not send");
        continue;
      }
      deadline.cancel();
      co_return std::move(r).value();
    }
    if (!*alive_) co_return make_error_code(std::errc::operation_canceled);
    // A receive that failed at once must not spin: wait out the attempt.
    if (!expired) {
      error_code ignored;
      co_await deadline.async_wait(use_ec(ignored));
    }
  }
  if (!heard)
    on_anomaly_(tracker_, AnomalyKind::silent,
                "no answer to " + std::to_string(timing_.max_resends + 1) + " BEP 15 requests over " +
                    std::to_string(static_cast<double>(total.count()) / 1000.0).substr(0, 5) + " s");
  co_return make_error_code(std::errc::timed_out);
}

awaitable<Result<std::uint64_t>> UdpTrackerClient::connection_id() {
  if (conn_id_ && std::chrono::steady_clock::now() < conn_expires_) co_return *conn_id_;
  auto tid = next_tid();
  auto r = co_await exchange(UdpConnectRequest{tid}, tid);
  if (!r) co_return r.error();
  if (auto* e = std::get_if<UdpErrorResponse>(&r.value())) {
    last_error_ = e->message;
    co_return make_error_code(errc::remote_error);
  }
  auto* c = std::get_if<UdpConnectResponse>(&r.value());
  if (!c) {
    on_anomaly_(tracker_, AnomalyKind::protocol_violation, "BEP 15: connect answered with another action");
    co_return make_error_code(errc::unknown_message_type);
  }
  conn_id_ = c->connection_id;
  conn_expires_ = std::chrono::steady_clock::now() + timing_.connection_ttl;
  co_return *conn_id_;
}

awaitable<Result<UdpAnnounceResponse>> UdpTrackerClient::announce(UdpAnnounceRequest req) {
  auto cid = co_await connection_id();
  if (!cid) co_return cid.error();
  req.connection_id = cid.value();
  req.transaction_id = next_tid();
  auto r = co_await exchange(req, req.transaction_id);
  if (!r) co_return r.error();
  if (auto* e = std::get_if<UdpErrorResponse>(&r.value())) {
    last_error_ = e->message;
    conn_id_.reset();  // a stale connection id is the usual cause: fetch a new one next time
    co_return make_error_code(errc::remote_error);
  }
  auto* a = std::get_if<UdpAnnounceResponse>(&r.value());
  if (!a) {
    on_anomaly_(tracker_, AnomalyKind::protocol_violation, "BEP 15: announce answered with another action");
    co_return make_error_code(errc::unknown_message_type);
  }
  co_return std::move(*a);
}

awaitable<Result<UdpScrapeResponse>> UdpTrackerClient::scrape(std::vector<InfoHash> hashes) {
  auto cid = co_await connection_id();
  if (!cid) co_return cid.error();
  UdpScrapeRequest req{cid.value(), next_tid(), std::move(hashes)};
  auto r = co_await exchange(req, req.transaction_id);
  if (!r) co_return r.error();
  if (auto* e = std::get_if<UdpErrorResponse>(&r.value())) {
    last_error_ = e->message;
    co_return make_error_code(errc::remote_error);
  }
  auto* sc = std::get_if<UdpScrapeResponse>(&r.value());
  if (!sc || sc->entries.size() != req.info_hashes.size()) {
    on_anomaly_(tracker_, AnomalyKind::protocol_violation, "BEP 15: scrape answered with another action or count");
    co_return make_error_code(errc::bad_length);
  }
  co_return std::move(*sc);
}

}  // namespace p2pscope::crawler
