// One direction of an HTTP/1.x connection seen from outside: requests
// (their start line) or responses (status, and the body: Content-Length,
// chunked, or delimited by the close; gzip undone). Pure and bounded.
#pragma once

#include "core/error.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace p2pscope::passive {

struct HttpMessage {
  std::string start_line;  // "GET /announce?... HTTP/1.1" or "HTTP/1.1 200 OK"
  std::string head;        // start line and headers, CRLF-separated
  int status = 0;          // responses
  std::string body;        // responses: decoded (de-chunked, gunzipped)
};

struct HttpLimits {
  std::size_t max_head = 16 * 1024;
  std::size_t max_body = 1 << 20;  // both before and after gzip
};

class HttpStream {
 public:
  enum class Role : std::uint8_t { request, response };
  using Sink = std::function<void(const HttpMessage&)>;
  HttpStream(Role role, HttpLimits lim) : role_(role), lim_(lim) {}

  // In-order bytes; each complete message goes to sink. Returns an error
  // (errc::oversized, errc::malformed_line, errc::bad_compression) once the
  // stream cannot be followed; it then ignores further input.
  Result<void> feed(std::string_view bytes, const Sink& sink);
  // The connection closed: a body delimited by the close is complete.
  Result<void> finish(const Sink& sink);

 private:
  Result<void> step(const Sink& sink, bool closing);
  Result<void> fail(errc e) {
    failed_ = true;
    buf_.clear();
    return e;
  }
  Role role_;
  HttpLimits lim_;
  std::string buf_;
  std::optional<HttpMessage> current_;  // head parsed, body pending
  std::optional<std::size_t> length_;   // Content-Length
  bool chunked_ = false, gzip_ = false;
  bool failed_ = false;
};

// A chunked body (RFC 9112 7.1) to its bytes; nullopt when it is not yet
// complete, errc::malformed_line when it is not chunked encoding.
Result<std::optional<std::string>> dechunk(std::string_view body, std::size_t max_out);

}  // namespace p2pscope::passive
