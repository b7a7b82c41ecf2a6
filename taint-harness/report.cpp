#include "taint-harness/report.hpp"

#include <fmt/format.h>

namespace p2pscope::harness {
namespace {

using nlohmann::json;

bool gave_anything_out(const Diff& d) {
  for (const auto& r : d.routes) {
    if (r.outgoing > 0) return true;
  }
  return false;
}

json plan_json(const HarnessPlan& p) {
  json fed = json::array();
  for (const auto& f : p.fed) {
    json e{{"peer", f.endpoint.to_string()}, {"route", to_string(f.route)}, {"kind", to_string(f.kind)}, {"hub", f.hub}};
    if (f.sx) e["sx"] = f.sx;
    fed.push_back(e);
  }
  json j{{"network", to_string(p.network)}, {"client", p.client.to_string()}, {"fed", fed}};
  j[p.network == Network::emule ? "server" : "tracker"] = p.tracker.to_string();
  if (p.seeder) j["seeder"] = p.seeder->to_string();
  if (p.partner) j["partner"] = p.partner->to_string();
  if (p.partner6) j["partner6"] = p.partner6->to_string();
  if (p.client6) j["client6"] = p.client6->to_string();
  if (p.tracker6) j["tracker6"] = p.tracker6->to_string();
  if (!p.askers.empty()) {
    j["askers"] = json::array();
    for (const auto& a : p.askers) j["askers"].push_back(a.to_string());
  }
  return j;
}

json diff_json(const Diff& d) {
  auto counts = [](const RouteRow& r) {
    return json{{"incoming", r.incoming}, {"outgoing", r.outgoing}, {"outgoing_unroutable", r.outgoing_unroutable},
                {"created", r.created}, {"created_unroutable", r.created_unroutable}};
  };
  json routes = json::array();
  for (const auto& r : d.routes) {
    routes.push_back(counts(r));
    routes.back()["route"] = to_string(r.route);
  }
  json created = json::array(), byte_order = json::array();
  for (const auto& c : d.created) {
    json e{{"route", to_string(c.route)}, {"advertised", c.advertised.to_string()}, {"unroutable", c.unroutable}};
    if (c.original) {
      e["original"] = c.original->to_string();
      e["byte_order"] = to_string(*c.byte_order);
      byte_order.push_back({{"route", to_string(c.route)}, {"incoming", c.original->to_string()},
                            {"outgoing", c.advertised.to_string()}, {"how", to_string(*c.byte_order)}});
    }
    created.push_back(e);
  }
  json outgoing = json::array();
  for (const auto& o : d.outgoing) outgoing.push_back({{"route", to_string(o.route)}, {"peer", o.peer.to_string()}});
  json kinds = json::array();
  for (const auto& k : d.kinds) {
    kinds.push_back({{"kind", to_string(k.kind)}, {"fed", k.fed}, {"contacted", k.contacted},
                     {"handshaken", k.handshaken}, {"advertised_by_pex", k.advertised}});
  }
  return {{"routes", routes}, {"all_routes", counts(d.all)}, {"outgoing", outgoing}, {"created", created}, {"byte_order", byte_order}, {"bogus", d.bogus()},
          {"propagation_policy", to_string(d.policy)}, {"policy_evidence", kinds}};
}

std::string str(const json& j, const char* k) { return j.contains(k) ? j.at(k).get<std::string>() : std::string("-"); }

// One Table V row; counts a report written before a column existed lacks are "-".
std::string table5_row(const std::string& route, const json& row) {
  auto n = [&row](const char* k) { return row.contains(k) ? std::to_string(row.at(k).get<std::size_t>()) : std::string("-"); };
  return fmt::format("   {:<9} {:>8} {:>8} {:>10} {:>9} {:>10}\n", route, n("incoming"), n("outgoing"),
                     n("outgoing_unroutable"), n("created"), n("created_unroutable"));
}

std::string diff_section(const json& d) {
  std::string out = "   Table V (distinct peers): total = fed to it, unroutable = in special-purpose space\n" +
                    fmt::format("   {:<9} {:>8} {:>8} {:>10} {:>9} {:>10}\n", "route", "total", "outgoing",
                                "unroutable", "out - in", "unroutable");
  for (const auto& row : d.at("routes")) out += table5_row(str(row, "route"), row);
  if (d.contains("all_routes")) out += table5_row("all", d.at("all_routes"));
  for (const auto& c : d.at("created")) {
    if (c.contains("original")) {
      out += fmt::format("   byte order via {}: {} -> {} ({})\n", str(c, "route"), str(c, "original"),
                         str(c, "advertised"), str(c, "byte_order"));
    } else {
      out += fmt::format("   made up via {}: {}{}\n", str(c, "route"), str(c, "advertised"),
                         c.at("unroutable").get<bool>() ? " (unroutable)" : "");
    }
  }
  out += "   fed peers (hubs aside)   fed contacted handshaken passed on\n";
  for (const auto& k : d.at("policy_evidence")) {
    out += fmt::format("     {:<22} {:>3} {:>9} {:>10} {:>10}\n", str(k, "kind"), k.at("fed").get<int>(),
                       k.at("contacted").get<int>(), k.at("handshaken").get<int>(), k.at("advertised_by_pex").get<int>());
  }
  return out;
}

std::string audit_section(const json& r) {
  const auto& a = r.at("audit");
  const auto& anon = r.at("anonymity");
  std::string mode = anon.at("asked").get<bool>() ? (anon.at("client_has_mode").get<bool>() ? "anonymous mode on"
                                                                                                : "client has no anonymous mode")
                                                  : "anonymous mode off";
  std::string out = fmt::format("   BEP 37 audit ({}): {} leak(s)\n", mode, a.at("leaks").get<int>());
  for (const auto& c : a.at("checks")) {
    out += fmt::format("     {:<28} {:<13} {}\n", str(c, "check"), str(c, "result"),
                       c.contains("evidence") ? str(c, "evidence") : std::string());
  }
  return out;
}

std::string wire_section(const json& w) {
  if (w.contains("error")) return "   pcap check: " + str(w, "error") + "\n";
  auto verdict = w.value("agree", false) ? std::string("the same as the feeders saw")
                                          : fmt::format("{} differ", w.value("differing", 0));
  std::string out =
      w.value("sx_answers", 0) > 0
          ? fmt::format("   pcap check (p2pscope passive on sandbox-lo.pcap): {} source exchange answers from the "
                        "client; {} HighID sources: {}\n",
                        w.value("sx_answers", 0), w.value("sx_sources", 0), verdict)
          : fmt::format("   pcap check (p2pscope passive on sandbox-lo.pcap): {} ut_pex messages, {} KRPC responses "
                        "from the client; {} PEX peers, {} DHT values, {} DHT nodes: {}\n",
                        w.value("pex_messages", 0), w.value("krpc_responses", 0), w.value("pex_peers", 0),
                        w.value("dht_values", 0), w.value("dht_nodes", 0), verdict);
  for (const auto& d : w.value("differences", json::array())) out += "     " + d.get<std::string>() + "\n";
  if (w.value("pcap_dropped", 0) > 0)
    out += fmt::format("     the recorder's kernel buffer dropped {} packets\n", w.value("pcap_dropped", 0));
  if (w.contains("damage")) out += "     the pcap is damaged: " + str(w, "damage") + "\n";
  return out;
}

std::string egress_section(const json& e) {
  std::string out = fmt::format("   idle egress: {} packets ({} bytes) in {:.0f} s, {:.1f}/min\n",
                                e.at("packets").get<std::uint64_t>(), e.at("bytes").get<std::uint64_t>(),
                                e.at("seconds").get<double>(), e.at("per_minute").get<double>());
  for (const auto& f : e.at("flows")) {
    std::string kinds;
    if (f.contains("krpc")) {
      for (const auto& [k, n] : f.at("krpc").items()) kinds += fmt::format(" {}={}", k, n.get<int>());
    }
    if (f.contains("service")) kinds += " " + str(f, "service");
    out += fmt::format("     {:<5} {:<22} {:>6} pkts {:>4} SYN  {:>5.0f}-{:<5.0f}s{}\n", str(f, "protocol"), str(f, "to"),
                       f.at("packets").get<std::uint64_t>(), f.at("tcp_syns").get<std::uint64_t>(),
                       f.at("first").get<double>(), f.at("last").get<double>(), kinds);
  }
  return out;
}

std::string error_section(const json& r) {
  std::string out = "   ERROR: " + str(r, "error") + "\n";
  auto tail = str(r, "log_tail");
  if (tail == "-" || tail.empty()) return out;
  out += "   log tail:\n";
  for (std::size_t pos = 0; pos < tail.size();) {
    auto nl = tail.find('\n', pos);
    out += "     | " + tail.substr(pos, nl - pos) + "\n";
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return out;
}

}  // namespace

std::string_view to_string(ClientVerdict v) noexcept { return name_of(v); }

bool fails(ClientVerdict v) noexcept { return v != ClientVerdict::clean && v != ClientVerdict::measured; }

ClientReport make_report(RunResult run) {
  ClientReport r;
  r.diff = diff(run.plan, run.capture);
  r.audit = audit(run.capture);
  bool anonymous = run.anonymity == Anonymity::on && run.anonymous_mode == AnonymousMode::supported;
  if (r.diff.bogus() > 0) r.verdict = ClientVerdict::creates_bogus;  // even when it failed later
  else if (run.error) r.verdict = ClientVerdict::error;
  else if (run.mode == RunMode::idle) r.verdict = ClientVerdict::measured;
  else if (anonymous && r.audit.leaks() > 0) r.verdict = ClientVerdict::leaks_identity;
  else if (!gave_anything_out(r.diff)) r.verdict = ClientVerdict::inconclusive;
  else r.verdict = ClientVerdict::clean;
  r.run = std::move(run);
  return r;
}

json to_json(const ClientReport& r) {
  const auto& run = r.run;
  json j{{"client", run.client}, {"version", run.version}, {"mode", to_string(run.mode)},
         {"verdict", to_string(r.verdict)}, {"seconds", run.seconds},
         {"client_seconds", run.capture.duration}, {"stopped_cleanly", run.stopped_cleanly},
         {"plan", plan_json(run.plan)}, {"capture", to_json(run.capture)}};
  j["anonymity"] = {{"asked", run.anonymity == Anonymity::on},
                    {"client_has_mode", run.anonymous_mode == AnonymousMode::supported}};
  if (run.plan.network == Network::bittorrent) {
    j["info_hash"] = run.info_hash.hex();
    j["plan"]["hubs"] = to_string(run.hubs);
  }
  if (!run.ed2k_link.empty()) j["ed2k_link"] = run.ed2k_link;
  if (run.mode == RunMode::taint) {
    j["diff"] = diff_json(r.diff);
    // BEP 37 is BitTorrent's; an eMule run has none of what it checks.
    if (run.plan.network == Network::bittorrent) j["audit"] = to_json(r.audit);
  }
  if (run.egress) j["egress"] = to_json(*run.egress);
  if (run.wire) j["wire_check"] = to_json(*run.wire);
  if (run.wire_error) j["wire_check"] = {{"agree", false}, {"error", *run.wire_error}};
  if (run.stop_note) j["stop_note"] = *run.stop_note;
  if (run.interrupted) j["interrupted"] = true;
  if (run.error) {
    j["error"] = *run.error;
    j["log_tail"] = run.log_tail;
  }
  return j;
}

std::string report_table(const json& reports) {
  std::string out = fmt::format("{:<26} {:<30} {:<20} {:>5} {:>10} {:>5}  {}\n", "client", "version", "verdict", "bogus",
                                "byte-order", "leaks", "propagation");
  for (const auto& r : reports) {
    const auto d = r.value("diff", json::object());
    const auto a = r.value("audit", json::object());
    out += fmt::format("{:<26} {:<30} {:<20} {:>5} {:>10} {:>5}  {}\n", str(r, "client"), str(r, "version").substr(0, 30),
                       str(r, "verdict"), d.value("bogus", 0), d.value("byte_order", json::array()).size(),
                       a.contains("leaks") ? std::to_string(a.at("leaks").get<int>()) : "-",
                       d.contains("propagation_policy") ? d.at("propagation_policy").get<std::string>() : "-");
  }
  for (const auto& r : reports) {
    out += fmt::format("\n== {} ({}), {} run, client ran {:.0f} s\n", str(r, "client"), str(r, "version"),
                       r.value("mode", std::string("taint")), r.value("client_seconds", 0.0));
    if (r.contains("diff")) out += diff_section(r.at("diff"));
    if (r.contains("audit") && r.contains("anonymity")) out += audit_section(r);
    if (r.contains("egress")) out += egress_section(r.at("egress"));
    if (r.contains("capture") && r.contains("ed2k_link")) {
      const auto& c = r.at("capture");
      std::size_t answered = 0;
      for (const auto& a : c.value("sx", json::array())) answered += a.value("end", std::string()) == "answered";
      out += fmt::format("   captured: {} source exchange asks ({} answered), {} offered entries, {} logins\n",
                         c.value("sx", json::array()).size(), answered, c.value("offers", json::array()).size(),
                         c.value("logins", 0));
    } else if (r.contains("capture")) {
      const auto& c = r.at("capture");
      out += fmt::format("   captured: {} ut_pex messages, {} DHT answers with values, {} announces, {} DHT queries\n",
                         c.at("pex").size(), c.at("dht").size(), c.at("announces").size(),
                         c.at("dht_queries").get<std::uint64_t>());
      if (const auto& to_partner = c.value("partner_pex", json::array()); !to_partner.empty()) {
        std::size_t az = 0, peers = 0;
        for (const auto& m : to_partner) {
          az += m.value("dialect", std::string("ut_pex")) == "az_pex";
          peers += m.at("added").size();
        }
        out += fmt::format("   told its partner (read from the pcap): {} peer exchanges ({} AZ_PEER_EXCHANGE), {} peers added\n",
                           to_partner.size(), az, peers);
      }
      std::size_t utp = 0, utp_handshaken = 0;
      for (const auto& k : c.at("contacts")) {
        if (k.value("carrier", std::string("tcp")) != "utp") continue;
        ++utp;
        utp_handshaken += k.value("handshake", false);
      }
      out += fmt::format("   fed peers reached over uTP: {} connections, {} with a handshake\n", utp, utp_handshaken);
    }
    if (r.contains("wire_check")) out += wire_section(r.at("wire_check"));
    if (r.contains("stop_note")) out += "   note: " + str(r, "stop_note") + "\n";
    if (r.value("interrupted", false)) out += "   interrupted: the window was cut short by SIGINT/SIGTERM\n";
    if (r.contains("error")) out += error_section(r);
  }
  return out;
}

}  // namespace p2pscope::harness
