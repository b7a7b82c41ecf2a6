// JSON Lines record files: the embedded default store, one record per line.
//
// JsonlWriter buffers lines and writes them with write(2), so a failing disk
// (ENOSPC, EIO) is reported by the call that hit it; lines that could not be
// written stay buffered and are retried by the next flush(), never dropped.
// JsonlReader reads with a bounded line length and reports the line number
// of a bad record. Neither is thread-safe; each owns its file descriptor.
#pragma once

#include "core/record_sink.hpp"
#include "core/records.hpp"
#include "store/record_json.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace p2pscope {

enum class OpenMode : std::uint8_t { append, truncate };

class JsonlWriter final : public RecordSink {
  struct Key {};  // restricts construction to open()

 public:
  // path "-" means standard output (not closed on destruction).
  static Result<std::unique_ptr<JsonlWriter>> open(const std::string& path, OpenMode mode = OpenMode::append,
                                                   std::size_t buffer_bytes = 1 << 16);
  JsonlWriter(Key, int fd, bool owned, std::size_t buffer_bytes) : fd_(fd), owned_(owned), limit_(buffer_bytes) {}
  ~JsonlWriter() override;
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;

  Status write(const Record& r) override;
  Status flush() override;            // write(2) all buffered lines
  Status sync();                      // flush() then fsync(2)
  std::size_t pending_bytes() const noexcept { return buffer_.size(); }
  std::uint64_t records_written() const noexcept { return written_; }

 private:
  int fd_;
  bool owned_;
  std::size_t limit_;
  std::string buffer_;
  std::uint64_t buffered_records_ = 0;
  std::uint64_t written_ = 0;
};

class JsonlReader {
  struct Key {};

 public:
  // path "-" means standard input.
  static Result<std::unique_ptr<JsonlReader>> open(const std::string& path, const JsonLimits& lim = {});
  JsonlReader(Key, int fd, bool owned, const JsonLimits& lim) : fd_(fd), owned_(owned), lim_(lim) {}
  ~JsonlReader();
  JsonlReader(const JsonlReader&) = delete;
  JsonlReader& operator=(const JsonlReader&) = delete;

  // The next record; nullopt at end of file. Blank lines are skipped. On a bad
  // line returns its error, whose message says what; line() says where, and
  // the next call continues with the following line.
  StatusOr<std::optional<Record>> next();
  std::size_t line() const noexcept { return line_; }

 private:
  // Fills line with the next line (without '\n'); false at end of file.
  Result<bool> read_line(std::string& line);
  int fd_;
  bool owned_;
  JsonLimits lim_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::size_t line_ = 0;
};

}  // namespace p2pscope
