// Reading peer-wire messages (BEP 3 framing) one at a time from a socket,
// for sessions that handle each message as it arrives.
#pragma once

#include "core/peer_wire.hpp"
#include "net/asio.hpp"

#include <string>

namespace p2pscope::net {

// Reads the next whole message, length prefix included, into buf (replacing
// what it held), so that next_frame(buf) frames it. Returns false when the
// read fails (ec says why) or the length passes lim.max_message: the stream
// cannot be resynchronised then. The caller arms any deadline.
inline awaitable<bool> read_message(tcp::socket& s, std::string& buf, error_code& ec, const WireLimits& lim = {}) {
  buf.resize(4);
  co_await asio::async_read(s, asio::buffer(buf), use_ec(ec));
  if (ec) co_return false;
  std::uint32_t len = 0;
  for (unsigned char c : buf) len = len << 8 | c;
  if (len > lim.max_message) co_return false;
  buf.resize(4 + len);
  co_await asio::async_read(s, asio::buffer(buf.data() + 4, len), use_ec(ec));
  co_return !ec;
}

}  // namespace p2pscope::net
