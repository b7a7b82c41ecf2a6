// The BEP 37 anonymity audit of one client run: for each way BEP 37 lists
// in which a client gives away who or where it is, whether the capture
// shows this client doing it. Pure: a Capture in, findings out.
//
// Each check is "leaks" (with the evidence), "none" (the capture had the
// chance to see it and did not), or "not_observed" (the run never reached
// the point where it could show: e.g. no handshake arrived).
#pragma once

#include "core/names.hpp"
#include "taint-harness/capture.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace p2pscope::harness {

enum class Exposure : std::uint8_t { none, leaks, not_observed };
constexpr auto enum_names(Exposure) noexcept {
  return std::to_array<std::pair<Exposure, std::string_view>>({
      {Exposure::none, "none"}, {Exposure::leaks, "leaks"}, {Exposure::not_observed, "not_observed"}});
}

std::string_view to_string(Exposure e) noexcept;

struct AuditCheck {
  std::string name;      // "peer_id_version", "extended_handshake_v", ...
  std::string what;      // one line: what the check looks at
  Exposure result = Exposure::not_observed;
  std::string evidence;  // when leaks: the first value that shows it
};

struct AnonymityAudit {
  std::vector<AuditCheck> checks;  // always the same checks, in the same order
  std::size_t leaks() const;
  // The check called name; std::out_of_range when there is none.
  const AuditCheck& at(std::string_view name) const;
};

// The checks: the client's version in its peer id (handshakes, announces)
// and in the extended handshake's "v"; its addresses or listen port in the
// extended handshake (ipv4, ipv6, p); "ip"/"ipv4"/"ipv6" in announces; a
// User-Agent naming a version on HTTP announces; "v" in its DHT messages;
// the DHT PORT message; incoming connections accepted.
AnonymityAudit audit(const Capture& c);

// True when a printable peer id names its client and version: Azureus style
// ("-TR3000-"), Mainline style ("M7-4-0--", aria2's "A2-1-36-0-").
bool peer_id_names_client(std::string_view printable_id);

nlohmann::json to_json(const AnonymityAudit& a);

}  // namespace p2pscope::harness
