#include "passive/zeek_log.hpp"

#include "core/ip.hpp"

#include <chrono>
#include <ctime>
#include <span>
#include <vector>

namespace p2pscope::passive {
namespace {

using nlohmann::json;

// One column: its Zeek name and type, and where its value comes from in
// the record ("from"/"to" split into address and port; "key/sub" takes
// `sub` of every object in the array at `key`).
struct Column {
  std::string_view name, type, source;
};

struct Spec {
  std::string_view record, log, time_key;  // time_key: the record's timestamp
  std::vector<Column> columns;
};

const std::vector<Column> kConn = {{"id.orig_h", "addr", "from:addr"}, {"id.orig_p", "port", "from:port"},
                                   {"id.resp_h", "addr", "to:addr"},   {"id.resp_p", "port", "to:port"},
                                   {"carrier", "string", "carrier"}};

std::vector<Column> with_conn(std::vector<Column> rest) {
  std::vector<Column> all = kConn;
  all.insert(all.end(), rest.begin(), rest.end());
  return all;
}

const std::vector<Spec>& specs() {
  static const std::vector<Spec> s = {
      {"passive_handshake", "p2p_handshake", "t",
       with_conn({{"info_hash", "string", "info_hash"}, {"peer_id", "string", "peer_id"},
                  {"peer_id_text", "string", "peer_id_text"}, {"extension_protocol", "bool", "extension_protocol"},
                  {"dht", "bool", "dht"}})},
      {"passive_extended_handshake", "p2p_extended_handshake", "t",
       with_conn({{"v", "string", "v"}, {"p", "count", "p"}, {"yourip", "addr", "yourip"}, {"ut_pex", "count", "ut_pex"}})},
      {"passive_pex", "p2p_pex", "t",
       with_conn({{"added", "vector[string]", "added/peer"}, {"added_flags", "vector[count]", "added/flags"},
                  {"dropped", "vector[string]", "dropped"}, {"id_inferred", "bool", "id_inferred"},
                  {"dialect", "string", "dialect"}})},
      {"passive_krpc", "p2p_krpc", "t",
       with_conn({{"kind", "string", "kind"}, {"method", "string", "method"}, {"info_hash", "string", "info_hash"},
                  {"values", "vector[string]", "values"}, {"nodes", "vector[string]", "nodes/node"},
                  {"samples", "vector[string]", "samples"}, {"v", "string", "v"}, {"tid", "string", "tid"},
                  {"id", "string", "id"}, {"target", "string", "target"}, {"token", "string", "token"},
                  {"port", "count", "port"}, {"implied_port", "bool", "implied_port"}, {"error_code", "int", "error_code"},
                  {"error_message", "string", "error_message"}, {"defect", "string", "defect"}})},
      {"passive_vuze_dht", "p2p_vuze_dht", "t",
       with_conn({{"action", "string", "action"}, {"kind", "string", "kind"}, {"tid", "string", "tid"},
                  {"connection_id", "string", "connection_id"}, {"protocol_version", "count", "protocol_version"},
                  {"vendor", "count", "vendor"}, {"network", "count", "network"}, {"instance_id", "count", "instance_id"},
                  {"originator", "string", "originator"}, {"key", "string", "key"},
                  {"store_keys", "vector[string]", "store_keys"}, {"contacts", "vector[string]", "contacts"},
                  {"values", "count", "values"}, {"peers", "vector[string]", "peers"},
                  {"error_type", "count", "error_type"}, {"error_address", "string", "error_address"},
                  {"unread", "count", "unread"}})},
      {"passive_tracker_announce", "p2p_tracker_announce", "t",
       with_conn({{"info_hash", "string", "info_hash"}, {"peer_id", "string", "peer_id"}, {"port", "count", "port"},
                  {"event", "string", "event"}, {"ip", "string", "ip"}})},
      {"passive_tracker_peers", "p2p_tracker_peers", "t",
       with_conn({{"info_hash", "string", "info_hash"}, {"peers", "vector[string]", "peers"},
                  {"failure", "string", "failure"}})},
      {"passive_ed2k_hello", "p2p_ed2k_hello", "t",
       with_conn({{"kind", "string", "kind"}, {"user_hash", "string", "user_hash"}, {"client_id", "count", "client_id"},
                  {"id_address", "addr", "id_address"}, {"port", "count", "port"}, {"name", "string", "name"},
                  {"software", "string", "software"}, {"sx1", "count", "sx1"}, {"sx2", "bool", "sx2"},
                  {"crypt", "count", "crypt"}})},
      {"passive_ed2k_file", "p2p_ed2k_file", "t",
       with_conn({{"message", "string", "message"}, {"file", "string", "file"}, {"size", "count", "size"}})},
      {"passive_ed2k_sources", "p2p_ed2k_sources", "t",
       with_conn({{"route", "string", "route"}, {"file", "string", "file"}, {"form", "string", "form"},
                  {"sx_version", "count", "sx_version"}, {"ids", "vector[count]", "sources/id"},
                  {"addresses", "vector[string]", "sources/address"}, {"ports", "vector[count]", "sources/port"},
                  {"other_forms", "vector[string]", "sources/other_form"}})},
      {"passive_honeynet_event", "p2p_honeynet_event", "start",
       {{"event", "string", "event"}, {"target", "addr", "target"}, {"classification", "string", "classification"},
        {"duration", "interval", "duration"}, {"protocol", "string", "protocol"}, {"packets", "count", "packets"},
        {"application", "string", "application"}, {"unique_sources", "count", "unique_sources"},
        {"peak_per_interval", "count", "peak_per_interval"},
        {"u", "double", "u"}, {"farms", "vector[string]", "farms/subnet"},
        {"info_hashes", "vector[string]", "info_hashes/info_hash"}, {"files", "vector[string]", "files/file"},
        {"cert_fingerprinted", "count", "cert.fingerprinted"},
        {"uniform_share", "double", "source_spread.uniform_share"}}},
      {"suspect_infohash", "p2p_suspect_infohash", "t",
       {{"info_hash", "string", "info_hash"}, {"origin", "string", "origin"}, {"event", "string", "event"},
        {"classification", "string", "classification"}, {"requests", "count", "requests"}, {"sources", "count", "sources"}}},
      {"suspect_ed2k_file", "p2p_suspect_ed2k_file", "t",
       {{"file", "string", "file"}, {"origin", "string", "origin"}, {"event", "string", "event"},
        {"classification", "string", "classification"}, {"requests", "count", "requests"}, {"sources", "count", "sources"}}},
      {"passive_failed_connection", "p2p_failed_connection", "t",
       {{"id.orig_h", "addr", "from:addr"}, {"id.orig_p", "port", "from:port"}, {"id.resp_h", "addr", "to:addr"},
        {"id.resp_p", "port", "to:port"}, {"predicted", "bool", "predicted"}, {"predicted_by", "string", "predicted_by"},
        {"why", "string", "why"}}},
      {"passive_scan_host", "p2p_scan_host", "",
       {{"host", "addr", "host"}, {"attempts", "count", "attempts"}, {"failed", "count", "failed"},
        {"failed_predicted", "count", "failed_predicted"}, {"unique_peers", "count", "unique_peers"},
        {"unique_ports", "count", "unique_ports"}, {"ppr", "double", "ppr"}, {"ppr_suppressed", "bool", "ppr_suppressed"},
        {"alarm_unsuppressed", "string", "alarm_unsuppressed"}, {"alarm_suppressed", "string", "alarm_suppressed"}}},
      {"passive_scan_alarm", "p2p_scan_alarm", "t",
       {{"host", "addr", "host"}, {"kind", "string", "kind"}, {"detector", "string", "detector"},
        {"distinct", "count", "distinct"}}},
  };
  return s;
}

const Spec* spec_for(std::string_view type) {
  for (const auto& s : specs())
    if (s.record == type) return &s;
  return nullptr;
}

// The value a column takes from a record; null when the record lacks it.
json value_of(const json& r, std::string_view source) {
  if (auto colon = source.find(':'); colon != std::string_view::npos) {
    auto it = r.find(std::string(source.substr(0, colon)));
    if (it == r.end() || !it->is_string()) return nullptr;
    auto ep = Endpoint::parse(it->get<std::string>());
    if (!ep) return nullptr;
    if (source.substr(colon + 1) == "addr") return ep.value().address.to_string();
    return ep.value().port;
  }
  if (auto slash = source.find('/'); slash != std::string_view::npos) {
    auto it = r.find(std::string(source.substr(0, slash)));
    if (it == r.end() || !it->is_array()) return nullptr;
    json out = json::array();
    auto sub = std::string(source.substr(slash + 1));
    for (const auto& x : *it) out.push_back(x.contains(sub) ? x[sub] : json(nullptr));
    return out;
  }
  if (auto dot = source.find('.'); dot != std::string_view::npos) {
    auto it = r.find(std::string(source.substr(0, dot)));
    if (it == r.end() || !it->is_object()) return nullptr;
    return it->value(std::string(source.substr(dot + 1)), json(nullptr));
  }
  auto it = r.find(std::string(source));
  return it == r.end() ? json(nullptr) : *it;
}

// Zeek's ASCII rendering of one value: "-" unset, "(empty)" for an empty
// vector, T/F, times with microseconds; separators inside strings escaped.
std::string ascii(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_boolean()) return v.get<bool>() ? "T" : "F";
  if (v.is_number_float()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", v.get<double>());
    return buf;
  }
  if (v.is_number()) return v.dump();
  if (v.is_array()) {
    if (v.empty()) return "(empty)";
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ",") + ascii(x);
    return out;
  }
  std::string s = v.is_string() ? v.get<std::string>() : v.dump(), out;
  for (char c : s) {
    if (c == '\t' || c == ',' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out.empty() ? "(empty)" : out;
}

std::string zeek_time_now() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d-%H-%M-%S", &tm);
  return buf;
}

}  // namespace

struct ZeekLogs::Log {
  const Spec* spec = nullptr;
  std::ofstream out;
};

ZeekLogs::ZeekLogs(std::filesystem::path dir, ZeekFormat format) : dir_(std::move(dir)), format_(format) {}
ZeekLogs::~ZeekLogs() { (void)close(); }

std::string ZeekLogs::log_name(std::string_view record_type) {
  const auto* s = spec_for(record_type);
  return s ? std::string(s->log) : std::string();
}

Status ZeekLogs::write(const json& record) {
  auto type = record.value("type", std::string());
  const auto* spec = spec_for(type);
  if (!spec) return errc::bad_value;
  auto& log = logs_[type];
  if (!log) {
    log = std::make_unique<Log>();
    log->spec = spec;
    log->out.open(dir_ / (std::string(spec->log) + ".log"), std::ios::trunc);
    if (format_ == ZeekFormat::tsv) {
      log->out << "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t" << spec->log
               << "\n#open\t" << zeek_time_now() << "\n#fields\tts";
      for (const auto& c : spec->columns) log->out << '\t' << c.name;
      log->out << "\n#types\ttime";
      for (const auto& c : spec->columns) log->out << '\t' << c.type;
      log->out << '\n';
    }
  }
  json ts = spec->time_key.empty() ? json(nullptr) : value_of(record, spec->time_key);
  if (format_ == ZeekFormat::tsv) {
    log->out << ascii(ts);
    for (const auto& c : spec->columns) log->out << '\t' << ascii(value_of(record, c.source));
    log->out << '\n';
  } else {
    json row = json::object();
    if (!ts.is_null()) row["ts"] = ts;
    for (const auto& c : spec->columns) {
      auto v = value_of(record, c.source);
      if (!v.is_null()) row[std::string(c.name)] = std::move(v);
    }
    log->out << row.dump() << '\n';
  }
  if (!log->out) return std::make_error_code(std::errc::io_error);
  return success();
}

Status ZeekLogs::close() {
  bool ok = true;
  for (auto& [type, log] : logs_) {
    if (!log->out.is_open()) continue;
    if (format_ == ZeekFormat::tsv) log->out << "#close\t" << zeek_time_now() << '\n';
    log->out.close();
    ok &= !log->out.fail();
  }
  logs_.clear();
  if (!ok) return std::make_error_code(std::errc::io_error);
  return success();
}

}  // namespace p2pscope::passive
