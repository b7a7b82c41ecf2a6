// Round-trip property check: for `cases` seeds, a value made by make(Gen&)
// must survive decode(encode(value)) unchanged. A failure names its seed.
#pragma once

#include "tests/testlib/random_values.hpp"

#include <gtest/gtest.h>

namespace p2pscope::testlib {

template <class Make, class Encode, class Decode>
void expect_round_trips(std::uint64_t cases, Make make, Encode encode, Decode decode) {
  for (std::uint64_t seed = 0; seed < cases; ++seed) {
    Gen g(seed);
    auto value = make(g);
    auto decoded = decode(encode(value));
    ASSERT_TRUE(decoded) << "seed " << seed << ": " << decoded.error().message();
    EXPECT_EQ(decoded.value(), value) << "seed " << seed;
  }
}

}  // namespace p2pscope::testlib
