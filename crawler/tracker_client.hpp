// Announce and scrape against one tracker URL, over HTTP(S) or UDP
// (BEP 15), with one result type for both. Hostile replies become
// anomalies reported with the tracker's URL; the caller decides what to
// record.
//
// Threads: one io_context thread. The HttpClient and RateGate passed in
// must outlive the client; one announce or scrape at a time per client.
#pragma once

#include "core/udp_tracker.hpp"
#include "crawler/http_client.hpp"
#include "crawler/udp_tracker_client.hpp"

#include <optional>
#include <string>
#include <vector>

namespace p2pscope::crawler {

struct TrackerUrl {
  enum class Scheme : std::uint8_t { http, https, udp } scheme;
  std::string host;  // without brackets for IPv6 literals
  std::uint16_t port = 0;
};
// http://, https:// and udp:// URLs with an explicit or default port.
Result<TrackerUrl> parse_tracker_url(std::string_view url);
// The route a tracker URL is asked by: tracker_udp for udp://, else tracker_http.
Via tracker_via(std::string_view url);

struct TrackerAnnounce {
  InfoHash info_hash;
  PeerId peer_id;
  std::uint16_t port = 6881;  // the port we claim to listen on
  int numwant = 200;
  AnnounceEvent event = AnnounceEvent::none;
  std::uint32_t key = 0;
};

struct TrackerReply {
  std::vector<Endpoint> peers;  // as handed out, in order
  std::optional<std::int64_t> interval, min_interval, seeders, leechers;
  std::optional<Endpoint> address;  // where the tracker's name resolved to
};

struct TrackerCounts {
  std::optional<std::int64_t> seeders, leechers, completed;
};

// Reports an anomaly of this tracker.
using TrackerAnomalyFn = std::function<void(const std::optional<Endpoint>& address, AnomalyKind, std::string)>;

class TrackerClient {
 public:
  // local: the IPv4 address to send from (0.0.0.0 for any); local6: the
  // IPv6 one, when IPv6 is on. A UDP tracker's name is resolved to the
  // first address of a family we have.
  TrackerClient(const net::asio::any_io_executor& ex, std::string url, IpAddress local,
                std::optional<IpAddress> local6, HttpClient& http, net::RateGate& gate, UdpTrackerTiming udp_timing,
                TrackerAnomalyFn on_anomaly);

  // On failure the error is returned and the reason kept in last_error().
  net::awaitable<Result<TrackerReply>> announce(const TrackerAnnounce& a);
  net::awaitable<Result<TrackerCounts>> scrape(const InfoHash& ih);
  const std::string& url() const noexcept { return url_; }
  Via via() const noexcept { return via_; }
  const std::string& last_error() const noexcept { return last_error_; }

 private:
  net::awaitable<Result<TrackerReply>> announce_http(const TrackerAnnounce& a);
  net::awaitable<Result<TrackerReply>> announce_udp(const TrackerAnnounce& a);
  net::awaitable<Result<void>> resolve_udp();
  Result<void> fail(std::error_code ec, std::string why);

  net::asio::any_io_executor ex_;
  std::string url_;
  Result<TrackerUrl> parsed_;
  Via via_;
  IpAddress local_;
  std::optional<IpAddress> local6_;
  HttpClient& http_;
  net::RateGate& gate_;
  UdpTrackerTiming udp_timing_;
  TrackerAnomalyFn on_anomaly_;
  std::optional<UdpTrackerClient> udp_;
  std::string last_error_;
};

}  // namespace p2pscope::crawler
