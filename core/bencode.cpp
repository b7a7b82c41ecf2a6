#include "core/bencode.hpp"

#include <charconv>
#include <iterator>

namespace p2pscope {
namespace {

errc map_bdecode_error(const lt::error_code& ec) {
  if (ec == lt::bdecode_errors::make_error_code(lt::bdecode_errors::depth_exceeded)) return errc::too_deep;
  if (ec == lt::bdecode_errors::make_error_code(lt::bdecode_errors::limit_exceeded)) return errc::bencode_too_many_tokens;
  return errc::bencode_malformed;
}

Result<std::optional<lt::bdecode_node>> find_typed(const lt::bdecode_node& dict, std::string_view key,
                                                   lt::bdecode_node::type_t type) {
  if (dict.type() != lt::bdecode_node::dict_t) return errc::wrong_type;
  auto node = dict.dict_find(lt::string_view(key.data(), key.size()));
  if (!node) return std::optional<lt::bdecode_node>{};
  if (node.type() != type) return errc::wrong_type;
  return std::optional<lt::bdecode_node>{std::move(node)};
}

}  // namespace

Result<std::int64_t> checked_int(const lt::bdecode_node& node) {
  if (node.type() != lt::bdecode_node::int_t) return errc::wrong_type;
  // bdecode rejects positive overflow but accepts "i-99999999999999999999e",
  // whose int_value() is 0; re-reading the token catches that.
  auto raw = node.data_section();
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(raw.data() + 1, raw.data() + raw.size() - 1, v);
  if (ec != std::errc{} || end != raw.data() + raw.size() - 1) return errc::bad_value;
  return v;
}

Result<lt::bdecode_node> decode_bencode(std::string_view buf, const BencodeLimits& limits, Trailing trailing) {
  if (buf.size() > limits.max_size) return errc::oversized;
  lt::error_code ec;
  int pos = 0;
  auto node = lt::bdecode({buf.data(), static_cast<std::ptrdiff_t>(buf.size())}, ec, &pos, limits.max_depth,
                          limits.max_tokens);
  if (ec) return map_bdecode_error(ec);
  if (trailing == Trailing::reject && node.data_section().size() != static_cast<std::ptrdiff_t>(buf.size()))
    return errc::trailing_bytes;
  return node;
}

std::string encode_bencode(const lt::entry& e) {
  std::string out;
  lt::bencode(std::back_inserter(out), e);
  return out;
}

Result<std::optional<std::string_view>> opt_string(const lt::bdecode_node& dict, std::string_view key) {
  auto n = find_typed(dict, key, lt::bdecode_node::string_t);
  if (!n) return n.error();
  if (!n.value()) return std::optional<std::string_view>{};
  return std::optional<std::string_view>{view(n.value()->string_value())};
}

Result<std::optional<std::int64_t>> opt_int(const lt::bdecode_node& dict, std::string_view key) {
  auto n = find_typed(dict, key, lt::bdecode_node::int_t);
  if (!n) return n.error();
  if (!n.value()) return std::optional<std::int64_t>{};
  P2PSCOPE_TRY(v, checked_int(*n.value()));
  return std::optional<std::int64_t>{v};
}

Result<std::optional<lt::bdecode_node>> opt_dict(const lt::bdecode_node& dict, std::string_view key) {
  return find_typed(dict, key, lt::bdecode_node::dict_t);
}

Result<std::optional<lt::bdecode_node>> opt_list(const lt::bdecode_node& dict, std::string_view key) {
  return find_typed(dict, key, lt::bdecode_node::list_t);
}

Result<std::string_view> req_string(const lt::bdecode_node& dict, std::string_view key) {
  auto v = opt_string(dict, key);
  if (!v) return v.error();
  if (!v.value()) return errc::missing_key;
  return *v.value();
}


Result<lt::bdecode_node> req_dict(const lt::bdecode_node& dict, std::string_view key) {
  auto v = opt_dict(dict, key);
  if (!v) return v.error();
  if (!v.value()) return errc::missing_key;
  return std::move(*v.value());
}

Result<std::optional<std::int64_t>> opt_int_in(const lt::bdecode_node& dict, std::string_view key, std::int64_t lo,
                                               std::int64_t hi) {
  auto v = opt_int(dict, key);
  if (!v || !v.value()) return v;
  if (*v.value() < lo || *v.value() > hi) return errc::bad_value;
  return v;
}

}  // namespace p2pscope
