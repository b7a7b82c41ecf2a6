#include "passive/lru_map.hpp"

#include <gtest/gtest.h>

#include <list>
#include <random>
#include <string>
#include <unordered_map>

namespace p2pscope::passive {
namespace {

// Every key lands in one of `buckets` hash values, so probe runs are long
// and removals have to shift entries back across them.
struct CollidingHash {
  std::size_t buckets = 3;
  std::size_t operator()(int k) const { return static_cast<std::size_t>(k) % buckets; }
};
using Map = LruMap<int, std::string, CollidingHash>;

std::vector<int> keys_oldest_first(Map& m) {
  std::vector<int> keys;
  m.for_each_oldest_first([&](int k, const std::string&) { keys.push_back(k); });
  return keys;
}

TEST(PassiveLruMap, FindsWhatWasInsertedAndNothingElse) {
  Map m(10);
  m.emplace(1, "one");
  m.emplace(4, "four");  // same hash as 1
  ASSERT_NE(m.find(4), nullptr);
  EXPECT_EQ(*m.find(4), "four");
  EXPECT_EQ(*m.find(1), "one");
  EXPECT_EQ(m.find(7), nullptr);
  EXPECT_EQ(m.size(), 2u);
}

TEST(PassiveLruMap, EvictsTheLeastRecentlyUsedAndReusesItsSlot) {
  Map m(3);
  m.emplace(1, "a");
  m.emplace(2, "b");
  m.emplace(3, "c");
  (void)m.find(1);  // 2 is now the oldest
  std::vector<std::pair<int, std::string>> evicted;
  m.emplace_evicting([&](int k, std::string& v) { evicted.emplace_back(k, v); }, 4, "d");
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0], std::make_pair(2, std::string("b")));
  EXPECT_EQ(m.find(2), nullptr);
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.evictions(), 1u);
  EXPECT_EQ(keys_oldest_first(m), (std::vector<int>{3, 1, 4}));
}

TEST(PassiveLruMap, ValuesStayPutWhileTheIndexGrows) {
  LruMap<int, int, std::hash<int>> m(100000);
  int& first = m.emplace(0, 42);
  for (int k = 1; k < 50000; ++k) m.emplace(k, k);
  EXPECT_EQ(&first, m.find(0));
  EXPECT_EQ(first, 42);
}

TEST(PassiveLruMap, AgreesWithAReferenceModelUnderRandomUse) {
  for (std::size_t buckets : {1u, 3u, 1000u}) {
    Map m(64, CollidingHash{buckets});
    std::list<int> order;  // most recent first
    std::unordered_map<int, std::pair<std::string, std::list<int>::iterator>> ref;
    std::mt19937 rng(7);
    for (int step = 0; step < 20000; ++step) {
      int k = static_cast<int>(rng() % 200);
      auto* got = m.find(k);
      auto it = ref.find(k);
      ASSERT_EQ(got != nullptr, it != ref.end()) << "key " << k << " step " << step;
      if (got) {
        ASSERT_EQ(*got, it->second.first);
        order.splice(order.begin(), order, it->second.second);
        continue;
      }
      if (ref.size() == 64) {
        ref.erase(order.back());
        order.pop_back();
      }
      order.push_front(k);
      ref[k] = {std::to_string(step), order.begin()};
      m.emplace(k, std::to_string(step));
    }
    EXPECT_EQ(keys_oldest_first(m), std::vector<int>(order.rbegin(), order.rend())) << buckets;
  }
}

TEST(PassiveLruMap, ACapacityOfZeroHoldsOne) {
  Map m(0);
  m.emplace(1, "a");
  m.emplace(2, "b");
  EXPECT_EQ(m.find(1), nullptr);
  EXPECT_NE(m.find(2), nullptr);
}

}  // namespace
}  // namespace p2pscope::passive
