#include "store/spool.hpp"

#include "store/fd_io.hpp"
#include "store/record_json.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace p2pscope {
namespace {



struct Header {
  std::string writer;
  std::uint64_t seq = 0;
  std::size_t records = 0;
};

std::optional<Header> parse_header(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("spool_batch")) return std::nullopt;
  const auto& h = j["spool_batch"];
  if (!h.is_object() || !h.value("writer", nlohmann::json()).is_string() || !h.value("seq", nlohmann::json()).is_number_unsigned() ||
      !h.value("records", nlohmann::json()).is_number_unsigned())
    return std::nullopt;
  return Header{h["writer"].get<std::string>(), h["seq"].get<std::uint64_t>(), h["records"].get<std::size_t>()};
}

}  // namespace

Result<Spool> Spool::open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return last_errno();
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    auto ec = errno == EWOULDBLOCK ? std::make_error_code(std::errc::resource_unavailable_try_again) : last_errno();
    ::close(fd);
    return ec;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto ec = last_errno();
    ::close(fd);
    return ec;
  }
  return Spool(path, fd, static_cast<std::uint64_t>(st.st_size));
}

Spool::Spool(Spool&& o) noexcept : path_(std::move(o.path_)), fd_(std::exchange(o.fd_, -1)), size_(o.size_), torn_(o.torn_) {}

Spool& Spool::operator=(Spool&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    fd_ = std::exchange(o.fd_, -1);
    size_ = o.size_;
    torn_ = o.torn_;
  }
  return *this;
}

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
}

Status Spool::append(const Batch& b) {
  nlohmann::json h{{"spool_batch", {{"writer", b.writer}, {"seq", b.seq}, {"records", b.records.size()}}}};
  std::string text = h.dump() + "\n";
  for (const auto& r : b.records) {
    text += to_json_line(r);
    text += '\n';
  }
  std::string_view pending = text;
  auto st = write_fully(fd_, pending);
  if (st && ::fdatasync(fd_) != 0) st = last_errno();
  if (!st) {
    // Cut a partly written batch off so the file stays a sequence of whole
    // batches; the caller still holds this one.
    (void)::ftruncate(fd_, static_cast<off_t>(size_));
    return st;
  }
  size_ += text.size();
  return success();
}

Status Spool::read(const std::function<Status(Batch&&)>& on_batch) {
  torn_ = 0;
  std::ifstream in(path_);
  if (!in) return std::make_error_code(std::errc::io_error);
  std::string line;
  std::optional<Header> pending;
  Batch b;
  auto emit = [&]() -> Status {
    if (!pending) return success();
    if (b.records.size() != pending->records) {
      ++torn_;
    } else {
      b.writer = pending->writer;
      b.seq = pending->seq;
      P2PSCOPE_CHECK(on_batch(std::move(b)));
    }
    b = Batch{};
    pending.reset();
    return success();
  };
  while (std::getline(in, line)) {
    if (auto h = parse_header(line)) {
      P2PSCOPE_CHECK(emit());
      pending = h;
      continue;
    }
    auto r = parse_record(line);
    // A line that is neither belongs to a batch torn by a crash mid-write.
    if (!pending || !r) {
      if (pending) ++torn_;
      pending.reset();
      b = Batch{};
      continue;
    }
    b.records.push_back(std::move(r).value());
  }
  return emit();
}

Status Spool::clear() {
  if (::ftruncate(fd_, 0) != 0) return last_errno();
  size_ = 0;
  return success();
}

std::vector<std::filesystem::path> adoptable_spools(const std::filesystem::path& dir) {
  std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".spool" || !e.is_regular_file()) continue;
    int fd = ::open(e.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);
    if (free) found.emplace_back(e.last_write_time(ec), e.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> out;
  for (auto& [t, p] : found) out.push_back(std::move(p));
  return out;
}

}  // namespace p2pscope
