// BEP 15 UDP tracker protocol: connect, announce (IPv4 and IPv6 peer lists),
// scrape and error, as requests and responses, so the same codec serves the
// crawler and the lab's test tracker. Pure; big-endian on the wire.
//
// An announce response does not say its peer family: per BEP 15 it follows
// the address family the request arrived over, so the caller passes it in.
#pragma once

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/ip.hpp"
#include "core/names.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace p2pscope {

inline constexpr std::uint64_t kUdpTrackerProtocolId = 0x41727101980ULL;
// The fixed part of an announce request (BEP 15); BEP 41 options may follow.
inline constexpr std::size_t kUdpAnnounceRequestSize = 98;

enum class UdpAction : std::uint32_t { connect = 0, announce = 1, scrape = 2, error = 3 };
enum class AnnounceEvent : std::uint32_t { none = 0, completed = 1, started = 2, stopped = 3 };
constexpr auto enum_names(AnnounceEvent) noexcept {
  return std::to_array<std::pair<AnnounceEvent, std::string_view>>({
      {AnnounceEvent::none, "none"}, {AnnounceEvent::completed, "completed"}, {AnnounceEvent::started, "started"},
      {AnnounceEvent::stopped, "stopped"}});
}

std::string_view to_string(AnnounceEvent e) noexcept;  // "none", "completed", "started", "stopped"

struct UdpConnectRequest {
  std::uint32_t transaction_id = 0;
  friend bool operator==(const UdpConnectRequest&, const UdpConnectRequest&) = default;
};

struct UdpAnnounceRequest {
  std::uint64_t connection_id = 0;
  std::uint32_t transaction_id = 0;
  InfoHash info_hash;
  PeerId peer_id;
  std::uint64_t downloaded = 0;
  std::uint64_t left = 0;
  std::uint64_t uploaded = 0;
  AnnounceEvent event = AnnounceEvent::none;
  std::uint32_t ip = 0;  // IPv4 "IP address" field, 0 = use the source address
  std::uint32_t key = 0;
  std::int32_t num_want = -1;  // -1 = tracker's default
  std::uint16_t port = 0;
  std::string extensions;  // BEP 41 option bytes after the fixed 98, kept raw
  friend bool operator==(const UdpAnnounceRequest&, const UdpAnnounceRequest&) = default;
};

struct UdpScrapeRequest {
  std::uint64_t connection_id = 0;
  std::uint32_t transaction_id = 0;
  std::vector<InfoHash> info_hashes;
  friend bool operator==(const UdpScrapeRequest&, const UdpScrapeRequest&) = default;
};

struct UdpConnectResponse {
  std::uint32_t transaction_id = 0;
  std::uint64_t connection_id = 0;
  friend bool operator==(const UdpConnectResponse&, const UdpConnectResponse&) = default;
};

struct UdpAnnounceResponse {
  std::uint32_t transaction_id = 0;
  std::uint32_t interval = 0;
  std::uint32_t leechers = 0;
  std::uint32_t seeders = 0;
  std::vector<Endpoint> peers;  // all of one family
  friend bool operator==(const UdpAnnounceResponse&, const UdpAnnounceResponse&) = default;
};

struct ScrapeCounts {
  std::uint32_t seeders = 0;
  std::uint32_t completed = 0;
  std::uint32_t leechers = 0;
  friend bool operator==(const ScrapeCounts&, const ScrapeCounts&) = default;
};

struct UdpScrapeResponse {
  std::uint32_t transaction_id = 0;
  std::vector<ScrapeCounts> entries;  // same order as the request's info_hashes
  friend bool operator==(const UdpScrapeResponse&, const UdpScrapeResponse&) = default;
};

struct UdpErrorResponse {
  std::uint32_t transaction_id = 0;
  std::string message;
  friend bool operator==(const UdpErrorResponse&, const UdpErrorResponse&) = default;
};

using UdpTrackerRequest = std::variant<UdpConnectRequest, UdpAnnounceRequest, UdpScrapeRequest>;
using UdpTrackerResponse = std::variant<UdpConnectResponse, UdpAnnounceResponse, UdpScrapeResponse, UdpErrorResponse>;

struct UdpTrackerLimits {
  std::size_t max_size = 65536;       // one datagram
  std::size_t max_peers = 8192;       // per announce response
  std::size_t max_scrape = 74;        // info hashes per scrape (BEP 15's practical cap)
  std::size_t max_extensions = 1024;  // BEP 41 bytes after an announce request
  std::size_t max_error = 1024;       // bytes of error message
};

Result<UdpTrackerRequest> decode_udp_tracker_request(std::string_view buf, const UdpTrackerLimits& lim = {});
Result<UdpTrackerResponse> decode_udp_tracker_response(std::string_view buf, Family peers,
                                                       const UdpTrackerLimits& lim = {});
std::string encode_udp_tracker(const UdpTrackerRequest& m);
std::string encode_udp_tracker(const UdpTrackerResponse& m);

// Transaction id of any response, for matching before a full decode.
std::uint32_t transaction_id_of(const UdpTrackerResponse& m) noexcept;

}  // namespace p2pscope
