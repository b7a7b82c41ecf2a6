// Internal to store/: reading and writing the fields of one JSON record
// object (docs/records.md), shared by the record codecs (record_types.cpp)
// and the line parser (record_json.cpp). A bad field throws FieldError,
// which parse_record() turns into its Result; nothing else may let it out.
#pragma once

#include "core/records.hpp"
#include "store/record_json.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <cmath>
#include <chrono>

namespace p2pscope::json_fields {

using json = nlohmann::json;

struct FieldError {
  errc code;
  std::string message;
};

[[noreturn]] inline void fail(errc code, std::string message) { throw FieldError{code, std::move(message)}; }

template <class T>
inline T need(Result<T> r, std::string_view field) {
  if (!r) fail(static_cast<errc>(r.error().value()), "field \"" + std::string(field) + "\": " + r.error().message());
  return std::move(r).value();
}

inline const json* find(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

inline const json& require(const json& j, const char* key) {
  const json* v = find(j, key);
  if (!v) fail(errc::missing_key, std::string("missing field \"") + key + "\"");
  return *v;
}

inline std::string get_string(const json& j, const char* key) {
  const auto& v = require(j, key);
  if (!v.is_string()) fail(errc::wrong_type, std::string("field \"") + key + "\" must be a string");
  return v.get<std::string>();
}

inline std::optional<std::string> opt_string(const json& j, const char* key) {
  if (!find(j, key)) return std::nullopt;
  return get_string(j, key);
}

inline std::int64_t get_int(const json& j, const char* key, std::int64_t lo, std::int64_t hi) {
  const auto& v = require(j, key);
  if (!v.is_number_integer()) fail(errc::wrong_type, std::string("field \"") + key + "\" must be an integer");
  auto n = v.get<std::int64_t>();
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) n = hi + 1;
  if (n < lo || n > hi) fail(errc::bad_value, std::string("field \"") + key + "\" out of range");
  return n;
}

inline double get_number(const json& j, const char* key) {
  const auto& v = require(j, key);
  if (!v.is_number()) fail(errc::wrong_type, std::string("field \"") + key + "\" must be a number");
  return v.get<double>();
}

// The fields every record has: "time" (required) and "run" (optional).
template <class Rec>
inline void read_common(const json& j, Rec& r) {
  r.time = need(parse_time(get_string(j, "time")), "time");
  r.run = opt_string(j, "run").value_or("");
}

// An optional array of strings; absent is empty.
inline std::vector<std::string> string_array(const json& j, const char* key) {
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

inline Endpoint get_endpoint(const json& j, const char* ip_key, const char* port_key) {
  auto ip = need(IpAddress::parse(get_string(j, ip_key)), ip_key);
  return Endpoint{ip, static_cast<std::uint16_t>(get_int(j, port_key, 0, 65535))};
}

template <class H>
inline std::optional<H> opt_hash(const json& j, const char* key) {
  auto s = opt_string(j, key);
  if (!s) return std::nullopt;
  return need(H::from_hex(*s), key);
}

inline void put_endpoint(json& j, const char* ip_key, const char* port_key, const Endpoint& ep) {
  j[ip_key] = ep.address.to_string();
  j[port_key] = ep.port;
}

inline void put_common(json& j, std::string_view type, Timestamp time, const std::string& run) {
  j["type"] = type;
  j["time"] = format_time(time);
  if (!run.empty()) j["run"] = run;
}

inline json peer_flags_json(EndpointFlags f) {
  json a = json::array();
  if (f.has(EndpointFlag::port_zero)) a.push_back("port_zero");
  if (f.has(EndpointFlag::v4_mapped)) a.push_back("v4_mapped");
  return a;
}

// peer_flags is derived from the peer; a file whose flags disagree with its
// peer has been edited or corrupted, and is rejected rather than trusted.
inline void check_peer_flags(const json& j, const Endpoint& peer) {
  const json* a = find(j, "peer_flags");
  json expected = peer_flags_json(endpoint_flags(peer));
  if (!a && expected.empty()) return;
  if (!a || *a != expected)
    fail(errc::bad_value, "field \"peer_flags\" must be " + expected.dump() + " for peer " + peer.to_string());
}


// Seconds since the epoch (a capture time) as a Timestamp, when plausible.
inline std::optional<Timestamp> epoch_time(const json& j, const char* key) {
  if (!j.contains(key) || !j.at(key).is_number()) return std::nullopt;
  double s = j.at(key).get<double>();
  if (!(s >= 0 && s < 1e11)) return std::nullopt;
  return Timestamp{std::chrono::microseconds{static_cast<std::int64_t>(std::llround(s * 1e6))}};
}

inline std::optional<std::int64_t> opt_int(const json& j, const char* key, std::int64_t lo, std::int64_t hi) {
  if (!find(j, key)) return std::nullopt;
  return get_int(j, key, lo, hi);
}

}  // namespace p2pscope::json_fields
