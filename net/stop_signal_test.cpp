#include "net/slots.hpp"
#include "net/stop_signal.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace p2pscope::net {
namespace {

using namespace std::chrono_literals;

TEST(StopSignal, RunsEveryHookOnceInOrderAndLateHooksAtOnce) {
  StopSignal s;
  std::vector<int> ran;
  auto a = s.on_request([&] { ran.push_back(1); });
  auto b = s.on_request([&] { ran.push_back(2); });
  s.request("first");
  s.request("second");
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  EXPECT_EQ(s.reason(), "first");
  auto late = s.on_request([&] { ran.push_back(3); });
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
}

TEST(StopSignal, ADroppedHookDoesNotRun) {
  StopSignal s;
  int ran = 0;
  std::optional<StopSignal::Hook> second;
  auto first = s.on_request([&] { second.reset(); });  // its flow ends and drops the other hook
  second = s.on_request([&] { ++ran; });
  auto third = s.on_request([&] { ++ran; });
  s.request("stop");
  EXPECT_EQ(ran, 1);
}

TEST(StopSignal, AHookMayOutliveItsSignal) {
  StopSignal::Hook h;
  {
    StopSignal s;
    h = s.on_request([] {});
  }
  h.reset();  // no use of the destroyed signal (ASan would say)
  SUCCEED();
}

TEST(StopSignal, SleepEndsEarlyOnRequest) {
  asio::io_context io;
  StopSignal s;
  std::optional<bool> slept;
  asio::co_spawn(io, [&]() -> awaitable<void> { slept = co_await s.sleep_for(1h); }, asio::detached);
  asio::steady_timer t(io, 10ms);
  t.async_wait([&](const error_code&) { s.request("stop"); });
  auto start = std::chrono::steady_clock::now();
  io.run();
  ASSERT_TRUE(slept);
  EXPECT_FALSE(*slept);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(Slots, HandsSlotsOverInOrderAndCancelTurnsWaitersAway) {
  asio::io_context io;
  Slots slots(io.get_executor(), 1);
  std::vector<std::string> got;
  auto take = [&](std::string name) -> awaitable<void> {
    bool ok = co_await slots.acquire();
    got.push_back(name + (ok ? "+" : "-"));
  };
  asio::co_spawn(io, take("a"), asio::detached);
  asio::co_spawn(io, take("b"), asio::detached);
  asio::co_spawn(io, take("c"), asio::detached);
  io.run_for(10ms);
  EXPECT_EQ(got, (std::vector<std::string>{"a+"}));
  EXPECT_EQ(slots.waiting(), 2u);
  slots.release();  // to b
  io.restart();
  io.run_for(10ms);
  EXPECT_EQ(got, (std::vector<std::string>{"a+", "b+"}));
  slots.cancel();
  io.restart();
  io.run_for(10ms);
  EXPECT_EQ(got, (std::vector<std::string>{"a+", "b+", "c-"}));
  EXPECT_EQ(slots.used(), 1u) << "b still holds its slot";
  asio::co_spawn(io, take("d"), asio::detached);
  io.restart();
  io.run_for(10ms);
  EXPECT_EQ(got.back(), "d-");
}

}  // namespace
}  // namespace p2pscope::net
