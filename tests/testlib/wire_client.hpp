// Blocking clients for tests that talk to live peers, trackers and DHT nodes
// (the lab's, inside its namespace): a peer-wire connection and a KRPC
// query, each with a deadline. One object per connection; not thread-safe.
#pragma once

#include "core/error.hpp"
#include "core/krpc.hpp"
#include "core/peer_wire.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace p2pscope::testlib {

using Millis = std::chrono::milliseconds;

struct Message {
  std::uint8_t id = 0;
  std::string payload;
};

class WireClient {
 public:
  // Connects from `from` (a lab address) to `to`.
  static Result<WireClient> connect(const IpAddress& from, const Endpoint& to, Millis timeout);
  WireClient(WireClient&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  WireClient& operator=(WireClient&&) = delete;
  ~WireClient();

  Result<void> send(std::string_view bytes);
  // Sends our handshake (extension protocol and fast bits set) and reads theirs.
  Result<Handshake> handshake(const InfoHash& ih, Millis timeout);
  // The next non-keep-alive message; errc::truncated when the peer hangs up,
  // std::errc::timed_out after the deadline.
  Result<Message> next(Millis timeout);
  // Reads exactly n bytes.
  Result<std::string> read(std::size_t n, Millis timeout);

 private:
  explicit WireClient(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Sends one KRPC query from `from` to `to` and returns the decoded reply.
Result<KrpcMessage> krpc_query(const IpAddress& from, const Endpoint& to, const KrpcQuery& q, Millis timeout);

}  // namespace p2pscope::testlib
