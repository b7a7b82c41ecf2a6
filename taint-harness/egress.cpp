#include "taint-harness/egress.hpp"

#include "core/krpc.hpp"
#include "core/packet.hpp"
#include "passive/pcap_reader.hpp"
#include "taint-harness/capture.hpp"

#include <algorithm>
#include <tuple>

namespace p2pscope::harness {
namespace {

std::string_view protocol_name(Transport t, std::uint8_t ip_protocol) {
  switch (t) {
    case Transport::tcp: return "tcp";
    case Transport::udp: return "udp";
    case Transport::icmp:
    case Transport::icmpv6: return "icmp";
    case Transport::other: return ip_protocol == 2 ? "igmp" : "other";
  }
  return "other";
}

std::string krpc_kind(std::string_view payload) {
  auto m = decode_krpc(payload);
  if (!m) return "not_krpc";
  if (const auto* q = std::get_if<KrpcQuery>(&m.value())) return "q:" + printable(q->method_name);
  return std::holds_alternative<KrpcResponse>(m.value()) ? "r" : "e";
}

// Destinations an idle client may talk to that are not peers or DHT nodes.
std::string service_of(const Endpoint& to, std::string_view protocol) {
  auto a = to.address.to_string();
  if (protocol != "udp") return {};
  if (a == "239.255.255.250" && to.port == 1900) return "SSDP (UPnP discovery)";
  if ((a == "239.192.152.143" || a == "ff15::efc0:988f") && to.port == 6771) return "LSD (BEP 14)";
  if (a == "224.0.0.251" && to.port == 5353) return "mDNS";
  if (to.port == 5351) return "NAT-PMP";
  if (to.port == 53) return "DNS";
  return {};
}

}  // namespace

StatusOr<Egress> egress_from_pcap(const std::filesystem::path& pcap, const IpAddress& client) {
  Egress e;
  std::map<std::tuple<std::string_view, Endpoint>, EgressFlow> flows;
  std::optional<double> t0;
  double last = 0;
  auto sum = passive::read_packets(
      pcap,
      [&](const passive::Frame& frame, const Packet* p) {
        if (!t0) t0 = frame.t;
        last = frame.t;
        if (!p || p->src != client || p->dst == client) return;
        auto proto = protocol_name(p->transport, p->protocol);
        Endpoint to{p->dst, p->dst_port};
        auto& flow = flows[{proto, to}];
        if (flow.packets == 0) {
          flow.protocol = std::string(proto);
          flow.to = to;
          flow.first = frame.t - *t0;
          flow.service = service_of(to, proto);
        }
        flow.last = frame.t - *t0;
        ++flow.packets;
        auto size = frame.wire_length >= frame.data.size() ? frame.wire_length : frame.data.size();
        flow.bytes += size;
        if (p->has(TcpFlag::syn) && !p->has(TcpFlag::ack)) ++flow.tcp_syns;
        if (p->transport == Transport::udp) ++flow.krpc[krpc_kind(p->payload)];
        ++e.packets;
        e.bytes += size;
      });
  if (!sum) return sum.error();
  e.undecodable = sum.value().not_ip;
  e.damage = sum.value().damage;
  e.seconds = t0 ? last - *t0 : 0;
  for (auto& [key, flow] : flows) e.flows.push_back(std::move(flow));
  std::stable_sort(e.flows.begin(), e.flows.end(),
                   [](const EgressFlow& a, const EgressFlow& b) { return a.packets > b.packets; });
  return e;
}

nlohmann::json to_json(const Egress& e) {
  auto flows = nlohmann::json::array();
  for (const auto& f : e.flows) {
    nlohmann::json j{{"protocol", f.protocol}, {"to", f.to.to_string()}, {"packets", f.packets}, {"bytes", f.bytes},
                     {"tcp_syns", f.tcp_syns}, {"first", f.first}, {"last", f.last}};
    if (!f.krpc.empty()) j["krpc"] = f.krpc;
    if (!f.service.empty()) j["service"] = f.service;
    flows.push_back(j);
  }
  nlohmann::json j{{"seconds", e.seconds}, {"packets", e.packets}, {"bytes", e.bytes}, {"per_minute", e.per_minute()},
                   {"undecodable", e.undecodable}, {"flows", flows}};
  if (e.damage) j["damage"] = *e.damage;
  return j;
}

Result<Egress> egress_from_json(const nlohmann::json& j) {
  try {
    Egress e;
    e.seconds = j.at("seconds").get<double>();
    e.packets = j.at("packets").get<std::uint64_t>();
    e.bytes = j.at("bytes").get<std::uint64_t>();
    e.undecodable = j.at("undecodable").get<std::uint64_t>();
    if (j.contains("damage")) e.damage = j.at("damage").get<std::string>();
    for (const auto& f : j.at("flows")) {
      EgressFlow x;
      x.protocol = f.at("protocol").get<std::string>();
      auto to = Endpoint::parse(f.at("to").get<std::string>());
      if (!to) return errc::bad_value;
      x.to = to.value();
      x.packets = f.at("packets").get<std::uint64_t>();
      x.bytes = f.at("bytes").get<std::uint64_t>();
      x.tcp_syns = f.at("tcp_syns").get<std::uint64_t>();
      x.first = f.at("first").get<double>();
      x.last = f.at("last").get<double>();
      if (f.contains("krpc")) x.krpc = f.at("krpc").get<std::map<std::string, std::uint64_t>>();
      x.service = f.value("service", std::string());
      e.flows.push_back(std::move(x));
    }
    return e;
  } catch (const std::exception&) {
    return errc::bad_value;
  }
}

}  // namespace p2pscope::harness
