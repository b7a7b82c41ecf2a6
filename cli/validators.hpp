// Command-line validators for floating-point options. CLI11's Range and
// PositiveNumber let "nan" through (every comparison with NaN is false), and
// "inf" past an upper bound of infinity: a NaN rate printed "unlimited" and
// turned politeness off. These accept finite numbers only.
#pragma once

#include <CLI/CLI.hpp>

#include <cmath>
#include <sstream>
#include <string>

namespace p2pscope::cli {

// "[0 - 1e+06]": the bounds as people write them.
inline std::string range_text(double lo, double hi) {
  std::ostringstream s;
  s << "[" << lo << " - " << hi << "]";
  return s.str();
}

// A finite number in [lo, hi].
inline CLI::Validator FiniteRange(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(text, v) || !std::isfinite(v)) return "not a finite number: " + text;
        if (v < lo || v > hi) return "value " + text + " not in range " + range_text(lo, hi);
        return {};
      },
      "FLOAT in " + range_text(lo, hi));
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
