// Bounded zlib inflation for the formats the wires and lists use: gzip
// (RFC 1952; HTTP bodies, .gz lists) and zlib (RFC 1950; eMule's packed
// frames). Pure; safe from any thread.
#pragma once

#include "core/error.hpp"

#include <string>
#include <string_view>

namespace p2pscope {

enum class Wrapping : bool { gzip, zlib };

// At most max_out bytes: errc::oversized past it, errc::bad_compression for
// a corrupt or truncated stream.
Result<std::string> inflate_bounded(std::string_view in, Wrapping w, std::size_t max_out);
// zlib at the default level (what eMule's compress2 writes).
std::string deflate_zlib(std::string_view in);
// gzip (RFC 1952), best compression, no name or time in the header: the same
// input always gives the same bytes (an HTTP feed's .gz and its ETag).
std::string deflate_gzip(std::string_view in);

}  // namespace p2pscope
