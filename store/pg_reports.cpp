#include "store/pg_reports.hpp"

#include "store/pg_copy.hpp"
#include "store/pg_guard.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <map>

namespace p2pscope::pg {
namespace {

using nlohmann::json;

// A report is input from disk (db import): every field is checked, and a
// bad one is a query failure naming it rather than an exception.
struct Bad {
  std::string what;
};

std::string text(const json& j, const char* key) {
  if (!j.contains(key) || !j.at(key).is_string()) throw Bad{std::string("no string \"") + key + "\""};
  return j.at(key).get<std::string>();
}

std::optional<std::string> opt_text(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return text(j, key);
}

template <class T>
std::optional<T> opt_number(const json& j, const char* key) {
  if (!j.contains(key) || !j.at(key).is_number()) return std::nullopt;
  return j.at(key).get<T>();
}

Endpoint endpoint(const json& j, const char* key) {
  auto e = Endpoint::parse(text(j, key));
  if (!e) throw Bad{std::string("\"") + key + "\" is not ip:port: " + j.at(key).dump()};
  return e.value();
}

struct FlowRow {
  std::string direction, route;
  Endpoint peer;
  std::optional<std::string> kind;
  std::optional<bool> hub;
  bool created = false, unroutable = false;
  std::optional<Endpoint> original;
  std::optional<std::string> byte_order;
};

std::vector<FlowRow> flows_of(const json& r) {
  std::vector<FlowRow> rows;
  if (r.contains("plan") && r.at("plan").contains("fed")) {
    for (const auto& f : r.at("plan").at("fed")) {
      FlowRow row;
      row.direction = "in";
      row.route = text(f, "route");
      row.peer = endpoint(f, "peer");
      row.kind = opt_text(f, "kind");
      if (f.contains("hub")) row.hub = f.at("hub").get<bool>();
      rows.push_back(std::move(row));
    }
  }
  if (!r.contains("diff")) return rows;
  const auto& d = r.at("diff");
  const json made = d.value("created", json::array()), outgoing = d.value("outgoing", json::array());
  std::map<std::pair<std::string, Endpoint>, const json*> created;
  for (const auto& c : made) created[{text(c, "route"), endpoint(c, "advertised")}] = &c;
  for (const auto& o : outgoing) {
    FlowRow row;
    row.direction = "out";
    row.route = text(o, "route");
    row.peer = endpoint(o, "peer");
    if (auto it = created.find({row.route, row.peer}); it != created.end()) {
      const auto& c = *it->second;
      row.created = true;
      row.unroutable = c.value("unroutable", false);
      if (c.contains("original")) row.original = endpoint(c, "original");
      row.byte_order = opt_text(c, "byte_order");
    }
    rows.push_back(row);
  }
  return rows;
}

template <class T>
Field opt_str(const std::optional<T>& v) {
  if (!v) return std::nullopt;
  if constexpr (std::is_same_v<T, bool>) return *v ? "t" : "f";
  else return std::to_string(*v);
}
Field flag(bool b) { return b ? "t" : "f"; }

}  // namespace

StatusOr<bool> store_harness_report(pqxx::connection& c, const json& r) {
  return guarded([&]() -> StatusOr<bool> {
    std::vector<FlowRow> flows;
    std::string session, client, verdict;
    try {
      session = text(r, "session");
      client = text(r, "client");
      verdict = text(r, "verdict");
      flows = flows_of(r);
    } catch (const Bad& b) {
      return fail(Failure::query, "harness report " + r.value("client", std::string("?")) + ": " + b.what);
    }
    const json diff = r.value("diff", json::object());
    const json audit = r.value("audit", json::object());
    std::optional<std::string> info_hash = opt_text(r, "info_hash");
    if (info_hash && info_hash->size() != 40) info_hash.reset();
    pqxx::work t(c);
    auto id = t.exec_params(
        "INSERT INTO harness_run (session, client, version, mode, verdict, info_hash, started, seconds, "
        "client_seconds, stopped_cleanly, anonymous, bogus, byte_order, leaks, propagation_policy, error, report) "
        "VALUES ($1, $2, $3, $4, $5, decode($6, 'hex'), to_timestamp($7::float8), $8, $9, $10, $11, $12, $13, $14, "
        "$15, $16, $17::jsonb) ON CONFLICT (session, client) DO NOTHING RETURNING id",
        session, client, opt_text(r, "version"), r.value("mode", std::string("taint")), verdict, info_hash,
        opt_str(opt_number<double>(r, "started")), opt_str(opt_number<double>(r, "seconds")),
        opt_str(opt_number<double>(r, "client_seconds")),
        r.contains("stopped_cleanly") ? std::optional<bool>(r.at("stopped_cleanly").get<bool>()) : std::nullopt,
        r.contains("anonymity") && r.at("anonymity").value("asked", false), diff.value("bogus", 0),
        diff.value("byte_order", json::array()).size(), opt_number<int>(audit, "leaks"),
        opt_text(diff, "propagation_policy"), opt_text(r, "error"), r.dump());
    if (id.empty()) return false;
    const auto run = id[0][0].as<std::int64_t>();
    pqxx::stream_to s(t, "harness_flow",
                      std::vector<std::string>{"run", "ord", "direction", "route", "peer_ip", "peer_port", "kind", "hub",
                                               "created", "unroutable", "original_ip", "original_port", "byte_order"});
    int ord = 0;
    for (const auto& f : flows) {
      Field original_ip, original_port;
      if (f.original) {
        original_ip = f.original->address.to_string();
        original_port = std::to_string(f.original->port);
      }
      put_row(s, {std::to_string(run), std::to_string(ord++), f.direction, f.route, f.peer.address.to_string(),
                  std::to_string(f.peer.port), f.kind, opt_str(f.hub), flag(f.created), flag(f.unroutable), original_ip,
                  original_port, f.byte_order});
    }
    s.complete();
    t.commit();
    return true;
  });
}

StatusOr<std::size_t> store_harness_reports(pqxx::connection& c, const json& reports) {
  std::size_t fresh = 0;
  for (const auto& r : reports) {
    P2PSCOPE_TRY(stored, store_harness_report(c, r));
    fresh += stored;
  }
  return fresh;
}

StatusOr<std::vector<json>> load_honeynet_events(pqxx::connection& c, std::size_t limit) {
  return guarded([&]() -> StatusOr<std::vector<json>> {
    pqxx::read_transaction t(c);
    std::vector<json> out;
    for (const auto& row : t.exec_params("SELECT record::text FROM honeynet_event ORDER BY start_time, target LIMIT $1",
                                         static_cast<long long>(limit)))
      out.push_back(json::parse(row[0].as<std::string>(), nullptr, false));
    return out;
  });
}

StatusOr<std::vector<json>> load_harness_session(pqxx::connection& c, const std::string& session, std::string* named) {
  return guarded([&]() -> StatusOr<std::vector<json>> {
    pqxx::read_transaction t(c);
    auto chosen = session.empty() ? t.exec("SELECT session FROM harness_run ORDER BY stored DESC, id DESC LIMIT 1")
                                  : t.exec_params("SELECT $1::text", session);
    std::vector<json> out;
    *named = chosen.empty() ? std::string() : chosen[0][0].as<std::string>();
    if (named->empty()) return out;
    for (const auto& row : t.exec_params("SELECT report::text FROM harness_run WHERE session = $1 ORDER BY client, id", *named))
      out.push_back(json::parse(row[0].as<std::string>(), nullptr, false));
    return out;
  });
}

StatusOr<std::int64_t> store_blocklist_export(pqxx::connection& c, const BlocklistExportRow& e) {
  return guarded([&]() -> StatusOr<std::int64_t> {
    pqxx::work t(c);
    std::string classes = "{";
    for (std::size_t i = 0; i < e.classes.size(); ++i) classes += (i ? "," : "") + e.classes[i];
    classes += "}";
    auto id = t.exec_params1(
                   "INSERT INTO blocklist_export (format, name, classes, min_confidence, from_run, verdicts_read, rules, "
                   "left_out_v6, output, content_sha256) VALUES ($1, $2, $3::text[], $4, $5, $6, $7, $8, $9, $10) "
                   "RETURNING id",
                   e.format, e.name, classes, e.min_confidence, e.from_run, e.verdicts_read, e.rules, e.left_out_v6,
                   e.output, e.content_sha256)[0]
                  .as<std::int64_t>();
    pqxx::stream_to s(t, "blocklist_entry", std::vector<std::string>{"export", "first_ip", "last_ip", "label"});
    for (const auto& r : e.ranges) put_row(s, {std::to_string(id), r.first.to_string(), r.last.to_string(), r.label});
    s.complete();
    t.commit();
    return id;
  });
}

}  // namespace p2pscope::pg
