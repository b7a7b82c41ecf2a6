// A counting semaphore for coroutines on one thread: at most `cap` holders;
// acquire() waits for a free slot, release() hands it to the longest
// waiter, and cancel() turns every waiter (and every later acquire) away,
// so a stopping run drains its queue instead of starting what waits in it.
//
// Threads: one io_context thread.
#pragma once

#include "net/asio.hpp"

#include <deque>
#include <memory>

namespace p2pscope::net {

class Slots {
 public:
  Slots(const asio::any_io_executor& ex, std::size_t cap) : ex_(ex), cap_(std::max<std::size_t>(cap, 1)) {}

  // True with a slot held (release() it later); false after cancel(),
  // holding nothing.
  awaitable<bool> acquire() {
    if (cancelled_) co_return false;
    if (used_ < cap_) {
      ++used_;
      co_return true;
    }
    auto w = std::make_shared<Waiter>(ex_);
    waiters_.push_back(w);
    co_await w->wake.wait();
    co_return w->granted;  // a slot handed over by release(), or turned away by cancel()
  }

  void release() {
    if (waiters_.empty()) {
      --used_;
      return;
    }
    waiters_.front()->granted = true;
    waiters_.front()->wake.notify();
    waiters_.pop_front();
  }

  void cancel() {
    cancelled_ = true;
    for (auto& w : waiters_) w->wake.notify();
    waiters_.clear();
  }

  std::size_t used() const noexcept { return used_; }
  std::size_t waiting() const noexcept { return waiters_.size(); }

 private:
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : wake(ex) {}
    Wakeup wake;
    bool granted = false;
  };
  asio::any_io_executor ex_;
  std::size_t cap_, used_ = 0;
  bool cancelled_ = false;
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace p2pscope::net
