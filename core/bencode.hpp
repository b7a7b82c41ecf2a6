// Bencode through libtorrent (lt::bdecode / lt::entry + lt::bencode), with the
// project's limits and error codes, plus typed dictionary accessors that tell
// a missing key (nullopt / errc::missing_key) from a wrongly typed one
// (errc::wrong_type). p2pscope parses bencode by hand in one place only:
// core/bencode_scan.hpp, which replays lt::bdecode's checks for the passive
// pass's extended handshakes and is fuzzed against it.
//
// Lifetime: a decoded lt::bdecode_node and every string_view taken from it
// point into the input buffer, which must outlive them.
#pragma once

#include "core/error.hpp"

#include <libtorrent/bdecode.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/entry.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace p2pscope {

struct BencodeLimits {
  std::size_t max_size = 1 << 20;  // bytes of input
  int max_depth = 16;              // nesting of lists and dicts
  int max_tokens = 20000;          // libtorrent's token count (roughly items + containers)
};

enum class Trailing : std::uint8_t { reject, allow };

// Decodes one bencoded value. With Trailing::reject, bytes after the value are
// errc::trailing_bytes.
Result<lt::bdecode_node> decode_bencode(std::string_view buf, const BencodeLimits& limits,
                                        Trailing trailing = Trailing::reject);

std::string encode_bencode(const lt::entry& e);

// The value of an integer node; errc::bad_value if it does not fit in 64 bits.
Result<std::int64_t> checked_int(const lt::bdecode_node& node);

// Node is expected to be a dict; a non-dict yields errc::wrong_type.
Result<std::optional<std::string_view>> opt_string(const lt::bdecode_node& dict, std::string_view key);
Result<std::optional<std::int64_t>> opt_int(const lt::bdecode_node& dict, std::string_view key);
Result<std::optional<lt::bdecode_node>> opt_dict(const lt::bdecode_node& dict, std::string_view key);
Result<std::optional<lt::bdecode_node>> opt_list(const lt::bdecode_node& dict, std::string_view key);
Result<std::string_view> req_string(const lt::bdecode_node& dict, std::string_view key);
Result<lt::bdecode_node> req_dict(const lt::bdecode_node& dict, std::string_view key);

// An integer key that must lie in [lo, hi], else errc::bad_value.
Result<std::optional<std::int64_t>> opt_int_in(const lt::bdecode_node& dict, std::string_view key,
                                               std::int64_t lo, std::int64_t hi);

inline std::string_view view(lt::string_view s) noexcept { return {s.data(), s.size()}; }

}  // namespace p2pscope
