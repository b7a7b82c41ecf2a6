// Test-only: runs one coroutine on an io_context until it completes, for
// tests of a single client call against servers spawned on the same
// io_context (those are abandoned when it returns).
#pragma once

#include "net/asio.hpp"

#include <optional>

namespace p2pscope::testlib {

namespace detail {
template <class T>
net::awaitable<void> store(net::awaitable<T> aw, std::optional<T>& out, net::asio::io_context& io) {
  out.emplace(co_await std::move(aw));
  io.stop();
}
}  // namespace detail

template <class T>
T run_until_done(net::asio::io_context& io, net::awaitable<T> aw) {
  std::optional<T> out;
  net::asio::co_spawn(io, detail::store(std::move(aw), out, io), net::asio::detached);
  io.restart();
  io.run();
  return std::move(*out);
}

}  // namespace p2pscope::testlib
