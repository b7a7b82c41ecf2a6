// Internal to probes/: the lines of a plain or gzip file, read through
// zlib (which reads both the same way) 64 KiB at a time into one buffer
// that never holds more than a line of max_line bytes and a chunk, so a
// multi-gigabyte list or RIB dump never sits in memory.
// Not thread-safe; owns its file.
#pragma once

#include <zlib.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace p2pscope::probes {

class LineReader {
 public:
  LineReader(const std::filesystem::path& f, std::size_t max_line) : gz_(gzopen(f.c_str(), "rb")), max_line_(max_line) {
    if (gz_) gzbuffer(gz_, 1 << 17);
  }
  ~LineReader() {
    if (gz_) gzclose(gz_);
  }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  bool is_open() const { return gz_ != nullptr; }
  // The next line without its newline (a view valid until the next call),
  // NUL bytes included; nullopt at the end. *too_long is set when a line
  // runs past max_line bytes (the caller stops there); *broken when the
  // stream is corrupt or truncated.
  std::optional<std::string_view> next(bool* too_long, bool* broken) {
    for (;;) {
      auto nl = buf_.find('\n', pos_);
      if (nl != std::string::npos) return take(nl, nl + 1, too_long);
      if (buf_.size() - pos_ > max_line_) return take(buf_.size(), buf_.size(), too_long);
      if (eof_) {
        *broken = broken_;
        // The unfinished tail of a damaged stream is no line.
        if (broken_ || pos_ == buf_.size()) return std::nullopt;
        return take(buf_.size(), buf_.size(), too_long);
      }
      buf_.erase(0, pos_);
      pos_ = 0;
      auto had = buf_.size();
      buf_.resize(had + kChunk);
      int n = gzread(gz_, buf_.data() + had, kChunk);
      buf_.resize(had + static_cast<std::size_t>(n > 0 ? n : 0));
      if (n <= 0) {
        eof_ = true;
        int err = Z_OK;
        gzerror(gz_, &err);
        broken_ = n < 0 || (err != Z_OK && err != Z_STREAM_END);  // a cut gzip stream: Z_BUF_ERROR
      }
    }
  }

 private:
  static constexpr unsigned kChunk = 1 << 16;
  std::string_view take(std::size_t end, std::size_t next, bool* too_long) {
    std::string_view line(buf_.data() + pos_, end - pos_);
    if (line.size() > max_line_) *too_long = true;
    pos_ = next;
    return line;
  }
  gzFile gz_;
  std::size_t max_line_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false, broken_ = false;
};

}  // namespace p2pscope::probes
