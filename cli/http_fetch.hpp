// Blocking HTTP(S) requests with libcurl for the commands that talk to
// other programs (push) or fetch data (routing fetch): a timeout on every
// request, a cap on what is kept, http and https only. Call
// curl_global_init once before the first request (http_init does).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace p2pscope::cli {

struct Credentials {
  std::string user, password;
  bool given() const { return !user.empty(); }
};

struct Reply {
  long status = 0;
  std::string body, session_id, cookie;  // X-Transmission-Session-Id; a SID cookie
  std::string error;                     // curl's, when the request did not complete
  std::int64_t server_time = -1;         // Last-Modified as a Unix time; -1 when absent
  std::size_t bytes = 0;                 // body bytes received (written, for a download)
};

void http_init();

// One request: a GET, or a POST of `post` (a form or JSON: say which in
// headers). basic: HTTP basic authentication when given. The body is kept
// up to 4 MiB; more is an error.
Reply request(const std::string& url, const std::optional<std::string>& post, const std::vector<std::string>& headers,
              const Credentials* basic, int timeout_s);

// A GET written to `to` (created or truncated), up to max_bytes; an HTTP
// status of 400 or more is an error too.
Reply download(const std::string& url, const std::filesystem::path& to, std::uint64_t max_bytes, int timeout_s);

// Percent-encodes s for a form field.
std::string form_escaped(const std::string& s);

}  // namespace p2pscope::cli
