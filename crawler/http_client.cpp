#include "crawler/http_client.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <array>
#include <mutex>

namespace p2pscope::crawler {

using namespace net;

struct HttpClient::Transfer {
  Transfer(CURL* e, std::size_t max, Wakeup w) : easy(e), max_body(max), done(std::move(w)) {}
  CURL* easy;
  std::size_t max_body;
  Wakeup done;
  std::string body;
  bool too_big = false;
  bool finished = false;
  CURLcode result = CURLE_OK;
  std::array<char, CURL_ERROR_SIZE> why{};  // curl's own words for a failure
  struct FreeList {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
  };
  std::unique_ptr<curl_slist, FreeList> resolve;  // CURLOPT_RESOLVE's list: curl reads it during the transfer
};

struct HttpClient::Watch {
  asio::posix::stream_descriptor sd;
  int fd;
  int what = 0;
  bool reading = false, writing = false, gone = false;
};

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string seconds_text(std::chrono::milliseconds d) { return std::to_string(static_cast<double>(d.count()) / 1000.0).substr(0, 5) + " s"; }

}  // namespace

HttpClient::HttpClient(const asio::any_io_executor& ex, HttpLimits limits)
    : ex_(ex), limits_(std::move(limits)), multi_(nullptr), timer_(ex) {
  global_init();
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &HttpClient::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &HttpClient::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

HttpClient::~HttpClient() {
  *alive_ = false;
  for (auto& [easy, t] : transfers_) {
    curl_multi_remove_handle(multi_, easy);
    curl_easy_cleanup(easy);
  }
  transfers_.clear();
  curl_multi_cleanup(multi_);  // closes pooled connections through on_close
  for (auto& [fd, w] : watches_) {
    w->sd.release();  // curl owns the descriptor, not Asio
  }
}

int HttpClient::on_socket(void*, int fd, int what, void* self, void*) {
  static_cast<HttpClient*>(self)->watch(fd, what);
  return 0;
}

int HttpClient::on_timer(void*, long timeout_ms, void* self) {
  auto* c = static_cast<HttpClient*>(self);
  if (timeout_ms < 0) {
    c->timer_.cancel();
    return 0;
  }
  c->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  c->timer_.async_wait([c, alive = c->alive_](const error_code& ec) {
    if (!ec && *alive) c->act(CURL_SOCKET_TIMEOUT, 0);
  });
  return 0;
}

int HttpClient::on_close(void* self, int fd) {
  auto* c = static_cast<HttpClient*>(self);
  if (auto it = c->watches_.find(fd); it != c->watches_.end()) {
    it->second->gone = true;
    it->second->sd.release();  // cancels its waits; the handlers see `gone`
    c->watches_.erase(it);
  }
  return ::close(fd);
}

std::size_t HttpClient::on_body(char* data, std::size_t size, std::size_t n, void* transfer) {
  auto* t = static_cast<Transfer*>(transfer);
  std::size_t len = size * n;
  if (t->body.size() + len > t->max_body) {
    t->too_big = true;
    return 0;  // curl aborts the transfer with CURLE_WRITE_ERROR
  }
  t->body.append(data, len);
  return len;
}

void HttpClient::watch(int fd, int what) {
  auto it = watches_.find(fd);
  if (what == CURL_POLL_REMOVE) {
    if (it != watches_.end()) it->second->what = 0;
    return;
  }
  if (it == watches_.end()) {
    auto w = std::make_shared<Watch>(Watch{asio::posix::stream_descriptor(ex_), fd});
    error_code ec;
    w->sd.assign(fd, ec);
    if (ec) return;  // curl times the transfer out
    it = watches_.emplace(fd, std::move(w)).first;
  }
  auto w = it->second;
  w->what = what;
  if (what & CURL_POLL_IN) arm(w, false);
  if (what & CURL_POLL_OUT) arm(w, true);
}

void HttpClient::arm(const std::shared_ptr<Watch>& w, bool write) {
  bool& busy = write ? w->writing : w->reading;
  if (busy) return;
  busy = true;
  w->sd.async_wait(write ? asio::posix::stream_descriptor::wait_write : asio::posix::stream_descriptor::wait_read,
                   [this, w, write, alive = alive_](const error_code& ec) {
                     (write ? w->writing : w->reading) = false;
                     if (!*alive || w->gone || ec) return;
                     act(w->fd, write ? CURL_CSELECT_OUT : CURL_CSELECT_IN);
                     if (!w->gone && (w->what & (write ? CURL_POLL_OUT : CURL_POLL_IN))) arm(w, write);
                   });
}

void HttpClient::act(int fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, events, &running);
  finish_done();
}

void HttpClient::finish_done() {
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    auto it = transfers_.find(m->easy_handle);
    if (it == transfers_.end()) continue;
    it->second->result = m->data.result;
    it->second->finished = true;
    it->second->done.notify();
  }
}

namespace {

HttpOutcome failed(std::string why) {
  HttpOutcome out;
  out.error = std::move(why);
  return out;
}

}  // namespace

bool ipv6_literal_host(std::string_view url) {
  auto scheme = url.find("://");
  return scheme != std::string_view::npos && url.substr(scheme + 3, 1) == "[";
}

awaitable<HttpOutcome> HttpClient::get(std::string url, std::optional<HttpPin> pin) {
  auto alive = alive_;
  CURL* easy = curl_easy_init();
  if (!easy) co_return failed("curl_easy_init failed");
  auto owned = std::make_unique<Transfer>(easy, limits_.max_body, Wakeup(ex_));
  Transfer* t = owned.get();
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &HttpClient::on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &HttpClient::on_close);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, limits_.max_redirects);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(limits_.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(limits_.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, limits_.min_rate);
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(limits_.min_rate_window.count()));
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits_.max_body));
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // every encoding curl can decode: gzip, deflate
  curl_easy_setopt(easy, CURLOPT_USERAGENT, limits_.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->why.data());
  // curl takes one interface per transfer, so the family is chosen first: a
  // v4 address cannot send to IPv6, nor a v6 one to IPv4.
  bool v6 = pin ? !pin->address.is_v4() : ipv6_literal_host(url);
  if (pin) {
    curl_easy_setopt(easy, CURLOPT_IPRESOLVE, v6 ? CURL_IPRESOLVE_V6 : CURL_IPRESOLVE_V4);
    if (!IpAddress::parse(pin->host)) {
      auto a = pin->address.to_string();
      t->resolve.reset(curl_slist_append(nullptr, (pin->host + ':' + std::to_string(pin->port) + ':' +
                                                   (v6 ? '[' + a + ']' : a)).c_str()));
      curl_easy_setopt(easy, CURLOPT_RESOLVE, t->resolve.get());
    }
  }
  std::string interface;
  if (const auto& local = v6 ? limits_.local6 : limits_.local) {
    interface = "host!" + local->to_string();
    curl_easy_setopt(easy, CURLOPT_INTERFACE, interface.c_str());
  }
  transfers_.emplace(easy, std::move(owned));
  curl_multi_add_handle(multi_, easy);
  while (!t->finished) {
    co_await t->done.wait();
    if (!*alive) co_return failed("HTTP client closed");
  }
  HttpOutcome out;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &out.status);
  curl_off_t connected_us = 0;
  curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connected_us);
  bool connected = connected_us > 0;
  char* primary_ip = nullptr;
  long primary_port = 0;
  curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &primary_ip);
  curl_easy_getinfo(easy, CURLINFO_PRIMARY_PORT, &primary_port);
  if (auto ip = IpAddress::parse(primary_ip ? primary_ip : ""); ip && connected && primary_port > 0 && primary_port < 65536)
    out.server = Endpoint{ip.value(), static_cast<std::uint16_t>(primary_port)};
  auto result = t->result;
  bool too_big = t->too_big;
  std::string curl_says(t->why.data());
  // curl refuses a header line over CURL_MAX_HTTP_HEADER (100 KiB) as "out
  // of memory", and all headers over 300 KiB as a receive error; its error
  // text tells the two from real failures.
  bool head_too_big = connected && (result == CURLE_OUT_OF_MEMORY ||
                                    (result == CURLE_RECV_ERROR && (curl_says.find("oo large") != std::string::npos ||
                                                                    curl_says.find("max is") != std::string::npos)));
  out.body = std::move(t->body);
  curl_multi_remove_handle(multi_, easy);
  curl_easy_cleanup(easy);
  transfers_.erase(easy);
  if (too_big || result == CURLE_FILESIZE_EXCEEDED) {
    out.error = "body over " + std::to_string(limits_.max_body) + " bytes";
    out.anomaly = AnomalyKind::oversized;
  } else if (result == CURLE_OPERATION_TIMEDOUT) {
    // Connected, then too slow: a trickling tracker holds a crawl's slot as
    // long as it is allowed to, so it is an anomaly even mid-header. A host
    // that never accepted the connection is merely unreachable.
    out.error = out.status ? "reply slower than " + std::to_string(limits_.min_rate) + " B/s or over " +
                                 seconds_text(limits_.timeout)
                : connected ? "connected, but no whole reply header within " + seconds_text(limits_.timeout) +
                                  " (or slower than " + std::to_string(limits_.min_rate) + " B/s)"
                            : "no reply within " + seconds_text(limits_.timeout);
    if (out.status || connected) out.anomaly = AnomalyKind::slow;
  } else if (head_too_big) {
    out.error = "reply headers too large (" + (curl_says.empty() ? std::string(curl_easy_strerror(result)) : curl_says) + ")";
    out.anomaly = AnomalyKind::oversized;
  } else if (result == CURLE_GOT_NOTHING || result == CURLE_PARTIAL_FILE || (connected && result == CURLE_RECV_ERROR)) {
    out.error = std::string("closed before a whole reply: ") + curl_easy_strerror(result);
    out.anomaly = AnomalyKind::protocol_violation;
  } else if (result == CURLE_WEIRD_SERVER_REPLY) {
    out.error = std::string("not an HTTP reply: ") + curl_easy_strerror(result);
    out.anomaly = AnomalyKind::malformed;
  } else if (result == CURLE_TOO_MANY_REDIRECTS || result == CURLE_UNSUPPORTED_PROTOCOL) {
    out.error = curl_easy_strerror(result);
    out.anomaly = AnomalyKind::http_error;
  } else if (result == CURLE_BAD_CONTENT_ENCODING) {
    out.error = curl_easy_strerror(result);
    out.anomaly = AnomalyKind::malformed;
  } else if (result != CURLE_OK) {
    out.error = curl_easy_strerror(result);
  } else if (out.status != 200) {
    out.error = "HTTP status " + std::to_string(out.status);
    out.anomaly = AnomalyKind::http_error;
  }
  co_return out;
}

}  // namespace p2pscope::crawler
