#include "store/record_json.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <vector>
#include <cstdio>
#include <limits>

namespace p2pscope {
namespace {

using json = nlohmann::json;
using namespace std::chrono;

// Raised inside this file only, and turned into Result at parse_record().
struct FieldError {
  errc code;
  std::string message;
};

[[noreturn]] void fail(errc code, std::string message) { throw FieldError{code, std::move(message)}; }

template <class T>
T need(Result<T> r, std::string_view field) {
  if (!r) fail(static_cast<errc>(r.error().value()), "field \"" + std::string(field) + "\": " + r.error().message());
  return std::move(r).value();
}

const json* find(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

const json& require(const json& j, const char* key) {
  const json* v = find(j, key);
  if (!v) fail(errc::missing_key, std::string("missing field \"") + key + "\"");
  return *v;
}

std::string get_string(const json& j, const char* key) {
  const auto& v = require(j, key);
  if (!v.is_string()) fail(errc::wrong_type, std::string("field \"") + key + "\" must be a string");
  return v.get<std::string>();
}

std::optional<std::string> opt_string(const json& j, const char* key) {
  if (!find(j, key)) return std::nullopt;
  return get_string(j, key);
}

std::int64_t get_int(const json& j, const char* key, std::int64_t lo, std::int64_t hi) {
  const auto& v = require(j, key);
  if (!v.is_number_integer()) fail(errc::wrong_type, std::string("field \"") + key + "\" must be an integer");
  auto n = v.get<std::int64_t>();
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) n = hi + 1;
  if (n < lo || n > hi) fail(errc::bad_value, std::string("field \"") + key + "\" out of range");
  return n;
}

double get_number(const json& j, const char* key) {
  const auto& v = require(j, key);
  if (!v.is_number()) fail(errc::wrong_type, std::string("field \"") + key + "\" must be a number");
  return v.get<double>();
}

// The fields every record has: "time" (required) and "run" (optional).
template <class Rec>
void read_common(const json& j, Rec& r) {
  r.time = need(parse_time(get_string(j, "time")), "time");
  r.run = opt_string(j, "run").value_or("");
}

// An optional array of strings; absent is empty.
std::vector<std::string> string_array(const json& j, const char* key) {
  std::vector<std::string> out;
  const json* e = find(j, key);
  if (!e) return out;
  if (!e->is_array()) fail(errc::wrong_type, std::string("field \"") + key + "\" must be an array");
  for (const auto& s : *e) {
    if (!s.is_string()) fail(errc::wrong_type, std::string("field \"") + key + "\": entries must be strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

Endpoint get_endpoint(const json& j, const char* ip_key, const char* port_key) {
  auto ip = need(IpAddress::parse(get_string(j, ip_key)), ip_key);
  return Endpoint{ip, static_cast<std::uint16_t>(get_int(j, port_key, 0, 65535))};
}

template <class H>
std::optional<H> opt_hash(const json& j, const char* key) {
  auto s = opt_string(j, key);
  if (!s) return std::nullopt;
  return need(H::from_hex(*s), key);
}

void put_endpoint(json& j, const char* ip_key, const char* port_key, const Endpoint& ep) {
  j[ip_key] = ep.address.to_string();
  j[port_key] = ep.port;
}

void put_common(json& j, std::string_view type, Timestamp time, const std::string& run) {
  j["type"] = type;
  j["time"] = format_time(time);
  if (!run.empty()) j["run"] = run;
}

json peer_flags_json(EndpointFlags f) {
  json a = json::array();
  if (f.has(EndpointFlag::port_zero)) a.push_back("port_zero");
  if (f.has(EndpointFlag::v4_mapped)) a.push_back("v4_mapped");
  return a;
}

// peer_flags is derived from the peer; a file whose flags disagree with its
// peer has been edited or corrupted, and is rejected rather than trusted.
void check_peer_flags(const json& j, const Endpoint& peer) {
  const json* a = find(j, "peer_flags");
  json expected = peer_flags_json(endpoint_flags(peer));
  if (!a && expected.empty()) return;
  if (!a || *a != expected)
    fail(errc::bad_value, "field \"peer_flags\" must be " + expected.dump() + " for peer " + peer.to_string());
}

json observation_json(const Observation& o) {
  json j;
  put_common(j, "observation", o.time, o.run);
  j["info_hash"] = o.info_hash.hex();
  put_endpoint(j, "peer_ip", "peer_port", o.peer);
  j["via"] = to_string(o.via);
  if (o.source_url) j["source_url"] = *o.source_url;
  if (o.source_endpoint) put_endpoint(j, "source_ip", "source_port", *o.source_endpoint);
  if (o.source_node_id) j["source_node_id"] = o.source_node_id->hex();
  if (auto flags = endpoint_flags(o.peer); !flags.empty()) j["peer_flags"] = peer_flags_json(flags);
  if (o.pex_flags) j["pex_flags"] = o.pex_flags->bits();
  return j;
}

Observation parse_observation(const json& j) {
  Observation o;
  read_common(j, o);
  o.info_hash = need(InfoHash::from_hex(get_string(j, "info_hash")), "info_hash");
  o.peer = get_endpoint(j, "peer_ip", "peer_port");
  o.via = need(via_from(get_string(j, "via")), "via");
  o.source_url = opt_string(j, "source_url");
  if (find(j, "source_ip")) o.source_endpoint = get_endpoint(j, "source_ip", "source_port");
  o.source_node_id = opt_hash<NodeId>(j, "source_node_id");
  check_peer_flags(j, o.peer);
  if (find(j, "pex_flags")) o.pex_flags = PexFlags::from_bits(static_cast<std::uint8_t>(get_int(j, "pex_flags", 0, 255)));
  if (auto st = o.validate(); !st) fail(errc::missing_key, "observation via " + std::string(to_string(o.via)) + " lacks its source fields");
  return o;
}

json probe_json(const ProbeResult& p) {
  json j;
  put_common(j, "probe_result", p.time, p.run);
  put_endpoint(j, "peer_ip", "peer_port", p.peer);
  if (p.info_hash) j["info_hash"] = p.info_hash->hex();
  j["probe"] = to_string(p.probe);
  j["outcome"] = to_string(p.outcome);
  if (p.rtt_ms) j["rtt_ms"] = *p.rtt_ms;
  j["evidence"] = p.evidence;
  return j;
}

ProbeResult parse_probe(const json& j) {
  ProbeResult p;
  read_common(j, p);
  p.peer = get_endpoint(j, "peer_ip", "peer_port");
  p.info_hash = opt_hash<InfoHash>(j, "info_hash");
  p.probe = need(probe_kind_from(get_string(j, "probe")), "probe");
  p.outcome = need(probe_outcome_from(get_string(j, "outcome")), "outcome");
  if (find(j, "rtt_ms")) p.rtt_ms = get_number(j, "rtt_ms");
  if (const json* e = find(j, "evidence")) {
    if (!e->is_object()) fail(errc::wrong_type, "field \"evidence\" must be an object");
    for (const auto& [k, v] : e->items()) {
      if (!v.is_string()) fail(errc::wrong_type, "field \"evidence\": values must be strings");
      p.evidence.emplace(k, v.get<std::string>());
    }
  }
  return p;
}

json verdict_json(const Verdict& v) {
  json j;
  put_common(j, "verdict", v.time, v.run);
  put_endpoint(j, "peer_ip", "peer_port", v.peer);
  if (v.info_hash) j["info_hash"] = v.info_hash->hex();
  j["verdict"] = to_string(v.verdict);
  j["confidence"] = v.confidence;
  j["evidence"] = v.evidence;
  return j;
}

Verdict parse_verdict(const json& j) {
  Verdict v;
  read_common(j, v);
  v.peer = get_endpoint(j, "peer_ip", "peer_port");
  v.info_hash = opt_hash<InfoHash>(j, "info_hash");
  v.verdict = need(verdict_kind_from(get_string(j, "verdict")), "verdict");
  v.confidence = get_number(j, "confidence");
  if (!(v.confidence >= 0 && v.confidence <= 1)) fail(errc::bad_value, "field \"confidence\" must lie in [0, 1]");
  v.evidence = string_array(j, "evidence");
  return v;
}

std::optional<std::int64_t> opt_int(const json& j, const char* key, std::int64_t lo, std::int64_t hi) {
  if (!find(j, key)) return std::nullopt;
  return get_int(j, key, lo, hi);
}

constexpr std::int64_t kMaxCount = std::int64_t{1} << 53;  // exact in every JSON reader

json anomaly_json(const Anomaly& a) {
  json j;
  put_common(j, "anomaly", a.time, a.run);
  j["via"] = to_string(a.via);
  if (a.source_url) j["source_url"] = *a.source_url;
  if (a.source_endpoint) put_endpoint(j, "source_ip", "source_port", *a.source_endpoint);
  if (a.info_hash) j["info_hash"] = a.info_hash->hex();
  j["kind"] = to_string(a.kind);
  j["detail"] = a.detail;
  j["count"] = a.count;
  return j;
}

Anomaly parse_anomaly(const json& j) {
  Anomaly a;
  read_common(j, a);
  a.via = need(via_from(get_string(j, "via")), "via");
  a.source_url = opt_string(j, "source_url");
  if (find(j, "source_ip")) a.source_endpoint = get_endpoint(j, "source_ip", "source_port");
  a.info_hash = opt_hash<InfoHash>(j, "info_hash");
  a.kind = need(anomaly_kind_from(get_string(j, "kind")), "kind");
  a.detail = opt_string(j, "detail").value_or("");
  a.count = static_cast<std::uint64_t>(get_int(j, "count", 1, kMaxCount));
  if (!a.validate()) fail(errc::missing_key, "anomaly needs source_url or source_ip");
  return a;
}

json swarm_counts_json(const SwarmCounts& c) {
  json j;
  put_common(j, "swarm_counts", c.time, c.run);
  j["info_hash"] = c.info_hash.hex();
  j["via"] = to_string(c.via);
  j["source_url"] = c.source_url;
  j["scrape"] = c.scrape;
  if (c.seeders) j["seeders"] = *c.seeders;
  if (c.leechers) j["leechers"] = *c.leechers;
  if (c.completed) j["completed"] = *c.completed;
  return j;
}

SwarmCounts parse_swarm_counts(const json& j) {
  SwarmCounts c;
  read_common(j, c);
  c.info_hash = need(InfoHash::from_hex(get_string(j, "info_hash")), "info_hash");
  c.via = need(via_from(get_string(j, "via")), "via");
  if (c.via != Via::tracker_http && c.via != Via::tracker_udp)
    fail(errc::bad_value, "field \"via\" must be tracker_http or tracker_udp");
  c.source_url = get_string(j, "source_url");
  const auto& scrape = require(j, "scrape");
  if (!scrape.is_boolean()) fail(errc::wrong_type, "field \"scrape\" must be true or false");
  c.scrape = scrape.get<bool>();
  c.seeders = opt_int(j, "seeders", 0, kMaxCount);
  c.leechers = opt_int(j, "leechers", 0, kMaxCount);
  c.completed = opt_int(j, "completed", 0, kMaxCount);
  return c;
}

json peer_hello_json(const PeerHello& h) {
  json j;
  put_common(j, "peer_hello", h.time, h.run);
  j["info_hash"] = h.info_hash.hex();
  put_endpoint(j, "peer_ip", "peer_port", h.peer);
  j["peer_id"] = h.peer_id.hex();
  j["reserved"] = h.reserved_hex;
  if (h.client) j["client"] = *h.client;
  if (h.yourip) j["yourip"] = h.yourip->to_string();
  if (h.reqq) j["reqq"] = *h.reqq;
  if (h.listen_port) j["listen_port"] = *h.listen_port;
  j["extensions"] = h.extensions;
  return j;
}

PeerHello parse_peer_hello(const json& j) {
  PeerHello h;
  read_common(j, h);
  h.info_hash = need(InfoHash::from_hex(get_string(j, "info_hash")), "info_hash");
  h.peer = get_endpoint(j, "peer_ip", "peer_port");
  h.peer_id = need(PeerId::from_hex(get_string(j, "peer_id")), "peer_id");
  h.reserved_hex = get_string(j, "reserved");
  std::array<std::uint8_t, 8> reserved{};
  if (!detail::from_hex(h.reserved_hex, reserved.data(), reserved.size()))
    fail(errc::bad_value, "field \"reserved\" must be 16 hex digits");
  h.client = opt_string(j, "client");
  if (auto ip = opt_string(j, "yourip")) h.yourip = need(IpAddress::parse(*ip), "yourip");
  h.reqq = opt_int(j, "reqq", std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
  if (auto p = opt_int(j, "listen_port", 0, 65535)) h.listen_port = static_cast<std::uint16_t>(*p);
  h.extensions = string_array(j, "extensions");
  return h;
}

json passive_json(const PassiveRecord& p) {
  json j = json::parse(p.body, nullptr, false);
  if (!j.is_object()) j = json{{"type", p.type}};  // bodies come from parse_passive; this is a guard
  if (!p.run.empty()) j["run"] = p.run;
  return j;
}

// Seconds since the epoch (a capture time) as a Timestamp, when plausible.
std::optional<Timestamp> epoch_time(const json& j, const char* key) {
  if (!j.contains(key) || !j.at(key).is_number()) return std::nullopt;
  double s = j.at(key).get<double>();
  if (!(s >= 0 && s < 1e11)) return std::nullopt;
  return Timestamp{microseconds{static_cast<std::int64_t>(std::llround(s * 1e6))}};
}

PassiveRecord parse_passive(json j, const std::string& type) {
  PassiveRecord p;
  p.type = type;
  if (auto run = opt_string(j, "run")) p.run = *run;
  j.erase("run");
  p.time = epoch_time(j, "t");
  if (!p.time) p.time = epoch_time(j, "start");
  p.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return p;
}

// A parser callback that notes the first key repeated within one object:
// nlohmann keeps the last value, and which "peer_ip" a record means must
// not depend on that.
// nlohmann copies the callback, so its state lives with the caller.
struct DuplicateKeys {
  std::string* found;
  std::vector<std::vector<std::string>>* open;  // the keys of each object still open, outermost first
  bool operator()(int, json::parse_event_t event, json& parsed) const {
    switch (event) {
      case json::parse_event_t::object_start: open->emplace_back(); break;
      case json::parse_event_t::object_end:
        if (!open->empty()) open->pop_back();
        break;
      case json::parse_event_t::key: {
        if (open->empty() || !parsed.is_string()) break;
        auto& keys = open->back();
        const auto& k = parsed.get_ref<const std::string&>();
        if (std::find(keys.begin(), keys.end(), k) != keys.end()) {
          if (found->empty()) *found = k;
        } else {
          keys.push_back(k);
        }
        break;
      }
      default: break;
    }
    return true;
  }
};

// nlohmann's parser recurses per nesting level; bound it before parsing.
bool too_deep(std::string_view line, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  auto [end, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return ec == std::errc{} && end == s.data() + pos + len;
}

}  // namespace

std::string format_time(Timestamp t) {
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<long long>(hms.subseconds().count()));
  return buf;
}

Result<Timestamp> parse_time(std::string_view s) {
  // Exactly YYYY-MM-DDTHH:MM:SS.ffffffZ, as format_time writes.
  int y, mo, d, h, mi, sec, us;
  if (s.size() != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s[19] != '.' || s[26] != 'Z')
    return errc::bad_value;
  if (!read_int(s, 0, 4, y) || !read_int(s, 5, 2, mo) || !read_int(s, 8, 2, d) || !read_int(s, 11, 2, h) ||
      !read_int(s, 14, 2, mi) || !read_int(s, 17, 2, sec) || !read_int(s, 20, 6, us))
    return errc::bad_value;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  // Nothing p2pscope records happened before the Unix epoch; year 0000 is damage.
  if (y < 1970 || !ymd.ok() || h > 23 || mi > 59 || sec > 59 || us < 0) return errc::bad_value;
  return Timestamp{sys_days{ymd}} + hours{h} + minutes{mi} + seconds{sec} + microseconds{us};
}

std::string to_json_line(const Record& r) {
  json j = std::visit(
      [](const auto& rec) -> json {
        using T = std::decay_t<decltype(rec)>;
        if constexpr (std::is_same_v<T, Observation>) return observation_json(rec);
        else if constexpr (std::is_same_v<T, ProbeResult>) return probe_json(rec);
        else if constexpr (std::is_same_v<T, Verdict>) return verdict_json(rec);
        else if constexpr (std::is_same_v<T, Anomaly>) return anomaly_json(rec);
        else if constexpr (std::is_same_v<T, SwarmCounts>) return swarm_counts_json(rec);
        else if constexpr (std::is_same_v<T, PeerHello>) return peer_hello_json(rec);
        else return passive_json(rec);
      },
      r);
  // Replace invalid UTF-8 (e.g. a hostile tracker URL) rather than throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Record> parse_record(std::string_view line, const JsonLimits& lim, std::string* detail) {
  auto report = [&](errc code, std::string message) -> Result<Record> {
    if (detail) *detail = std::move(message);
    return code;
  };
  if (line.size() > lim.max_line) return report(errc::oversized, "line longer than " + std::to_string(lim.max_line) + " bytes");
  if (too_deep(line, lim.max_depth)) return report(errc::too_deep, "JSON nested deeper than " + std::to_string(lim.max_depth));
  // nlohmann's lexer takes a NUL byte for the end of the input: what follows it would go unread.
  if (auto nul = line.find('\0'); nul != std::string_view::npos)
    return report(errc::bad_value, "NUL byte at column " + std::to_string(nul + 1));
  std::string duplicate;
  std::vector<std::vector<std::string>> open_objects;
  json j = json::parse(line.begin(), line.end(), DuplicateKeys{&duplicate, &open_objects}, false);
  if (!duplicate.empty()) return report(errc::bad_value, "field \"" + duplicate + "\" appears twice");
  if (j.is_discarded()) return report(errc::bad_value, "not valid JSON");
  if (!j.is_object()) return report(errc::wrong_type, "record must be a JSON object");
  try {
    auto type = get_string(j, "type");
    if (type == "observation") return Record{parse_observation(j)};
    if (type == "probe_result") return Record{parse_probe(j)};
    if (type == "verdict") return Record{parse_verdict(j)};
    if (type == "anomaly") return Record{parse_anomaly(j)};
    if (type == "swarm_counts") return Record{parse_swarm_counts(j)};
    if (type == "peer_hello") return Record{parse_peer_hello(j)};
    if (type.starts_with("passive_") || type == "suspect_infohash") return Record{parse_passive(std::move(j), type)};
    return report(errc::unknown_message_type, "unknown record type \"" + type + "\"");
  } catch (const FieldError& e) {
    return report(e.code, e.message);
  }
}

}  // namespace p2pscope
