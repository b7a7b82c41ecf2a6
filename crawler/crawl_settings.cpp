#include "crawler/crawl_settings.hpp"

#include "core/text.hpp"
#include "crawler/dht_crawl.hpp"
#include "crawler/tracker_client.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>

namespace p2pscope::crawler {
namespace {

using nlohmann::json;

// One table of (key, how to write it, how to read it) keeps both directions
// in step: a field added to CrawlSettings and not here fails the round-trip test.
struct Field {
  std::function<void(const CrawlSettings&, json&)> put;
  std::function<Status(CrawlSettings&, const json&)> get;
};

Error bad(const std::string& key, const char* want) {
  return fail(errc::bad_value, "crawl setting \"" + key + "\": want " + want);
}

Field flag(const char* key, bool CrawlSettings::*m) {
  return {[=](const CrawlSettings& s, json& j) {
            if (s.*m) j[key] = true;
          },
          [=](CrawlSettings& s, const json& v) -> Status {
            if (!v.is_boolean()) return bad(key, "true or false");
            s.*m = v.get<bool>();
            return success();
          }};
}

Field text(const char* key, std::string CrawlSettings::*m) {
  return {[=](const CrawlSettings& s, json& j) {
            if (!(s.*m).empty()) j[key] = s.*m;
          },
          [=](CrawlSettings& s, const json& v) -> Status {
            if (!v.is_string()) return bad(key, "a string");
            s.*m = v.get<std::string>();
            return success();
          }};
}

Field list(const char* key, std::vector<std::string> CrawlSettings::*m) {
  return {[=](const CrawlSettings& s, json& j) {
            if (!(s.*m).empty()) j[key] = s.*m;
          },
          [=](CrawlSettings& s, const json& v) -> Status {
            if (!v.is_array()) return bad(key, "an array of strings");
            (s.*m).clear();
            for (const auto& e : v) {
              if (!e.is_string()) return bad(key, "an array of strings");
              (s.*m).push_back(e.get<std::string>());
            }
            return success();
          }};
}

Field integer(const char* key, std::optional<int> CrawlSettings::*m) {
  return {[=](const CrawlSettings& s, json& j) {
            if (s.*m) j[key] = *(s.*m);
          },
          [=](CrawlSettings& s, const json& v) -> Status {
            if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 1'000'000'000)
              return bad(key, "a whole number from 0 to 10^9");
            s.*m = v.get<int>();
            return success();
          }};
}

Field real(const char* key, std::optional<double> CrawlSettings::*m) {
  return {[=](const CrawlSettings& s, json& j) {
            if (s.*m) j[key] = *(s.*m);
          },
          [=](CrawlSettings& s, const json& v) -> Status {
            if (!v.is_number() || v.get<double>() < 0) return bad(key, "a number of at least 0");
            s.*m = v.get<double>();
            return success();
          }};
}

const std::map<std::string, Field>& fields() {
  static const std::map<std::string, Field> f{
      {"quick", flag("quick", &CrawlSettings::quick)},
      {"trackers", list("trackers", &CrawlSettings::trackers)},
      {"bootstrap", list("bootstrap", &CrawlSettings::bootstrap)},
      {"ed2k_servers", list("ed2k_servers", &CrawlSettings::ed2k_servers)},
      {"kad_nodes", list("kad_nodes", &CrawlSettings::kad_nodes)},
      {"ipv6", flag("ipv6", &CrawlSettings::ipv6)},
      {"no_ipv6", flag("no_ipv6", &CrawlSettings::no_ipv6)},
      {"no_trackers", flag("no_trackers", &CrawlSettings::no_trackers)},
      {"no_dht", flag("no_dht", &CrawlSettings::no_dht)},
      {"no_pex", flag("no_pex", &CrawlSettings::no_pex)},
      {"no_utp", flag("no_utp", &CrawlSettings::no_utp)},
      {"no_sx", flag("no_sx", &CrawlSettings::no_sx)},
      {"no_scrape", flag("no_scrape", &CrawlSettings::no_scrape)},
      {"sample_infohashes", flag("sample_infohashes", &CrawlSettings::sample_infohashes)},
      {"bind", text("bind", &CrawlSettings::bind)},
      {"bind6", text("bind6", &CrawlSettings::bind6)},
      {"requery", integer("requery", &CrawlSettings::requery)},
      {"stable_for", integer("stable_for", &CrawlSettings::stable_for)},
      {"max_duration", integer("max_duration", &CrawlSettings::max_duration)},
      {"pex_hold", integer("pex_hold", &CrawlSettings::pex_hold)},
      {"pex_until", text("pex_until", &CrawlSettings::pex_until)},
      {"numwant", integer("numwant", &CrawlSettings::numwant)},
      {"max_sessions", integer("max_sessions", &CrawlSettings::max_sessions)},
      {"max_lookups", integer("max_lookups", &CrawlSettings::max_lookups)},
      {"port", integer("port", &CrawlSettings::port)},
      {"per_ip_rate", real("per_ip_rate", &CrawlSettings::per_ip_rate)},
      {"global_rate", real("global_rate", &CrawlSettings::global_rate)},
  };
  return f;
}

}  // namespace

json to_json(const CrawlSettings& s) {
  json j = json::object();
  for (const auto& [key, f] : fields()) f.put(s, j);
  return j;
}

StatusOr<CrawlSettings> crawl_settings_from_json(const json& j) {
  if (!j.is_object()) return fail(errc::wrong_type, "crawl settings must be a JSON object");
  CrawlSettings s;
  for (const auto& [key, value] : j.items()) {
    auto f = fields().find(key);
    if (f == fields().end()) return fail(errc::bad_value, "unknown crawl setting \"" + printable(key) + "\"");
    P2PSCOPE_CHECK(f->second.get(s, value));
  }
  return s;
}

StatusOr<CrawlConfig> make_config(const CrawlSettings& s, const std::string& run_id, net::HostIpv6 host) {
  CrawlConfig c = s.quick ? CrawlConfig::quick() : CrawlConfig{};
  if (s.requery) c.requery = std::chrono::seconds(*s.requery);
  if (s.stable_for) c.stable_for = std::chrono::seconds(*s.stable_for);
  if (s.max_duration) c.max_duration = std::chrono::seconds(*s.max_duration);
  if (s.pex_hold) c.pex.hold = std::chrono::seconds(*s.pex_hold);
  if (s.pex_until == "hold") c.pex.until = PexUntil::hold;
  else if (s.pex_until == "whole-view") c.pex.until = PexUntil::whole_view;
  else if (!s.pex_until.empty())
    return fail(errc::bad_value, "--pex-until " + printable(s.pex_until) + ": not hold or whole-view");
  if (s.numwant) c.numwant = *s.numwant;
  if (s.port) {
    if (*s.port < 1 || *s.port > 65535) return fail(errc::bad_value, "--port " + std::to_string(*s.port) + ": not 1-65535");
    c.port = static_cast<std::uint16_t>(*s.port);
  }
  if (s.max_sessions) c.politeness.max_sessions = static_cast<std::size_t>(*s.max_sessions);
  if (s.max_lookups) c.politeness.max_lookups = static_cast<std::size_t>(*s.max_lookups);
  if (s.per_ip_rate) c.politeness.per_ip_rate = *s.per_ip_rate;
  if (s.global_rate) c.politeness.global_rate = *s.global_rate;
  c.use_trackers = !s.no_trackers;
  c.use_dht = !s.no_dht;
  c.use_pex = !s.no_pex;
  c.use_utp = !s.no_utp;
  c.use_sx = !s.no_sx;
  c.scrape = !s.no_scrape;
  c.sample_infohashes = s.sample_infohashes;
  for (const auto& b : s.bootstrap) {
    if (!parse_host_port(b))
      return fail(errc::bad_value, "--bootstrap " + printable(b) + ": not HOST:PORT with a port of 1-65535");
  }
  c.bootstrap = s.bootstrap;
  for (const auto& e : s.ed2k_servers) {
    if (!parse_host_port(e))
      return fail(errc::bad_value, "--ed2k-server " + printable(e) + ": not HOST:PORT with a port of 1-65535");
  }
  c.ed2k_servers = s.ed2k_servers;
  for (const auto& e : s.kad_nodes) {
    if (!parse_host_port(e))
      return fail(errc::bad_value, "--kad-node " + printable(e) + ": not HOST:PORT with a port of 1-65535");
  }
  c.kad_nodes = s.kad_nodes;
  for (const auto& t : s.trackers) {
    if (!parse_tracker_url(t))
      return fail(errc::bad_value, "--tracker " + printable(t) + ": not an http, https or udp tracker URL");
  }
  c.extra_trackers = s.trackers;
  if (!s.bind.empty()) {
    auto ip = IpAddress::parse(s.bind);
    if (!ip || !ip.value().is_v4()) return fail(errc::bad_value, "--bind " + printable(s.bind) + ": not an IPv4 address");
    c.bind_v4 = ip.value();
  }
  if (s.no_ipv6 && (s.ipv6 || !s.bind6.empty()))
    return fail(errc::bad_value, std::string("--no-ipv6 with ") + (s.ipv6 ? "--ipv6" : "--bind6") + ": choose one");
  if (!s.bind6.empty()) {
    auto ip = IpAddress::parse(s.bind6);
    if (!ip || ip.value().is_v4()) return fail(errc::bad_value, "--bind6 " + printable(s.bind6) + ": not an IPv6 address");
    c.bind_v6 = ip.value();
  }
  bool v6 = !s.no_ipv6 && (s.ipv6 || host == net::HostIpv6::routed);
  if (v6 && !c.bind_v6) c.bind_v6 = IpAddress::v6({});  // "::": any local IPv6 address
  c.run_id = run_id;
  return c;
}

}  // namespace p2pscope::crawler
