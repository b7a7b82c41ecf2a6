#include "net/address_locks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace p2pscope::net {
namespace {

using namespace std::chrono_literals;

// Holds `a` for `hold`, noting when it got and gave it up.
awaitable<void> hold_for(AddressLocks& locks, IpAddress a, std::chrono::milliseconds hold, std::string name,
                         std::vector<std::string>& log) {
  auto held = co_await locks.lock(a);
  log.push_back(name + " in");
  asio::steady_timer t(co_await asio::this_coro::executor, hold);
  co_await t.async_wait(asio::use_awaitable);
  log.push_back(name + " out");
}

TEST(AddressLocks, OneHolderPerAddressAndOthersDoNotWait) {
  asio::io_context io;
  AddressLocks locks(io.get_executor());
  std::vector<std::string> log;
  auto a = IpAddress::parse("192.0.2.1").value(), b = IpAddress::parse("192.0.2.2").value();
  asio::co_spawn(io, hold_for(locks, a, 30ms, "a1", log), asio::detached);
  asio::co_spawn(io, hold_for(locks, a, 10ms, "a2", log), asio::detached);
  asio::co_spawn(io, hold_for(locks, b, 10ms, "b", log), asio::detached);
  io.run_for(2s);
  EXPECT_EQ(log, (std::vector<std::string>{"a1 in", "b in", "b out", "a1 out", "a2 in", "a2 out"}));
  EXPECT_EQ(locks.addresses(), 0u) << "entries outlived their holders";
}

TEST(AddressLocks, AMovedHoldFreesTheAddressOnce) {
  asio::io_context io;
  AddressLocks locks(io.get_executor());
  auto a = IpAddress::parse("2001:db8::1").value();
  bool second = false;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    auto held = co_await locks.lock(a);
    AddressLocks::Held moved = std::move(held);
    held.reset();  // moved from: frees nothing
    EXPECT_EQ(locks.addresses(), 1u);
    moved.reset();
    auto again = co_await locks.lock(a);
    second = true;
  }, asio::detached);
  io.run_for(1s);
  EXPECT_TRUE(second) << "the address was never freed";
  EXPECT_EQ(locks.addresses(), 0u);
}

}  // namespace
}  // namespace p2pscope::net
