#include "core/ed2k_link.hpp"

#include "core/hash.hpp"
#include "core/text.hpp"

#include <nettle/md4.h>

#include <algorithm>
#include <charconv>

namespace p2pscope::ed2k {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::uint64_t> decimal(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<Md4> md4_hex(std::string_view s) {
  Md4 h;
  if (s.size() != 32 || !detail::from_hex(s, h.bytes.data(), 16)) return std::nullopt;
  return h;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A '%' not followed by two hex digits is kept as it is (aMule does the
// same with names it cannot decode).
std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    int hi = -1, lo = -1;
    if (s[i] == '%' && i + 2 < s.size()) {
      hi = hex_digit(s[i + 1]);
      lo = hex_digit(s[i + 2]);
    }
    if (hi >= 0 && lo >= 0) {
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b > 0x20 && b < 0x7f && c != '%' && c != '|' && c != '/') out.push_back(c);
    else out += {'%', hex[b >> 4], hex[b & 15]};
  }
  return out;
}

Error bad(std::string what) { return fail(errc::bad_value, "ed2k link: " + std::move(what)); }

Status parse_parts(std::string_view list, FileLink& l) {
  for (auto h : split(list, ':')) {
    auto part = md4_hex(h);
    if (!part) return bad("part hash '" + printable(h) + "' is not 32 hex digits");
    l.parts.push_back(*part);
  }
  if (l.parts.size() != part_hash_count(l.size))
    return bad("p= lists " + std::to_string(l.parts.size()) + " part hashes, a file of " + std::to_string(l.size) +
               " bytes has " + std::to_string(part_hash_count(l.size)));
  return success();
}

Status parse_extra(std::string_view f, FileLink& l) {
  if (f.empty() || f == "/") return success();
  if (f.starts_with("h=")) {
    auto aich = f.substr(2);
    std::array<std::uint8_t, 20> raw{};
    if (!detail::from_base32(aich, raw.data(), raw.size())) return bad("AICH hash is not 32 base32 digits");
    l.aich = std::string(aich);
    return success();
  }
  if (f.starts_with("p=")) return parse_parts(f.substr(2), l);
  if (f.starts_with("sources,")) {
    for (auto s : split(f.substr(8), ',')) {
      auto colon = s.rfind(':');
      auto port = colon == std::string_view::npos ? std::nullopt : decimal(s.substr(colon + 1));
      if (!port || *port == 0 || *port > 0xffff || colon == 0)
        return bad("source '" + printable(s) + "' is not HOST:PORT");
      l.sources.emplace_back(s);
    }
    return success();
  }
  return success();  // other fields (s= web sources, ...) say nothing a crawler uses
}

StatusOr<Link> parse_file_link(const std::vector<std::string_view>& f) {
  if (f.size() < 5) return bad("a file link is ed2k://|file|NAME|SIZE|HASH|/");
  FileLink l;
  l.name = percent_decode(f[2]);
  auto size = decimal(f[3]);
  if (!size || *size == 0 || *size > kMaxFileSize)
    return bad("size '" + printable(f[3]) + "' is not a number of bytes from 1 to 2^38");
  l.size = *size;
  auto hash = md4_hex(f[4]);
  if (!hash) return bad("hash '" + printable(f[4]) + "' is not 32 hex digits");
  l.hash = *hash;
  for (std::size_t i = 5; i < f.size(); ++i) P2PSCOPE_CHECK(parse_extra(f[i], l));
  return Link{std::move(l)};
}

StatusOr<Link> parse_server_link(const std::vector<std::string_view>& f) {
  if (f.size() < 4 || f[2].empty()) return bad("a server link is ed2k://|server|HOST|PORT|/");
  auto port = decimal(f[3]);
  if (!port || *port == 0 || *port > 0xffff) return bad("port '" + printable(f[3]) + "' is not 1-65535");
  return Link{ServerLink{std::string(f[2]), static_cast<std::uint16_t>(*port)}};
}

void digest(md4_ctx& ctx, Md4& out) { md4_digest(&ctx, MD4_DIGEST_SIZE, out.bytes.data()); }

}  // namespace

bool looks_like_link(std::string_view text) noexcept {
  return text.size() >= 7 && iequals(text.substr(0, 7), "ed2k://");
}

StatusOr<Link> parse_link(std::string_view text) {
  text = trim(text);
  if (!looks_like_link(text) || text.size() < 8 || text[7] != '|')
    return bad("'" + printable(text.substr(0, 40)) + "' does not start with ed2k://|");
  auto f = split(text.substr(7), '|');
  if (f.size() < 2) return bad("no link type");
  if (iequals(f[1], "file")) return parse_file_link(f);
  if (iequals(f[1], "server")) return parse_server_link(f);
  if (iequals(f[1], "serverlist")) {
    if (f.size() < 3 || f[2].empty()) return bad("a server-list link is ed2k://|serverlist|URL|/");
    return Link{ServerListLink{std::string(f[2])}};
  }
  return bad("link type '" + printable(f[1]) + "' is not file, server or serverlist");
}

std::string format_link(const FileLink& l) {
  std::string out = "ed2k://|file|" + percent_encode(l.name) + '|' + std::to_string(l.size) + '|' + l.hash.hex() + '|';
  if (l.aich) out += "h=" + *l.aich + '|';
  if (!l.parts.empty()) {
    out += "p=";
    for (std::size_t i = 0; i < l.parts.size(); ++i) out += (i > 0 ? ":" : "") + l.parts[i].hex();
    out += '|';
  }
  out += '/';
  if (!l.sources.empty()) {
    out += "|sources";
    for (const auto& s : l.sources) out += ',' + s;
    out += "|/";
  }
  return out;
}

std::string format_link(const ServerLink& l) {
  return "ed2k://|server|" + l.host + '|' + std::to_string(l.port) + "|/";
}

std::uint16_t part_count(std::uint64_t size) noexcept {
  return static_cast<std::uint16_t>(std::min<std::uint64_t>((size + kPartSize - 1) / kPartSize, 0xFFFF));
}

PartStatus empty_part_status(std::uint64_t size) {
  auto n = part_count(size);
  return PartStatus{n, std::string((n + 7u) / 8u, '\0')};
}

std::size_t part_hash_count(std::uint64_t size) noexcept {
  if (size < kPartSize) return 0;
  return static_cast<std::size_t>(size / kPartSize + 1);
}

struct FileHasher::State {
  md4_ctx file;  // the whole file, while it is shorter than a part
  md4_ctx part;
  std::uint64_t size = 0;
  std::uint64_t in_part = 0;
  std::vector<Md4> parts;
};

FileHasher::FileHasher() : s_(std::make_unique<State>()) {
  md4_init(&s_->file);
  md4_init(&s_->part);
}
FileHasher::~FileHasher() = default;
FileHasher::FileHasher(FileHasher&&) noexcept = default;
FileHasher& FileHasher::operator=(FileHasher&&) noexcept = default;

void FileHasher::update(std::string_view bytes) {
  auto& s = *s_;
  while (!bytes.empty()) {
    auto take = static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), kPartSize - s.in_part));
    const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
    md4_update(&s.part, take, p);
    if (s.size < kPartSize) md4_update(&s.file, take, p);
    s.size += take;
    s.in_part += take;
    bytes.remove_prefix(take);
    if (s.in_part == kPartSize) {
      digest(s.part, s.parts.emplace_back());  // md4_digest also resets the context
      s.in_part = 0;
    }
  }
}

HashSet FileHasher::finish() && {
  auto& s = *s_;
  HashSet out;
  out.size = s.size;
  if (s.size < kPartSize) {
    digest(s.file, out.file);
    return out;
  }
  digest(s.part, s.parts.emplace_back());  // the last, short part; MD4("") after an exact multiple
  out.parts = std::move(s.parts);
  md4_ctx all;
  md4_init(&all);
  for (const auto& p : out.parts) md4_update(&all, p.bytes.size(), p.bytes.data());
  digest(all, out.file);
  return out;
}

Md4 md4_of(std::string_view bytes) {
  md4_ctx ctx;
  md4_init(&ctx);
  md4_update(&ctx, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
  Md4 out;
  digest(ctx, out);
  return out;
}

}  // namespace p2pscope::ed2k
