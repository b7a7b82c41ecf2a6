#include "tests/testlib/hostile.hpp"

#include "core/extension.hpp"
#include "core/peer_wire.hpp"

namespace p2pscope::testlib {

using namespace net;

namespace {

awaitable<std::string> read_request_head(tcp::socket& s) {
  std::string head;
  char c;
  error_code ec;
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192) {
    co_await asio::async_read(s, asio::buffer(&c, 1), use_ec(ec));
    if (ec) co_return std::string{};
    head += c;
  }
  co_return head;
}

awaitable<void> http_session(tcp::socket s, HttpMisbehaviour m, std::string body) {
  auto head = co_await read_request_head(s);
  if (head.empty()) co_return;
  auto path = head.substr(4, head.find(' ', 4) - 4);
  error_code ec;
  std::string out;
  switch (m) {
    case HttpMisbehaviour::endless_body: {
      out = "HTTP/1.0 200 OK\r\n\r\n";
      co_await asio::async_write(s, asio::buffer(out), use_ec(ec));
      std::string chunk(65536, 'd');
      while (!ec) co_await asio::async_write(s, asio::buffer(chunk), use_ec(ec));
      co_return;
    }
    case HttpMisbehaviour::trickle: {
      out = "HTTP/1.0 200 OK\r\n\r\n";
      co_await asio::async_write(s, asio::buffer(out), use_ec(ec));
      asio::steady_timer t(s.get_executor());
      while (!ec) {
        co_await asio::async_write(s, asio::buffer("d", 1), use_ec(ec));
        t.expires_after(std::chrono::milliseconds(200));
        co_await t.async_wait(use_ec(ec));
      }
      co_return;
    }
    case HttpMisbehaviour::redirect_loop:
      out = "HTTP/1.0 302 Found\r\nLocation: " + path + "\r\nContent-Length: 0\r\n\r\n";
      break;
    case HttpMisbehaviour::gzip_body:
      out = "HTTP/1.0 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      break;
    case HttpMisbehaviour::trickle_head: {
      const std::string start = "HTTP/1.0 200 OK\r\nX-Slow: ";
      asio::steady_timer t(s.get_executor());
      for (std::size_t i = 0; !ec; ++i) {
        co_await asio::async_write(s, asio::buffer(i < start.size() ? start.data() + i : "s", 1), use_ec(ec));
        t.expires_after(std::chrono::milliseconds(200));
        co_await t.async_wait(use_ec(ec));
      }
      co_return;
    }
    case HttpMisbehaviour::huge_head: {
      out = "HTTP/1.0 200 OK\r\n";
      for (int i = 0; out.size() < (4u << 20); ++i) out += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'f') + "\r\n";
      out += "\r\n";
      break;
    }
    case HttpMisbehaviour::close_early:
      out = "HTTP/1.0 2";
      break;
    case HttpMisbehaviour::silent: {
      std::string sink(256, '\0');
      while (!ec) co_await s.async_read_some(asio::buffer(sink), use_ec(ec));
      co_return;
    }
  }
  co_await asio::async_write(s, asio::buffer(out), use_ec(ec));
}

std::string flood_message(std::uint8_t their_pex, std::uint32_t round) {
  PexMessage m;
  for (std::uint32_t i = 0; i < 50; ++i) m.added.push_back({{IpAddress::v4(0x0b000000u + round * 50 + i), 6881}, {}});
  return encode_extended(their_pex, encode_pex(m));
}

awaitable<void> peer_session(tcp::socket s, PeerMisbehaviour m) {
  std::string buf(kHandshakeSize, '\0');
  error_code ec;
  co_await asio::async_read(s, asio::buffer(buf), use_ec(ec));
  if (ec) co_return;
  auto theirs = decode_handshake(buf);
  if (!theirs) co_return;
  Handshake h = theirs.value();
  h.peer_id = PeerId::from_bytes(std::string(20, 'L')).value();
  if (m == PeerMisbehaviour::stalls) {
    auto part = encode_handshake(h).substr(0, 20);
    co_await asio::async_write(s, asio::buffer(part), use_ec(ec));
    std::string sink(256, '\0');
    while (!ec) co_await s.async_read_some(asio::buffer(sink), use_ec(ec));
    co_return;
  }
  if (m == PeerMisbehaviour::wrong_infohash) h.info_hash = InfoHash::from_bytes(std::string(20, 'X')).value();
  ExtendedHandshake e;
  e.m["ut_pex"] = 7;
  e.v = "Flooder 1.0";
  auto out = encode_handshake(h) + encode_extended(0, encode_extended_handshake(e));
  co_await asio::async_write(s, asio::buffer(out), use_ec(ec));
  if (m == PeerMisbehaviour::accepts_any) {
    auto more = encode_message(MessageId::have_all) + flood_message(1, 0);
    co_await asio::async_write(s, asio::buffer(more), use_ec(ec));
    std::string sink(256, '\0');
    while (!ec) co_await s.async_read_some(asio::buffer(sink), use_ec(ec));
    co_return;
  }
  if (m != PeerMisbehaviour::pex_flood) co_return;
  // The crawler asked for ut_pex as id 1 in its extended handshake.
  asio::steady_timer t(s.get_executor());
  for (std::uint32_t round = 0; !ec && round < 100000; ++round) {
    auto msg = flood_message(1, round);
    co_await asio::async_write(s, asio::buffer(msg), use_ec(ec));
    t.expires_after(std::chrono::milliseconds(1));
    co_await t.async_wait(use_ec(ec));
  }
}

awaitable<void> honest_session(tcp::socket s, InfoHash ih) {
  std::string buf(kHandshakeSize, '\0');
  error_code ec;
  co_await asio::async_read(s, asio::buffer(buf), use_ec(ec));
  auto theirs = decode_handshake(buf);
  if (ec || !theirs || theirs.value().info_hash != ih) co_return;  // unknown torrent: hang up, as clients do
  Handshake h = theirs.value();
  h.peer_id = PeerId::from_bytes("-LT2080-honesthonest").value();
  auto out = encode_handshake(h);
  co_await asio::async_write(s, asio::buffer(out), use_ec(ec));
  std::string sink(256, '\0');
  while (!ec) co_await s.async_read_some(asio::buffer(sink), use_ec(ec));
}

template <class Session, class... Args>
awaitable<void> accept_loop(tcp::acceptor& a, Session session, Args... args) {
  for (;;) {
    error_code ec;
    auto s = co_await a.async_accept(use_ec(ec));
    if (!a.is_open()) co_return;
    if (!ec) asio::co_spawn(a.get_executor(), session(std::move(s), args...), asio::detached);
  }
}

}  // namespace

awaitable<void> serve_hostile_http(tcp::acceptor& a, HttpMisbehaviour m, std::string body) {
  co_await accept_loop(a, http_session, m, std::move(body));
}

awaitable<void> serve_hostile_peer(tcp::acceptor& a, PeerMisbehaviour m) { co_await accept_loop(a, peer_session, m); }

awaitable<void> serve_honest_peer(tcp::acceptor& a, InfoHash ih) { co_await accept_loop(a, honest_session, ih); }

awaitable<void> serve_udp_replies(udp::socket& s, UdpReply reply, udp::socket* other) {
  std::string buf(65536, '\0');
  for (;;) {
    udp::endpoint from;
    error_code ec;
    auto n = co_await s.async_receive_from(asio::buffer(buf), from, use_ec(ec));
    if (!s.is_open()) co_return;
    if (ec) continue;
    if (auto out = reply(std::string_view(buf.data(), n))) (other ? *other : s).send_to(asio::buffer(*out), from, 0, ec);
  }
}

tcp::acceptor loopback_acceptor(asio::io_context& io) {
  return tcp::acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
}

udp::socket loopback_udp(asio::io_context& io) {
  return udp::socket(io, udp::endpoint(asio::ip::address_v4::loopback(), 0));
}

}  // namespace p2pscope::testlib
