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
    case Via::ed2k_server:
    case Via::ed2k_server_udp:
    case Via::kad:
    case Via::sx: return errc::bad_value;
  }
  return success();
}

std::optional<Endpoint> EmuleObservation::peer() const {
  if (low_id()) return std::nullopt;
  auto ip = id_form == ed2k::IdForm::hybrid ? ed2k::ip_of_hybrid_id(raw_id) : ed2k::ip_of_ed2k_id(raw_id);
  return Endpoint{ip, peer_port};
}

IpAddress EmuleObservation::other_form_address() const noexcept {
  return id_form == ed2k::IdForm::hybrid ? ed2k::ip_of_ed2k_id(raw_id) : ed2k::ip_of_hybrid_id(raw_id);
}

Result<void> EmuleObservation::validate() const {
  using ed2k::IdForm;
  switch (via) {
    case Via::ed2k_server:
    case Via::ed2k_server_udp:
      if (id_form != IdForm::ed2k) return errc::bad_value;
      break;
    case Via::kad:
      if (!source_node_id) return errc::missing_key;
      if (id_form != IdForm::hybrid) return errc::bad_value;
      break;
    case Via::sx:
      if (!sx_version) return errc::missing_key;
      if (*sx_version < 1 || *sx_version > 4 || id_form != ed2k::id_form_of_sx(*sx_version)) return errc::bad_value;
      break;
    default: return errc::bad_value;
  }
  return success();
}

Result<void> Anomaly::validate() const {
  if (!source_url && !source_endpoint) return errc::missing_key;
  return success();
}

}  // namespace p2pscope
