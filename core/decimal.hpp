// Shortest round-trip decimal text for doubles, as std::to_chars(first,
// last, value, std::chars_format::fixed) writes it, with a fast path for
// capture times. Pure; thread-safe.
#pragma once

#include <string>

namespace p2pscope {

// Appends exactly what std::to_chars(..., v, std::chars_format::fixed)
// gives. Capture times (whole microseconds since the epoch, below 2^32 s)
// take a path that prints seconds and microseconds as integers, about a
// tenth of to_chars' cost; every other value goes through to_chars.
void append_fixed(double v, std::string& out);

}  // namespace p2pscope
