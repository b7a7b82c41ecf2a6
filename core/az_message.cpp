#include "core/az_message.hpp"

#include "core/bytes.hpp"
#include "core/compact.hpp"

namespace p2pscope {
namespace {

using Node = lt::bdecode_node;

// The entries of one list ("added" or "dropped") as endpoints, with the
// handshake types of "<key>_HST" as flags when they line up.
Result<void> decode_list(const Node& root, std::string_view key, const ExtensionLimits& lim, AzPeerExchange& m,
                         bool added) {
  P2PSCOPE_TRY(list, opt_list(root, key));
  if (!list) return success();
  auto n = static_cast<std::size_t>(list->list_size());
  if (n > lim.max_pex_peers) return errc::too_many_items;
  std::optional<std::string_view> types;
  if (added) {
    P2PSCOPE_TRY(hst, opt_string(root, std::string(key) + "_HST"));
    if (hst && hst->size() == n) types = hst;
    else if (hst) m.pex.anomalies.set(PexAnomaly::added_flags_mismatch);
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto e = list->list_at(static_cast<int>(i));
    if (e.type() != Node::string_t) return errc::wrong_type;
    std::string_view raw(e.string_value().data(), e.string_value().size());
    if (raw.size() != compact_peer_size(Family::v4) && raw.size() != compact_peer_size(Family::v6)) {
      ++m.other_networks;
      continue;
    }
    P2PSCOPE_TRY(ep, decode_compact_peer(raw));
    if (!added) {
      m.pex.dropped.push_back(ep);
      continue;
    }
    PexPeer p{ep, std::nullopt};
    if (types) p.flags = (*types)[i] == 1 ? PexFlags{PexFlag::prefers_encryption} : PexFlags{};
    m.pex.added.push_back(p);
  }
  return success();
}

void encode_list(lt::entry& root, const std::string& key, const std::vector<Endpoint>& peers,
                 const std::string& types) {
  if (peers.empty()) return;
  lt::entry::list_type l;
  for (const auto& p : peers) l.emplace_back(encode_compact_peer(p));
  root[key] = std::move(l);
  if (!types.empty()) root[key + "_HST"] = types;
}

}  // namespace

std::optional<AzHeader> peek_az_header(std::string_view buf, const AzLimits& lim) {
  ByteReader r(buf);
  std::size_t len = r.u32();
  std::size_t id_len = r.u32();
  if (r.failed() || len > lim.max_message || id_len == 0 || id_len > lim.max_id || id_len + 5 > len) return std::nullopt;
  auto id = r.bytes(id_len);
  if (r.failed()) return std::nullopt;
  return AzHeader{len + 4, id};
}

Result<std::optional<AzFrame>> next_az_frame(std::string_view buf, const AzLimits& lim) {
  ByteReader head(buf);
  std::size_t len = head.u32();
  if (head.failed()) return std::optional<AzFrame>{};
  if (len > lim.max_message) return errc::oversized;
  if (len < 6) return errc::bad_length;  // an id of one byte and the version at least
  if (buf.size() - 4 < len) return std::optional<AzFrame>{};
  ByteReader r(buf.substr(4, len));
  std::size_t id_len = r.u32();
  if (id_len == 0 || id_len > lim.max_id) return errc::bad_length;
  AzFrame f;
  f.id = r.bytes(id_len);
  auto version = r.u8();
  if (r.failed()) return errc::truncated;
  f.version = version & 0x0f;
  if (f.version >= 2 && (version & 0x10)) r.bytes(r.u16());  // padding
  if (r.failed()) return errc::truncated;
  f.payload = r.rest();
  f.consumed = 4 + len;
  return std::optional<AzFrame>{f};
}

AzOpening az_opening(std::string_view first) noexcept {
  std::string expect("\0\0\0\x0c", 4);
  expect += kAzHandshake;
  if (first.size() >= 4) {
    ByteReader r(first);
    std::size_t len = r.u32();
    if (len < 4 + kAzHandshake.size() + 1 || len > AzLimits{}.max_message) return AzOpening::no;
  }
  if (first.size() <= 4) return AzOpening::undecided;
  auto seen = first.substr(4, expect.size());  // after the message length
  if (seen != std::string_view(expect).substr(0, seen.size())) return AzOpening::no;
  return seen.size() == expect.size() ? AzOpening::yes : AzOpening::undecided;
}

std::string encode_az_frame(std::string_view id, std::uint8_t version, std::string_view payload) {
  std::string out;
  put_u32(out, static_cast<std::uint32_t>(4 + id.size() + 1 + payload.size()));
  put_u32(out, static_cast<std::uint32_t>(id.size()));
  out += id;
  put_u8(out, version & 0x0f);
  out += payload;
  return out;
}

Result<AzPeerExchange> decode_az_peer_exchange(std::string_view payload, const ExtensionLimits& lim) {
  P2PSCOPE_TRY(root, decode_bencode(payload, lim.bencode));
  if (root.type() != Node::dict_t) return errc::wrong_type;
  P2PSCOPE_TRY(hash, opt_string(root, "infohash"));
  if (!hash) return errc::missing_key;
  auto ih = InfoHash::from_bytes(*hash);
  if (!ih) return errc::bad_hash;
  AzPeerExchange m;
  m.info_hash = ih.value();
  P2PSCOPE_CHECK(decode_list(root, "added", lim, m, true));
  P2PSCOPE_CHECK(decode_list(root, "dropped", lim, m, false));
  return m;
}

std::string encode_az_peer_exchange(const AzPeerExchange& m) {
  lt::entry root(lt::entry::dictionary_t);
  root["infohash"] = std::string(m.info_hash.raw());
  std::vector<Endpoint> added;
  std::string types;
  bool typed = !m.pex.added.empty();
  for (const auto& p : m.pex.added) {
    added.push_back(p.endpoint);
    typed = typed && p.flags.has_value();
    types.push_back(p.flags && p.flags->has(PexFlag::prefers_encryption) ? 1 : 0);
  }
  encode_list(root, "added", added, typed ? types : std::string());
  encode_list(root, "dropped", m.pex.dropped, {});
  return encode_bencode(root);
}

}  // namespace p2pscope
