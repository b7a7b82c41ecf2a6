#include "probes/known_lists.hpp"

#include "core/text.hpp"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <fstream>

namespace p2pscope::probes {
namespace {

// eMule lists pad octets with zeros ("001.002.003.004"); IpAddress::parse
// rightly refuses that, so strip the padding first (IPv4 only).
Result<IpAddress> parse_padded_v4(std::string_view s) {
  s = trim(s);
  std::string clean;
  for (std::size_t part = 0; part < 4; ++part) {
    auto dot = s.find('.');
    auto octet = s.substr(0, dot);
    if (octet.empty() || octet.size() > 3) return errc::bad_address;
    while (octet.size() > 1 && octet.front() == '0') octet.remove_prefix(1);
    clean += octet;
    if (part < 3) {
      if (dot == std::string_view::npos) return errc::bad_address;
      clean += '.';
      s.remove_prefix(dot + 1);
    } else if (dot != std::string_view::npos) {
      return errc::bad_address;
    }
  }
  auto ip = IpAddress::parse(clean);
  if (!ip || !ip.value().is_v4()) return errc::bad_address;
  return ip;
}

Result<IpRange> parse_dash_range(std::string_view s, std::string label) {
  auto dash = s.find('-');
  if (dash == std::string_view::npos) return errc::bad_address;
  auto a = parse_padded_v4(s.substr(0, dash));
  auto b = parse_padded_v4(s.substr(dash + 1));
  if (!a || !b) return errc::bad_address;
  return make_range(a.value(), b.value(), std::move(label));
}

struct LineResult {
  std::optional<IpRange> range;  // nullopt with ok: an allow entry
  bool ok = true;
  std::string why;
};
LineResult bad(std::string why) {
  LineResult r;
  r.ok = false;
  r.why = std::move(why);
  return r;
}
LineResult got(IpRange range) {
  LineResult r;
  r.range = std::move(range);
  return r;
}

LineResult p2p_line(std::string_view line) {
  auto colon = line.rfind(':');
  if (colon == std::string_view::npos) return bad("expected 'label:a.b.c.d-e.f.g.h'");
  auto r = parse_dash_range(line.substr(colon + 1), std::string(trim(line.substr(0, colon))));
  if (!r) return bad("expected 'label:a.b.c.d-e.f.g.h' with first <= last");
  return got(r.value());
}

LineResult dat_line(std::string_view line, std::size_t& allowed) {
  auto c1 = line.find(',');
  auto range_text = line.substr(0, c1);
  std::string label;
  if (c1 != std::string_view::npos) {
    auto rest = line.substr(c1 + 1);
    auto c2 = rest.find(',');
    auto level_text = trim(rest.substr(0, c2));
    int level = 0;
    auto [end, ec] = std::from_chars(level_text.data(), level_text.data() + level_text.size(), level);
    if (ec != std::errc{} || end != level_text.data() + level_text.size())
      return bad("the level field is not a number");
    if (level > 127) {
      ++allowed;
      return LineResult{};
    }
    if (c2 != std::string_view::npos) label = std::string(trim(rest.substr(c2 + 1)));
  }
  auto r = parse_dash_range(range_text, std::move(label));
  if (!r) return bad("expected 'a.b.c.d - e.f.g.h , level , label' with first <= last");
  return got(r.value());
}

LineResult cidr_line(std::string_view line) {
  auto c = parse_cidr(line);
  if (!c) return bad("expected an address or prefix (1.2.3.0/24, 2001:db8::/32)");
  return got(range_of(c.value()));
}

// P2P first: its labels may hold commas ("Ranges, Inc.:1.2.3.0-1.2.3.255").
ListFormat detect(std::string_view line) {
  auto colon = line.rfind(':');
  if (colon != std::string_view::npos && line.find('-', colon) != std::string_view::npos &&
      line.find('.', colon) != std::string_view::npos)
    return ListFormat::p2p;
  if (line.find(',') != std::string_view::npos) return ListFormat::dat;
  return ListFormat::cidr;
}

}  // namespace

std::string_view to_string(ListFormat f) noexcept {
  static constexpr std::string_view names[] = {"auto", "p2p", "dat", "cidr"};
  return names[static_cast<int>(f)];
}

Result<ListFormat> list_format_from(std::string_view s) {
  for (auto f : {ListFormat::automatic, ListFormat::p2p, ListFormat::dat, ListFormat::cidr})
    if (to_string(f) == s) return f;
  return errc::bad_value;
}

Result<std::string> gunzip(std::string_view in, std::size_t max_out) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return errc::bad_compression;
  std::string out;
  // Sized to the input: a tracker reply of a few hundred bytes should not
  // clear 64 KiB (the passive pass inflates one per HTTP announce).
  std::string chunk(std::clamp<std::size_t>(in.size() * 4, 4096, std::size_t{1} << 16), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(chunk.data(), chunk.size() - z.avail_out);
    if (out.size() > max_out) {
      inflateEnd(&z);
      return errc::oversized;
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) break;  // truncated input
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return errc::bad_compression;
  return out;
}

Result<KnownList> parse_known_list(std::string_view bytes, ListFormat format, const ListLimits& lim,
                                   std::string* detail) {
  auto fail = [&](std::string why, std::error_code ec) -> Result<KnownList> {
    if (detail) *detail = std::move(why);
    return ec;
  };
  std::string inflated;
  if (bytes.size() >= 2 && bytes[0] == '\x1f' && bytes[1] == '\x8b') {
    auto z = gunzip(bytes, lim.max_bytes);
    if (!z) return fail(z.error() == errc::oversized ? "decompresses to more than " + std::to_string(lim.max_bytes) + " bytes"
                                                     : "not a valid gzip stream",
                        z.error());
    inflated = std::move(z.value());
    bytes = inflated;
  }
  if (bytes.size() > lim.max_bytes) return fail("more than " + std::to_string(lim.max_bytes) + " bytes", errc::oversized);
  KnownList out;
  out.format = format;
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    auto raw = bytes.substr(0, nl);
    bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
    ++out.lines;
    auto where = "line " + std::to_string(out.lines) + ": ";
    if (raw.size() > lim.max_line) return fail(where + "longer than " + std::to_string(lim.max_line) + " bytes", errc::oversized);
    auto line = trim(raw);
    if (line.empty() || line.front() == '#' || line.starts_with("//")) continue;
    if (out.format == ListFormat::automatic) out.format = detect(line);
    auto r = out.format == ListFormat::p2p ? p2p_line(line)
             : out.format == ListFormat::dat ? dat_line(line, out.allowed)
                                             : cidr_line(line);
    if (!r.ok) return fail(where + r.why + " (" + std::string(to_string(out.format)) + " format)", errc::malformed_line);
    if (!r.range) continue;
    if (out.ranges.size() >= lim.max_entries)
      return fail(where + "more than " + std::to_string(lim.max_entries) + " entries", errc::too_many_items);
    out.ranges.push_back(std::move(*r.range));
  }
  return out;
}

Result<KnownList> load_known_list(const std::filesystem::path& file, ListFormat format, const ListLimits& lim,
                                  std::string* detail) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (detail) *detail = "cannot open " + file.string();
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  std::string bytes;
  std::string chunk(std::size_t{1} << 16, '\0');
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    bytes.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > lim.max_bytes) {
      if (detail) *detail = file.string() + ": more than " + std::to_string(lim.max_bytes) + " bytes";
      return errc::oversized;
    }
  }
  auto r = parse_known_list(bytes, format, lim, detail);
  if (!r && detail) *detail = file.string() + ": " + *detail;
  return r;
}

}  // namespace p2pscope::probes
