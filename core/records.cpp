#include "core/records.hpp"

#include <array>
#include <utility>

namespace p2pscope {

std::string_view to_string(AnomalyKind k) noexcept { return name_of(k); }
Result<AnomalyKind> anomaly_kind_from(std::string_view s) { return from_name<AnomalyKind>(s); }
std::string_view to_string(Via v) noexcept { return name_of(v); }
Result<Via> via_from(std::string_view s) { return from_name<Via>(s); }
std::string_view to_string(ProbeKind k) noexcept { return name_of(k); }
Result<ProbeKind> probe_kind_from(std::string_view s) { return from_name<ProbeKind>(s); }
std::string_view to_string(ProbeOutcome o) noexcept { return name_of(o); }
Result<ProbeOutcome> probe_outcome_from(std::string_view s) { return from_name<ProbeOutcome>(s); }
std::string_view to_string(VerdictKind k) noexcept { return name_of(k); }
Result<VerdictKind> verdict_kind_from(std::string_view s) { return from_name<VerdictKind>(s); }

Result<void> Observation::validate() const {
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

Result<void> Anomaly::validate() const {
  if (!source_url && !source_endpoint) return errc::missing_key;
  return success();
}

}  // namespace p2pscope
