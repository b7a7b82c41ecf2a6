#include "core/ed2k.hpp"

#include "core/hash.hpp"
#include "core/inflate.hpp"
#include "core/ed2k_wire.hpp"

namespace p2pscope::ed2k {
namespace {

using wire::put_md4;
using wire::read_md4;

bool known_protocol(std::uint8_t p) noexcept {
  return p == 0xE3 || p == 0xC5 || p == 0xD4 || p == 0xE4 || p == 0xE5;
}
bool packed(Protocol p) noexcept { return p == Protocol::packed || p == Protocol::kad_packed; }

Result<Frame> make_frame(std::uint8_t protocol, std::uint8_t opcode, std::string_view body, const Limits& lim) {
  if (!known_protocol(protocol)) return errc::bad_protocol_id;
  Frame f{static_cast<Protocol>(protocol), opcode, {}};
  if (!packed(f.protocol)) {
    f.payload.assign(body);
    return f;
  }
  auto plain = inflate_bounded(body, Wrapping::zlib, lim.max_unpacked);
  if (!plain) return plain.error();
  f.payload = std::move(plain).value();
  return f;
}

std::string body_of(const Frame& f) { return packed(f.protocol) ? deflate_zlib(f.payload) : f.payload; }

std::size_t value_size_of_new_string(std::uint8_t type) noexcept { return type - 0x10u; }  // STR1..STR16

Result<void> read_value(LeReader& r, Tag& t, std::uint8_t type) {
  if (type >= 0x11 && type <= 0x20) {
    t.type = TagType::string;
    t.bytes.assign(r.bytes(value_size_of_new_string(type)));
    return success();
  }
  t.type = static_cast<TagType>(type);
  switch (t.type) {
    case TagType::hash16: t.bytes.assign(r.bytes(16)); break;
    case TagType::string: t.bytes.assign(r.bytes(r.u16())); break;
    case TagType::blob: t.bytes.assign(r.bytes(r.u32())); break;
    case TagType::bsob: t.bytes.assign(r.bytes(r.u8())); break;
    case TagType::uint8: t.number = r.u8(); break;
    case TagType::uint16: t.number = r.u16(); break;
    case TagType::uint32:
    case TagType::float32: t.number = r.u32(); break;
    case TagType::uint64: t.number = r.le(8); break;
    default: return errc::unknown_message_type;
  }
  return success();
}

// Old form: <type><name length u16><name><value>. New form (ED2K lists
// only): <type | 0x80><one-byte name><value>.
Result<Tag> read_tag(LeReader& r, TagList list) {
  Tag t;
  auto type = r.u8();
  if (list == TagList::ed2k && (type & 0x80)) {
    type &= 0x7f;
    t.name.assign(r.bytes(1));
  } else {
    t.name.assign(r.bytes(r.u16()));
  }
  if (r.failed()) return errc::truncated;
  if (auto st = read_value(r, t, type); !st) return st.error();
  if (r.failed()) return errc::truncated;
  return t;
}

void write_tag(std::string& out, const Tag& t) {
  out.push_back(static_cast<char>(t.type));
  put_le(out, t.name.size(), 2);
  out += t.name;
  switch (t.type) {
    case TagType::hash16: out += t.bytes; break;
    case TagType::string: put_le(out, t.bytes.size(), 2); out += t.bytes; break;
    case TagType::blob: put_le(out, t.bytes.size(), 4); out += t.bytes; break;
    case TagType::bsob: put_le(out, t.bytes.size(), 1); out += t.bytes; break;
    case TagType::uint8: put_le(out, t.number, 1); break;
    case TagType::uint16: put_le(out, t.number, 2); break;
    case TagType::uint32:
    case TagType::float32: put_le(out, t.number, 4); break;
    case TagType::uint64: put_le(out, t.number, 8); break;
  }
}

}  // namespace

std::uint32_t ed2k_id(const IpAddress& v4) noexcept {
  const auto* b = v4.data();
  return std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16 | std::uint32_t{b[3]} << 24;
}
IpAddress ip_of_ed2k_id(std::uint32_t id) noexcept { return IpAddress::v4(other_form(id)); }
std::uint32_t hybrid_id(const IpAddress& v4) noexcept { return other_form(ed2k_id(v4)); }
IpAddress ip_of_hybrid_id(std::uint32_t id) noexcept { return IpAddress::v4(id); }

std::string Md4::hex() const { return detail::to_hex(bytes.data(), bytes.size()); }

Result<DecodedFrame> decode_tcp_frame(std::string_view stream, const Limits& lim) {
  LeReader r(stream);
  auto protocol = r.u8();
  auto length = r.u32();
  if (r.failed()) return errc::truncated;
  if (!known_protocol(protocol)) return errc::bad_protocol_id;
  if (length == 0) return errc::bad_length;  // the opcode is counted
  if (length > lim.max_frame) return errc::oversized;
  auto opcode = r.u8();
  auto body = r.bytes(length - 1);
  if (r.failed()) return errc::truncated;
  P2PSCOPE_TRY(f, make_frame(protocol, opcode, body, lim));
  return DecodedFrame{std::move(f), r.position()};
}

Result<Frame> decode_udp_frame(std::string_view datagram, const Limits& lim) {
  if (datagram.size() < 2) return errc::truncated;
  if (datagram.size() > lim.max_frame) return errc::oversized;
  return make_frame(static_cast<std::uint8_t>(datagram[0]), static_cast<std::uint8_t>(datagram[1]), datagram.substr(2),
                    lim);
}

std::string encode_tcp_frame(const Frame& f) {
  auto body = body_of(f);
  std::string out;
  out.push_back(static_cast<char>(f.protocol));
  put_le(out, body.size() + 1, 4);
  out.push_back(static_cast<char>(f.opcode));
  return out + body;
}

std::string encode_udp_frame(const Frame& f) {
  std::string out{static_cast<char>(f.protocol), static_cast<char>(f.opcode)};
  return out + body_of(f);
}

Tag number_tag(std::uint8_t id, TagType type, std::uint64_t value) {
  return Tag{std::string(1, static_cast<char>(id)), type, value, {}};
}
Tag string_tag(std::uint8_t id, std::string_view value) {
  return Tag{std::string(1, static_cast<char>(id)), TagType::string, 0, std::string(value)};
}

const Tag* find_tag(std::span<const Tag> tags, std::uint8_t id) noexcept {
  for (const auto& t : tags)
    if (t.name.size() == 1 && static_cast<std::uint8_t>(t.name[0]) == id) return &t;
  return nullptr;
}

std::optional<std::uint64_t> number_of(std::span<const Tag> tags, std::uint8_t id) noexcept {
  const auto* t = find_tag(tags, id);
  if (t == nullptr) return std::nullopt;
  switch (t->type) {
    case TagType::uint8:
    case TagType::uint16:
    case TagType::uint32:
    case TagType::uint64: return t->number;
    default: return std::nullopt;
  }
}

std::optional<std::string> string_of(std::span<const Tag> tags, std::uint8_t id) {
  const auto* t = find_tag(tags, id);
  if (t == nullptr || t->type != TagType::string) return std::nullopt;
  return t->bytes;
}

Result<DecodedTags> decode_tags(std::string_view bytes, TagList list, const Limits& lim) {
  LeReader r(bytes);
  std::uint64_t count = list == TagList::ed2k ? r.u32() : r.u8();
  if (r.failed()) return errc::truncated;
  if (count > lim.max_tags) return errc::too_many_items;
  DecodedTags out;
  // A tag takes 3 bytes at least, so a count that lies cannot make this big.
  out.tags.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(count, r.remaining() / 3)));
  for (std::uint64_t i = 0; i < count; ++i) {
    P2PSCOPE_TRY(t, read_tag(r, list));
    out.tags.push_back(std::move(t));
  }
  out.size = r.position();
  return out;
}

std::string encode_tags(std::span<const Tag> tags, TagList list) {
  std::string out;
  put_le(out, tags.size(), list == TagList::ed2k ? 4 : 1);
  for (const auto& t : tags) write_tag(out, t);
  return out;
}

Result<std::vector<SourceRequest>> decode_get_sources(std::string_view payload, const Limits& lim) {
  LeReader r(payload);
  std::vector<SourceRequest> out;
  while (r.remaining() > 0) {
    if (out.size() >= lim.max_requests) return errc::too_many_items;
    SourceRequest q{read_md4(r), r.u32()};
    if (q.size == 0) q.size = r.le(8);  // a file of 4 GiB or more
    if (r.failed()) return errc::truncated;
    out.push_back(q);
  }
  if (out.empty()) return errc::truncated;
  return out;
}

std::string encode_get_sources(std::span<const SourceRequest> requests) {
  std::string out;
  for (const auto& q : requests) {
    put_md4(out, q.file);
    if (q.size > 0 && q.size <= 0xffffffffu) {
      put_le(out, q.size, 4);
    } else {
      put_le(out, 0, 4);
      put_le(out, q.size, 8);
    }
  }
  return out;
}

Result<DecodedSources> decode_found_sources_prefix(std::string_view payload, SourceForm form) {
  LeReader r(payload);
  DecodedSources out;
  out.found.file = read_md4(r);
  auto count = r.u8();
  for (unsigned i = 0; i < count && !r.failed(); ++i) {
    Source s{r.u32(), r.u16(), 0, std::nullopt};
    if (form == SourceForm::obfuscation) {
      s.crypt = r.u8();
      if (s.crypt & 0x80) s.user_hash = read_md4(r);
    }
    out.found.sources.push_back(s);
  }
  if (r.failed()) return errc::truncated;
  out.size = r.position();
  return out;
}

Result<FoundSources> decode_found_sources(std::string_view payload, SourceForm form) {
  P2PSCOPE_TRY(d, decode_found_sources_prefix(payload, form));
  if (d.size != payload.size()) return errc::trailing_bytes;
  return std::move(d.found);
}

std::string encode_found_sources(const FoundSources& f, SourceForm form) {
  std::string out;
  put_md4(out, f.file);
  auto n = std::min<std::size_t>(f.sources.size(), 255);
  put_le(out, n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& s = f.sources[i];
    put_le(out, s.id, 4);
    put_le(out, s.port, 2);
    if (form == SourceForm::plain) continue;
    out.push_back(static_cast<char>(s.user_hash ? (s.crypt | 0x80) : (s.crypt & 0x7f)));
    if (s.user_hash) put_md4(out, *s.user_hash);
  }
  return out;
}

}  // namespace p2pscope::ed2k
