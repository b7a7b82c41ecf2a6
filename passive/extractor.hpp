// The passive recognisers over a stream of decoded packets: a bounded flow
// table (least recently used flows are evicted; see lru_map.hpp), TCP and uTP reassembly per
// direction, and per flow the recogniser its first bytes call for:
// peer-wire (over TCP or uTP), HTTP tracker announce and reply (gzip and
// chunked bodies), eDonkey/eMule frames (TCP, ed2k_stream.hpp), KRPC (UDP),
// eDonkey server and KAD datagrams (ed2k_datagram.hpp), or a BEP 15 UDP
// tracker exchange (connect, announce, reply matched by transaction id). Events go to the caller's sink as they
// are recognised. Pure: no I/O; the caller reads the capture.
//
// Anything malformed is counted in anomalies() by name, never thrown.
// Memory is bounded by max_flows × (reassembly bound + one message).
// Not thread-safe.
#pragma once

#include "core/packet.hpp"
#include "passive/events.hpp"
#include "passive/reassembly.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace p2pscope::passive {

struct ExtractorLimits {
  std::size_t max_flows = 65536;
  ReassemblyLimits reassembly;
  std::size_t max_message = (1u << 20) + 16;  // peer-wire message
  std::size_t max_http_head = 16 * 1024;
  std::size_t max_http_body = 1 << 20;        // after gzip
};

struct UdpTrackerPair;  // extractor.cpp

class Extractor {
 public:
  using Sink = std::function<void(const Event&)>;
  Extractor(Sink sink, ExtractorLimits lim = {});
  ~Extractor();
  Extractor(const Extractor&) = delete;
  Extractor& operator=(const Extractor&) = delete;

  // One packet captured at t (seconds since the epoch).
  void packet(double t, const Packet& p);
  // Ends every flow: close-delimited HTTP bodies are decoded now.
  void finish();

  const std::map<std::string, std::uint64_t>& anomalies() const noexcept { return anomalies_; }
  std::uint64_t flows_seen() const noexcept { return flows_seen_; }
  std::uint64_t flows_evicted() const noexcept;

  struct Flow;  // extractor.cpp

 private:
  void tcp(double t, const Packet& p);
  void udp(double t, const Packet& p);
  bool udp_tracker(const Hop& hop, std::string_view payload);  // true when it was BEP 15
  bool vuze_dht(const Hop& hop, std::string_view payload);     // true when it was the Vuze DHT
  void krpc(const Hop& hop, std::string_view payload);         // a datagram that starts with 'd' 
  struct Located {
    Flow& flow;
    std::size_t sender;  // which of its two sides sent the packet
  };
  Located flow_for(const Packet& p, Carrier carrier, double t);
  void hold_unconfirmed_announce(const Hop& hop, std::string_view b, std::uint64_t connection_id);
  bool confirm_announce(UdpTrackerPair& pair, const Hop& hop, std::string_view b, std::uint32_t tid);
  void count(const std::string& what) { ++anomalies_[what]; }

  Sink sink_;
  ExtractorLimits lim_;
  struct Table;
  std::unique_ptr<Table> flows_;
  std::map<std::string, std::uint64_t> anomalies_;
  std::uint64_t flows_seen_ = 0;
};

}  // namespace p2pscope::passive
