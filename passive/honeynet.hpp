// Honeynet mode: traffic to addresses that never ran a client, grouped into
// address-misconfiguration events (the P2PScope study), each summarised and
// classified.
//
// Per target address, time is cut into intervals. An event starts with the
// first interval that has traffic, grows while each interval's unique
// sources stay at or above end_fraction × the event's peak, and ends at the
// first interval below that. The tail after an event (intervals still below
// the end threshold) belongs to no event; an empty interval ends the tail,
// and one at or above the threshold starts the next candidate. An event is reported when at least
// min_sources unique sources arrive within `window` of its start.
//
// Per event: protocols, the application (the study's Table II: which
// P2P family its sources speak), info hashes requested (handshakes and
// KRPC queries sent to the target), eMule files requested (file requests,
// source requests and KAD source searches sent to it), unique sources, duration, the U metric and server
// farm /24s (probes/cluster), the client mix from peer ids, how the sources
// spread over the address space (an estimate of the uniform, forged,
// component), arrival spread, and the CERT Polska uTP fingerprint counts.
//
// Classification, first match wins:
//   forged_sources     more than half the uTP DATA packets carry the CERT
//                      header fingerprint, or the uniform share ≥ forged_share;
//   anti_p2p           U < cluster.u_threshold (few /24s);
//   misconfiguration   ordinary peers handed a wrong address.
//
// Feed every packet to packet() (before the Extractor sees it) and every
// extractor event to event(). Memory: bounded by max_targets and
// max_sources per event; what goes past a bound is counted in anomalies().
// Not thread-safe.
#pragma once

#include "core/packet.hpp"
#include "core/utp.hpp"
#include "passive/events.hpp"
#include "probes/cluster.hpp"
#include "core/ip_range.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace p2pscope::passive {

struct HoneynetConfig {
  std::vector<Cidr> honeynet;  // the dark addresses
  double interval = 600;               // seconds
  std::size_t min_sources = 100;       // unique sources within `window` to report an event
  double window = 6 * 3600;            // seconds from the event's start
  double end_fraction = 1.0 / 3;       // of the peak unique sources per interval
  double forged_share = 0.5;           // uniform share of sources that means forged
  probes::ClusterConfig cluster;
  std::size_t max_targets = 65536;
  std::size_t max_sources = 1 << 20;   // per event
  std::size_t max_intervals = 4096;    // of an event's per-interval series
};

// The CERT Polska uTP anomaly features, counted over uTP DATA packets to a
// target that were not preceded by a SYN from the same source and
// connection (connection id one less).
struct CertCounts {
  std::uint64_t utp_data = 0;               // every uTP DATA packet to the target
  std::uint64_t without_syn = 0;
  std::uint64_t ack_nr_zero = 0;            // of those without a SYN
  std::uint64_t ts_diff_zero = 0;
  std::uint64_t wnd_0x380000 = 0;
  std::uint64_t zero_peer_id = 0;           // a BitTorrent handshake whose peer id is all zero
  std::uint64_t ts_10ms_steps = 0;          // timestamp moved by a non-zero multiple of 10 ms since the source's last
  std::uint64_t after_icmp_unreachable = 0; // sent after the target answered the source with port unreachable
  std::uint64_t fingerprinted = 0;          // without SYN, ack_nr 0, timestamp_difference 0 and wnd 0x380000 together
  void add(const CertCounts& o);
};

struct InfoHashRequests {
  InfoHash info_hash;
  std::uint64_t requests = 0;   // handshakes and KRPC queries naming it
  std::uint64_t sources = 0;    // unique sources that named it
};

struct FileRequests {
  ed2k::Md4 file;
  std::uint64_t requests = 0;   // eDonkey/eMule file and source requests and KAD source searches naming it
  std::uint64_t sources = 0;    // unique sources that named it
  std::uint64_t size = 0;       // as the first request that said it said it; 0 when none did (or past 2^38 bytes)
};

// The study's Table II classes. A source speaks a family when one of its
// packets to the target carries that family's message: a BitTorrent
// handshake, KRPC or uTP; an eDonkey/eMule frame or a KAD datagram. The
// event takes the family most of its sources speak (BitTorrent on a tie).
// With no message recognised (a dark address answers no TCP handshake, so
// TCP brings no payload), the family whose default ports most of its
// packets went to makes it "likely": BitTorrent 6881-6889 (TCP, UDP),
// eMule 4662 (TCP) and 4665, 4672 (UDP). Otherwise "other". Table II's
// "likely" column is likely_bittorrent and likely_emule together.
enum class Application : std::uint8_t { bittorrent, emule, likely_bittorrent, likely_emule, other };
constexpr auto enum_names(Application) noexcept {
  return std::to_array<std::pair<Application, std::string_view>>({{Application::bittorrent, "bittorrent"},
                                                                  {Application::emule, "emule"},
                                                                  {Application::likely_bittorrent, "likely_bittorrent"},
                                                                  {Application::likely_emule, "likely_emule"},
                                                                  {Application::other, "other"}});
}

struct SourceSpread {
  std::size_t slash8s = 0;          // distinct IPv4 /8s among the sources
  std::size_t bogon_sources = 0;    // sources no packet could be answered at (core is_bogon)
  // bogon share ÷ the bogon share of the IPv4 space: the fraction of
  // sources drawn uniformly at random (forged), capped at 1.
  double uniform_share = 0;
};

struct HoneynetEvent {
  std::string id;  // "<target>@<start>"
  IpAddress target;
  double start = 0, end = 0;  // first and last packet
  std::string protocol;       // the protocol with the most packets
  std::map<std::string, std::uint64_t> protocols;  // packets: tcp, utp, krpc, udp, icmp
  std::uint64_t packets = 0;
  std::size_t unique_sources = 0, sources_in_window = 0, peak_per_interval = 0;
  Application application = Application::other;
  std::size_t bittorrent_sources = 0, emule_sources = 0;  // sources seen speaking each family
  std::vector<InfoHashRequests> info_hashes;  // most requested first
  std::vector<FileRequests> files;            // eMule files, most requested first
  std::map<std::string, std::uint64_t> clients;  // sources by client code from their peer id
  probes::ClusterStats cluster;
  SourceSpread spread;
  double arrival_spread = 0;  // seconds between the 10th and 90th percentile of first arrivals
  CertCounts cert;
  std::string classification;
  // Unique sources per interval (interval start time, sources), from the
  // event's first interval to the one below end_threshold that ended it
  // (absent when the capture ended first). A run of empty intervals is one
  // entry with 0 sources. At most max_intervals entries; series_cut says
  // that more were left out (the counts above still hold them).
  double interval = 0;
  double end_threshold = 0;  // peak_per_interval × end_fraction
  std::vector<std::pair<double, std::size_t>> per_interval;
  bool series_cut = false;
};

class HoneynetAnalyzer {
 public:
  explicit HoneynetAnalyzer(HoneynetConfig cfg);
  ~HoneynetAnalyzer();
  HoneynetAnalyzer(const HoneynetAnalyzer&) = delete;
  HoneynetAnalyzer& operator=(const HoneynetAnalyzer&) = delete;

  bool in_honeynet(const IpAddress& a) const;
  void packet(double t, const Packet& p);
  void event(const Event& e);
  // Closes every open event; returns the reported events, by start time.
  std::vector<HoneynetEvent> finish();

  // Traffic left out of events, by reason: tail packets after an event,
  // targets, sources and uTP state past their bounds.
  const std::map<std::string, std::uint64_t>& counters() const noexcept { return counters_; }

  struct Target;  // honeynet.cpp

 private:
  Target* target(const IpAddress& a, double t);
  void close_interval(Target& tg, double start);
  void end_event(Target& tg);
  void utp(Target& tg, const Endpoint& src, const UtpHeader& h);
  void file_request(const Ed2kFileEvent& f);

  HoneynetConfig cfg_;
  std::vector<IpRange> ranges_;
  std::map<IpAddress, std::unique_ptr<Target>> targets_;
  std::vector<HoneynetEvent> done_;
  std::map<std::string, std::uint64_t> counters_;
};

// The client code of a peer id: "TR", "qB", "lt" (Azureus style), "M7" or
// "A2" (Mainline style), "zero" for an all-zero id, else "other".
std::string client_code(const PeerId& id);

// passive_honeynet_event, and one suspect record per info hash
// (suspect_infohash) and per eMule file (suspect_ed2k_file).
nlohmann::json to_json(const HoneynetEvent& e);
std::vector<nlohmann::json> suspect_records(const HoneynetEvent& e);

}  // namespace p2pscope::passive
