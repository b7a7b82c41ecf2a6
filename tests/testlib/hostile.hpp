// Misbehaving remotes for the crawler's tests: an HTTP tracker that
// streams forever, trickles, redirects in a loop or gzips; a peer that lies
// in its handshake or floods PEX; a UDP responder that answers whatever
// the test says. Every server runs on the caller's io_context, on loopback,
// until its acceptor or socket is closed.
#pragma once

#include "core/hash.hpp"
#include "net/asio.hpp"

#include <functional>
#include <optional>
#include <string>

namespace p2pscope::testlib {

enum class HttpMisbehaviour : std::uint8_t {
  endless_body,   // 200, no length, 64 KiB chunks until the client hangs up
  trickle,        // 200, then one byte every 200 ms
  redirect_loop,  // 302 back to the same URL
  gzip_body,      // 200 with Content-Encoding: gzip and the given body
  trickle_head,   // a status line and an endless header line, one byte every 200 ms
  huge_head,      // 200, then 4 MiB of header lines
  close_early,    // half a status line, then closes
  silent,         // reads the request, answers nothing, keeps the connection
};
net::awaitable<void> serve_hostile_http(net::tcp::acceptor& a, HttpMisbehaviour m, std::string body = {});

enum class PeerMisbehaviour : std::uint8_t {
  wrong_infohash,  // answers the handshake for another torrent
  pex_flood,       // enables ut_pex, then sends a 50-peer message every millisecond
  accepts_any,     // an anti-P2P peer: answers any infohash, then have_all and one 50-peer ut_pex
  stalls,          // sends 20 bytes of its handshake, then nothing
};
net::awaitable<void> serve_hostile_peer(net::tcp::acceptor& a, PeerMisbehaviour m);

// An honest peer for ih: answers that torrent's handshake (then stays
// silent until the client hangs up) and hangs up on any other infohash.
net::awaitable<void> serve_honest_peer(net::tcp::acceptor& a, InfoHash ih);

enum class Ed2kServerMisbehaviour : std::uint8_t {
  inflate_bomb,  // logs the client in, then answers GETSOURCES with a packed frame inflating to 4 MiB
  lying_count,   // logs the client in, then a FOUNDSOURCES that claims 200 sources and carries 10
  huge_frame,    // answers the login with a frame header claiming 100 MiB
  never_id,      // reads the login and says nothing, keeping the connection
  chatty,        // reads the login and streams server messages without end, never an ID
};
net::awaitable<void> serve_hostile_ed2k_server(net::tcp::acceptor& a, Ed2kServerMisbehaviour m);

enum class Ed2kPeerMisbehaviour : std::uint8_t {
  flood_before_hello,  // reads the hello, then streams unasked 0xC5 frames without end
  flood_after_hello,   // answers the hello (as an SX-capable client), then streams unasked frames without end
};
net::awaitable<void> serve_hostile_ed2k_peer(net::tcp::acceptor& a, Ed2kPeerMisbehaviour m);

// Answers each datagram with reply(datagram), when it returns one; from
// `other` instead of s when given (a reply from another address or port).
using UdpReply = std::function<std::optional<std::string>(std::string_view)>;
net::awaitable<void> serve_udp_replies(net::udp::socket& s, UdpReply reply, net::udp::socket* other = nullptr);

// A loopback acceptor / socket on a free port.
net::tcp::acceptor loopback_acceptor(net::asio::io_context& io);
net::udp::socket loopback_udp(net::asio::io_context& io);

}  // namespace p2pscope::testlib
