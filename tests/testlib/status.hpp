// gtest helpers for StatusOr: ASSERT_TRUE(is_ok(f())) prints the error's
// message when f fails. Header-only; for tests only.
#pragma once

#include "core/error.hpp"

#include <gtest/gtest.h>

namespace p2pscope::test {

template <class T>
::testing::AssertionResult is_ok(const StatusOr<T>& r) {
  if (r) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.error().message() << " [" << r.error().code().category().name() << ":"
                                       << r.error().code().value() << "]";
}

}  // namespace p2pscope::test
