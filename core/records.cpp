#include "core/records.hpp"

#include <array>
#include <utility>

namespace p2pscope {
namespace {

template <class E, std::size_t N>
Result<E> lookup(std::string_view s, const std::array<std::pair<E, std::string_view>, N>& table) {
  for (const auto& [e, name] : table) {
    if (name == s) return e;
  }
  return errc::bad_value;
}

template <class E, std::size_t N>
std::string_view name_of(E e, const std::array<std::pair<E, std::string_view>, N>& table) noexcept {
  for (const auto& [v, name] : table) {
    if (v == e) return name;
  }
  return "unknown";
}

constexpr std::array<std::pair<Via, std::string_view>, 5> kVia{{
    {Via::tracker_http, "tracker_http"}, {Via::tracker_udp, "tracker_udp"}, {Via::dht, "dht"},
    {Via::pex, "pex"}, {Via::incoming, "incoming"},
}};

constexpr std::array<std::pair<ProbeKind, std::string_view>, 7> kProbe{{
    {ProbeKind::routability, "routability"}, {ProbeKind::reverse_byte_order, "reverse_byte_order"},
    {ProbeKind::tcp_connect, "tcp_connect"}, {ProbeKind::handshake, "handshake"},
    {ProbeKind::fake_infohash, "fake_infohash"}, {ProbeKind::known_list, "known_list"},
    {ProbeKind::cluster, "cluster"},
}};

constexpr std::array<std::pair<ProbeOutcome, std::string_view>, 4> kOutcome{{
    {ProbeOutcome::positive, "positive"}, {ProbeOutcome::negative, "negative"},
    {ProbeOutcome::timeout, "timeout"}, {ProbeOutcome::error, "error"},
}};

constexpr std::array<std::pair<VerdictKind, std::string_view>, 6> kVerdict{{
    {VerdictKind::normal, "normal"}, {VerdictKind::bogus_unroutable, "bogus_unroutable"},
    {VerdictKind::byte_order, "byte_order"}, {VerdictKind::anti_p2p, "anti_p2p"},
    {VerdictKind::unreachable, "unreachable"}, {VerdictKind::unknown, "unknown"},
}};

constexpr std::array<std::pair<AnomalyKind, std::string_view>, 10> kAnomaly{{
    {AnomalyKind::malformed, "malformed"}, {AnomalyKind::oversized, "oversized"}, {AnomalyKind::slow, "slow"},
    {AnomalyKind::unsolicited, "unsolicited"}, {AnomalyKind::bogus_node, "bogus_node"},
    {AnomalyKind::handshake_mismatch, "handshake_mismatch"}, {AnomalyKind::protocol_violation, "protocol_violation"},
    {AnomalyKind::tracker_failure, "tracker_failure"}, {AnomalyKind::http_error, "http_error"},
    {AnomalyKind::silent, "silent"},
}};

}  // namespace

std::string_view to_string(AnomalyKind k) noexcept { return name_of(k, kAnomaly); }
Result<AnomalyKind> anomaly_kind_from(std::string_view s) { return lookup(s, kAnomaly); }
std::string_view to_string(Via v) noexcept { return name_of(v, kVia); }
Result<Via> via_from(std::string_view s) { return lookup(s, kVia); }
std::string_view to_string(ProbeKind k) noexcept { return name_of(k, kProbe); }
Result<ProbeKind> probe_kind_from(std::string_view s) { return lookup(s, kProbe); }
std::string_view to_string(ProbeOutcome o) noexcept { return name_of(o, kOutcome); }
Result<ProbeOutcome> probe_outcome_from(std::string_view s) { return lookup(s, kOutcome); }
std::string_view to_string(VerdictKind k) noexcept { return name_of(k, kVerdict); }
Result<VerdictKind> verdict_kind_from(std::string_view s) { return lookup(s, kVerdict); }

Status Observation::validate() const {
  switch (via) {
    case Via::tracker_http:
    case Via::tracker_udp:
      if (!source_url) return errc::missing_key;
      break;
    case Via::dht:
      if (!source_endpoint || !source_node_id) return errc::missing_key;
      break;
    case Via::pex:
    case Via::incoming:
      if (!source_endpoint) return errc::missing_key;
      break;
  }
  return success();
}

Status Anomaly::validate() const {
  if (!source_url && !source_endpoint) return errc::missing_key;
  return success();
}

std::span<const std::string_view> record_tables() noexcept {
  static constexpr std::string_view names[] = {"observation",  "probe_result", "verdict",        "anomaly",
                                               "swarm_counts", "peer_hello",   "passive_record"};
  static_assert(std::size(names) == std::variant_size_v<Record>);
  return names;
}

std::string_view record_type(const Record& r) noexcept {
  if (const auto* p = std::get_if<PassiveRecord>(&r)) return p->type;
  return record_tables()[r.index()];
}

}  // namespace p2pscope
