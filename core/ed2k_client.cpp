#include "core/ed2k_client.hpp"

#include "core/ed2k_wire.hpp"


namespace p2pscope::ed2k {
namespace {

using wire::finish;
using wire::put_md4;
using wire::read_md4;

PartStatus read_parts(LeReader& r) {
  PartStatus p;
  p.parts = r.u16();
  p.bits.assign(r.bytes((p.parts + 7u) / 8u));
  return p;
}
void put_parts(std::string& out, const PartStatus& p) {
  put_le(out, p.parts, 2);
  std::string bits = p.bits;
  bits.resize((p.parts + 7u) / 8u, '\0');
  out += bits;
}

// The extended info a REQUESTFILENAME carries, as the sender's level says.
void read_ext_info(LeReader& r, std::uint8_t ext, std::optional<PartStatus>& parts,
                   std::optional<std::uint16_t>& complete) {
  if (ext == 0) return;
  parts = read_parts(r);
  if (ext >= 2 && parts->parts > 0) complete = r.u16();
}
void put_ext_info(std::string& out, const std::optional<PartStatus>& parts,
                  const std::optional<std::uint16_t>& complete) {
  if (!parts) return;
  put_parts(out, *parts);
  if (complete && parts->parts > 0) put_le(out, *complete, 2);
}

namespace tag {
inline constexpr std::uint8_t name = 0x01, version = 0x11, udp_ports = 0xF9, misc1 = 0xFA, emule_version = 0xFB,
                              misc2 = 0xFE;
}

std::size_t sx_entry_size(std::uint8_t version) noexcept { return version == 1 ? 12 : version == 4 ? 29 : 28; }

SxEntry read_sx_entry(LeReader& r, std::uint8_t version) {
  SxEntry e;
  e.id = r.u32();
  e.port = r.u16();
  e.server_ip = r.u32();
  e.server_port = r.u16();
  if (version >= 2) e.user_hash = read_md4(r);
  if (version >= 4) e.crypt = r.u8();
  return e;
}

Result<SourcesAnswer> read_sx_entries(LeReader& r, SourcesAnswer a, std::size_t count, const SxLimits& lim) {
  if (count > lim.max_entries) return errc::too_many_items;
  if (count * sx_entry_size(a.version) != r.remaining()) return errc::bad_length;
  a.entries.reserve(count);
  for (std::size_t i = 0; i < count; ++i) a.entries.push_back(read_sx_entry(r, a.version));
  P2PSCOPE_CHECK(finish(r));
  return a;
}

void put_sx_entries(std::string& out, const SourcesAnswer& a) {
  auto n = std::min<std::size_t>(a.entries.size(), 0xffff);
  put_le(out, n, 2);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& e = a.entries[i];
    put_le(out, e.id, 4);
    put_le(out, e.port, 2);
    put_le(out, e.server_ip, 4);
    put_le(out, e.server_port, 2);
    if (a.version >= 2) put_md4(out, e.user_hash.value_or(Md4{}));
    if (a.version >= 4) put_le(out, e.crypt, 1);
  }
}

Result<MultiItem> read_multi_item(LeReader& r, std::uint8_t ext) {
  MultiItem item;
  item.opcode = r.u8();
  switch (item.opcode) {
    case op::request_filename: read_ext_info(r, ext, item.parts, item.complete_sources); break;
    case op::request_sources2:
      item.sx2_version = r.u8();
      item.sx2_options = r.u16();
      break;
    case op::set_req_file_id:
    case op::request_sources:
    case op::aich_file_hash_request: break;
    default: return errc::unknown_message_type;
  }
  if (r.failed()) return errc::truncated;
  return item;
}

}  // namespace

Result<Hello> decode_hello(std::string_view payload, HelloKind kind, const Limits& lim) {
  LeReader r(payload);
  if (kind == HelloKind::hello && r.u8() != 16) return r.failed() ? Result<Hello>(errc::truncated) : errc::bad_length;
  Hello h;
  h.user_hash = read_md4(r);
  h.client_id = r.u32();
  h.tcp_port = r.u16();
  if (r.failed()) return errc::truncated;
  P2PSCOPE_TRY(tags, wire::read_tags(r, TagList::ed2k, lim));
  h.tags = std::move(tags);
  h.server_ip = r.u32();
  h.server_port = r.u16();
  if (r.failed()) return errc::truncated;
  h.trailer.assign(r.rest());
  return h;
}

std::string encode_hello(const Hello& h, HelloKind kind) {
  std::string out;
  if (kind == HelloKind::hello) out.push_back(16);
  put_md4(out, h.user_hash);
  put_le(out, h.client_id, 4);
  put_le(out, h.tcp_port, 2);
  out += encode_tags(h.tags, TagList::ed2k);
  put_le(out, h.server_ip, 4);
  put_le(out, h.server_port, 2);
  return out + h.trailer;
}

ClientInfo client_info(const Hello& h) {
  ClientInfo c;
  c.name = string_of(h.tags, tag::name).value_or("");
  if (auto v = number_of(h.tags, tag::emule_version)) c.emule_version = static_cast<std::uint32_t>(*v);
  auto ports = number_of(h.tags, tag::udp_ports).value_or(0);
  c.kad_port = static_cast<std::uint16_t>(ports >> 16);
  c.udp_port = static_cast<std::uint16_t>(ports);
  auto m1 = number_of(h.tags, tag::misc1).value_or(0);
  c.unicode = (m1 >> 28 & 1) != 0;
  c.sx1_version = static_cast<std::uint8_t>(m1 >> 12 & 0xf);
  c.ext_requests = static_cast<std::uint8_t>(m1 >> 8 & 0xf);
  c.multipacket = (m1 >> 1 & 1) != 0;
  auto m2 = number_of(h.tags, tag::misc2).value_or(0);
  c.sx2 = (m2 >> 10 & 1) != 0;
  c.crypt_required = (m2 >> 9 & 1) != 0;
  c.crypt_requested = (m2 >> 8 & 1) != 0;
  c.crypt_supported = (m2 >> 7 & 1) != 0;
  c.ext_multipacket = (m2 >> 5 & 1) != 0;
  c.large_files = (m2 >> 4 & 1) != 0;
  c.kad_version = static_cast<std::uint8_t>(m2 & 0xf);
  return c;
}

std::string ClientInfo::software() const {
  if (!emule_version) return {};
  auto v = *emule_version;
  unsigned compat = v >> 24, major = v >> 17 & 0x7f, minor = v >> 10 & 0x7f, update = v >> 7 & 0x7;
  auto dotted = [&] { return std::to_string(major) + '.' + std::to_string(minor) + '.' + std::to_string(update); };
  switch (compat) {
    case 0: return "eMule " + std::to_string(major) + '.' + std::to_string(minor) + static_cast<char>('a' + update);
    case 3: return "aMule " + dotted();
    case 4: return "Shareaza " + dotted();
    case 0x0A: return "MLDonkey " + dotted();
    default: {
      const char* digits = "0123456789abcdef";
      return std::string("compat 0x") + digits[compat >> 4 & 0xf] + digits[compat & 0xf] + ' ' + dotted();
    }
  }
}

std::vector<Tag> crawler_hello_tags(std::string_view name, std::uint8_t sx1_version) {
  auto num = [](std::uint8_t id, std::uint32_t v) { return number_tag(id, TagType::uint32, v); };
  std::uint32_t misc1 = std::uint32_t{sx1_version & 0xfu} << 12 | 1u << 8 | 1u << 1;
  std::uint32_t misc2 = 1u << 10 | 1u << 5 | 1u << 4;
  return {string_tag(tag::name, name),
          num(tag::version, 0x3C), num(tag::emule_version, 50u << 10), num(tag::misc1, misc1), num(tag::misc2, misc2)};
}

Result<FileNameRequest> decode_file_name_request(std::string_view payload, std::uint8_t ext_requests) {
  LeReader r(payload);
  FileNameRequest q;
  q.file = read_md4(r);
  read_ext_info(r, ext_requests, q.parts, q.complete_sources);
  P2PSCOPE_CHECK(finish(r));
  return q;
}

std::string encode_file_name_request(const FileNameRequest& q) {
  std::string out;
  put_md4(out, q.file);
  put_ext_info(out, q.parts, q.complete_sources);
  return out;
}

Result<FileNameAnswer> decode_file_name_answer(std::string_view payload) {
  LeReader r(payload);
  FileNameAnswer a;
  a.file = read_md4(r);
  a.name = wire::read_string(r);
  P2PSCOPE_CHECK(finish(r));
  return a;
}

std::string encode_file_name_answer(const FileNameAnswer& a) {
  std::string out;
  put_md4(out, a.file);
  wire::put_string(out, a.name);
  return out;
}

Result<FileStatus> decode_file_status(std::string_view payload) {
  LeReader r(payload);
  FileStatus s;
  s.file = read_md4(r);
  s.status = read_parts(r);
  P2PSCOPE_CHECK(finish(r));
  return s;
}

std::string encode_file_status(const FileStatus& s) {
  std::string out;
  put_md4(out, s.file);
  put_parts(out, s.status);
  return out;
}

Result<Md4> decode_hash_only(std::string_view payload) {
  LeReader r(payload);
  auto h = read_md4(r);
  P2PSCOPE_CHECK(finish(r));
  return h;
}

std::string encode_hash_only(const Md4& h) {
  std::string out;
  put_md4(out, h);
  return out;
}

Result<HashSetAnswer> decode_hashset_answer(std::string_view payload, std::size_t max_parts) {
  LeReader r(payload);
  HashSetAnswer a;
  a.file = read_md4(r);
  auto n = r.u16();
  if (r.failed()) return errc::truncated;
  if (n > max_parts) return errc::too_many_items;
  for (std::uint16_t i = 0; i < n; ++i) a.parts.push_back(read_md4(r));
  P2PSCOPE_CHECK(finish(r));
  return a;
}

std::string encode_hashset_answer(const HashSetAnswer& a) {
  std::string out;
  put_md4(out, a.file);
  put_le(out, a.parts.size(), 2);
  for (const auto& h : a.parts) put_md4(out, h);
  return out;
}

Result<std::uint16_t> decode_queue_ranking(std::string_view payload) {
  if (payload.size() != 12) return errc::bad_length;
  LeReader r(payload);
  auto rank = r.u16();
  if (rank == 0) return errc::bad_value;
  return rank;
}

std::string encode_queue_ranking(std::uint16_t rank) {
  std::string out;
  put_le(out, rank, 2);
  out.append(10, '\0');
  return out;
}

Result<MultiRequest> decode_multipacket(std::string_view payload, MultiKind kind, std::uint8_t ext_requests,
                                        const Limits& lim) {
  LeReader r(payload);
  MultiRequest m;
  m.file = read_md4(r);
  if (kind == MultiKind::extended) m.size = r.u64();
  if (r.failed()) return errc::truncated;
  while (r.remaining() > 0) {
    if (m.items.size() >= lim.max_tags) return errc::too_many_items;
    P2PSCOPE_TRY(item, read_multi_item(r, ext_requests));
    m.items.push_back(std::move(item));
  }
  return m;
}

std::string encode_multipacket(const MultiRequest& m, MultiKind kind) {
  std::string out;
  put_md4(out, m.file);
  if (kind == MultiKind::extended) put_le(out, m.size, 8);
  for (const auto& item : m.items) {
    out.push_back(static_cast<char>(item.opcode));
    if (item.opcode == op::request_filename) put_ext_info(out, item.parts, item.complete_sources);
    if (item.opcode == op::request_sources2) {
      put_le(out, item.sx2_version, 1);
      put_le(out, item.sx2_options, 2);
    }
  }
  return out;
}

Result<MultiAnswer> decode_multipacket_answer(std::string_view payload) {
  LeReader r(payload);
  MultiAnswer a;
  a.file = read_md4(r);
  if (r.failed()) return errc::truncated;
  while (r.remaining() > 0) {
    switch (r.u8()) {
      case op::req_filename_answer: a.name = wire::read_string(r); break;
      case op::file_status: a.status = read_parts(r); break;
      case op::aich_file_hash_answer: a.aich = std::string(r.bytes(20)); break;
      default: return errc::unknown_message_type;
    }
    if (r.failed()) return errc::truncated;
  }
  return a;
}

std::string encode_multipacket_answer(const MultiAnswer& a) {
  std::string out;
  put_md4(out, a.file);
  if (a.name) {
    out.push_back(static_cast<char>(op::req_filename_answer));
    wire::put_string(out, *a.name);
  }
  if (a.status) {
    out.push_back(static_cast<char>(op::file_status));
    put_parts(out, *a.status);
  }
  if (a.aich) {
    out.push_back(static_cast<char>(op::aich_file_hash_answer));
    std::string h = *a.aich;
    h.resize(20, '\0');
    out += h;
  }
  return out;
}

Result<SourcesRequest2> decode_sources_request2(std::string_view payload) {
  LeReader r(payload);
  SourcesRequest2 q;
  q.version = r.u8();
  q.options = r.u16();
  q.file = read_md4(r);
  P2PSCOPE_CHECK(finish(r));
  return q;
}

std::string encode_sources_request2(const SourcesRequest2& q) {
  std::string out;
  put_le(out, q.version, 1);
  put_le(out, q.options, 2);
  put_md4(out, q.file);
  return out;
}

IpAddress sx_address(const SxEntry& e, IdForm form) noexcept {
  return form == IdForm::hybrid ? ip_of_hybrid_id(e.id) : ip_of_ed2k_id(e.id);
}

Result<SourcesAnswer> decode_answer_sources(std::string_view payload, std::uint8_t sender_sx1_version,
                                           const SxLimits& lim) {
  LeReader r(payload);
  SourcesAnswer a;
  a.file = read_md4(r);
  std::size_t count = r.u16();
  if (r.failed()) return errc::truncated;
  if (count > lim.max_entries) return errc::too_many_items;
  auto rest = r.remaining();
  if (count == 0 || rest == count * 12) {
    a.version = 1;
  } else if (rest == count * 28) {
    a.version = sender_sx1_version > 2 ? 3 : 2;
  } else if (rest == count * 29) {
    a.version = 4;
  } else {
    return errc::bad_length;
  }
  return read_sx_entries(r, std::move(a), count, lim);
}

Result<SourcesAnswer> decode_answer_sources2(std::string_view payload, const SxLimits& lim) {
  LeReader r(payload);
  SourcesAnswer a;
  a.version = r.u8();
  a.file = read_md4(r);
  std::size_t count = r.u16();
  if (r.failed()) return errc::truncated;
  if (a.version < 1 || a.version > 4) return errc::bad_value;
  return read_sx_entries(r, std::move(a), count, lim);
}

std::string encode_answer_sources(const SourcesAnswer& a) {
  std::string out;
  put_md4(out, a.file);
  put_sx_entries(out, a);
  return out;
}

std::string encode_answer_sources2(const SourcesAnswer& a) {
  std::string out;
  put_le(out, a.version, 1);
  put_md4(out, a.file);
  put_sx_entries(out, a);
  return out;
}

}  // namespace p2pscope::ed2k
