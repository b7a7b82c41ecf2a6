#include "passive/http_stream.hpp"

#include "core/http_tracker.hpp"
#include "core/inflate.hpp"

#include <cctype>
#include <charconv>

namespace p2pscope::passive {
namespace {

bool has_token(const std::optional<std::string>& header, std::string_view token) {
  if (!header) return false;
  std::string lower;
  for (char c : *header) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower.find(token) != std::string::npos;
}

}  // namespace

Result<std::optional<std::string>> dechunk(std::string_view body, std::size_t max_out) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    auto eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) return std::optional<std::string>{};
    auto line = body.substr(pos, eol - pos);
    line = line.substr(0, line.find(';'));  // chunk extensions
    std::size_t size = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (ec != std::errc{} || end == line.data()) return errc::malformed_line;
    pos = eol + 2;
    if (size == 0) return std::optional<std::string>{std::move(out)};  // trailers are not needed
    if (size > max_out - out.size()) return errc::oversized;
    if (body.size() < pos + size + 2) return std::optional<std::string>{};
    out.append(body.substr(pos, size));
    pos += size + 2;
  }
}

Result<void> HttpStream::feed(std::string_view bytes, const Sink& sink) {
  if (failed_) return success();
  buf_.append(bytes);
  return step(sink, false);
}

Result<void> HttpStream::finish(const Sink& sink) {
  if (failed_ || !current_) return success();
  return step(sink, true);
}

Result<void> HttpStream::step(const Sink& sink, bool closing) {
  for (;;) {
    if (!current_) {
      auto end = buf_.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (buf_.size() > lim_.max_head) return fail(errc::oversized);
        return success();
      }
      HttpMessage m;
      m.head = buf_.substr(0, end + 2);
      m.start_line = m.head.substr(0, m.head.find("\r\n"));
      buf_.erase(0, end + 4);
      if (role_ == Role::request) {  // announces and scrapes are GETs: no body
        sink(m);
        continue;
      }
      if (m.start_line.size() < 12 || m.start_line.substr(0, 5) != "HTTP/") return fail(errc::malformed_line);
      auto code = std::string_view(m.start_line).substr(9, 3);
      if (std::from_chars(code.data(), code.data() + 3, m.status).ec != std::errc{}) return fail(errc::malformed_line);
      chunked_ = has_token(http_header_value(m.head, "Transfer-Encoding"), "chunked");
      gzip_ = has_token(http_header_value(m.head, "Content-Encoding"), "gzip");
      length_.reset();
      if (auto cl = http_header_value(m.head, "Content-Length"); cl && !chunked_) {
        std::size_t n = 0;
        if (std::from_chars(cl->data(), cl->data() + cl->size(), n).ec != std::errc{}) return fail(errc::malformed_line);
        length_ = n;
      }
      if (m.status == 204 || m.status == 304 || (m.status >= 100 && m.status < 200)) length_ = 0;
      current_ = std::move(m);
    }
    std::string raw;
    if (chunked_) {
      auto body = dechunk(buf_, lim_.max_body);
      if (!body) return fail(static_cast<errc>(body.error().value()));
      if (!body.value()) return buf_.size() > lim_.max_body * 2 ? fail(errc::oversized) : success();
      raw = std::move(*body.value());
      buf_.clear();  // what follows the last chunk (trailers, a next response) is not followed
    } else if (length_) {
      if (*length_ > lim_.max_body) return fail(errc::oversized);
      if (buf_.size() < *length_) return success();
      raw = buf_.substr(0, *length_);
      buf_.erase(0, *length_);
    } else {
      if (buf_.size() > lim_.max_body) return fail(errc::oversized);
      if (!closing) return success();
      raw = std::move(buf_);
      buf_.clear();
    }
    auto m = std::move(*current_);
    current_.reset();
    if (gzip_ && !raw.empty()) {
      auto plain = inflate_bounded(raw, Wrapping::gzip, lim_.max_body);
      if (!plain) return fail(errc::bad_compression);
      raw = std::move(plain).value();
    }
    m.body = std::move(raw);
    sink(m);
    if (closing || buf_.empty()) return success();
  }
}

}  // namespace p2pscope::passive
