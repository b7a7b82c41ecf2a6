// Storing what the harness and the blocklist writer produce
// (schema/0004_harness_blocklist.sql). Plain values and the harness's own
// report JSON, so that store/ depends on neither taint-harness/ nor probes/.
//
// Same rules as pg.hpp: failures are pg::Failure codes with a one-line
// message, one connection per thread.
#pragma once

#include "store/pg.hpp"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace p2pscope::pg {

// One client run of a harness session: the object taint-harness/report.hpp's
// to_json makes (or the error object `p2pscope harness` writes when a run
// left no report), with "session" and, when known, "started" (seconds since
// the epoch) added. Its fed peers (plan.fed) and the peers it gave out
// (diff.outgoing, marked with diff.created) become harness_flow rows, in the
// same transaction. Failure::query (with a message) for a report without
// "session", "client" or "verdict", or with an address that does not parse.
// Returns false when (session, client) was already stored: nothing is added.
StatusOr<bool> store_harness_report(pqxx::connection& c, const nlohmann::json& report);
// Each report of a JSON array (a harness's report.json), each in its own
// transaction; returns how many were new. Stops at the first failure.
StatusOr<std::size_t> store_harness_reports(pqxx::connection& c, const nlohmann::json& reports);

// What `p2pscope report --db` draws besides the crawl records.
// The stored honeynet events' whole records (passive_honeynet_event), oldest
// first, at most `limit`.
StatusOr<std::vector<nlohmann::json>> load_honeynet_events(pqxx::connection& c, std::size_t limit);
// The client runs (their whole reports, by client) of one harness session,
// or of the session stored last when `session` is empty; *named receives
// the session read ("" when none is stored).
StatusOr<std::vector<nlohmann::json>> load_harness_session(pqxx::connection& c, const std::string& session,
                                                           std::string* named);

struct BlocklistRange {
  IpAddress first, last;
  std::string label;
};
struct BlocklistExportRow {
  std::string format, name;
  std::vector<std::string> classes;
  double min_confidence = 0;
  std::optional<std::string> from_run;
  std::uint64_t verdicts_read = 0, rules = 0, left_out_v6 = 0;
  std::string output;          // where the file went ("-": standard output)
  std::string content_sha256;  // hex, of the file as written
  std::vector<BlocklistRange> ranges;  // merged; first addresses distinct
};
// Stores one export and its ranges in one transaction; returns its id.
StatusOr<std::int64_t> store_blocklist_export(pqxx::connection& c, const BlocklistExportRow& e);

}  // namespace p2pscope::pg
