// HTTP(S) GETs for tracker announces and scrapes, through libcurl's multi
// interface driven by the crawl's io_context: curl tells us which sockets
// to watch and when to wake it; Asio watches them. No threads.
//
// Every request is bounded: body size, redirects, total time, and a
// minimum transfer rate (a tracker trickling one byte a second is cut off).
// gzip and deflate bodies are accepted and decoded by curl.
//
// Threads: one io_context thread. The client must outlive the coroutines
// awaiting get(); destroying it abandons the transfers still running.
#pragma once

#include "core/records.hpp"
#include "net/asio.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace p2pscope::crawler {

struct HttpLimits {
  std::size_t max_body = 4 << 20;  // bytes after decompression
  long max_redirects = 3;
  std::chrono::milliseconds timeout{30000};          // whole request
  std::chrono::milliseconds connect_timeout{10000};
  long min_rate = 256;                               // bytes/s ...
  std::chrono::seconds min_rate_window{10};          // ... averaged over this long
  std::string user_agent = "p2pscope/0.1";
  std::optional<IpAddress> local;                    // send from this address (default: the kernel's choice) ...
  std::optional<IpAddress> local6;                   // ... or this one, when the server is asked over IPv6
};

// Where to connect for a URL: curl is handed the address of its host
// (CURLOPT_RESOLVE), so the caller chooses the family and the address, and
// stays in that family over redirects. A literal host is only kept to.
struct HttpPin {
  std::string host;  // as in the URL, without brackets
  std::uint16_t port = 0;
  IpAddress address;
};

// Whether the URL's host is a bracketed IPv6 literal ("http://[2001:db8::1]:80/").
bool ipv6_literal_host(std::string_view url);

struct HttpOutcome {
  long status = 0;               // 0 when no response arrived
  std::string body;
  // Set when the request failed: the reason for people, and, when the
  // server is to blame (too big, too slow, redirect loop, bad status),
  // the anomaly it amounts to.
  std::optional<std::string> error;
  std::optional<AnomalyKind> anomaly;
  std::optional<Endpoint> server;  // the address the last connection went to, when one was made
};

class HttpClient {
 public:
  HttpClient(const net::asio::any_io_executor& ex, HttpLimits limits);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GETs url (http or https only, also after redirects), at pin's address
  // when given, else wherever curl resolves the host to.
  net::awaitable<HttpOutcome> get(std::string url, std::optional<HttpPin> pin = std::nullopt);
  std::size_t active() const noexcept { return transfers_.size(); }

 private:
  struct Transfer;
  struct Watch;
  static int on_socket(void* easy, int fd, int what, void* self, void* socketp);
  static int on_timer(void* multi, long timeout_ms, void* self);
  static int on_close(void* self, int fd);
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* transfer);
  void watch(int fd, int what);
  void arm(const std::shared_ptr<Watch>& w, bool write);
  void act(int fd, int events);
  void finish_done();

  net::asio::any_io_executor ex_;
  HttpLimits limits_;
  void* multi_;
  net::asio::steady_timer timer_;
  std::map<int, std::shared_ptr<Watch>> watches_;
  std::map<void*, std::unique_ptr<Transfer>> transfers_;  // by easy handle
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace p2pscope::crawler
