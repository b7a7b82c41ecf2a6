#include "core/extension.hpp"

#include "core/bencode_scan.hpp"
#include "core/compact.hpp"

#include <array>

namespace p2pscope {
namespace {

using Node = lt::bdecode_node;

// The typed checks below mirror core/bencode's opt_* accessors, applied to a
// node found once instead of looked up by key: one pass over the dictionary
// picks the first value of every key decode_extended_handshake reads (as
// dict_find would), where eight dict_find calls rescanned it eight times.
enum Field : std::size_t { kM, kV, kP, kYourip, kIpv4, kIpv6, kReqq, kMetadataSize, kFields };

// Which of the keys read here `key` is; kFields for any other.
std::size_t field_of(std::string_view key) {
  static constexpr std::string_view kNames[kFields] = {"m", "v", "p", "yourip", "ipv4", "ipv6", "reqq", "metadata_size"};
  for (std::size_t i = 0; i < kFields; ++i) {
    if (kNames[i] == key) return i;
  }
  return kFields;
}

using HandshakeFields = std::array<std::optional<Node>, kFields>;

HandshakeFields pick_fields(const Node& root) {
  HandshakeFields f;
  for (int i = 0, n = root.dict_size(); i < n; ++i) {
    auto [key, value] = root.dict_at_node(i);
    auto at = field_of(view(key.string_value()));
    if (at < kFields && !f[at]) f[at] = value;
  }
  return f;
}

Result<std::optional<std::string_view>> string_field(const std::optional<Node>& n) {
  if (!n) return std::optional<std::string_view>{};
  if (n->type() != Node::string_t) return errc::wrong_type;
  return std::optional<std::string_view>{view(n->string_value())};
}

Result<std::optional<std::int64_t>> int_field(const std::optional<Node>& n, std::int64_t lo, std::int64_t hi) {
  if (!n) return std::optional<std::int64_t>{};
  P2PSCOPE_TRY(v, checked_int(*n));
  if (v < lo || v > hi) return errc::bad_value;
  return std::optional<std::int64_t>{v};
}

Result<std::optional<IpAddress>> address_field(const std::optional<Node>& n, std::size_t want_size) {
  P2PSCOPE_TRY(s, string_field(n));
  if (!s) return std::optional<IpAddress>{};
  if (want_size != 0 && s->size() != want_size) return errc::bad_address;
  P2PSCOPE_TRY(a, IpAddress::from_bytes(*s));
  return std::optional<IpAddress>{a};
}

// Checks every "m" entry and adds it to out (the first of a repeated name
// stays, as std::map::emplace keeps it).
Result<void> decode_m(const std::optional<Node>& m, const ExtensionLimits& lim, std::map<std::string, std::uint8_t>& out) {
  if (!m) return success();
  if (m->type() != Node::dict_t) return errc::wrong_type;
  if (static_cast<std::size_t>(m->dict_size()) > lim.max_extensions) return errc::too_many_items;
  for (int i = 0, n = m->dict_size(); i < n; ++i) {
    auto [name, id] = m->dict_at_node(i);
    P2PSCOPE_TRY(value, checked_int(id));
    if (value < 0 || value > 255) return errc::bad_value;
    auto text = view(name.string_value());
    if (text.size() > lim.max_text) return errc::oversized;
    out.emplace(text, static_cast<std::uint8_t>(value));
  }
  return success();
}

// Everything but "m", checked in a fixed order so that a body with several
// bad fields always gives the same error.
struct HandshakeScalars {
  std::optional<std::string_view> v;
  std::optional<std::int64_t> p, reqq, metadata_size;
  std::optional<IpAddress> yourip, ipv4, ipv6;
};

Result<HandshakeScalars> check_scalars(const HandshakeFields& f, const ExtensionLimits& lim) {
  P2PSCOPE_TRY(v, string_field(f[kV]));
  P2PSCOPE_TRY(p, int_field(f[kP], 0, 65535));
  P2PSCOPE_TRY(yourip, address_field(f[kYourip], 0));
  P2PSCOPE_TRY(ipv4, address_field(f[kIpv4], 4));
  P2PSCOPE_TRY(ipv6, address_field(f[kIpv6], 16));
  P2PSCOPE_TRY(reqq, int_field(f[kReqq], 0, INT64_MAX));
  P2PSCOPE_TRY(metadata_size, int_field(f[kMetadataSize], 0, INT64_MAX));
  if (v && v->size() > lim.max_text) return errc::oversized;
  return HandshakeScalars{v, p, reqq, metadata_size, yourip, ipv4, ipv6};
}

// The root of an extended handshake: a dictionary within the limits.
Result<Node> handshake_root(std::string_view body, const ExtensionLimits& lim) {
  P2PSCOPE_TRY(root, decode_bencode(body, lim.bencode));
  if (root.type() != Node::dict_t) return errc::wrong_type;
  return root;
}

// The same fields and checks over a BencodeScan's tokens, for
// summarize_extended_handshake. Kept apart from the lt::bdecode_node
// versions above on purpose: the fuzz target checks the two against each
// other. Fields are token indices, 0 for absent (token 0 is the root).
using ScannedFields = std::array<std::uint32_t, kFields>;

ScannedFields pick_scanned_fields(const std::vector<ScanToken>& t) {
  ScannedFields f{};
  for (std::uint32_t key = 1; key < t[0].end; key = t[key + 1].end) {
    auto at = field_of(t[key].text);
    if (at < kFields && f[at] == 0) f[at] = key + 1;
  }
  return f;
}

Result<void> check_scanned_m(const std::vector<ScanToken>& t, std::uint32_t m, std::string_view extension,
                       const ExtensionLimits& lim, std::optional<std::uint8_t>& id_out) {
  if (m == 0) return success();
  if (t[m].kind != ScanToken::Kind::dict) return errc::wrong_type;
  std::size_t entries = 0;
  for (auto key = m + 1; key < t[m].end; key = t[key + 1].end) ++entries;
  if (entries > lim.max_extensions) return errc::too_many_items;
  bool seen = false;  // the first entry of a name counts, as in decode_extended_handshake's map
  for (auto key = m + 1; key < t[m].end; key = t[key + 1].end) {
    P2PSCOPE_TRY(value, scan_int(t[key + 1]));
    if (value < 0 || value > 255) return errc::bad_value;
    if (t[key].text.size() > lim.max_text) return errc::oversized;
    if (!seen && t[key].text == extension) {
      seen = true;
      if (value != 0) id_out = static_cast<std::uint8_t>(value);
    }
  }
  return success();
}

Result<std::optional<std::string_view>> scanned_string(const std::vector<ScanToken>& t, std::uint32_t i) {
  if (i == 0) return std::optional<std::string_view>{};
  if (t[i].kind != ScanToken::Kind::string) return errc::wrong_type;
  return std::optional<std::string_view>{t[i].text};
}

Result<std::optional<std::int64_t>> scanned_int(const std::vector<ScanToken>& t, std::uint32_t i, std::int64_t lo,
                                                std::int64_t hi) {
  if (i == 0) return std::optional<std::int64_t>{};
  P2PSCOPE_TRY(v, scan_int(t[i]));
  if (v < lo || v > hi) return errc::bad_value;
  return std::optional<std::int64_t>{v};
}

Result<std::optional<IpAddress>> scanned_address(const std::vector<ScanToken>& t, std::uint32_t i,
                                                 std::size_t want_size) {
  P2PSCOPE_TRY(s, scanned_string(t, i));
  if (!s) return std::optional<IpAddress>{};
  if (want_size != 0 && s->size() != want_size) return errc::bad_address;
  P2PSCOPE_TRY(a, IpAddress::from_bytes(*s));
  return std::optional<IpAddress>{a};
}

Result<void> decode_added(const Node& root, std::string_view key, std::string_view flags_key, Family f,
                    PexAnomaly anomaly, const ExtensionLimits& lim, PexMessage& out) {
  P2PSCOPE_TRY(raw, opt_string(root, key));
  if (!raw) return success();
  P2PSCOPE_TRY(peers, decode_compact_peers(*raw, f, lim.max_pex_peers));
  P2PSCOPE_TRY(flags, opt_string(root, flags_key));
  bool aligned = flags && flags->size() == peers.size();
  if (!aligned && !peers.empty()) out.anomalies.set(anomaly);
  for (std::size_t i = 0; i < peers.size(); ++i) {
    std::optional<PexFlags> pf;
    if (aligned) pf = PexFlags::from_bits(static_cast<std::uint8_t>((*flags)[i]));
    out.added.push_back(PexPeer{peers[i], pf});
  }
  return success();
}

Result<void> decode_dropped(const Node& root, std::string_view key, Family f, const ExtensionLimits& lim,
                      PexMessage& out) {
  P2PSCOPE_TRY(raw, opt_string(root, key));
  if (!raw) return success();
  P2PSCOPE_TRY(peers, decode_compact_peers(*raw, f, lim.max_pex_peers));
  out.dropped.insert(out.dropped.end(), peers.begin(), peers.end());
  return success();
}

void encode_added(lt::entry& root, const PexMessage& m, Family f, const char* key, const char* flags_key) {
  std::string peers, flags;
  bool all_flagged = true;
  for (const auto& p : m.added) {
    if (p.endpoint.address.family() != f) continue;
    append_compact_peer(peers, p.endpoint);
    all_flagged = all_flagged && p.flags.has_value();
    flags.push_back(static_cast<char>(p.flags ? p.flags->bits() : 0));
  }
  root[key] = peers;
  if (all_flagged) root[flags_key] = flags;
}

}  // namespace

std::optional<std::uint8_t> ExtendedHandshake::extension_id(std::string_view name) const {
  auto it = m.find(std::string(name));
  if (it == m.end() || it->second == 0) return std::nullopt;
  return it->second;
}

Result<ExtendedHandshake> decode_extended_handshake(std::string_view body, const ExtensionLimits& lim) {
  P2PSCOPE_TRY(root, handshake_root(body, lim));
  auto fields = pick_fields(root);
  ExtendedHandshake h;
  P2PSCOPE_CHECK(decode_m(fields[kM], lim, h.m));
  P2PSCOPE_TRY(s, check_scalars(fields, lim));
  if (s.v) h.v = std::string(*s.v);
  if (s.p) h.p = static_cast<std::uint16_t>(*s.p);
  h.yourip = s.yourip;
  h.ipv4 = s.ipv4;
  h.ipv6 = s.ipv6;
  h.reqq = s.reqq;
  h.metadata_size = s.metadata_size;
  return h;
}

Result<ExtendedHandshakeSummary> summarize_extended_handshake(std::string_view body, std::string_view extension,
                                                              const ExtensionLimits& lim) {
  thread_local BencodeScan scan;  // keeps its vectors' capacity between calls
  P2PSCOPE_CHECK(scan.scan(body, lim.bencode));
  const auto& tokens = scan.tokens();
  if (tokens[0].kind != ScanToken::Kind::dict) return errc::wrong_type;
  auto fields = pick_scanned_fields(tokens);
  ExtendedHandshakeSummary out;
  P2PSCOPE_CHECK(check_scanned_m(tokens, fields[kM], extension, lim, out.extension_id));
  P2PSCOPE_TRY(v, scanned_string(tokens, fields[kV]));
  P2PSCOPE_TRY(p, scanned_int(tokens, fields[kP], 0, 65535));
  P2PSCOPE_TRY(yourip, scanned_address(tokens, fields[kYourip], 0));
  P2PSCOPE_CHECK(scanned_address(tokens, fields[kIpv4], 4));
  P2PSCOPE_CHECK(scanned_address(tokens, fields[kIpv6], 16));
  P2PSCOPE_CHECK(scanned_int(tokens, fields[kReqq], 0, INT64_MAX));
  P2PSCOPE_CHECK(scanned_int(tokens, fields[kMetadataSize], 0, INT64_MAX));
  if (v && v->size() > lim.max_text) return errc::oversized;
  out.v = v;
  if (p) out.p = static_cast<std::uint16_t>(*p);
  out.yourip = yourip;
  return out;
}

std::string encode_extended_handshake(const ExtendedHandshake& h) {
  lt::entry root(lt::entry::dictionary_t);
  auto& m = root["m"];
  m = lt::entry::dictionary_type{};
  for (const auto& [name, id] : h.m) m[name] = id;
  if (h.v) root["v"] = *h.v;
  if (h.p) root["p"] = *h.p;
  if (h.yourip) root["yourip"] = std::string(h.yourip->raw());
  if (h.ipv4) root["ipv4"] = std::string(h.ipv4->raw());
  if (h.ipv6) root["ipv6"] = std::string(h.ipv6->raw());
  if (h.reqq) root["reqq"] = *h.reqq;
  if (h.metadata_size) root["metadata_size"] = *h.metadata_size;
  return encode_bencode(root);
}

Result<PexMessage> decode_pex(std::string_view body, const ExtensionLimits& lim) {
  P2PSCOPE_TRY(root, decode_bencode(body, lim.bencode));
  if (root.type() != Node::dict_t) return errc::wrong_type;
  PexMessage m;
  P2PSCOPE_CHECK(decode_added(root, "added", "added.f", Family::v4, PexAnomaly::added_flags_mismatch, lim, m));
  P2PSCOPE_CHECK(decode_added(root, "added6", "added6.f", Family::v6, PexAnomaly::added6_flags_mismatch, lim, m));
  P2PSCOPE_CHECK(decode_dropped(root, "dropped", Family::v4, lim, m));
  P2PSCOPE_CHECK(decode_dropped(root, "dropped6", Family::v6, lim, m));
  return m;
}

std::string encode_pex(const PexMessage& m) {
  lt::entry root(lt::entry::dictionary_t);
  encode_added(root, m, Family::v4, "added", "added.f");
  encode_added(root, m, Family::v6, "added6", "added6.f");
  std::string dropped, dropped6;
  for (const auto& d : m.dropped) append_compact_peer(d.address.is_v4() ? dropped : dropped6, d);
  root["dropped"] = dropped;
  root["dropped6"] = dropped6;
  return encode_bencode(root);
}

}  // namespace p2pscope
