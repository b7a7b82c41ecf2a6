#include "core/inflate.hpp"

#include <zlib.h>

#include <algorithm>

namespace p2pscope {

Result<std::string> inflate_bounded(std::string_view in, Wrapping w, std::size_t max_out) {
  z_stream z{};
  if (inflateInit2(&z, w == Wrapping::gzip ? 16 + MAX_WBITS : MAX_WBITS) != Z_OK) return errc::bad_compression;
  std::string out;
  // Sized to the input: a tracker reply of a few hundred bytes should not
  // clear 64 KiB (the passive pass inflates one per HTTP announce).
  std::string chunk(std::clamp<std::size_t>(in.size() * 4, 4096, std::size_t{1} << 16), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(chunk.data(), chunk.size() - z.avail_out);
    if (out.size() > max_out) {
      inflateEnd(&z);
      return errc::oversized;
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) break;  // truncated input
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return errc::bad_compression;
  return out;
}

std::string deflate_zlib(std::string_view in) {
  auto bound = compressBound(static_cast<uLong>(in.size()));
  std::string out(bound, '\0');
  auto size = bound;
  // compress2 fails only for want of memory or a bad level; neither applies.
  (void)compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(in.data()),
                  static_cast<uLong>(in.size()), Z_DEFAULT_COMPRESSION);
  out.resize(size);
  return out;
}

std::string deflate_gzip(std::string_view in) {
  z_stream z{};
  // 16 + MAX_WBITS asks zlib for the gzip wrapper; init fails only for want of memory.
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  (void)deflate(&z, Z_FINISH);  // the bound makes one call enough
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace p2pscope
