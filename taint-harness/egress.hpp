// Idle egress: what a client sends with no torrent loaded, read from the
// run's sandbox capture. Every packet from the client's address is counted,
// by protocol and destination, with the KRPC messages among the UDP ones
// told apart ("q:find_node", "r", ...), so that a report can say "an idle
// Transmission sent 40 DHT queries a minute to 9 nodes".
#pragma once

#include "core/error.hpp"
#include "core/ip.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace p2pscope::harness {

struct EgressFlow {
  std::string protocol;  // "tcp", "udp", "icmp", "igmp" (multicast joins), "other"
  Endpoint to;           // port 0 for ICMP and other
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;    // IP datagram bytes on the wire
  std::uint64_t tcp_syns = 0; // connection attempts (SYN without ACK)
  double first = 0, last = 0; // seconds since the capture's first packet
  std::map<std::string, std::uint64_t> krpc;  // "q:<method>", "r", "e", or "not_krpc"
  std::string service;        // a well-known destination: "SSDP (UPnP discovery)", "LSD (BEP 14)", ...; else ""
};

struct Egress {
  double seconds = 0;  // how long the client ran (the caller sets it; the capture's span until then)
  std::uint64_t packets = 0, bytes = 0;
  std::vector<EgressFlow> flows;     // by packets, most first
  std::uint64_t undecodable = 0;     // frames that are not IP (or are cut in a header)
  std::optional<std::string> damage; // the capture ended in a damaged record
  double per_minute() const { return seconds > 0 ? static_cast<double>(packets) * 60.0 / seconds : 0; }
};

// errc::bad_value when the file cannot be read as a capture at all.
StatusOr<Egress> egress_from_pcap(const std::filesystem::path& pcap, const IpAddress& client);

nlohmann::json to_json(const Egress& e);
Result<Egress> egress_from_json(const nlohmann::json& j);

}  // namespace p2pscope::harness
