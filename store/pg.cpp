#include "store/pg.hpp"

#include "store/pg_guard.hpp"
#include "store/record_json.hpp"
#include "store/record_types.hpp"

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <memory>

namespace p2pscope::pg {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "p2pscope.pg"; }
  std::string message(int v) const override {
    switch (static_cast<Failure>(v)) {
      case Failure::bad_conninfo: return "bad connection string";
      case Failure::unreachable: return "database unreachable";
      case Failure::refused: return "database refused the connection";
      case Failure::schema: return "database schema does not match this build";
      case Failure::query: return "database statement failed";
      case Failure::fenced: return "the job lease this write depends on is gone";
    }
    return "unknown database error";
  }
};



// The server answered and said no (as opposed to no server answering).
bool refused_message(std::string_view m) {
  for (std::string_view s : {"authentication failed", "no password supplied", "does not exist", "no pg_hba.conf entry",
                             "permission denied", "password is required", "too many connections"}) {
    if (m.find(s) != std::string_view::npos) return true;
  }
  return false;
}

std::string quote_value(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

constexpr long kMigrationLock = 0x70327073636f7065;  // "p2pscope"

// Each record type's columns as the docs/records.md JSON object (the
// columns record_types() lists), so export goes through the same parser as
// a JSON Lines file.
constexpr std::string_view kTime = "to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

std::string export_field(const RecordColumn& c) {
  std::string name(c.name);
  switch (c.kind) {
    case RecordColumn::Kind::plain: return name;
    case RecordColumn::Kind::hash:
    case RecordColumn::Kind::hex: return "encode(" + name + ", 'hex')";
    case RecordColumn::Kind::ip: return "host(" + name + ")";
  }
  return name;
}

std::string export_query(const ExportFilter& f, pqxx::connection& c) {
  auto wanted = [&](std::string_view table) {
    return f.tables.empty() || std::find(f.tables.begin(), f.tables.end(), table) != f.tables.end();
  };
  std::string where = f.run ? " WHERE run = " + c.quote(*f.run) : "";
  std::vector<std::string> parts;
  for (const auto& t : record_types()) {
    if (!wanted(t.table)) continue;
    std::string table(t.table);
    if (t.whole_json) {  // kept whole; only its run is a column
      parts.push_back("SELECT batch, ord, (record || jsonb_strip_nulls(jsonb_build_object('run', run)))::text FROM " +
                      table + where);
      continue;
    }
    std::string fields;
    for (const auto& col : t.columns) fields += ", '" + std::string(col.name) + "', " + export_field(col);
    parts.push_back("SELECT batch, ord, json_strip_nulls(json_build_object('type', '" + table + "', 'time', " +
                    std::string(kTime) + ", 'run', run" + fields + "))::text FROM " + table + where);
  }
  if (parts.empty()) parts.push_back("SELECT NULL::bigint, NULL::integer, NULL::text WHERE false");
  std::string q;
  for (const auto& p : parts) q += (q.empty() ? "" : " UNION ALL ") + p;
  return q + " ORDER BY 1, 2";
}

}  // namespace

const std::error_category& category() noexcept {
  static const Category c;
  return c;
}

bool transient(const std::error_code& ec) noexcept { return ec == make_error_code(Failure::unreachable); }

Status check_conninfo(const std::string& conninfo) {
  char* err = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> opts(PQconninfoParse(conninfo.c_str(), &err),
                                                                    &PQconninfoFree);
  if (!opts) {
    std::string why = err ? one_line(err) : "cannot parse the connection string";
    PQfreemem(err);
    return fail(Failure::bad_conninfo, "bad connection string: " + why);
  }
  for (auto* o = opts.get(); o->keyword; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val && *o->val) {
      return fail(Failure::bad_conninfo,
                  "the connection string holds a password; put it in ~/.pgpass, PGPASSFILE or a service file "
                  "instead of on the command line");
    }
  }
  return success();
}

StatusOr<std::unique_ptr<pqxx::connection>> connect(const std::string& conninfo) {
  P2PSCOPE_CHECK(check_conninfo(conninfo));
  // Rebuilt as key=value so a default connect_timeout can be added to URIs too.
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> opts(PQconninfoParse(conninfo.c_str(), nullptr),
                                                                    &PQconninfoFree);
  std::string keyvalue;
  bool has_timeout = std::getenv("PGCONNECT_TIMEOUT") != nullptr;
  for (auto* o = opts.get(); o->keyword; ++o) {
    if (!o->val) continue;
    has_timeout |= std::string_view(o->keyword) == "connect_timeout";
    keyvalue += std::string(o->keyword) + "=" + quote_value(o->val) + " ";
  }
  if (!has_timeout) keyvalue += "connect_timeout=5 ";
  keyvalue += "application_name=p2pscope";
  try {
    auto c = std::make_unique<pqxx::connection>(keyvalue);
    c->set_variable("TimeZone", "'UTC'");
    return c;
  } catch (const pqxx::broken_connection& e) {
    std::string m = one_line(e.what());
    Error why = refused_message(m) ? Failure::refused : Failure::unreachable;
    return fail(why.code(), why.message() + ": " + m);
  } catch (const std::exception& e) {
    return fail(Failure::unreachable, Error(Failure::unreachable).message() + ": " + one_line(e.what()));
  }
}

int latest_version() { return migrations().empty() ? 0 : migrations().back().version; }

namespace {

int current_version(pqxx::transaction_base& t) {
  auto exists = t.exec("SELECT to_regclass('schema_version') IS NOT NULL");
  if (!exists[0][0].as<bool>()) return 0;
  return t.exec("SELECT coalesce(max(version), 0) FROM schema_version")[0][0].as<int>();
}

std::string newer_message(int at, int known) {
  return "the database schema is at version " + std::to_string(at) + ", newer than this p2pscope knows (" +
         std::to_string(known) + "); use a newer p2pscope";
}


}  // namespace

StatusOr<int> schema_version(pqxx::connection& c) {
  return guarded([&]() -> StatusOr<int> {
    pqxx::read_transaction t(c);
    return current_version(t);
  });
}

StatusOr<std::vector<int>> migrate(pqxx::connection& c) { return migrate(c, migrations()); }

StatusOr<std::vector<int>> migrate(pqxx::connection& c, std::span<const Migration> list) {
  int known = list.empty() ? 0 : list.back().version;
  return guarded([&]() -> StatusOr<std::vector<int>> {
    std::vector<int> applied;
    for (const auto& m : list) {
      pqxx::work t(c);
      t.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
      t.exec("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, name text NOT NULL, "
             "applied timestamptz NOT NULL DEFAULT now())");
      int at = current_version(t);
      if (at > known) return fail(Failure::schema, newer_message(at, known));
      if (m.version <= at) {
        t.commit();
        continue;
      }
      t.exec(std::string(m.sql));
      t.exec("INSERT INTO schema_version (version, name) VALUES (" + std::to_string(m.version) + ", " +
             t.quote(std::string(m.name)) + ")");
      t.commit();
      applied.push_back(m.version);
    }
    return applied;
  });
}

Status require_current_schema(pqxx::connection& c) {
  P2PSCOPE_TRY(at, schema_version(c));
  if (at == latest_version()) return success();
  if (at > latest_version()) return fail(Failure::schema, newer_message(at, latest_version()));
  return fail(Failure::schema, "the database schema is at version " + std::to_string(at) + ", this p2pscope needs " +
                                   std::to_string(latest_version()) + ": run `p2pscope db migrate`");
}

Status note_infohashes(pqxx::connection& c, const std::vector<InfoHash>& hashes, const std::string& origin,
                       const std::string& detail_text) {
  return guarded([&]() -> Status {
    pqxx::work t(c);
    for (const auto& h : hashes) {
      t.exec_params("INSERT INTO infohash (info_hash, origin, detail) VALUES (decode($1, 'hex'), $2, $3) "
                    "ON CONFLICT (info_hash) DO NOTHING",
                    h.hex(), origin, detail_text);
    }
    t.commit();
    return success();
  });
}

StatusOr<bool> store_honeynet_event(pqxx::connection& c, const HoneynetEventRow& e) {
  return guarded([&]() -> StatusOr<bool> {
    pqxx::work t(c);
    auto r = t.exec_params(
        "INSERT INTO honeynet_event (target, start_time, end_time, classification, protocol, packets, unique_sources, "
        "u_metric, record) VALUES ($1::inet, to_timestamp($2::float8), to_timestamp($3::float8), $4, $5, $6, $7, $8, "
        "$9::jsonb) ON CONFLICT (target, start_time) DO NOTHING",
        e.target.to_string(), e.start, e.end, e.classification, e.protocol, e.packets, e.unique_sources, e.u_metric,
        e.record);
    t.commit();
    return r.affected_rows() == 1;
  });
}

StatusOr<std::uint64_t> export_records(pqxx::connection& c, const ExportFilter& f,
                                     const std::function<Status(const Record&)>& on_record) {
  return guarded([&]() -> StatusOr<std::uint64_t> {
    pqxx::work t(c);
    t.exec("DECLARE records NO SCROLL CURSOR FOR " + export_query(f, c));
    std::uint64_t n = 0;
    for (;;) {
      auto rows = t.exec("FETCH 5000 FROM records");
      if (rows.empty()) break;
      for (const auto& row : rows) {
        auto r = parse_record(row[2].c_str(), {});
        if (!r)
          return fail(Failure::query, "stored row (batch " + row[0].as<std::string>() + ", " +
                                          row[1].as<std::string>() + ") does not read back as a record: " +
                                          r.error().message());
        P2PSCOPE_CHECK(on_record(r.value()));
        ++n;
      }
    }
    t.commit();
    return n;
  });
}

}  // namespace p2pscope::pg
