#include "core/bencode_scan.hpp"

#include <charconv>
#include <limits>

namespace p2pscope {
namespace {

bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

// libtorrent's check_integer: an optional '-', then digits up to 'e' (at
// most 20); `at` is past the 'i'. Returns where the 'e' is, or npos.
std::size_t integer_end(std::string_view b, std::size_t at) noexcept {
  if (at == b.size()) return std::string_view::npos;
  if (b[at] == '-' && ++at == b.size()) return std::string_view::npos;
  std::size_t digits = 0;
  do {
    if (!digit(b[at])) return std::string_view::npos;
    ++digits;
    if (++at == b.size()) return std::string_view::npos;
  } while (b[at] != 'e');
  return digits > 20 ? std::string_view::npos : at;
}

// libtorrent's string header: the length's digits (the first already
// read), ':' and that many bytes. Sets *body to where the bytes start.
Result<void> string_header(std::string_view b, std::size_t first, std::int64_t* len, std::size_t* body) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t v = b[first] - '0';
  std::size_t at = first + 1;
  if (at >= b.size()) return errc::bencode_malformed;
  for (; at < b.size() && b[at] != ':'; ++at) {
    if (!digit(b[at]) || v > kMax / 10) return errc::bencode_malformed;
    v *= 10;
    int d = b[at] - '0';
    if (v > kMax - d) return errc::bencode_malformed;
    v += d;
  }
  if (at == b.size()) return errc::bencode_malformed;
  if (v > static_cast<std::int64_t>(b.size() - at - 1)) return errc::bencode_malformed;
  // A length prefix of more than 16 digits is past libtorrent's token header.
  if (at - first > 16) return errc::bencode_too_many_tokens;
  *len = v;
  *body = at + 1;
  return success();
}

}  // namespace

Result<void> BencodeScan::scan(std::string_view b, const BencodeLimits& lim) {
  tokens_.clear();
  stack_.clear();
  if (b.size() > lim.max_size) return errc::oversized;
  if (b.size() > (std::size_t{1} << 29) - 1) return errc::bencode_too_many_tokens;
  if (b.empty()) return errc::bencode_malformed;
  int budget = lim.max_tokens;
  std::size_t at = 0;
  for (;;) {
    if (at >= b.size()) return errc::bencode_malformed;
    if (stack_.size() >= static_cast<std::size_t>(std::max(lim.max_depth, 0))) return errc::too_deep;
    if (--budget < 0) return errc::bencode_too_many_tokens;
    char c = b[at];
    Frame* parent = stack_.empty() ? nullptr : &stack_.back();
    if (parent && parent->dict && !parent->want_value && !digit(c) && c != 'e') return errc::bencode_malformed;
    auto index = static_cast<std::uint32_t>(tokens_.size());
    if (c == 'd' || c == 'l') {
      tokens_.push_back({c == 'd' ? ScanToken::Kind::dict : ScanToken::Kind::list, 0, {}});
      if (parent && parent->dict) parent->want_value = !parent->want_value;
      stack_.push_back({index, c == 'd', false});
      ++at;
    } else if (c == 'i') {
      auto e = integer_end(b, at + 1);
      if (e == std::string_view::npos) return errc::bencode_malformed;
      tokens_.push_back({ScanToken::Kind::integer, index + 1, b.substr(at + 1, e - at - 1)});
      if (parent && parent->dict) parent->want_value = !parent->want_value;
      at = e + 1;
    } else if (c == 'e') {
      if (!parent || (parent->dict && parent->want_value)) return errc::bencode_malformed;
      tokens_[parent->token].end = index;
      stack_.pop_back();
      ++at;
    } else {
      if (!digit(c)) return errc::bencode_malformed;
      std::int64_t len = 0;
      std::size_t body = 0;
      P2PSCOPE_CHECK(string_header(b, at, &len, &body));
      tokens_.push_back({ScanToken::Kind::string, index + 1, b.substr(body, static_cast<std::size_t>(len))});
      if (parent && parent->dict) parent->want_value = !parent->want_value;
      at = body + static_cast<std::size_t>(len);
    }
    if (stack_.empty()) break;
  }
  if (at != b.size()) return errc::trailing_bytes;
  return success();
}

Result<std::int64_t> scan_int(const ScanToken& t) {
  if (t.kind != ScanToken::Kind::integer) return errc::wrong_type;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
  if (ec != std::errc{} || end != t.text.data() + t.text.size()) return errc::bad_value;
  return v;
}

}  // namespace p2pscope
