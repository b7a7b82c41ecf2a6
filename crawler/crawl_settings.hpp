// What a user chooses about a crawl (the `p2pscope crawl` flags, a scheduled
// job's settings), as one typed value; and the CrawlConfig it makes.
//
// Unset optionals keep the profile's value (CrawlConfig{} or, with quick,
// CrawlConfig::quick()). A scheduled job keeps its settings as the JSON
// object to_json writes (store/ holds it without reading it), so that the
// worker runs exactly what `schedule add` checked, with no command line
// stored and parsed again. Plain values; no I/O.
#pragma once

#include "core/error.hpp"
#include "crawler/crawl.hpp"
#include "net/host_ipv6.hpp"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace p2pscope::crawler {

struct CrawlSettings {
  bool quick = false;  // the short schedule for tests and the demo
  std::vector<std::string> trackers;   // extra announce URLs (a tracker file is read into here)
  std::vector<std::string> bootstrap;  // DHT bootstrap HOST:PORT; empty: the public routers
  std::vector<std::string> ed2k_servers;  // eDonkey index servers HOST:PORT (more come from the inputs)
  std::vector<std::string> kad_nodes;     // KAD contacts HOST:PORT (UDP), besides nodes.dat inputs
  // IPv6 routes: ipv6 forces them on, no_ipv6 off; neither: on when the
  // host has an IPv6 route (make_config's `host`).
  bool ipv6 = false, no_ipv6 = false, no_trackers = false, no_dht = false, no_pex = false, no_scrape = false, no_sx = false;
  bool no_utp = false;  // PEX sessions over TCP only
  bool sample_infohashes = false;  // BEP 51 walks (CrawlConfig::sample_infohashes)
  std::string bind, bind6;  // local addresses to send from; empty: any
  std::string pex_until;    // "hold" or "whole-view" (PexUntil); empty: the profile's
  std::optional<int> requery, stable_for, max_duration, pex_hold, numwant, max_sessions, max_lookups, port;
  std::optional<double> per_ip_rate, global_rate;

  bool operator==(const CrawlSettings&) const = default;
};

// Every field that differs from a default CrawlSettings, by its flag's name
// without the dashes ("max_duration", "no_dht", ...).
nlohmann::json to_json(const CrawlSettings& s);
// The inverse; errc::bad_value for an unknown key or a value of the wrong
// type or range, the message naming the key.
StatusOr<CrawlSettings> crawl_settings_from_json(const nlohmann::json& j);

// The profile with the settings applied; the error names the flag whose
// value is bad (a bootstrap that is not HOST:PORT, a tracker URL, a bind
// address of the wrong family, --ipv6 with --no-ipv6). run_id is copied as
// given. `host` (net::host_ipv6(), asked by the caller) decides IPv6 when
// the settings do not.
StatusOr<CrawlConfig> make_config(const CrawlSettings& s, const std::string& run_id,
                                  net::HostIpv6 host = net::HostIpv6::unrouted);

}  // namespace p2pscope::crawler
