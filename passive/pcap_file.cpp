#include "passive/pcap_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <utility>

namespace p2pscope::passive {
namespace {

constexpr std::size_t kFileHeader = 24, kRecordHeader = 16;
constexpr std::size_t kChunk = std::size_t{1} << 20;
// libpcap's MAXIMUM_SNAPLEN, its bound for every link type decode_frame takes.
constexpr std::uint32_t kMaxCaplen = 262144;

std::uint32_t u32(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// libpcap's own wording, so that both readers report damage alike.
[[gnu::format(printf, 1, 2)]] Error truncated(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::string text(256, '\0');
  int n = std::vsnprintf(text.data(), text.size(), format, args);
  va_end(args);
  text.resize(n < 0 ? 0 : std::min(static_cast<std::size_t>(n), text.size() - 1));
  return fail(errc::truncated, std::move(text));
}

}  // namespace

std::optional<ClassicPcapHeader> classic_pcap_header(std::string_view b) noexcept {
  if (b.size() < kFileHeader) return std::nullopt;
  std::uint32_t magic = u32(b.data());
  std::uint16_t major, minor;
  std::memcpy(&major, b.data() + 4, 2);
  std::memcpy(&minor, b.data() + 6, 2);
  // Versions before 2.4 may have swapped length fields, which libpcap undoes.
  if (major != 2 || minor != 4) return std::nullopt;
  if (magic == 0xa1b2c3d4) return ClassicPcapHeader{false};
  if (magic == 0xa1b23c4d) return ClassicPcapHeader{true};
  return std::nullopt;
}

std::optional<ClassicPcapFile> ClassicPcapFile::adopt(int fd, int snapshot) {
  if (fd < 0) return std::nullopt;
  struct stat st{};
  char head[kFileHeader];
  std::optional<ClassicPcapHeader> h;
  if (snapshot > 0 && static_cast<std::uint32_t>(snapshot) <= kMaxCaplen && ::fstat(fd, &st) == 0 &&
      S_ISREG(st.st_mode) && ::pread(fd, head, kFileHeader, 0) == kFileHeader) {
    h = classic_pcap_header(std::string_view(head, kFileHeader));
  }
  // The offset is libpcap's too (the descriptor is a duplicate): it moves
  // only once libpcap will read no more.
  if (!h || ::lseek(fd, kFileHeader, SEEK_SET) != static_cast<off_t>(kFileHeader)) {
    ::close(fd);
    return std::nullopt;
  }
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return ClassicPcapFile(fd, *h, static_cast<std::uint32_t>(snapshot));
}

ClassicPcapFile::ClassicPcapFile(int fd, ClassicPcapHeader h, std::uint32_t snapshot)
    : fd_(fd), header_(h), snapshot_(snapshot), buf_(kChunk) {}

ClassicPcapFile::ClassicPcapFile(ClassicPcapFile&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      header_(o.header_),
      snapshot_(o.snapshot_),
      buf_(std::move(o.buf_)),
      pos_(o.pos_),
      end_(o.end_),
      eof_(o.eof_) {}

ClassicPcapFile& ClassicPcapFile::operator=(ClassicPcapFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    header_ = o.header_;
    snapshot_ = o.snapshot_;
    buf_ = std::move(o.buf_);
    pos_ = o.pos_;
    end_ = o.end_;
    eof_ = o.eof_;
  }
  return *this;
}

ClassicPcapFile::~ClassicPcapFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status ClassicPcapFile::fill(std::size_t want) {
  if (available() >= want || eof_) return success();
  std::memmove(buf_.data(), buf_.data() + pos_, available());
  end_ -= pos_;
  pos_ = 0;
  if (buf_.size() < want) buf_.resize(want);
  while (end_ < want && !eof_) {
    // Read as much as fits, so that most calls find their record whole.
    auto n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errc::truncated, std::string("error reading dump file: ") + std::strerror(errno));
    if (n == 0) eof_ = true;
    end_ += static_cast<std::size_t>(n);
  }
  return success();
}

StatusOr<std::optional<Frame>> ClassicPcapFile::next() {
  P2PSCOPE_CHECK(fill(kRecordHeader));
  if (available() == 0) return std::optional<Frame>{};
  if (available() < kRecordHeader)
    return truncated("truncated dump file; tried to read %zu header bytes, only got %zu", kRecordHeader, available());
  const char* h = buf_.data() + pos_;
  // Read as libpcap's struct pcap_sf_pkthdr holds them: signed 32-bit times.
  auto sec = static_cast<std::int32_t>(u32(h));
  auto sub = static_cast<std::int32_t>(u32(h + 4));
  std::uint32_t caplen = u32(h + 8), len = u32(h + 12);
  if (caplen > kMaxCaplen)
    return truncated("invalid packet capture length %u, bigger than snaplen of %d", caplen, static_cast<int>(snapshot_));
  std::uint32_t keep = std::min(caplen, snapshot_);
  P2PSCOPE_CHECK(fill(kRecordHeader + caplen));
  std::size_t got = available() - kRecordHeader;
  if (got < caplen) {
    // libpcap names the snap length when the record was longer than it and
    // not even that much is there.
    if (caplen > snapshot_ && got < snapshot_)
      return truncated("truncated dump file; tried to read %d captured bytes, only got %zu", static_cast<int>(snapshot_), got);
    return truncated("truncated dump file; tried to read %u captured bytes, only got %zu", caplen, got);
  }
  std::int64_t usec = header_.nanoseconds ? std::int64_t{sub} / 1000 : sub;
  Frame f;
  f.t = static_cast<double>(sec) + static_cast<double>(usec) / 1e6;
  f.data = std::string_view(buf_.data() + pos_ + kRecordHeader, keep);
  f.wire_length = len;
  pos_ += kRecordHeader + caplen;
  return std::optional<Frame>{f};
}

}  // namespace p2pscope::passive
