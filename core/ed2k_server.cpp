#include "core/ed2k_server.hpp"

#include "core/ed2k_wire.hpp"

namespace p2pscope::ed2k {
namespace {

using wire::finish;
using wire::put_md4;
using wire::read_md4;

// Reads optional fields in order until the payload ends; a field cut short
// is an error, and bytes after the last known field are left alone (a newer
// server's additions).
template <class... Fields>
Result<void> read_optional(LeReader& r, Fields&... fields) {
  bool ok = true;
  auto one = [&](auto& field) {
    if (!ok || r.remaining() == 0) return;
    using T = typename std::remove_reference_t<decltype(field)>::value_type;
    field = static_cast<T>(r.le(sizeof(T)));
    ok = !r.failed();
  };
  (one(fields), ...);
  if (!ok) return errc::truncated;
  return success();
}

template <class... Fields>
void put_optional(std::string& out, const Fields&... fields) {
  bool more = true;
  auto one = [&](const auto& field) {
    if (!more || !field) {
      more = false;
      return;
    }
    put_le(out, *field, static_cast<int>(sizeof(*field)));
  };
  (one(fields), ...);
}

constexpr std::uint8_t kServerNameTag = 0x01, kServerDescTag = 0x0B;

}  // namespace

Result<Login> decode_login(std::string_view payload, const Limits& lim) {
  LeReader r(payload);
  Login l;
  l.user_hash = read_md4(r);
  l.client_id = r.u32();
  l.tcp_port = r.u16();
  if (r.failed()) return errc::truncated;
  P2PSCOPE_TRY(tags, wire::read_tags(r, TagList::ed2k, lim));
  l.tags = std::move(tags);
  P2PSCOPE_CHECK(finish(r));
  return l;
}

std::string encode_login(const Login& l) {
  std::string out;
  put_md4(out, l.user_hash);
  put_le(out, l.client_id, 4);
  put_le(out, l.tcp_port, 2);
  return out + encode_tags(l.tags, TagList::ed2k);
}

std::vector<Tag> crawler_login_tags(std::string_view name, std::uint32_t flags) {
  return {string_tag(0x01, name), number_tag(0x11, TagType::uint32, 0x3C), number_tag(0x20, TagType::uint32, flags)};
}

Result<std::vector<OfferedFile>> decode_offer_files(std::string_view payload, const OfferLimits& lim) {
  LeReader r(payload);
  auto count = r.u32();
  if (r.failed()) return errc::truncated;
  if (count > lim.max_files) return errc::too_many_items;
  if (std::uint64_t{count} * 26 > r.remaining()) return errc::truncated;  // 26: an entry without tags
  std::vector<OfferedFile> out;
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    OfferedFile f;
    f.file = read_md4(r);
    f.id = r.u32();
    f.port = r.u16();
    if (r.failed()) return errc::truncated;
    P2PSCOPE_TRY(tags, wire::read_tags(r, TagList::ed2k, lim.tags));
    f.tags = std::move(tags);
    out.push_back(std::move(f));
  }
  P2PSCOPE_CHECK(finish(r));
  return out;
}

std::string encode_offer_files(const std::vector<OfferedFile>& files) {
  std::string out;
  put_le(out, files.size(), 4);
  for (const auto& f : files) {
    put_md4(out, f.file);
    put_le(out, f.id, 4);
    put_le(out, f.port, 2);
    out += encode_tags(f.tags, TagList::ed2k);
  }
  return out;
}

Result<IdChange> decode_id_change(std::string_view payload) {
  LeReader r(payload);
  IdChange c;
  c.id = r.u32();
  if (r.failed()) return errc::truncated;
  P2PSCOPE_CHECK(read_optional(r, c.flags, c.aux_port, c.reported_ip, c.obfuscated_port));
  return c;
}

std::string encode_id_change(const IdChange& c) {
  std::string out;
  put_le(out, c.id, 4);
  put_optional(out, c.flags, c.aux_port, c.reported_ip, c.obfuscated_port);
  return out;
}

Result<std::string> decode_server_message(std::string_view payload) {
  LeReader r(payload);
  auto text = wire::read_string(r);
  P2PSCOPE_CHECK(finish(r));
  return text;
}

std::string encode_server_message(std::string_view text) {
  std::string out;
  wire::put_string(out, text);
  return out;
}

Result<ServerStatus> decode_server_status(std::string_view payload) {
  LeReader r(payload);
  ServerStatus s{r.u32(), r.u32()};
  P2PSCOPE_CHECK(finish(r));
  return s;
}

std::string encode_server_status(const ServerStatus& s) {
  std::string out;
  put_le(out, s.users, 4);
  put_le(out, s.files, 4);
  return out;
}

Result<std::vector<ServerAddress>> decode_server_list(std::string_view payload) {
  LeReader r(payload);
  std::vector<ServerAddress> out(r.u8());
  for (auto& s : out) s = ServerAddress{r.u32(), r.u16()};
  P2PSCOPE_CHECK(finish(r));
  return out;
}

std::string encode_server_list(const std::vector<ServerAddress>& servers) {
  std::string out;
  auto n = std::min<std::size_t>(servers.size(), 0xff);
  put_le(out, n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    put_le(out, servers[i].ip, 4);
    put_le(out, servers[i].port, 2);
  }
  return out;
}

Result<std::uint32_t> decode_challenge(std::string_view payload) {
  LeReader r(payload);
  auto c = r.u32();
  P2PSCOPE_CHECK(finish(r));
  return c;
}

std::string encode_challenge(std::uint32_t challenge) {
  std::string out;
  put_le(out, challenge, 4);
  return out;
}

Result<UdpStatus> decode_udp_status(std::string_view payload) {
  LeReader r(payload);
  UdpStatus s;
  s.challenge = r.u32();
  s.users = r.u32();
  s.files = r.u32();
  if (r.failed()) return errc::truncated;
  P2PSCOPE_CHECK(read_optional(r, s.max_users, s.soft_files, s.hard_files, s.udp_flags, s.low_id_users,
                               s.udp_obfuscation_port, s.tcp_obfuscation_port, s.udp_key));
  return s;
}

std::string encode_udp_status(const UdpStatus& s) {
  std::string out;
  put_le(out, s.challenge, 4);
  put_le(out, s.users, 4);
  put_le(out, s.files, 4);
  put_optional(out, s.max_users, s.soft_files, s.hard_files, s.udp_flags, s.low_id_users, s.udp_obfuscation_port,
               s.tcp_obfuscation_port, s.udp_key);
  return out;
}

// The answer to a challenge echoes it, and a description challenge ends in
// 0xF0FF; anything else is the old two-string form.
Result<ServerDescription> decode_server_description(std::string_view payload, const Limits& lim) {
  LeReader r(payload);
  ServerDescription d;
  if (payload.size() >= 8 && (LeReader(payload).u32() & 0xffff) == 0xF0FF) {
    d.challenge = r.u32();
    P2PSCOPE_TRY(tags, wire::read_tags(r, TagList::ed2k, lim));
    d.tags = std::move(tags);
    d.name = string_of(d.tags, kServerNameTag).value_or("");
    d.description = string_of(d.tags, kServerDescTag).value_or("");
  } else {
    d.name = wire::read_string(r);
    d.description = wire::read_string(r);
  }
  P2PSCOPE_CHECK(finish(r));
  return d;
}

std::string encode_server_description(const ServerDescription& d) {
  std::string out;
  if (!d.challenge) {
    wire::put_string(out, d.name);
    wire::put_string(out, d.description);
    return out;
  }
  put_le(out, *d.challenge, 4);
  return out + encode_tags(d.tags, TagList::ed2k);
}

Result<std::vector<Md4>> decode_glob_get_sources(std::string_view payload, const Limits& lim) {
  if (payload.empty() || payload.size() % 16 != 0) return errc::not_multiple;
  if (payload.size() / 16 > lim.max_requests) return errc::too_many_items;
  LeReader r(payload);
  std::vector<Md4> out(payload.size() / 16);
  for (auto& h : out) h = read_md4(r);
  return out;
}

std::string encode_glob_get_sources(const std::vector<Md4>& files) {
  std::string out;
  for (const auto& h : files) put_md4(out, h);
  return out;
}

Result<std::vector<FoundSources>> decode_glob_found_sources(std::string_view payload, const Limits& lim) {
  std::vector<FoundSources> out;
  for (;;) {
    if (out.size() >= lim.max_requests) return errc::too_many_items;
    P2PSCOPE_TRY(d, decode_found_sources_prefix(payload, SourceForm::plain));
    out.push_back(std::move(d.found));
    payload.remove_prefix(d.size);
    if (payload.empty()) return out;
    if (payload.size() < 2 || static_cast<std::uint8_t>(payload[0]) != 0xE3 ||
        static_cast<std::uint8_t>(payload[1]) != op::glob_found_sources)
      return errc::trailing_bytes;
    payload.remove_prefix(2);
  }
}

std::string encode_glob_found_sources(const std::vector<FoundSources>& lists) {
  std::string out;
  for (std::size_t i = 0; i < lists.size(); ++i) {
    if (i > 0) out += {static_cast<char>(0xE3), static_cast<char>(op::glob_found_sources)};
    out += encode_found_sources(lists[i], SourceForm::plain);
  }
  return out;
}

std::string ServerEntry::name() const {
  return string_of(tags, kServerNameTag).value_or("");
}

bool looks_like_server_met(std::string_view file) noexcept {
  LeReader r(file);
  auto magic = r.u8();
  auto count = r.u32();
  return !r.failed() && (magic == 0xE0 || magic == 0x0E) && std::uint64_t{count} * 10 <= r.remaining();
}

Result<std::vector<ServerEntry>> decode_server_met(std::string_view file, const ServerMetLimits& lim) {
  LeReader r(file);
  auto magic = r.u8();
  auto count = r.u32();
  if (r.failed()) return errc::truncated;
  if (magic != 0xE0 && magic != 0x0E) return errc::bad_protocol_id;
  if (count > lim.max_servers) return errc::too_many_items;
  if (std::uint64_t{count} * 10 > r.remaining()) return errc::truncated;
  std::vector<ServerEntry> out;
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    ServerEntry e;
    e.address = ServerAddress{r.u32(), r.u16()};
    if (r.failed()) return errc::truncated;
    P2PSCOPE_TRY(tags, wire::read_tags(r, TagList::ed2k, lim.tags));
    e.tags = std::move(tags);
    out.push_back(std::move(e));
  }
  P2PSCOPE_CHECK(finish(r));
  return out;
}

std::string encode_server_met(const std::vector<ServerEntry>& servers) {
  std::string out(1, static_cast<char>(0xE0));
  put_le(out, servers.size(), 4);
  for (const auto& s : servers) {
    put_le(out, s.address.ip, 4);
    put_le(out, s.address.port, 2);
    out += encode_tags(s.tags, TagList::ed2k);
  }
  return out;
}

}  // namespace p2pscope::ed2k
