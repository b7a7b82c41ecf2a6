// A BEP 15 (UDP tracker) client for one tracker address: connect,
// announce and scrape, with the spec's retransmission schedule (wait
// 15 * 2^n seconds before resend n+1), capped, and the connection id
// reused for its minute of validity.
//
// Threads: one io_context thread; calls on one client are serialised by
// the caller (one announce or scrape at a time).
#pragma once

#include "core/udp_tracker.hpp"
#include "crawler/krpc_client.hpp"
#include "net/rate_gate.hpp"
#include "net/asio.hpp"

#include <optional>
#include <string>

namespace p2pscope::crawler {

struct UdpTrackerTiming {
  std::chrono::milliseconds first_wait{15000};  // BEP 15: 15 s, doubling per resend
  int max_resends = 2;                           // BEP 15 allows 8 (over an hour); 2 gives up after 105 s
  std::chrono::seconds connection_ttl{60};
};

class UdpTrackerClient {
 public:
  // local: the address to send from (0.0.0.0 / :: for any).
  UdpTrackerClient(const net::asio::any_io_executor& ex, Endpoint tracker, IpAddress local, UdpTrackerTiming timing,
                   net::RateGate& gate, AnomalyFn on_anomaly);

  // Fills in connection_id and transaction_id. A BEP 15 error reply is
  // errc::remote_error with the text in last_error().
  ~UdpTrackerClient() { *alive_ = false; }
  UdpTrackerClient(const UdpTrackerClient&) = delete;
  UdpTrackerClient& operator=(const UdpTrackerClient&) = delete;

  net::awaitable<Result<UdpAnnounceResponse>> announce(UdpAnnounceRequest req);
  net::awaitable<Result<UdpScrapeResponse>> scrape(std::vector<InfoHash> hashes);
  const std::string& last_error() const noexcept { return last_error_; }
  const Endpoint& tracker() const noexcept { return tracker_; }

 private:
  net::awaitable<Result<UdpTrackerResponse>> exchange(UdpTrackerRequest req, std::uint32_t tid);
  net::awaitable<Result<std::uint64_t>> connection_id();
  Result<void> open_socket();
  std::uint32_t next_tid();

  net::asio::any_io_executor ex_;
  Endpoint tracker_;
  IpAddress local_;
  UdpTrackerTiming timing_;
  net::RateGate& gate_;
  AnomalyFn on_anomaly_;
  std::optional<std::uint64_t> conn_id_;
  std::chrono::steady_clock::time_point conn_expires_{};
  std::uint32_t tid_state_;
  std::string last_error_;
  net::udp::socket socket_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace p2pscope::crawler
