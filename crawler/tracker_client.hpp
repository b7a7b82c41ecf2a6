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
#include "net/resolver.hpp"

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

// One address a tracker is asked at. A tracker whose name has IPv4 and IPv6
// addresses is asked over each: BEP 15 trackers answer with peers of the
// family they were asked over only, and many HTTP trackers do the same.
struct TrackerPath {
  IpAddress server;  // the first address of its family the name gave (a literal host: itself)
  friend bool operator==(const TrackerPath&, const TrackerPath&) = default;
};
enum class Ipv6Routes : std::uint8_t { off, on };
// The paths to ask `url` by: a literal host its own, a name one per family it
// resolves to (IPv6 only when on), IPv4 first. Empty when the name has
// addresses of no family in use. Errors: the URL does not parse
// (parse_tracker_url's errors), the name does not resolve (the resolver's).
net::awaitable<Result<std::vector<TrackerPath>>> tracker_paths(const TrackerUrl& url, net::Resolver& resolver,
                                                               Ipv6Routes ipv6);

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
  std::optional<Endpoint> address;  // the tracker's address that answered
};

struct TrackerCounts {
  std::optional<std::int64_t> seeders, leechers, completed;
};

// Reports an anomaly of this tracker.
using TrackerAnomalyFn = std::function<void(const std::optional<Endpoint>& address, AnomalyKind, std::string)>;

class TrackerClient {
 public:
  // Asks `url` at path.server only, from local (IPv4, 0.0.0.0 for any) or
  // local6 (IPv6; needed when path.server is IPv6). One announce per family,
  // each from an address of that family, as BEP 7 (2020) asks; no ipv4= or
  // ipv6= parameters, which it discourages (they let anyone list a victim).
  TrackerClient(const net::asio::any_io_executor& ex, std::string url, TrackerPath path, IpAddress local,
                std::optional<IpAddress> local6, HttpClient& http, net::RateGate& gate, UdpTrackerTiming udp_timing,
                TrackerAnomalyFn on_anomaly);

  // On failure the error is returned and the reason kept in last_error().
  net::awaitable<Result<TrackerReply>> announce(const TrackerAnnounce& a);
  net::awaitable<Result<TrackerCounts>> scrape(const InfoHash& ih);
  const std::string& url() const noexcept { return url_; }
  Via via() const noexcept { return via_; }
  const TrackerPath& path() const noexcept { return path_; }
  const std::string& last_error() const noexcept { return last_error_; }

 private:
  net::awaitable<Result<TrackerReply>> announce_http(const TrackerAnnounce& a);
  net::awaitable<Result<TrackerReply>> announce_udp(const TrackerAnnounce& a);
  Result<void> open_udp();
  HttpPin pin() const;
  Result<void> fail(std::error_code ec, std::string why);

  net::asio::any_io_executor ex_;
  std::string url_;
  Result<TrackerUrl> parsed_;
  Via via_;
  TrackerPath path_;
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
