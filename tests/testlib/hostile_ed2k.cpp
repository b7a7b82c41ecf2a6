#include "core/ed2k.hpp"
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

}  // namespace

awaitable<void> serve_hostile_ed2k_server(tcp::acceptor& a, Ed2kServerMisbehaviour m) {
  for (;;) {
    error_code ec;
    auto s = co_await a.async_accept(use_ec(ec));
    if (!a.is_open()) co_return;
    if (!ec) asio::co_spawn(a.get_executor(), ed2k_session(std::move(s), m), asio::detached);
  }
}

}  // namespace p2pscope::testlib
