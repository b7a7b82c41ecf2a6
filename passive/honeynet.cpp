#include "passive/honeynet.hpp"

#include "core/special_ranges.hpp"
#include "core/utp.hpp"
#include "core/ed2k_link.hpp"
#include "core/ip_range.hpp"
#include "passive/ed2k_stream.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <unordered_map>

namespace p2pscope::passive {

void CertCounts::add(const CertCounts& o) {
  utp_data += o.utp_data;
  without_syn += o.without_syn;
  ack_nr_zero += o.ack_nr_zero;
  ts_diff_zero += o.ts_diff_zero;
  wnd_0x380000 += o.wnd_0x380000;
  zero_peer_id += o.zero_peer_id;
  ts_10ms_steps += o.ts_10ms_steps;
  after_icmp_unreachable += o.after_icmp_unreachable;
  fingerprinted += o.fingerprinted;
}

std::string client_code(const PeerId& id) {
  if (id.is_zero()) return "zero";
  auto r = id.raw();
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (r[0] == '-' && r[7] == '-' && alnum(r[1]) && alnum(r[2])) return std::string(r.substr(1, 2));
  if (std::isalpha(static_cast<unsigned char>(r[0])) && std::isdigit(static_cast<unsigned char>(r[1])) && r[2] == '-')
    return std::string(r.substr(0, 2));
  return "other";
}

namespace {

// The share of the IPv4 space no peer can be reached at, for the uniform
// estimate: a forged source drawn uniformly lands there this often.
double bogon_share_v4() {
  static const double share = [] {
    std::vector<IpRange> bogons;
    for (const auto& e : special_ranges()) {
      if (!e.network.is_v4() || classify(e.network) != &e || !is_bogon(e.network)) continue;
      bogons.push_back(range_of({e.network, e.length}));
    }
    double n = 0;
    for (const auto& r : merge_ranges(std::move(bogons)))
      n += static_cast<double>(r.last.v4_value()) - static_cast<double>(r.first.v4_value()) + 1;
    return n / 4294967296.0;
  }();
  return share;
}

// Which P2P family a source was seen speaking (Application's doc).
enum Family : std::uint8_t { kBitTorrent = 1, kEmule = 2 };

struct SourceSeen {
  double first = 0, last = 0;
  std::uint64_t packets = 0;
  std::string client;  // from its first handshake's peer id
  std::set<InfoHash> named;
  std::uint8_t families = 0;
  std::set<ed2k::Md4> files;  // eMule files it asked for
};

// One interval's, or one event's, traffic to a target.
struct Bucket {
  std::unordered_map<IpAddress, SourceSeen> sources;
  std::map<InfoHash, std::uint64_t> requests;
  struct FileAsked {
    std::uint64_t requests = 0;
    std::uint64_t size = 0;  // the first a request said; 0 when none did
  };
  std::map<ed2k::Md4, FileAsked> file_requests;
  std::map<std::string, std::uint64_t> protocols;
  std::uint64_t bittorrent_port_packets = 0, emule_port_packets = 0;
  CertCounts cert;
  std::uint64_t packets = 0;
  double first = 0, last = 0;

  void merge(Bucket&& o, std::size_t max_sources, std::uint64_t* over) {
    for (auto& [ip, s] : o.sources) {
      auto it = sources.find(ip);
      if (it == sources.end()) {
        if (sources.size() >= max_sources) {
          ++*over;
          continue;
        }
        sources.emplace(ip, std::move(s));
        continue;
      }
      auto& m = it->second;
      m.first = std::min(m.first, s.first);
      m.last = std::max(m.last, s.last);
      m.packets += s.packets;
      if (m.client.empty()) m.client = std::move(s.client);
      m.named.insert(s.named.begin(), s.named.end());
      m.families |= s.families;
      m.files.insert(s.files.begin(), s.files.end());
    }
    for (const auto& [ih, n] : o.requests) requests[ih] += n;
    for (const auto& [f, asked] : o.file_requests) {
      auto& mine = file_requests[f];
      mine.requests += asked.requests;
      if (!mine.size) mine.size = asked.size;
    }
    bittorrent_port_packets += o.bittorrent_port_packets;
    emule_port_packets += o.emule_port_packets;
    for (const auto& [p, n] : o.protocols) protocols[p] += n;
    cert.add(o.cert);
    if (packets == 0 || o.first < first) first = o.first;
    last = std::max(last, o.last);
    packets += o.packets;
  }
};

// What the CERT features need to remember about one uTP source endpoint.
struct UtpSource {
  std::set<std::uint16_t> syn_ids;  // connection ids of its SYNs
  std::optional<std::uint32_t> last_timestamp;
  bool refused = false;  // the target answered it with ICMP port unreachable
};

constexpr std::size_t kMaxUtpSources = 1 << 18;
constexpr std::size_t kMaxSynIds = 64;

}  // namespace

struct HoneynetAnalyzer::Target {
  IpAddress address;
  std::int64_t interval = 0;
  Bucket current;
  std::optional<Bucket> event;
  std::size_t peak = 0;
  std::optional<double> tail_threshold;
  std::map<Endpoint, UtpSource> utp;
  std::vector<std::pair<double, std::size_t>> series;  // the open event's unique sources per interval
  bool series_cut = false;
};

HoneynetAnalyzer::HoneynetAnalyzer(HoneynetConfig cfg) : cfg_(std::move(cfg)) {
  for (const auto& c : cfg_.honeynet) ranges_.push_back(range_of(c));
}
HoneynetAnalyzer::~HoneynetAnalyzer() = default;

bool HoneynetAnalyzer::in_honeynet(const IpAddress& a) const {
  return std::any_of(ranges_.begin(), ranges_.end(), [&a](const IpRange& r) { return r.contains(a); });
}

namespace {

// The protocol a packet to the honeynet speaks, and its uTP header when it is uTP.
std::string_view protocol_of(const Packet& p, std::optional<UtpHeader>& utp) {
  switch (p.transport) {
    case Transport::tcp: return "tcp";
    case Transport::icmp:
    case Transport::icmpv6: return "icmp";
    case Transport::udp: {
      if (!p.payload.empty() && p.payload.front() == 'd') return "krpc";
      auto h = decode_utp(p.payload);
      if (!h) return decode_vuze_dht(p.payload) ? "vuze_dht" : "udp";
      utp = h.value();
      return "utp";
    }
    default: return "other";
  }
}

constexpr std::string_view kHandshakeStart = "\x13" "BitTorrent protocol";

// An eDonkey-family datagram: the protocol byte and an opcode of its
// protocol that clients send unasked (KAD's requests and answers, the
// servers' UDP messages, eMule's UDP reasks), so that a random first
// byte alone does not make a datagram eMule.
bool plausible_ed2k_datagram(std::string_view b) {
  if (b.size() < 2) return false;
  auto proto = static_cast<std::uint8_t>(b[0]), op = static_cast<std::uint8_t>(b[1]);
  switch (proto) {
    case 0xE4:
    case 0xE5: {
      static constexpr std::uint8_t kKad[] = {0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x33, 0x34, 0x35, 0x3B,
                                              0x43, 0x44, 0x45, 0x4B, 0x4C, 0x53, 0x60, 0x61, 0x62};
      return std::find(std::begin(kKad), std::end(kKad), op) != std::end(kKad);
    }
    case 0xE3: return op >= 0x92 && op <= 0xA3;
    case 0xC5: return op >= 0x90 && op <= 0x9F;
    default: return false;
  }
}

// The family whose message a packet to the target carries, if any, given
// what protocol_of() found it to be (a UDP datagram is read once).
std::uint8_t family_of(const Packet& p, std::string_view protocol) {
  std::string_view b = p.payload;
  if (b.empty()) return 0;
  if (p.transport == Transport::udp) {
    // The Vuze DHT is BitTorrent's family too.
    if (protocol == "krpc" || protocol == "utp" || protocol == "vuze_dht") return kBitTorrent;
    return plausible_ed2k_datagram(b) ? kEmule : 0;
  }
  if (p.transport != Transport::tcp) return 0;
  if (b.starts_with(kHandshakeStart)) return kBitTorrent;
  return looks_like_ed2k(b) ? kEmule : 0;
}

// Packets to a family's default ports, for the "likely" classes.
void count_default_port(const Packet& p, std::uint64_t& bittorrent, std::uint64_t& emule) {
  bool tcp = p.transport == Transport::tcp, udp = p.transport == Transport::udp;
  if (!tcp && !udp) return;
  bittorrent += p.dst_port >= 6881 && p.dst_port <= 6889;
  emule += (tcp && p.dst_port == 4662) || (udp && (p.dst_port == 4665 || p.dst_port == 4672));
}

void cert_features(UtpSource& u, const UtpHeader& h, CertCounts& c) {
  ++c.utp_data;
  if (u.syn_ids.count(static_cast<std::uint16_t>(h.connection_id - 1))) {
    u.last_timestamp = h.timestamp;
    return;
  }
  ++c.without_syn;
  c.ack_nr_zero += h.ack_nr == 0;
  c.ts_diff_zero += h.timestamp_difference == 0;
  c.wnd_0x380000 += h.wnd_size == 0x380000;
  c.fingerprinted += h.ack_nr == 0 && h.timestamp_difference == 0 && h.wnd_size == 0x380000;
  if (h.payload.size() >= 68 && h.payload.substr(0, kHandshakeStart.size()) == kHandshakeStart &&
      h.payload.substr(48, 20).find_first_not_of('\0') == std::string_view::npos)
    ++c.zero_peer_id;
  if (u.last_timestamp && h.timestamp != *u.last_timestamp && (h.timestamp - *u.last_timestamp) % 10000 == 0)
    ++c.ts_10ms_steps;
  c.after_icmp_unreachable += u.refused;
  u.last_timestamp = h.timestamp;
}

}  // namespace


HoneynetAnalyzer::Target* HoneynetAnalyzer::target(const IpAddress& a, double t) {
  auto k = static_cast<std::int64_t>(std::floor(t / cfg_.interval));
  auto it = targets_.find(a);
  if (it == targets_.end()) {
    if (targets_.size() >= cfg_.max_targets) {
      ++counters_["packets_to_targets_over_limit"];
      return nullptr;
    }
    auto tg = std::make_unique<Target>();
    tg->address = a;
    tg->interval = k;
    it = targets_.emplace(a, std::move(tg)).first;
  }
  auto& tg = *it->second;
  if (k > tg.interval) {
    close_interval(tg, static_cast<double>(tg.interval) * cfg_.interval);
    // The empty intervals in between act as one.
    if (k > tg.interval + 1) close_interval(tg, static_cast<double>(tg.interval + 1) * cfg_.interval);
    tg.interval = k;
  }
  // A packet older than the open interval (merged captures) is counted in it.
  return &tg;
}

void HoneynetAnalyzer::close_interval(Target& tg, double start) {
  Bucket cur = std::move(tg.current);
  tg.current = Bucket{};
  auto n = cur.sources.size();
  if (tg.event) {
    auto threshold = static_cast<double>(tg.peak) * cfg_.end_fraction;
    if (tg.series.size() < cfg_.max_intervals) tg.series.emplace_back(start, n);
    else tg.series_cut = true;
    if (static_cast<double>(n) >= threshold) {
      std::uint64_t over = 0;
      tg.event->merge(std::move(cur), cfg_.max_sources, &over);
      if (over) counters_["sources_over_limit"] += over;
      tg.peak = std::max(tg.peak, n);
      return;
    }
    end_event(tg);
    tg.tail_threshold = threshold;
  }
  if (n == 0) {
    tg.tail_threshold.reset();
    return;
  }
  if (tg.tail_threshold && static_cast<double>(n) < *tg.tail_threshold) {
    counters_["tail_packets"] += cur.packets;
    return;
  }
  tg.tail_threshold.reset();
  tg.event = std::move(cur);
  tg.peak = n;
  tg.series.assign(1, {start, n});
  tg.series_cut = false;
}

void HoneynetAnalyzer::packet(double t, const Packet& p) {
  if (!in_honeynet(p.dst)) {
    bool unreachable = (p.transport == Transport::icmp && p.icmp_type == 3 && p.icmp_code == 3) ||
                       (p.transport == Transport::icmpv6 && p.icmp_type == 1 && p.icmp_code == 4);
    if (!unreachable || !p.icmp_quote || p.icmp_quote->protocol != 17 || !in_honeynet(p.src)) return;
    auto it = targets_.find(p.src);
    if (it == targets_.end()) return;
    auto u = it->second->utp.find({p.icmp_quote->src, p.icmp_quote->src_port});
    if (u != it->second->utp.end()) u->second.refused = true;
    return;
  }
  if (in_honeynet(p.src)) return;  // the honeynet's own traffic
  auto* tg = target(p.dst, t);
  if (!tg) return;
  auto& b = tg->current;
  auto s = b.sources.find(p.src);
  if (s == b.sources.end()) s = b.sources.emplace(p.src, SourceSeen{t, t, 0, {}, {}, 0, {}}).first;
  // Capture times need not rise (merged or reordered captures): an event
  // spans its earliest to its latest packet, never a negative duration.
  s->second.first = std::min(s->second.first, t);
  s->second.last = std::max(s->second.last, t);
  ++s->second.packets;
  if (b.packets++ == 0) b.first = b.last = t;
  b.first = std::min(b.first, t);
  b.last = std::max(b.last, t);
  std::optional<UtpHeader> header;
  auto protocol = protocol_of(p, header);
  ++b.protocols[std::string(protocol)];
  s->second.families |= family_of(p, protocol);
  count_default_port(p, b.bittorrent_port_packets, b.emule_port_packets);
  if (header) utp(*tg, {p.src, p.src_port}, *header);
}

void HoneynetAnalyzer::utp(Target& tg, const Endpoint& src, const UtpHeader& h) {
  if (h.type != UtpType::syn && h.type != UtpType::data) return;
  auto it = tg.utp.find(src);
  if (it == tg.utp.end()) {
    if (tg.utp.size() >= kMaxUtpSources) {
      ++counters_["utp_sources_over_limit"];
      return;
    }
    it = tg.utp.emplace(src, UtpSource{}).first;
  }
  auto& u = it->second;
  if (h.type == UtpType::syn) {
    if (u.syn_ids.size() < kMaxSynIds) u.syn_ids.insert(h.connection_id);
    return;
  }
  cert_features(u, h, tg.current.cert);
}

void HoneynetAnalyzer::event(const Event& e) {
  if (const auto* f = std::get_if<Ed2kFileEvent>(&e); f && !f->is_answer()) return file_request(*f);
  const Hop* hop = nullptr;
  std::optional<InfoHash> ih;
  std::optional<PeerId> id;
  if (const auto* h = std::get_if<HandshakeEvent>(&e)) {
    hop = &h->hop;
    ih = h->info_hash;
    id = h->peer_id;
  } else if (const auto* k = std::get_if<KrpcEvent>(&e); k && k->kind == KrpcKind::query && k->info_hash) {
    hop = &k->hop;
    ih = k->info_hash;
  }
  if (!hop) return;
  auto it = targets_.find(hop->to.address);
  if (it == targets_.end()) return;  // not to the honeynet (packet() saw it first)
  auto& b = it->second->current;
  auto s = b.sources.find(hop->from.address);
  if (s == b.sources.end()) return;
  ++b.requests[*ih];
  s->second.named.insert(*ih);
  if (id && s->second.client.empty()) s->second.client = client_code(*id);
}

void HoneynetAnalyzer::file_request(const Ed2kFileEvent& f) {
  auto it = targets_.find(f.hop.to.address);
  if (it == targets_.end()) return;
  auto& b = it->second->current;
  auto s = b.sources.find(f.hop.from.address);
  if (s == b.sources.end()) return;
  auto& asked = b.file_requests[f.file];
  ++asked.requests;
  // A size past eD2k's limit is no file's: it would make a link crawl refuses.
  if (!asked.size && f.size <= ed2k::kMaxFileSize) asked.size = f.size;
  s->second.files.insert(f.file);
}

namespace {

Application application_of(const Bucket& b, std::size_t bittorrent, std::size_t emule) {
  if (bittorrent > 0 || emule > 0) return emule > bittorrent ? Application::emule : Application::bittorrent;
  auto likely = std::max(b.bittorrent_port_packets, b.emule_port_packets);
  if (likely * 2 <= b.packets) return Application::other;
  return b.emule_port_packets > b.bittorrent_port_packets ? Application::likely_emule : Application::likely_bittorrent;
}

SourceSpread spread_of(const std::vector<IpAddress>& sources) {
  SourceSpread s;
  std::set<std::uint8_t> slash8;
  std::size_t v4 = 0, bogon_v4 = 0;
  for (const auto& a : sources) {
    bool bogon = is_bogon(a);
    s.bogon_sources += bogon;
    if (!a.is_v4()) continue;
    ++v4;
    bogon_v4 += bogon;
    slash8.insert(a.data()[0]);
  }
  s.slash8s = slash8.size();
  if (v4 > 0)
    s.uniform_share = std::min(1.0, static_cast<double>(bogon_v4) / static_cast<double>(v4) / bogon_share_v4());
  return s;
}

std::string classify(const HoneynetEvent& e, const HoneynetConfig& cfg) {
  if (e.cert.fingerprinted > 0 && e.cert.fingerprinted * 2 > e.cert.utp_data) return "forged_sources";
  if (e.spread.uniform_share >= cfg.forged_share) return "forged_sources";
  if (e.cluster.anti_p2p_event) return "anti_p2p";
  return "misconfiguration";
}

HoneynetEvent summarise(Bucket&& b, const IpAddress& target, std::size_t peak, const HoneynetConfig& cfg) {
  HoneynetEvent e;
  e.target = target;
  e.start = b.first;
  e.end = b.last;
  e.id = target.to_string() + "@" + std::to_string(static_cast<std::int64_t>(b.first));
  e.protocols = std::move(b.protocols);
  for (const auto& [p, n] : e.protocols)
    if (e.protocol.empty() || n > e.protocols.at(e.protocol)) e.protocol = p;
  e.packets = b.packets;
  e.unique_sources = b.sources.size();
  e.peak_per_interval = peak;
  e.interval = cfg.interval;
  e.end_threshold = static_cast<double>(peak) * cfg.end_fraction;
  std::vector<IpAddress> addrs;
  std::vector<double> firsts;
  std::map<InfoHash, std::uint64_t> naming;
  std::map<ed2k::Md4, std::uint64_t> asking;
  for (const auto& [ip, s] : b.sources) {
    addrs.push_back(ip);
    firsts.push_back(s.first);
    e.sources_in_window += s.first < b.first + cfg.window;
    if (!s.client.empty()) ++e.clients[s.client];
    for (const auto& ih : s.named) ++naming[ih];
    for (const auto& f : s.files) ++asking[f];
    e.bittorrent_sources += (s.families & kBitTorrent) != 0;
    e.emule_sources += (s.families & kEmule) != 0;
  }
  e.application = application_of(b, e.bittorrent_sources, e.emule_sources);
  for (const auto& [ih, n] : b.requests) e.info_hashes.push_back({ih, n, naming[ih]});
  std::stable_sort(e.info_hashes.begin(), e.info_hashes.end(),
                   [](const InfoHashRequests& x, const InfoHashRequests& y) { return x.requests > y.requests; });
  for (const auto& [f, asked] : b.file_requests) e.files.push_back({f, asked.requests, asking[f], asked.size});
  std::stable_sort(e.files.begin(), e.files.end(),
                   [](const FileRequests& x, const FileRequests& y) { return x.requests > y.requests; });
  e.cluster = probes::cluster(addrs, cfg.cluster);
  e.spread = spread_of(addrs);
  std::sort(firsts.begin(), firsts.end());
  if (!firsts.empty()) {
    auto at = [&firsts](double q) { return firsts[static_cast<std::size_t>(q * static_cast<double>(firsts.size() - 1))]; };
    e.arrival_spread = at(0.9) - at(0.1);
  }
  e.cert = b.cert;
  e.classification = classify(e, cfg);
  return e;
}

}  // namespace

void HoneynetAnalyzer::end_event(Target& tg) {
  auto e = summarise(std::move(*tg.event), tg.address, tg.peak, cfg_);
  e.per_interval = std::move(tg.series);
  e.series_cut = tg.series_cut;
  tg.series.clear();
  tg.event.reset();
  tg.peak = 0;
  if (e.sources_in_window >= cfg_.min_sources) done_.push_back(std::move(e));
  else ++counters_["candidates_below_min_sources"];
}

std::vector<HoneynetEvent> HoneynetAnalyzer::finish() {
  for (auto& [a, tg] : targets_) {
    close_interval(*tg, static_cast<double>(tg->interval) * cfg_.interval);
    if (tg->event) end_event(*tg);
  }
  targets_.clear();
  std::stable_sort(done_.begin(), done_.end(),
                   [](const HoneynetEvent& a, const HoneynetEvent& b) { return a.start < b.start; });
  return std::move(done_);
}

nlohmann::json to_json(const HoneynetEvent& e) {
  nlohmann::json hashes = nlohmann::json::array(), farms = nlohmann::json::array(), files = nlohmann::json::array();
  for (const auto& h : e.info_hashes)
    hashes.push_back({{"info_hash", h.info_hash.hex()}, {"requests", h.requests}, {"sources", h.sources}});
  for (const auto& f : e.files) {
    files.push_back({{"file", f.file.hex()}, {"requests", f.requests}, {"sources", f.sources}});
    if (f.size) files.back()["size"] = f.size;
  }
  for (const auto& f : e.cluster.farms) farms.push_back({{"subnet", f.subnet.to_string()}, {"unique_ips", f.unique_ips}});
  nlohmann::json per_interval = nlohmann::json::array();
  for (const auto& [t, n] : e.per_interval) per_interval.push_back({t, n});
  const auto& c = e.cert;
  return {{"type", "passive_honeynet_event"}, {"event", e.id}, {"target", e.target.to_string()},
          {"start", e.start}, {"end", e.end}, {"duration", e.end - e.start}, {"protocol", e.protocol},
          {"protocols", e.protocols}, {"application", name_of(e.application)},
          {"bittorrent_sources", e.bittorrent_sources}, {"emule_sources", e.emule_sources}, {"files", files},
          {"packets", e.packets}, {"unique_sources", e.unique_sources},
          {"sources_in_window", e.sources_in_window}, {"peak_per_interval", e.peak_per_interval},
          {"info_hashes", hashes}, {"clients", e.clients}, {"u", e.cluster.u},
          {"unique_subnets", e.cluster.unique_subnets}, {"farms", farms},
          {"source_spread", {{"slash8s", e.spread.slash8s}, {"bogon_sources", e.spread.bogon_sources},
                             {"uniform_share", e.spread.uniform_share}}},
          {"arrival_spread", e.arrival_spread},
          {"cert", {{"utp_data", c.utp_data}, {"without_syn", c.without_syn}, {"ack_nr_zero", c.ack_nr_zero},
                    {"ts_diff_zero", c.ts_diff_zero}, {"wnd_0x380000", c.wnd_0x380000},
                    {"zero_peer_id", c.zero_peer_id}, {"ts_10ms_steps", c.ts_10ms_steps},
                    {"after_icmp_unreachable", c.after_icmp_unreachable}, {"fingerprinted", c.fingerprinted}}},
          {"classification", e.classification}, {"interval", e.interval}, {"end_threshold", e.end_threshold},
          {"per_interval", per_interval}, {"per_interval_cut", e.series_cut}};
}

std::vector<nlohmann::json> suspect_records(const HoneynetEvent& e) {
  std::vector<nlohmann::json> out;
  for (const auto& h : e.info_hashes)
    out.push_back({{"type", "suspect_infohash"}, {"info_hash", h.info_hash.hex()}, {"origin", "honeynet_event"},
                   {"event", e.id}, {"requests", h.requests}, {"sources", h.sources},
                   {"classification", e.classification}, {"t", e.start}});
  for (const auto& f : e.files) {
    out.push_back({{"type", "suspect_ed2k_file"}, {"file", f.file.hex()}, {"origin", "honeynet_event"},
                   {"event", e.id}, {"requests", f.requests}, {"sources", f.sources},
                   {"classification", e.classification}, {"t", e.start}});
    // With the size a request gave, the crawler can ask for the file.
    if (f.size) {
      out.back()["size"] = f.size;
      out.back()["link"] = ed2k::format_link(ed2k::FileLink{f.file.hex(), f.size, f.file, {}, {}, {}});
    }
  }
  return out;
}

}  // namespace p2pscope::passive
