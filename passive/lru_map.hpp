// A map of at most `capacity` entries that evicts its least recently used
// one to make room: the flow table of the passive pass.
//
// Built for one lookup per packet over tens of thousands of flows:
//  - the index is open addressing (linear probing, load at most 1/2) over
//    32-bit slot numbers, each bucket with its key's hash, so a lookup
//    touches one or two cache lines and compares keys only on a hash match;
//  - entries live in chunks of kChunk slots that never move, and the
//    recency list is threaded through them (no node per entry);
//  - once full, an insert reuses the evicted entry's slot: a steady stream
//    of new flows allocates nothing here.
//
// Contract: Hash gives std::size_t (it is mixed again, so a weak hash is
// fine); Key is equality comparable. References to values stay valid until
// their entry is evicted or the map is destroyed. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

namespace p2pscope::passive {

template <class Key, class Value, class Hash>
class LruMap {
 public:
  // capacity is clamped to [1, 2^31).
  explicit LruMap(std::size_t capacity, Hash hash = Hash{})
      : capacity_(static_cast<std::uint32_t>(std::clamp<std::size_t>(capacity, 1, kMaxCapacity))),
        hash_(std::move(hash)),
        index_(16) {}

  // The value under key, which becomes the most recently used; nullptr when
  // there is none.
  Value* find(const Key& key) {
    auto h = hash32(key);
    auto mask = index_.size() - 1;
    for (auto i = h & mask;; i = (i + 1) & mask) {
      const auto& b = index_[i];
      if (b.slot == kEmpty) return nullptr;
      if (b.hash != h) continue;
      auto& s = slot(b.slot);
      if (s.key == key) {
        touch(b.slot);
        return &s.value;
      }
    }
  }

  // Stores Value(args...) under key, which must not be present, as the most
  // recently used entry. When the map is full, the least recently used entry
  // is evicted first: on_evict(key, value) sees it, then its slot is reused
  // (the new value is move-assigned into it).
  template <class OnEvict, class... Args>
  Value& emplace_evicting(OnEvict&& on_evict, const Key& key, Args&&... args) {
    std::uint32_t n;
    if (size_ < capacity_) {
      n = size_;
      if (n % kChunk == 0) {
        chunks_.emplace_back();
        chunks_.back().reserve(kChunk);  // never grows past this, so slots never move
      }
      chunks_.back().emplace_back(key, std::forward<Args>(args)...);
      ++size_;  // only once the slot exists: a throwing constructor leaves the map as it was
    } else {
      Value fresh(std::forward<Args>(args)...);  // before anything is unlinked, for the same reason
      n = tail_;
      auto& old = slot(n);
      unindex(n);
      unlink(n);
      on_evict(std::as_const(old.key), old.value);
      old.key = key;
      old.value = std::move(fresh);
      ++evictions_;
    }
    auto& s = slot(n);
    s.hash = hash32(key);
    link_front(n);
    if (std::size_t{size_} * 2 > index_.size()) grow();
    else place(n, s.hash);
    return s.value;
  }
  template <class... Args>
  Value& emplace(const Key& key, Args&&... args) {
    return emplace_evicting([](const Key&, Value&) {}, key, std::forward<Args>(args)...);
  }

  // f(key, value) for every entry, least recently used first.
  template <class F>
  void for_each_oldest_first(F&& f) {
    for (auto n = tail_; n != kNone; n = slot(n).prev) f(std::as_const(slot(n).key), slot(n).value);
  }

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  std::uint64_t evictions() const noexcept { return evictions_; }

 private:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::uint32_t kEmpty = kNone;
  static constexpr std::size_t kMaxCapacity = (std::size_t{1} << 31) - 1;
  static constexpr std::uint32_t kChunk = 256;

  struct Slot {
    template <class... Args>
    explicit Slot(const Key& k, Args&&... args) : key(k), value(std::forward<Args>(args)...) {}
    Key key;
    Value value;
    std::uint32_t hash = 0;
    std::uint32_t prev = kNone, next = kNone;  // towards the most / least recently used
  };
  struct Bucket {
    std::uint32_t slot = kEmpty;
    std::uint32_t hash = 0;
  };

  std::uint32_t hash32(const Key& key) const {
    std::uint64_t x = hash_(key);  // murmur3's finaliser: every input bit reaches the low 32
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return static_cast<std::uint32_t>(x);
  }
  Slot& slot(std::uint32_t n) { return chunks_[n / kChunk][n % kChunk]; }

  void place(std::uint32_t n, std::uint32_t h) {
    auto mask = index_.size() - 1;
    auto i = h & mask;
    while (index_[i].slot != kEmpty) i = (i + 1) & mask;
    index_[i] = {n, h};
  }
  void grow() {
    index_.assign(index_.size() * 2, Bucket{});
    for (std::uint32_t n = 0; n < size_; ++n) place(n, slot(n).hash);
  }
  // Removes slot n from the index, shifting later buckets of the same run
  // back so that no probe sequence is broken (no tombstones).
  void unindex(std::uint32_t n) {
    auto mask = index_.size() - 1;
    auto i = slot(n).hash & mask;
    while (index_[i].slot != n) i = (i + 1) & mask;
    for (auto j = (i + 1) & mask; index_[j].slot != kEmpty; j = (j + 1) & mask) {
      auto home = index_[j].hash & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        index_[i] = index_[j];
        i = j;
      }
    }
    index_[i] = Bucket{};
  }

  void unlink(std::uint32_t n) {
    auto& s = slot(n);
    if (s.prev != kNone) slot(s.prev).next = s.next;
    else head_ = s.next;
    if (s.next != kNone) slot(s.next).prev = s.prev;
    else tail_ = s.prev;
    s.prev = s.next = kNone;
  }
  void link_front(std::uint32_t n) {
    auto& s = slot(n);
    s.prev = kNone;
    s.next = head_;
    if (head_ != kNone) slot(head_).prev = n;
    head_ = n;
    if (tail_ == kNone) tail_ = n;
  }
  void touch(std::uint32_t n) {
    if (head_ == n) return;
    unlink(n);
    link_front(n);
  }

  std::uint32_t capacity_;
  Hash hash_;
  std::vector<Bucket> index_;  // a power of two in size, at most half full
  std::vector<std::vector<Slot>> chunks_;
  std::uint32_t size_ = 0;
  std::uint32_t head_ = kNone, tail_ = kNone;  // most / least recently used
  std::uint64_t evictions_ = 0;
};

}  // namespace p2pscope::passive
