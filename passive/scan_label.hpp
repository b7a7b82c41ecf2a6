// Scan labelling (Khan, Syed and Khayam): a BitTorrent host's failed
// connections are predictable from the coordination traffic it received,
// so a scan detector can leave them out.
//
// Per host, the predicted peer set holds every endpoint it was handed by a
// tracker reply, a DHT response (`values`, and `nodes` for its UDP), a
// ut_pex `added` list, or that it exchanged UDP with before (uTP tried
// first, then TCP). A TCP connection attempt (a SYN without ACK) fails on a
// RST, on an ICMP unreachable quoting it, or when no SYN-ACK comes within
// attempt_timeout. Each failed attempt is labelled predicted or not.
//
// The detector is Zeek's scan policy: an address scan when a host's failed
// attempts reach address_threshold unique destination addresses within
// `window`; a port scan when they reach port_threshold unique ports on one
// address within `window`. It runs twice per host: unsuppressed, over every
// failed attempt; and suppressed, over the unpredicted ones only, with the
// alarm also withheld while the host's port/peer ratio (unique ports ÷
// unique addresses of its failed attempts, once it has min_ppr_peers of
// them) is within [ppr_low, ppr_high]. BitTorrent peers listen on ports of
// their own choosing, so that ratio sits near 1; a horizontal scan's is near
// 0 and a vertical scan's far above 1.
//
// Feed every packet to packet() (before the Extractor sees it) and every
// extractor event to event(). Memory is bounded by max_hosts and
// max_predicted per host (counted in counters() when reached). Not
// thread-safe.
#pragma once

#include "core/names.hpp"
#include "core/packet.hpp"
#include "passive/events.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace p2pscope::passive {

struct ScanConfig {
  double attempt_timeout = 10;     // seconds without SYN-ACK
  double window = 300;             // seconds
  std::size_t address_threshold = 25;
  std::size_t port_threshold = 15;
  double ppr_low = 0.75, ppr_high = 1.0;
  std::size_t min_ppr_peers = 10;
  std::size_t max_hosts = 1 << 16;
  std::size_t max_predicted = 1 << 16;  // per host
  std::size_t max_pending = 1 << 20;    // open attempts, all hosts
};

enum class Prediction : std::uint8_t { none, tracker, dht, pex, udp };
constexpr auto enum_names(Prediction) noexcept {
  return std::to_array<std::pair<Prediction, std::string_view>>({
      {Prediction::none, "none"}, {Prediction::tracker, "tracker"}, {Prediction::dht, "dht"},
      {Prediction::pex, "pex"}, {Prediction::udp, "udp"}});
}

std::string_view to_string(Prediction p) noexcept;

struct FailedAttempt {
  double t = 0;  // of the SYN
  Endpoint from, to;
  Prediction predicted = Prediction::none;
  std::string why;  // "rst", "icmp_unreachable", "timeout"
};

struct ScanAlarm {
  double t = 0;
  IpAddress host;
  std::string kind;         // "address_scan", "port_scan"
  bool suppressed_detector = false;  // raised by the suppressed detector
  std::size_t distinct = 0;  // destinations (address scan) or ports (port scan) in the window
};

struct ScanHost {
  IpAddress host;
  std::uint64_t attempts = 0, failed = 0, failed_predicted = 0;
  std::size_t unique_peers = 0, unique_ports = 0;  // of failed attempts
  double ppr = 0;
  std::optional<ScanAlarm> unsuppressed, suppressed;  // the first alarm of each detector
  bool ppr_suppressed = false;  // an alarm the suppressed detector would raise was withheld by the ratio
};

class ScanLabeler {
 public:
  using FailedSink = std::function<void(const FailedAttempt&)>;
  explicit ScanLabeler(ScanConfig cfg, FailedSink on_failed = {});
  ~ScanLabeler();
  ScanLabeler(const ScanLabeler&) = delete;
  ScanLabeler& operator=(const ScanLabeler&) = delete;

  void packet(double t, const Packet& p);
  void event(const Event& e);
  // Times out every open attempt; the hosts that made attempts, by address.
  std::vector<ScanHost> finish();

  const std::map<std::string, std::uint64_t>& counters() const noexcept { return counters_; }

  struct Host;  // scan_label.cpp

 private:
  Host* host(const IpAddress& a);
  void predict(const IpAddress& host, const Endpoint& peer, Prediction why);
  void expire(double now);
  void failed(const Endpoint& from, const Endpoint& to, std::string why);

  ScanConfig cfg_;
  FailedSink on_failed_;
  std::map<IpAddress, std::unique_ptr<Host>> hosts_;
  struct Pending;
  std::unique_ptr<Pending> pending_;
  std::map<std::string, std::uint64_t> counters_;
};

nlohmann::json to_json(const FailedAttempt& f);
nlohmann::json to_json(const ScanAlarm& a);
nlohmann::json to_json(const ScanHost& h);

}  // namespace p2pscope::passive
