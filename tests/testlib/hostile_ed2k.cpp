#include "core/ed2k.hpp"
#include "core/ed2k_client.hpp"
#include "tests/testlib/hostile.hpp"

namespace p2pscope::testlib {

using namespace net;

namespace {

std::string frame(ed2k::Protocol p, std::uint8_t op, std::string payload) {
  return ed2k::encode_tcp_frame(ed2k::Frame{p, op, std::move(payload)});
}

awaitable<void> drain(tcp::socket& s) {
  error_code ec;
  std::string sink(4096, '\0');
  while (!ec) co_await s.async_read_some(asio::buffer(sink), use_ec(ec));
}

awaitable<void> ed2k_session(tcp::socket s, Ed2kServerMisbehaviour m) {
  error_code ec;
  std::string buf(4096, '\0');
  co_await s.async_read_some(asio::buffer(buf), use_ec(ec));  // the login, whatever it holds
  if (!ec && m == Ed2kServerMisbehaviour::huge_frame) {
    // E3, a length of 0x06400000 (100 MiB) little-endian, IDCHANGE
    std::string head{static_cast<char>(0xE3), 0, 0, static_cast<char>(0x40), 0x06, static_cast<char>(0x40)};
    co_await asio::async_write(s, asio::buffer(head), use_ec(ec));
  }
  if (!ec && m == Ed2kServerMisbehaviour::chatty) {
    std::string burst;
    for (int i = 0; i < 64; ++i) burst += frame(ed2k::Protocol::edonkey, 0x38, std::string("\x05\x00hello", 7));
    while (!ec) co_await asio::async_write(s, asio::buffer(burst), use_ec(ec));
    co_return;
  }
  if (ec || m == Ed2kServerMisbehaviour::never_id || m == Ed2kServerMisbehaviour::huge_frame) {
    co_await drain(s);
    co_return;
  }
  std::string id(4, '\x7f');  // a HighID, flags absent
  co_await asio::async_write(s, asio::buffer(frame(ed2k::Protocol::edonkey, 0x40, id)), use_ec(ec));
  co_await s.async_read_some(asio::buffer(buf), use_ec(ec));  // GETSOURCES
  std::string answer;
  if (m == Ed2kServerMisbehaviour::inflate_bomb) {
    answer = frame(ed2k::Protocol::packed, 0x42, std::string(4 << 20, '\0'));
  } else {
    std::string body(16, '\x11');
    body.push_back(static_cast<char>(200));
    body += std::string(10 * 6, '\x51');
    answer = frame(ed2k::Protocol::edonkey, 0x42, body);
  }
  co_await asio::async_write(s, asio::buffer(answer), use_ec(ec));
  co_await drain(s);
}

// Spawns session(socket, m) for every connection until the acceptor closes.
template <class M>
awaitable<void> accept_each(tcp::acceptor& a, awaitable<void> (*session)(tcp::socket, M), M m) {
  for (;;) {
    error_code ec;
    auto s = co_await a.async_accept(use_ec(ec));
    if (!a.is_open()) co_return;
    if (!ec) asio::co_spawn(a.get_executor(), session(std::move(s), m), asio::detached);
  }
}

}  // namespace

awaitable<void> serve_hostile_ed2k_server(tcp::acceptor& a, Ed2kServerMisbehaviour m) {
  return accept_each(a, ed2k_session, m);
}

namespace {

awaitable<void> ed2k_peer_session(tcp::socket s, Ed2kPeerMisbehaviour m) {
  error_code ec;
  std::string buf(4096, '\0');
  co_await s.async_read_some(asio::buffer(buf), use_ec(ec));  // the hello, whatever it holds
  if (!ec && m == Ed2kPeerMisbehaviour::flood_after_hello) {
    ed2k::Hello me{ed2k::Md4{{0x77, 0, 0, 0, 0, 14, 0, 0, 0, 0, 0, 0, 0, 0, 111, 0}}, 0, 4662,
                   ed2k::crawler_hello_tags("flood", 3), 0, 0, {}};
    auto answer = frame(ed2k::Protocol::edonkey, ed2k::op::hello_answer, ed2k::encode_hello(me, ed2k::HelloKind::answer));
    co_await asio::async_write(s, asio::buffer(answer), use_ec(ec));
  }
  std::string burst;
  for (int i = 0; i < 64; ++i) burst += frame(ed2k::Protocol::emule, 0x77, std::string(32, 'z'));
  while (!ec) co_await asio::async_write(s, asio::buffer(burst), use_ec(ec));
}

}  // namespace

awaitable<void> serve_hostile_ed2k_peer(tcp::acceptor& a, Ed2kPeerMisbehaviour m) {
  return accept_each(a, ed2k_peer_session, m);
}

}  // namespace p2pscope::testlib
