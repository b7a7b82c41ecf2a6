#include "probes/known_lists.hpp"

#include "core/inflate.hpp"
#include "core/text.hpp"
#include "probes/line_reader.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <cerrno>
#include <cstring>

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

std::string_view to_string(ListFormat f) noexcept { return name_of(f); }


namespace {

// The lines of a list, one at a time, into a KnownList: shared by the
// in-memory parse and the streaming file load.
class ListParser {
 public:
  ListParser(ListFormat format, const ListLimits& lim) : lim_(lim) { out_.format = format; }

  // An error ("line 12: ...") at the first line the list cannot take.
  Status line(std::string_view raw) {
    ++out_.lines;
    auto fail = [&](std::string why, std::error_code code) -> Status {
      return p2pscope::fail(code, "line " + std::to_string(out_.lines) + ": " + std::move(why));
    };
    if (raw.size() > lim_.max_line) return fail("longer than " + std::to_string(lim_.max_line) + " bytes", errc::oversized);
    if (out_.lines == 1 && raw.starts_with("\xef\xbb\xbf")) raw.remove_prefix(3);  // a UTF-8 byte-order mark
    if (raw.find('\0') != std::string_view::npos) return fail("holds a NUL byte", errc::malformed_line);
    auto line = trim(raw);
    if (line.empty() || line.front() == '#' || line.starts_with("//")) return success();
    if (out_.format == ListFormat::automatic) out_.format = detect(line);
    auto r = out_.format == ListFormat::p2p ? p2p_line(line)
             : out_.format == ListFormat::dat ? dat_line(line, out_.allowed)
                                              : cidr_line(line);
    if (!r.ok) return fail(r.why + " (" + std::string(to_string(out_.format)) + " format)", errc::malformed_line);
    if (!r.range) return success();
    if (out_.ranges.size() >= lim_.max_entries)
      return fail("more than " + std::to_string(lim_.max_entries) + " entries", errc::too_many_items);
    kept_ += sizeof(IpRange) + r.range->label.size();
    if (kept_ > lim_.max_kept_bytes)
      return fail("the ranges and labels so far take more than " + std::to_string(lim_.max_kept_bytes >> 20) + " MiB",
                  errc::too_many_items);
    out_.ranges.push_back(std::move(*r.range));
    return success();
  }
  KnownList take() { return std::move(out_); }

 private:
  const ListLimits& lim_;
  KnownList out_;
  std::size_t kept_ = 0;
};

}  // namespace

StatusOr<KnownList> parse_known_list(std::string_view bytes, ListFormat format, const ListLimits& lim) {
  std::string inflated;
  if (bytes.size() >= 2 && bytes[0] == '\x1f' && bytes[1] == '\x8b') {
    auto z = inflate_bounded(bytes, Wrapping::gzip, lim.max_bytes);
    if (!z)
      return fail(z.error(), z.error() == errc::oversized
                                 ? "decompresses to more than " + std::to_string(lim.max_bytes) + " bytes"
                                 : "not a valid gzip stream");
    inflated = std::move(z.value());
    bytes = inflated;
  }
  if (bytes.size() > lim.max_bytes) return fail(errc::oversized, "more than " + std::to_string(lim.max_bytes) + " bytes");
  ListParser p(format, lim);
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    auto raw = bytes.substr(0, nl);
    bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
    P2PSCOPE_CHECK(p.line(raw));
  }
  return p.take();
}

StatusOr<KnownList> load_known_list(const std::filesystem::path& file, ListFormat format, const ListLimits& lim) {
  auto fail = [&](std::string why, std::error_code ec) -> StatusOr<KnownList> {
    return p2pscope::fail(ec, file.string() + ": " + why);
  };
  LineReader in(file, lim.max_line);
  if (!in.is_open()) return fail(std::strerror(errno ? errno : ENOENT), std::make_error_code(std::errc::no_such_file_or_directory));
  ListParser p(format, lim);
  std::size_t bytes = 0;
  bool too_long = false, broken = false;  // too_long: the line handed over is over max_line, and refused
  while (auto raw = in.next(&too_long, &broken)) {
    bytes += raw->size() + 1;
    if (bytes > lim.max_bytes) return fail("more than " + std::to_string(lim.max_bytes) + " bytes", errc::oversized);
    // A line cut at max_line is longer than it: refused there.
    if (auto st = p.line(*raw); !st) return st.error().within(file.string());
  }
  if (broken) return fail("corrupt or truncated gzip data", errc::bad_compression);
  return p.take();
}

}  // namespace p2pscope::probes
