// PostgreSQL access shared by every stage: connection strings, the schema
// migrations embedded from schema/*.sql, and reading records back out.
//
// Connection strings are libpq's (key=value or postgresql:// URIs); an
// empty one means the PG* environment variables and ~/.pg_service.conf.
// A password in the string itself is refused: it would show in `ps` and
// shell history. Use ~/.pgpass, PGPASSFILE or a service file instead.
//
// Every call that can fail returns a pg::Failure code with a one-line
// message (libpq's, or ours). Not thread-safe: one connection per thread.
#pragma once

#include "core/records.hpp"

#include <pqxx/connection>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>


namespace p2pscope::pg {

// What went wrong, as error codes of category pg::category().
enum class Failure {
  bad_conninfo = 1,  // libpq cannot parse it, or it holds a password
  unreachable,       // no server answered (down, restarting, wrong socket): worth retrying
  refused,           // the server answered no: authentication, unknown role or database
  schema,            // the database's schema is older or newer than this build's
  query,             // a statement failed
  fenced,            // a write's fence (a job lease) no longer holds
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(Failure f) noexcept { return {static_cast<int>(f), category()}; }
// True for the failures a writer should wait out (spool and retry).
bool transient(const std::error_code& ec) noexcept;
inline bool transient(const Error& e) noexcept { return transient(e.code()); }

// Checks a connection string without connecting.
Status check_conninfo(const std::string& conninfo);

// Connects (connect_timeout 5 s unless the string sets one) and sets the
// session time zone to UTC.
StatusOr<std::unique_ptr<pqxx::connection>> connect(const std::string& conninfo);

struct Migration {
  int version;
  std::string_view name;  // file name in schema/
  std::string_view sql;
};
// Every migration this build knows, in version order.
std::span<const Migration> migrations();
int latest_version();

// The version the database is at (0: never migrated).
StatusOr<int> schema_version(pqxx::connection& c);
// Applies every pending migration, each in its own transaction together
// with its schema_version row (so none is ever half-applied); an advisory
// lock serialises concurrent migrators. Failure::schema when the database
// is newer than this build. Returns the versions applied.
StatusOr<std::vector<int>> migrate(pqxx::connection& c);
// The same with another list (tests); `known` is its last version.
StatusOr<std::vector<int>> migrate(pqxx::connection& c, std::span<const Migration> list);
// Failure::schema unless the database is exactly at latest_version().
Status require_current_schema(pqxx::connection& c);

// Remembers where info hashes came from (schema: infohash.origin is
// manual, honeynet_event, sample or crawl); one already known keeps its
// first origin.
Status note_infohashes(pqxx::connection& c, const std::vector<InfoHash>& hashes, const std::string& origin,
                       const std::string& detail_text);

// One honeynet event (schema/0003_honeynet.sql); `record` is its whole
// JSON record. Plain values so that store/ does not depend on passive/.
struct HoneynetEventRow {
  IpAddress target;
  double start = 0, end = 0;  // seconds since the epoch
  std::string classification, protocol;
  std::uint64_t packets = 0, unique_sources = 0;
  double u_metric = 0;
  std::string record;
};
// Stores the event unless (target, start) is already there; true when new.
StatusOr<bool> store_honeynet_event(pqxx::connection& c, const HoneynetEventRow& e);

struct ExportFilter {
  std::optional<std::string> run;  // only this crawl run
  // Only these record tables (record_tables() names); empty: every one.
  std::vector<std::string_view> tables;
};
// Every stored record, in the order it was delivered (batch, then place in
// batch), as the same Record it was stored from.
// Stops at the first error on_record returns and returns it.
StatusOr<std::uint64_t> export_records(pqxx::connection& c, const ExportFilter& f,
                                     const std::function<Status(const Record&)>& on_record);

}  // namespace p2pscope::pg

template <>
struct std::is_error_code_enum<p2pscope::pg::Failure> : std::true_type {};
