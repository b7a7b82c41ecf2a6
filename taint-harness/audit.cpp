#include "taint-harness/audit.hpp"

#include <algorithm>
#include <regex>
#include <stdexcept>

namespace p2pscope::harness {
namespace {

struct Checker {
  AuditCheck check;
  bool observed = false;

  Checker(std::string name, std::string what) {
    check.name = std::move(name);
    check.what = std::move(what);
  }
  void saw() { observed = true; }
  void leak(std::string evidence) {
    observed = true;
    if (check.result == Exposure::leaks) return;  // the first evidence stays
    check.result = Exposure::leaks;
    check.evidence = std::move(evidence);
  }
  AuditCheck done() {
    if (check.result != Exposure::leaks) check.result = observed ? Exposure::none : Exposure::not_observed;
    return check;
  }
};

// A User-Agent that names a version, other than a generic HTTP library's
// (libtorrent's anonymous mode sends curl's on purpose).
bool names_version(std::string_view agent) {
  static const std::regex version(R"([0-9]+\.[0-9]+)");
  static const std::regex generic(R"(^(curl|Wget|Mozilla)/)");
  return std::regex_search(agent.begin(), agent.end(), version) && !std::regex_search(agent.begin(), agent.end(), generic);
}

AuditCheck peer_ids(const Capture& c) {
  Checker k("peer_id_version", "client name and version in the peer id (handshakes, announces)");
  auto look = [&](const std::string& id) {
    if (id.empty()) return;
    if (peer_id_names_client(id)) k.leak("peer id " + id);
    else k.saw();
  };
  for (const auto& x : c.contacts) look(x.peer_id);
  for (const auto& x : c.incoming) look(x.peer_id);
  for (const auto& x : c.announces) look(x.peer_id);
  return k.done();
}

AuditCheck extended_v(const Capture& c) {
  Checker k("extended_handshake_v", "client version (\"v\") in the extended handshake");
  for (const auto& x : c.contacts) {
    if (!x.extended) continue;
    if (x.v && !x.v->empty()) k.leak("v=" + *x.v);
    else k.saw();
  }
  return k.done();
}

AuditCheck extended_addresses(const Capture& c) {
  Checker k("extended_handshake_address", "own addresses or listen port (ipv4, ipv6, p) in the extended handshake");
  for (const auto& x : c.contacts) {
    if (!x.extended) continue;
    if (x.p) k.leak("p=" + std::to_string(*x.p));
    else if (x.ipv4) k.leak("ipv4=" + *x.ipv4);
    else if (x.ipv6) k.leak("ipv6=" + *x.ipv6);
    else k.saw();
  }
  return k.done();
}

AuditCheck announce_ip(const Capture& c) {
  Checker k("announce_ip", "\"ip\", \"ipv4\" or \"ipv6\" in tracker announces");
  for (const auto& a : c.announces) {
    if (a.ip) k.leak("ip=" + *a.ip);
    else if (a.ipv4) k.leak("ipv4=" + *a.ipv4);
    else if (a.ipv6) k.leak("ipv6=" + *a.ipv6);
    else k.saw();
  }
  return k.done();
}

AuditCheck user_agent(const Capture& c) {
  Checker k("announce_user_agent", "a User-Agent naming the client's version on HTTP announces (curl's, Wget's pass)");
  for (const auto& a : c.announces) {
    if (a.udp) continue;
    if (a.user_agent && names_version(*a.user_agent)) k.leak("User-Agent: " + *a.user_agent);
    else k.saw();
  }
  return k.done();
}

AuditCheck dht_version(const Capture& c) {
  Checker k("dht_version", "client version (\"v\") in DHT messages");
  if (!c.dht_versions.empty()) k.leak("v=" + c.dht_versions.front());
  else if (c.dht_queries + c.dht_replies > 0) k.saw();
  return k.done();
}

AuditCheck port_message(const Capture& c) {
  Checker k("dht_port_message", "the DHT PORT message (its DHT node's port) to peers");
  for (const auto& x : c.contacts) {
    if (!x.handshake) continue;
    if (x.sent_port) k.leak("PORT to " + x.at.to_string());
    else k.saw();
  }
  return k.done();
}

AuditCheck incoming(const Capture& c) {
  Checker k("incoming_connections", "accepts incoming peer connections");
  for (const auto& x : c.incoming) {
    if (x.outcome == IncomingOutcome::accepted) k.leak("handshake answered at " + std::to_string(static_cast<int>(x.t)) + " s");
    else k.saw();
  }
  return k.done();
}

}  // namespace

std::string_view to_string(Exposure e) noexcept { return name_of(e); }

std::size_t AnonymityAudit::leaks() const {
  return static_cast<std::size_t>(
      std::count_if(checks.begin(), checks.end(), [](const AuditCheck& c) { return c.result == Exposure::leaks; }));
}

const AuditCheck& AnonymityAudit::at(std::string_view name) const {
  for (const auto& c : checks) {
    if (c.name == name) return c;
  }
  throw std::out_of_range("no audit check " + std::string(name));
}

bool peer_id_names_client(std::string_view id) {
  static const std::regex azureus(R"(^-[A-Za-z~]{2}[0-9A-Za-z]{4}-)");
  static const std::regex mainline(R"(^[A-Za-z][A-Za-z0-9]?-?[0-9]+-[0-9]+-[0-9]+-)");
  return std::regex_search(id.begin(), id.end(), azureus) || std::regex_search(id.begin(), id.end(), mainline);
}

AnonymityAudit audit(const Capture& c) {
  return {{peer_ids(c), extended_v(c), extended_addresses(c), announce_ip(c), user_agent(c), dht_version(c),
           port_message(c), incoming(c)}};
}

nlohmann::json to_json(const AnonymityAudit& a) {
  auto checks = nlohmann::json::array();
  for (const auto& c : a.checks) {
    nlohmann::json j{{"check", c.name}, {"what", c.what}, {"result", to_string(c.result)}};
    if (!c.evidence.empty()) j["evidence"] = c.evidence;
    checks.push_back(j);
  }
  return {{"leaks", a.leaks()}, {"checks", checks}};
}

}  // namespace p2pscope::harness
