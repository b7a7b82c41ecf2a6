// Error codes of p2pscope's pure codecs and the Result type they return.
//
// Every decoder returns Result<T>: a value, or a std::error_code in the
// "p2pscope" category naming exactly what was wrong with the input. Codes are
// stable: they are written into anomaly records and must not be renumbered.
#pragma once

#include <boost/outcome/std_result.hpp>

#include <string>
#include <system_error>

namespace p2pscope {

enum class errc {
  ok = 0,
  // framing and size
  truncated = 1,           // input ended before a required field
  oversized = 2,           // input larger than the caller's size limit
  trailing_bytes = 3,      // bytes left over after a complete message
  bad_length = 4,          // a length field or fixed-size field has the wrong size
  not_multiple = 5,        // compact list length not a multiple of the entry size
  too_many_items = 6,      // a list or string holds more entries than the limit
  // bencode (through libtorrent's bdecode)
  bencode_malformed = 10,
  too_deep = 11,
  bencode_too_many_tokens = 12,
  // structure
  wrong_type = 20,         // a key holds the wrong bencode type
  missing_key = 21,        // a required key is absent
  bad_value = 22,          // a key holds a value outside its domain
  bad_address = 23,        // an address field is neither 4 nor 16 bytes / not parseable
  bad_hash = 24,           // a hash is not 20 bytes / not valid hex or base32
  // protocol specifics
  bad_protocol_string = 30,   // handshake does not start with "\x13BitTorrent protocol"
  unknown_message_type = 31,  // KRPC y is not q/r/e, tracker action unknown
  bad_protocol_id = 32,       // BEP 15 connect magic mismatch
  bad_magnet = 33,
  bad_torrent = 34,
  remote_error = 35,          // the remote answered with an error (BEP 15 error, KRPC error, failure reason)
  // text files (lists, routing data)
  malformed_line = 40,        // a line is not in the file's format
  bad_compression = 41,       // a gzip stream is corrupt or truncated
  no_data = 42,               // a file held nothing usable (no prefix, no range)
};

const std::error_category& category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

template <class T>
using Result = BOOST_OUTCOME_V2_NAMESPACE::std_result<T>;
using Status = Result<void>;
using BOOST_OUTCOME_V2_NAMESPACE::success;

}  // namespace p2pscope

// Inside a function returning Result<U> (or an error_code-constructible type):
// evaluates expr, returns its error if it failed, else binds its value to var.
#define P2PSCOPE_TRY(var, expr)         \
  auto var##_r = (expr);                \
  if (!var##_r) return var##_r.error(); \
  auto var = std::move(var##_r).value()

// Returns the error of a Status-returning expression, if any.
#define P2PSCOPE_CHECK(expr)                \
  do {                                      \
    auto p2pscope_st_ = (expr);             \
    if (!p2pscope_st_) return p2pscope_st_.error(); \
  } while (0)

template <>
struct std::is_error_code_enum<p2pscope::errc> : std::true_type {};
