#include "core/kad.hpp"

#include "core/ed2k_wire.hpp"
#include "core/hash.hpp"

namespace p2pscope::kad {
namespace {

using ed2k::Tag;
using ed2k::wire::finish;
using ed2k::TagList;
using ed2k::TagType;

KadId read_id(LeReader& r) noexcept {
  auto w = r.raw16();
  KadId id;
  for (std::size_t chunk = 0; chunk < 4; ++chunk)
    for (std::size_t i = 0; i < 4; ++i) id.bytes[chunk * 4 + i] = w[chunk * 4 + 3 - i];
  return id;
}
void put_id(std::string& out, const KadId& id) {
  std::array<char, 16> wire{};
  for (std::size_t chunk = 0; chunk < 4; ++chunk)
    for (std::size_t i = 0; i < 4; ++i) wire[chunk * 4 + i] = static_cast<char>(id.bytes[chunk * 4 + 3 - i]);
  out.append(wire.data(), wire.size());
}

Contact read_contact(LeReader& r) noexcept {
  Contact c;
  c.id = read_id(r);
  c.ip = r.u32();
  c.udp_port = r.u16();
  c.tcp_port = r.u16();
  c.version = r.u8();
  return c;
}
void put_contact(std::string& out, const Contact& c) {
  put_id(out, c.id);
  put_le(out, c.ip, 4);
  put_le(out, c.udp_port, 2);
  put_le(out, c.tcp_port, 2);
  put_le(out, c.version, 1);
}

Result<std::vector<Contact>> read_contacts(LeReader& r, std::size_t count, std::size_t max) {
  if (count > max) return errc::too_many_items;
  if (count * 25 > r.remaining()) return errc::truncated;
  std::vector<Contact> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(read_contact(r));
  return out;
}

// Source result tags (aMule's kademlia/utils/KadTags: TAG_SOURCE*).
namespace tag {
inline constexpr std::uint8_t file_size = 0x02, crypt = 0xF3, buddy_port = 0xFA, buddy_ip = 0xFB, udp_port = 0xFC,
                              source_ip = 0xFE, tcp_port = 0xFD, source_type = 0xFF;
}

}  // namespace

std::string KadId::hex() const { return detail::to_hex(bytes.data(), bytes.size()); }

KadId distance(const KadId& a, const KadId& b) noexcept {
  KadId d;
  for (std::size_t i = 0; i < 16; ++i) d.bytes[i] = a.bytes[i] ^ b.bytes[i];
  return d;
}

std::uint32_t distance_prefix(const KadId& a, const KadId& b) noexcept {
  auto d = distance(a, b);
  return std::uint32_t{d.bytes[0]} << 24 | std::uint32_t{d.bytes[1]} << 16 | std::uint32_t{d.bytes[2]} << 8 |
         d.bytes[3];
}

Result<BootstrapResponse> decode_bootstrap_response(std::string_view payload, const Limits& lim) {
  LeReader r(payload);
  BootstrapResponse out;
  out.id = read_id(r);
  out.tcp_port = r.u16();
  out.version = r.u8();
  auto count = r.u16();
  if (r.failed()) return errc::truncated;
  P2PSCOPE_TRY(contacts, read_contacts(r, count, lim.max_contacts));
  out.contacts = std::move(contacts);
  P2PSCOPE_CHECK(finish(r));
  return out;
}

std::string encode_bootstrap_response(const BootstrapResponse& b) {
  std::string out;
  put_id(out, b.id);
  put_le(out, b.tcp_port, 2);
  put_le(out, b.version, 1);
  auto n = std::min<std::size_t>(b.contacts.size(), 0xffff);
  put_le(out, n, 2);
  for (std::size_t i = 0; i < n; ++i) put_contact(out, b.contacts[i]);
  return out;
}

Result<Hello> decode_hello(std::string_view payload, const Limits& lim) {
  LeReader r(payload);
  Hello h;
  h.id = read_id(r);
  h.tcp_port = r.u16();
  h.version = r.u8();
  if (r.failed()) return errc::truncated;
  P2PSCOPE_TRY(tags, ed2k::wire::read_tags(r, TagList::kad, lim.tags));
  h.tags = std::move(tags);
  P2PSCOPE_CHECK(finish(r));
  return h;
}

std::string encode_hello(const Hello& h) {
  std::string out;
  put_id(out, h.id);
  put_le(out, h.tcp_port, 2);
  put_le(out, h.version, 1);
  return out + ed2k::encode_tags(h.tags, TagList::kad);
}

Result<SourcePublish> decode_source_publish(std::string_view payload, const Limits& lim) {
  LeReader r(payload);
  SourcePublish p;
  p.file = read_id(r);
  p.source = read_id(r);
  if (r.failed()) return errc::truncated;
  P2PSCOPE_TRY(tags, ed2k::wire::read_tags(r, TagList::kad, lim.tags));
  p.tags = std::move(tags);
  P2PSCOPE_CHECK(finish(r));
  return p;
}

std::string encode_source_publish(const SourcePublish& p) {
  std::string out;
  put_id(out, p.file);
  put_id(out, p.source);
  return out + ed2k::encode_tags(p.tags, TagList::kad);
}

std::string encode_publish_response(const KadId& file, std::uint8_t load) {
  std::string out;
  put_id(out, file);
  put_le(out, load, 1);
  return out;
}

Result<NodeRequest> decode_node_request(std::string_view payload) {
  LeReader r(payload);
  NodeRequest q;
  q.wanted = r.u8() & 0x1f;
  q.target = read_id(r);
  q.receiver = read_id(r);
  P2PSCOPE_CHECK(finish(r));
  if (q.wanted == 0) return errc::bad_value;
  return q;
}

std::string encode_node_request(const NodeRequest& q) {
  std::string out;
  put_le(out, q.wanted & 0x1f, 1);
  put_id(out, q.target);
  put_id(out, q.receiver);
  return out;
}

Result<NodeResponse> decode_node_response(std::string_view payload, const Limits& lim) {
  LeReader r(payload);
  NodeResponse out;
  out.target = read_id(r);
  auto count = r.u8();
  if (r.failed()) return errc::truncated;
  P2PSCOPE_TRY(contacts, read_contacts(r, count, lim.max_contacts));
  out.contacts = std::move(contacts);
  P2PSCOPE_CHECK(finish(r));
  return out;
}

std::string encode_node_response(const NodeResponse& n) {
  std::string out;
  put_id(out, n.target);
  auto count = std::min<std::size_t>(n.contacts.size(), 0xff);
  put_le(out, count, 1);
  for (std::size_t i = 0; i < count; ++i) put_contact(out, n.contacts[i]);
  return out;
}

Result<SourceSearch> decode_source_search(std::string_view payload) {
  LeReader r(payload);
  SourceSearch s;
  s.target = read_id(r);
  s.start = r.u16() & 0x7fff;
  s.file_size = r.u64();
  P2PSCOPE_CHECK(finish(r));
  return s;
}

std::string encode_source_search(const SourceSearch& s) {
  std::string out;
  put_id(out, s.target);
  put_le(out, s.start & 0x7fff, 2);
  put_le(out, s.file_size, 8);
  return out;
}

std::optional<KadId> answer_target(std::uint8_t opcode, std::string_view payload) noexcept {
  LeReader r(payload);
  if (opcode == op::search_res) (void)read_id(r);  // the sender's id comes first
  else if (opcode != op::res) return std::nullopt;
  auto target = read_id(r);
  if (r.failed()) return std::nullopt;
  return target;
}

Result<SearchResponse> decode_search_response(std::string_view payload, const Limits& lim) {
  LeReader r(payload);
  SearchResponse out;
  out.sender = read_id(r);
  out.target = read_id(r);
  auto count = r.u16();
  if (r.failed()) return errc::truncated;
  if (count > lim.max_results) return errc::too_many_items;
  for (unsigned i = 0; i < count; ++i) {
    SearchResult res;
    res.answer = read_id(r);
    if (r.failed()) return errc::truncated;
    P2PSCOPE_TRY(tags, ed2k::wire::read_tags(r, TagList::kad, lim.tags));
    res.tags = std::move(tags);
    out.results.push_back(std::move(res));
  }
  P2PSCOPE_CHECK(finish(r));
  return out;
}

std::string encode_search_response(const SearchResponse& s) {
  std::string out;
  put_id(out, s.sender);
  put_id(out, s.target);
  auto n = std::min<std::size_t>(s.results.size(), 0xffff);
  put_le(out, n, 2);
  for (std::size_t i = 0; i < n; ++i) {
    put_id(out, s.results[i].answer);
    out += ed2k::encode_tags(s.results[i].tags, TagList::kad);
  }
  return out;
}

Result<SourceEntry> source_entry(const SearchResult& r) {
  SourceEntry e;
  e.user_hash = r.answer;
  auto type = ed2k::number_of(r.tags, tag::source_type);
  auto ip = ed2k::number_of(r.tags, tag::source_ip);
  auto tcp = ed2k::number_of(r.tags, tag::tcp_port);
  if (!type || !ip || !tcp) return errc::missing_key;
  e.type = static_cast<std::uint8_t>(*type);
  e.ip = static_cast<std::uint32_t>(*ip);
  e.tcp_port = static_cast<std::uint16_t>(*tcp);
  e.udp_port = static_cast<std::uint16_t>(ed2k::number_of(r.tags, tag::udp_port).value_or(0));
  if (auto v = ed2k::number_of(r.tags, tag::buddy_ip)) e.buddy_ip = static_cast<std::uint32_t>(*v);
  if (auto v = ed2k::number_of(r.tags, tag::buddy_port)) e.buddy_port = static_cast<std::uint16_t>(*v);
  e.crypt = static_cast<std::uint8_t>(ed2k::number_of(r.tags, tag::crypt).value_or(0));
  e.file_size = ed2k::number_of(r.tags, tag::file_size);
  return e;
}

Result<SourceEntry> published_entry(const SourcePublish& p, const Endpoint& from) {
  if (!from.address.is_v4()) return errc::bad_value;
  SearchResult r{p.source, {}};
  for (const auto& t : p.tags)
    if (!(t.name.size() == 1 && static_cast<std::uint8_t>(t.name[0]) == tag::source_ip)) r.tags.push_back(t);
  r.tags.push_back(ed2k::number_tag(tag::source_ip, TagType::uint32, ed2k::hybrid_id(from.address)));
  P2PSCOPE_TRY(e, source_entry(r));
  if (e.udp_port == 0) e.udp_port = from.port;
  return e;
}

SearchResult search_result_of(const SourceEntry& e) {
  SearchResult r{e.user_hash, {}};
  r.tags.push_back(ed2k::number_tag(tag::source_type, TagType::uint8, e.type));
  r.tags.push_back(ed2k::number_tag(tag::source_ip, TagType::uint32, e.ip));
  r.tags.push_back(ed2k::number_tag(tag::tcp_port, TagType::uint16, e.tcp_port));
  if (e.udp_port != 0) r.tags.push_back(ed2k::number_tag(tag::udp_port, TagType::uint16, e.udp_port));
  if (e.buddy_ip) r.tags.push_back(ed2k::number_tag(tag::buddy_ip, TagType::uint32, *e.buddy_ip));
  if (e.buddy_port) r.tags.push_back(ed2k::number_tag(tag::buddy_port, TagType::uint16, *e.buddy_port));
  if (e.crypt != 0) r.tags.push_back(ed2k::number_tag(tag::crypt, TagType::uint8, e.crypt));
  if (e.file_size) r.tags.push_back(ed2k::number_tag(tag::file_size, TagType::uint64, *e.file_size));
  return r;
}

Result<std::uint16_t> decode_pong(std::string_view payload) {
  LeReader r(payload);
  auto port = r.u16();
  P2PSCOPE_CHECK(finish(r));
  return port;
}

Result<NodesFile> decode_nodes_dat(std::string_view file, const Limits& lim) {
  LeReader r(file);
  NodesFile out;
  if (r.u32() != 0) return r.failed() ? Result<NodesFile>(errc::truncated) : errc::unknown_message_type;
  auto version = r.u32();
  if (version == 3) {
    if (r.u32() != 1) return r.failed() ? Result<NodesFile>(errc::truncated) : errc::unknown_message_type;
    out.edition = NodesEdition::bootstrap;
  } else if (version == 1 || version == 2) {
    out.edition = version == 1 ? NodesEdition::v1 : NodesEdition::v2;
  } else {
    return r.failed() ? Result<NodesFile>(errc::truncated) : errc::unknown_message_type;
  }
  auto count = r.u32();
  if (r.failed()) return errc::truncated;
  if (count > lim.max_nodes) return errc::too_many_items;
  const std::size_t entry = out.edition == NodesEdition::v2 ? 25 + 9 : 25;
  if (std::uint64_t{count} * entry > r.remaining()) return errc::truncated;
  out.contacts.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    out.contacts.push_back(read_contact(r));
    if (out.edition == NodesEdition::v2) r.bytes(9);  // udp key, its ip, verified
  }
  P2PSCOPE_CHECK(finish(r));
  return out;
}

std::string encode_nodes_dat(const NodesFile& f) {
  std::string out;
  put_le(out, 0, 4);
  switch (f.edition) {
    case NodesEdition::v1: put_le(out, 1, 4); break;
    case NodesEdition::v2: put_le(out, 2, 4); break;
    case NodesEdition::bootstrap: put_le(out, 3, 4); put_le(out, 1, 4); break;
  }
  put_le(out, f.contacts.size(), 4);
  for (const auto& c : f.contacts) {
    put_contact(out, c);
    if (f.edition == NodesEdition::v2) out.append(9, '\0');
  }
  return out;
}

}  // namespace p2pscope::kad
