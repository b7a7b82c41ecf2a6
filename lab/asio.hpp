// The lab's code names Asio and its helpers unqualified, as net/asio.hpp
// defines them.
#pragma once

#include "net/asio.hpp"

#include <string>
#include <string_view>

namespace p2pscope::lab {
using namespace p2pscope::net;  // NOLINT(google-build-using-namespace)

// The lab servers' loops. accept_each spawns session(socket) for every
// connection until the acceptor is closed; answer_each sends back
// answer(datagram, from) (a string; nothing when it is empty) until the
// socket is closed. Both run on the executor of what they were given.
template <class Session>
awaitable<void> accept_each(tcp::acceptor acceptor, Session session) {
  for (;;) {
    error_code ec;
    auto s = co_await acceptor.async_accept(use_ec(ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE; the next accept may succeed
    asio::co_spawn(acceptor.get_executor(), session(std::move(s)), asio::detached);
  }
}

template <class Answer>
awaitable<void> answer_each(udp::socket socket, Answer answer) {
  std::string buf(65536, '\0');
  for (;;) {
    error_code ec;
    udp::endpoint from;
    auto n = co_await socket.async_receive_from(asio::buffer(buf), from, use_ec(ec));
    if (ec == asio::error::operation_aborted || !socket.is_open()) co_return;
    if (ec) continue;
    std::string out = answer(std::string_view(buf.data(), n), from);
    if (!out.empty()) co_await socket.async_send_to(asio::buffer(out), from, use_ec(ec));
  }
}

}  // namespace p2pscope::lab
