// HTTP tracker bodies and URLs: announce responses (BEP 3 dictionary peers,
// BEP 23 compact peers, BEP 7 peers6, failure reason, warning message,
// intervals, counts, BEP 24 external ip), scrape responses (BEP 48), and the
// announce query string and scrape URL a client sends. Pure: the transport
// (libcurl, gzip, redirects) lives in crawler/.
#pragma once

#include "core/bencode.hpp"
#include "core/hash.hpp"
#include "core/ip.hpp"
#include "core/udp_tracker.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope {

struct TrackerPeer {
  Endpoint endpoint;
  std::optional<PeerId> peer_id;  // dictionary form only
  friend bool operator==(const TrackerPeer&, const TrackerPeer&) = default;
};

// A dictionary-form peer whose "ip" is a host name. Kept, not resolved: the
// codec does no I/O, and a tracker handing out names is itself worth recording.
struct NamedPeer {
  std::string host;
  std::uint16_t port = 0;
  std::optional<PeerId> peer_id;
  friend bool operator==(const NamedPeer&, const NamedPeer&) = default;
};

struct HttpAnnounceResponse {
  std::optional<std::string> failure_reason;  // when set, the announce failed
  std::optional<std::string> warning_message;
  std::optional<std::int64_t> interval;
  std::optional<std::int64_t> min_interval;
  std::optional<std::int64_t> complete;    // seeders
  std::optional<std::int64_t> incomplete;  // leechers
  std::optional<std::string> tracker_id;
  std::optional<IpAddress> external_ip;    // BEP 24
  std::vector<TrackerPeer> peers;          // "peers" (either form) then "peers6"
  std::vector<NamedPeer> named_peers;
  friend bool operator==(const HttpAnnounceResponse&, const HttpAnnounceResponse&) = default;
};

struct ScrapeFile {
  InfoHash info_hash;
  std::int64_t complete = 0;
  std::int64_t downloaded = 0;
  std::int64_t incomplete = 0;
  std::optional<std::string> name;
  friend bool operator==(const ScrapeFile&, const ScrapeFile&) = default;
};

struct HttpScrapeResponse {
  std::optional<std::string> failure_reason;
  std::vector<ScrapeFile> files;
  std::optional<std::int64_t> min_request_interval;  // "flags" -> "min_request_interval"
  friend bool operator==(const HttpScrapeResponse&, const HttpScrapeResponse&) = default;
};

struct HttpTrackerLimits {
  // Trailing bytes are accepted: several trackers end their body with "\n".
  BencodeLimits bencode{.max_size = 4 << 20, .max_depth = 8, .max_tokens = 200000};
  std::size_t max_peers = 20000;  // over all peer lists of one response
  std::size_t max_files = 10000;  // scrape entries
  std::size_t max_text = 4096;    // failure reason, warning, names, tracker id, host
};

Result<HttpAnnounceResponse> decode_http_announce(std::string_view body, const HttpTrackerLimits& lim = {});
Result<HttpScrapeResponse> decode_http_scrape(std::string_view body, const HttpTrackerLimits& lim = {});

// Peer form used when encoding an announce response. Named peers have no
// compact form and appear only in the dictionary encoding.
enum class PeerEncoding : std::uint8_t { compact, dictionary };
std::string encode_http_announce(const HttpAnnounceResponse& r, PeerEncoding enc);
std::string encode_http_scrape(const HttpScrapeResponse& r);

struct HttpAnnounceParams {
  InfoHash info_hash;
  PeerId peer_id;
  std::uint16_t port = 0;
  std::uint64_t uploaded = 0;
  std::uint64_t downloaded = 0;
  std::uint64_t left = 0;
  AnnounceEvent event = AnnounceEvent::none;
  std::optional<int> numwant;
  std::optional<std::uint32_t> key;
  std::optional<std::string> ip;  // BEP 3 "ip": the address the peer asks to be listed at
  // BEP 7 "ipv4" and "ipv6": another address (or endpoint) to be listed at,
  // as sent; bep7_endpoint() reads them. Discouraged since 2020 (anyone can
  // list a victim), still sent by older clients and honoured by some trackers.
  std::optional<std::string> ipv4, ipv6;
  friend bool operator==(const HttpAnnounceParams&, const HttpAnnounceParams&) = default;
};

// A BEP 7 "ipv4"/"ipv6" value of family f: an address ("1.2.3.4",
// "2001:db8::1") or an endpoint as RFC 2732 writes it ("1.2.3.4:6881",
// "[2001:db8::1]:6881"); the port is `port` when not given. Errors:
// errc::bad_address (not an address of that family), errc::bad_value (a
// port of 0 or out of range).
Result<Endpoint> bep7_endpoint(std::string_view value, Family f, std::uint16_t port);

// BEP 3 percent-encoding: every byte outside [0-9A-Za-z.\-_~] becomes %XX.
std::string url_escape(std::string_view bytes);
// announce_url + "?"/"&" + query (compact=1 always requested).
std::string announce_url(std::string_view announce, const HttpAnnounceParams& p);
// The tracker side: the query string of "GET /announce?QUERY" (without the
// '?'). info_hash, peer_id and port are required; other known keys are
// checked; unknown keys (compact, no_peer_id, supportcrypto, ...) are
// skipped. Errors: errc::oversized (query over max_query bytes, or an "ip",
// "ipv4" or "ipv6" over 255), errc::missing_key, errc::bad_hash (info_hash/peer_id not 20
// bytes), errc::bad_value (bad escape, number out of range, unknown event, a
// required key given twice).
Result<HttpAnnounceParams> decode_announce_query(std::string_view query, std::size_t max_query = 4096);

// The tracker side of a scrape: every "info_hash" in the query string
// (errc::too_many_items past max_hashes; errc::missing_key when none).
Result<std::vector<InfoHash>> decode_scrape_query(std::string_view query, std::size_t max_hashes = 74,
                                                  std::size_t max_query = 4096);

// The BEP 48 convention: the last path segment must start with "announce",
// which is replaced by "scrape"; otherwise the tracker has no scrape URL
// (errc::bad_value).
Result<std::string> scrape_url(std::string_view announce);

// The value of header `name` (case-insensitive, leading blanks trimmed) in an
// HTTP message head (start line, then CRLF-separated header lines); nullopt
// when absent. The first occurrence wins.
std::optional<std::string> http_header_value(std::string_view head, std::string_view name);

}  // namespace p2pscope
