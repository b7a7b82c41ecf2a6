#include "store/jsonl.hpp"

#include "store/fd_io.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace p2pscope {
namespace {

constexpr std::size_t kReadChunk = 1 << 16;

}  // namespace

Result<std::unique_ptr<JsonlWriter>> JsonlWriter::open(const std::string& path, OpenMode mode,
                                                       std::size_t buffer_bytes) {
  if (path == "-") return std::make_unique<JsonlWriter>(Key{}, STDOUT_FILENO, false, buffer_bytes);
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode == OpenMode::append ? O_APPEND : O_TRUNC);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return last_errno();
  return std::make_unique<JsonlWriter>(Key{}, fd, true, buffer_bytes);
}

JsonlWriter::~JsonlWriter() {
  (void)flush();  // best effort; callers that care call flush()/sync() and check
  if (owned_) ::close(fd_);
}

Status JsonlWriter::write(const Record& r) {
  buffer_ += to_json_line(r);
  buffer_ += '\n';
  ++buffered_records_;
  if (buffer_.size() >= limit_) return flush();
  return success();
}

Status JsonlWriter::flush() {
  std::string_view pending = buffer_;
  if (auto st = write_fully(fd_, pending); !st) {
    buffer_.erase(0, buffer_.size() - pending.size());  // keep only what did not reach the file
    return st;
  }
  buffer_.clear();
  written_ += buffered_records_;
  buffered_records_ = 0;
  return success();
}

Status JsonlWriter::sync() {
  P2PSCOPE_CHECK(flush());
  if (::fsync(fd_) != 0 && errno != EINVAL) return last_errno();  // EINVAL: a pipe or tty
  return success();
}

Result<std::unique_ptr<JsonlReader>> JsonlReader::open(const std::string& path, const JsonLimits& lim) {
  if (path == "-") return std::make_unique<JsonlReader>(Key{}, STDIN_FILENO, false, lim);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return last_errno();
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return std::make_error_code(std::errc::is_a_directory);
  }
  return std::make_unique<JsonlReader>(Key{}, fd, true, lim);
}

JsonlReader::~JsonlReader() {
  if (owned_) ::close(fd_);
}

Result<bool> JsonlReader::read_line(std::string& line) {
  line.clear();
  bool too_long = false;
  for (;;) {
    auto nl = buf_.find('\n', pos_);
    auto end = nl == std::string::npos ? buf_.size() : nl;
    if (!too_long) line.append(buf_, pos_, end - pos_);
    if (line.size() > lim_.max_line) {
      too_long = true;  // keep consuming to the newline, but stop storing
      line.clear();
    }
    pos_ = end;
    if (nl != std::string::npos) {
      ++pos_;
      break;
    }
    if (eof_) {
      if (line.empty() && !too_long) return false;
      break;
    }
    buf_.resize(kReadChunk);
    pos_ = 0;
    auto n = ::read(fd_, buf_.data(), buf_.size());
    buf_.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_errno();
    eof_ = n == 0;
  }
  ++line_;
  if (too_long) return errc::oversized;
  return true;
}

StatusOr<std::optional<Record>> JsonlReader::next() {
  std::string line;
  for (;;) {
    auto more = read_line(line);
    if (!more)
      return fail(more.error(), more.error() == errc::oversized
                                    ? "line longer than " + std::to_string(lim_.max_line) + " bytes"
                                    : "reading: " + more.error().message());
    if (!more.value()) return std::optional<Record>{};
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto rec = parse_record(line, lim_);
    if (!rec) return rec.error();
    return std::optional<Record>{std::move(rec).value()};
  }
}

}  // namespace p2pscope
