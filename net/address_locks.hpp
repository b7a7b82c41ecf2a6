// One holder per IP address at a time, for coroutines on one thread. Many
// clients take one connection per address and hang up on a second
// (libtorrent's allow_multiple_connections_per_ip is off by default), so two
// contacts with one address must not overlap: a probe of a peer and the
// reverse-byte-order probe of another peer that lands on it, for instance.
//
// lock() waits until the address is free; the Held it returns frees it when
// destroyed, handing it to the longest waiter. An address's entry lives
// while it is held or waited for, so the map stays as small as the work in
// flight.
//
// Threads: one io_context thread. The AddressLocks must outlive every Held.
#pragma once

#include "core/ip.hpp"
#include "net/slots.hpp"

#include <map>
#include <memory>
#include <utility>

namespace p2pscope::net {

class AddressLocks {
 public:
  explicit AddressLocks(asio::any_io_executor ex) : ex_(std::move(ex)) {}
  AddressLocks(const AddressLocks&) = delete;
  AddressLocks& operator=(const AddressLocks&) = delete;

  class Held {
   public:
    Held() = default;
    Held(Held&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), address_(o.address_) {}
    Held& operator=(Held&& o) noexcept {
      if (this != &o) {
        reset();
        owner_ = std::exchange(o.owner_, nullptr);
        address_ = o.address_;
      }
      return *this;
    }
    ~Held() { reset(); }
    void reset() {
      if (auto* o = std::exchange(owner_, nullptr)) o->release(address_);
    }

   private:
    friend class AddressLocks;
    Held(AddressLocks* owner, IpAddress a) : owner_(owner), address_(a) {}
    AddressLocks* owner_ = nullptr;
    IpAddress address_;
  };

  awaitable<Held> lock(IpAddress a) {
    auto& e = entries_[a];
    if (!e) e = std::make_unique<Entry>(ex_);
    ++e->users;
    co_await e->slot.acquire();  // never cancelled: it grants or waits
    co_return Held(this, a);
  }

  std::size_t addresses() const noexcept { return entries_.size(); }  // held or waited for

 private:
  struct Entry {
    explicit Entry(const asio::any_io_executor& ex) : slot(ex, 1) {}
    Slots slot;
    std::size_t users = 0;  // the holder and the waiters
  };

  void release(const IpAddress& a) {
    auto it = entries_.find(a);
    it->second->slot.release();
    if (--it->second->users == 0) entries_.erase(it);
  }

  asio::any_io_executor ex_;
  std::map<IpAddress, std::unique_ptr<Entry>> entries_;
};

}  // namespace p2pscope::net
