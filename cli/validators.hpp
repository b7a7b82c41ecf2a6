// Command-line validators for floating-point options. CLI11's Range and
// PositiveNumber let "nan" through (every comparison with NaN is false), and
// "inf" past an upper bound of infinity: a NaN rate printed "unlimited" and
// turned politeness off. These accept finite numbers only.
#pragma once

#include <CLI/CLI.hpp>

#include <cmath>
#include <string>

namespace p2pscope::cli {

// A finite number in [lo, hi].
inline CLI::Validator FiniteRange(double lo, double hi) {
  auto describe = "[" + CLI::detail::to_string(lo) + " - " + CLI::detail::to_string(hi) + "]";
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(text, v) || !std::isfinite(v)) return "not a finite number: " + text;
        if (v < lo || v > hi)
          return "value " + text + " not in range [" + CLI::detail::to_string(lo) + " - " + CLI::detail::to_string(hi) + "]";
        return {};
      },
      "FLOAT in " + describe);
}

// A finite number above zero.
inline CLI::Validator FinitePositive() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(text, v) || !std::isfinite(v)) return "not a finite number: " + text;
        if (v <= 0) return "not a positive number: " + text;
        return {};
      },
      "POSITIVE");
}

}  // namespace p2pscope::cli
