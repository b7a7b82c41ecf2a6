#include "core/extension.hpp"

#include "core/compact.hpp"

namespace p2pscope {
namespace {

using Node = lt::bdecode_node;

Result<std::optional<IpAddress>> opt_address(const Node& d, std::string_view key, std::size_t want_size) {
  P2PSCOPE_TRY(s, opt_string(d, key));
  if (!s) return std::optional<IpAddress>{};
  if (want_size != 0 && s->size() != want_size) return errc::bad_address;
  P2PSCOPE_TRY(a, IpAddress::from_bytes(*s));
  return std::optional<IpAddress>{a};
}

Result<std::map<std::string, std::uint8_t>> decode_m(const Node& root, const ExtensionLimits& lim) {
  P2PSCOPE_TRY(m, opt_dict(root, "m"));
  std::map<std::string, std::uint8_t> out;
  if (!m) return out;
  if (static_cast<std::size_t>(m->dict_size()) > lim.max_extensions) return errc::too_many_items;
  for (int i = 0; i < m->dict_size(); ++i) {
    auto [name, id] = m->dict_at(i);
    P2PSCOPE_TRY(value, checked_int(id));
    if (value < 0 || value > 255) return errc::bad_value;
    if (name.size() > lim.max_text) return errc::oversized;
    out.emplace(std::string(view(name)), static_cast<std::uint8_t>(value));
  }
  return out;
}

Status decode_added(const Node& root, std::string_view key, std::string_view flags_key, Family f,
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

Status decode_dropped(const Node& root, std::string_view key, Family f, const ExtensionLimits& lim,
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
  P2PSCOPE_TRY(root, decode_bencode(body, lim.bencode));
  if (root.type() != Node::dict_t) return errc::wrong_type;
  ExtendedHandshake h;
  P2PSCOPE_TRY(m, decode_m(root, lim));
  P2PSCOPE_TRY(v, opt_string(root, "v"));
  P2PSCOPE_TRY(p, opt_int_in(root, "p", 0, 65535));
  P2PSCOPE_TRY(yourip, opt_address(root, "yourip", 0));
  P2PSCOPE_TRY(ipv4, opt_address(root, "ipv4", 4));
  P2PSCOPE_TRY(ipv6, opt_address(root, "ipv6", 16));
  P2PSCOPE_TRY(reqq, opt_int_in(root, "reqq", 0, INT64_MAX));
  P2PSCOPE_TRY(metadata_size, opt_int_in(root, "metadata_size", 0, INT64_MAX));
  if (v && v->size() > lim.max_text) return errc::oversized;
  h.m = std::move(m);
  if (v) h.v = std::string(*v);
  if (p) h.p = static_cast<std::uint16_t>(*p);
  h.yourip = yourip;
  h.ipv4 = ipv4;
  h.ipv6 = ipv6;
  h.reqq = reqq;
  h.metadata_size = metadata_size;
  return h;
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
