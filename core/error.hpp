// Errors, in two weights.
//
// Result<T>: what the pure codecs return. A value, or a std::error_code in
// the "p2pscope" category naming exactly what was wrong with the input; the
// caller knows which input it was. Codes are stable: they are written into
// anomaly records and must not be renumbered.
//
// StatusOr<T> (and Status, its void form): what everything that touches the
// environment returns (files, databases, captures, sandboxes, sinks). A
// value, or an Error: a code that programs test (exit statuses, retry or
// not) and a message for people that names the file, line, server or step
// and what was found there. Value types; safe to move between threads.
#pragma once

#include <boost/outcome/policy/throw_bad_result_access.hpp>
#include <boost/outcome/result.hpp>
#include <boost/outcome/std_result.hpp>

#include <iosfwd>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

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
using BOOST_OUTCOME_V2_NAMESPACE::success;

// A code and the message that goes with it. Built implicitly from any error
// code enum or std::error_code (the message is then the code's own), or
// with a message that says more.
class Error {
 public:
  Error() = default;
  Error(std::error_code code) : code_(code) {}  // NOLINT: implicit by design
  template <class E>
    requires std::is_error_code_enum_v<E>
  Error(E e) : code_(make_error_code(e)) {}  // NOLINT
  template <class E>
    requires std::is_error_condition_enum_v<E>
  Error(E e) : code_(std::make_error_code(e)) {}  // NOLINT
  // Any other type that converts to std::error_code (boost::system's).
  template <class C>
    requires(std::is_convertible_v<const C&, std::error_code> && !std::is_same_v<C, std::error_code> &&
             !std::is_error_code_enum_v<C> && !std::is_error_condition_enum_v<C>)
  Error(const C& c) : code_(static_cast<std::error_code>(c)) {}  // NOLINT
  Error(std::error_code code, std::string message) : code_(code), message_(std::move(message)) {}

  const std::error_code& code() const noexcept { return code_; }
  // For people: the message given, or the code's own when none was.
  std::string message() const { return message_.empty() ? code_.message() : message_; }
  // "outer: message" (the caller adds where it happened: a file, a step).
  Error within(std::string_view outer) const;

  friend bool operator==(const Error& e, const std::error_code& c) noexcept { return e.code_ == c; }
  template <class E>
    requires std::is_error_code_enum_v<E> || std::is_error_condition_enum_v<E>
  friend bool operator==(const Error& e, E c) noexcept {
    return e.code_ == c;
  }

 private:
  std::error_code code_;
  std::string message_;
};
std::ostream& operator<<(std::ostream& os, const Error& e);

inline Error fail(std::error_code code, std::string message) { return {code, std::move(message)}; }
template <class E>
  requires std::is_error_code_enum_v<E>
Error fail(E e, std::string message) {
  return {make_error_code(e), std::move(message)};
}
template <class E>
  requires std::is_error_condition_enum_v<E>
Error fail(E e, std::string message) {
  return {std::make_error_code(e), std::move(message)};
}

template <class T>
using StatusOr =
    BOOST_OUTCOME_V2_NAMESPACE::result<T, Error, BOOST_OUTCOME_V2_NAMESPACE::policy::throw_bad_result_access<Error, void>>;
using Status = StatusOr<void>;

// The error's message, or "" for a value (for test and log lines).
template <class T>
std::string message_of(const StatusOr<T>& r) {
  return r ? std::string() : r.error().message();
}

}  // namespace p2pscope

// Inside a function returning Result<U> or StatusOr<U> (a StatusOr's error
// does not fit a Result; say what failed instead):
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
