#include "cli/http_fetch.hpp"

#include <curl/curl.h>

#include <cstdio>
#include <memory>
#include <strings.h>

namespace p2pscope::cli {
namespace {

constexpr std::size_t kMaxReply = 4 << 20;

struct Sink {
  Reply* reply;
  std::FILE* file = nullptr;  // null: keep the body in reply->body
  std::uint64_t max = kMaxReply;
};

std::size_t on_body(char* p, std::size_t size, std::size_t n, void* out) {
  auto* s = static_cast<Sink*>(out);
  if (s->reply->bytes + size * n > s->max) return 0;  // stops the transfer: an error
  if (s->file) {
    if (std::fwrite(p, 1, size * n, s->file) != size * n) return 0;
  } else {
    s->reply->body.append(p, size * n);
  }
  s->reply->bytes += size * n;
  return size * n;
}

std::size_t on_header(char* p, std::size_t size, std::size_t n, void* out) {
  auto* r = static_cast<Sink*>(out)->reply;
  std::string_view line(p, size * n);
  auto value = [&line](std::size_t from) {
    auto v = line.substr(from);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.remove_suffix(1);
    return std::string(v);
  };
  if (line.size() > 27 && strncasecmp(line.data(), "X-Transmission-Session-Id: ", 27) == 0) r->session_id = value(27);
  if (line.size() > 12 && strncasecmp(line.data(), "Set-Cookie: ", 12) == 0) {
    auto c = value(12);
    if (c.starts_with("SID=")) r->cookie = c.substr(0, c.find(';'));
  }
  return size * n;
}

Reply perform(const std::string& url, const std::optional<std::string>& post, const std::vector<std::string>& headers,
              const Credentials* basic, int timeout_s, Sink sink) {
  Reply r;
  sink.reply = &r;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> hold(list, curl_slist_free_all);
  auto* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT, static_cast<long>(timeout_s));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_FILETIME, 1L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
  if (post) curl_easy_setopt(e, CURLOPT_POSTFIELDS, post->c_str());
  if (basic && basic->given()) {
    curl_easy_setopt(e, CURLOPT_USERNAME, basic->user.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, basic->password.c_str());
  }
  if (auto rc = curl_easy_perform(e); rc != CURLE_OK)
    r.error = rc == CURLE_WRITE_ERROR ? "stopped after " + std::to_string(r.bytes) + " bytes: over the cap of " +
                                            std::to_string(sink.max) + ", or the disk refused them"
                                      : curl_easy_strerror(rc);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
  curl_off_t t = -1;
  if (curl_easy_getinfo(e, CURLINFO_FILETIME_T, &t) == CURLE_OK) r.server_time = t;
  return r;
}

}  // namespace

void http_init() { curl_global_init(CURL_GLOBAL_DEFAULT); }

Reply request(const std::string& url, const std::optional<std::string>& post, const std::vector<std::string>& headers,
              const Credentials* basic, int timeout_s) {
  return perform(url, post, headers, basic, timeout_s, {});
}

Reply download(const std::string& url, const std::filesystem::path& to, std::uint64_t max_bytes, int timeout_s) {
  std::unique_ptr<std::FILE, decltype(&std::fclose)> f(std::fopen(to.c_str(), "wb"), std::fclose);
  if (!f) return Reply{0, {}, {}, {}, "cannot write " + to.string(), -1, 0};
  auto r = perform(url, std::nullopt, {}, nullptr, timeout_s, Sink{nullptr, f.get(), max_bytes});
  if (std::fflush(f.get()) != 0 && r.error.empty()) r.error = "cannot write " + to.string();
  if (r.error.empty() && r.status >= 400) r.error = "HTTP " + std::to_string(r.status);
  return r;
}

std::string form_escaped(const std::string& s) {
  std::unique_ptr<char, decltype(&curl_free)> e(curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size())), curl_free);
  return e ? std::string(e.get()) : std::string();
}

}  // namespace p2pscope::cli
