// "Stop now", told to every coroutine of one run (a crawl, a probe pass):
// the clean alternative to io_context::stop(), which abandons sessions
// half-way. A flow registers a hook that cuts what it awaits (closes its
// socket, cancels its timer); the flow then ends through its own error
// path, records why, and returns.
//
// Threads: one io_context thread; request() may be called from a handler
// on that thread (a signal_set's, say). Hooks run inside request(), in the
// order they were registered, each at most once.
#pragma once

#include "net/asio.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace p2pscope::net {

class StopSignal {
  struct State {
    bool requested = false;
    std::string reason;
    std::uint64_t next_id = 0;
    std::map<std::uint64_t, std::function<void()>> hooks;
  };

 public:
  // Keeps a hook registered while it lives. Move-only. It may outlive the
  // StopSignal (a coroutine frame that an io_context destroys late): it
  // then does nothing.
  class Hook {
   public:
    Hook() = default;
    Hook(Hook&&) noexcept = default;
    Hook& operator=(Hook&& o) noexcept {
      if (this != &o) {
        reset();
        state_ = std::move(o.state_);
        id_ = o.id_;
      }
      return *this;
    }
    ~Hook() { reset(); }
    void reset() {
      if (auto s = state_.lock()) s->hooks.erase(id_);
      state_.reset();
    }

   private:
    friend class StopSignal;
    Hook(const std::shared_ptr<State>& s, std::uint64_t id) : state_(s), id_(id) {}
    std::weak_ptr<State> state_;
    std::uint64_t id_ = 0;
  };

  StopSignal() = default;
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  bool requested() const noexcept { return state_->requested; }
  const std::string& reason() const noexcept { return state_->reason; }

  // The first call records the reason and runs every hook; later calls do
  // nothing.
  void request(std::string reason) {
    if (state_->requested) return;
    state_->requested = true;
    state_->reason = std::move(reason);
    // A hook may drop other hooks (its flow ending at once): take one at a
    // time from the front.
    auto keep = state_;
    while (!keep->hooks.empty()) {
      auto node = keep->hooks.extract(keep->hooks.begin());
      node.mapped()();
    }
  }

  // fn runs at request(); at once when the stop was requested already.
  [[nodiscard]] Hook on_request(std::function<void()> fn) {
    if (state_->requested) {
      fn();
      return {};
    }
    state_->hooks.emplace(++state_->next_id, std::move(fn));
    return Hook(state_, state_->next_id);
  }

  // Sleeps for d, or until a stop is requested; true when it slept the
  // whole time.
  awaitable<bool> sleep_for(std::chrono::steady_clock::duration d) {
    if (requested()) co_return false;
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    auto hook = on_request([&t] { t.cancel(); });
    error_code ec;
    co_await t.async_wait(use_ec(ec));
    co_return !requested();
  }

 private:
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace p2pscope::net
