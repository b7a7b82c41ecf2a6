// A client run's report: the diff (Table V by route, byte-order pairs,
// propagation policy), the BEP 37 anonymity audit, the idle egress (idle
// runs), what the client did in the sandbox, and a verdict.
// As JSON (one object per client) and as a readable table. Pure.
#pragma once

#include "core/names.hpp"
#include "taint-harness/audit.hpp"
#include "taint-harness/diff.hpp"
#include "taint-harness/run.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace p2pscope::harness {

enum class ClientVerdict : std::uint8_t {
  clean,          // gave peers out, created none
  creates_bogus,  // gave out at least one peer it was never given
  inconclusive,   // gave nothing out at all: the run did not exercise it
  error,          // would not start, exited early or would not stop
  leaks_identity, // anonymous mode on, and the audit found a leak (no bogus peers)
  measured,       // an idle run: its egress is the result, there is nothing to judge
};
constexpr auto enum_names(ClientVerdict) noexcept {
  return std::to_array<std::pair<ClientVerdict, std::string_view>>({
      {ClientVerdict::clean, "clean"}, {ClientVerdict::creates_bogus, "creates_bogus_peers"},
      {ClientVerdict::inconclusive, "inconclusive"}, {ClientVerdict::error, "error"},
      {ClientVerdict::leaks_identity, "leaks_identity"}, {ClientVerdict::measured, "measured"}});
}

// Whether a verdict should fail a client's CI (the harness's exit status).
bool fails(ClientVerdict v) noexcept;
std::string_view to_string(ClientVerdict v) noexcept;

struct ClientReport {
  RunResult run;
  Diff diff;
  AnonymityAudit audit;
  ClientVerdict verdict = ClientVerdict::inconclusive;
};

ClientReport make_report(RunResult run);
nlohmann::json to_json(const ClientReport& r);
// A readable report of several clients from their JSON reports (an array of
// to_json objects, or error objects with client, verdict and error): one
// summary table, then per client its Table V rows, byte-order pairs, policy
// evidence, anonymity audit, idle egress and errors with the log tail.
std::string report_table(const nlohmann::json& reports);

}  // namespace p2pscope::harness
