// Classic pcap files (the 2.4 format, in this machine's byte order) read
// without libpcap's per-record work: records are parsed in place from a
// 1 MiB buffer that read(2) fills. libpcap reads each record with two
// fread calls into its own buffer, through stdio's buffer; on the passive
// benchmark's 1,000,000-packet capture that made the reading thread as
// slow as the analyses (bench/README.md). Everything else (pcapng, other
// versions and byte orders, pipes) stays with libpcap, which also still
// opens every file first and so decides what is a capture at all.
//
// It gives what libpcap gives for the same file, frame for frame: the same
// time stamps (nanosecond files cut to microseconds), the same cutting of a
// record longer than the file's snap length, and for a damaged file the
// same frames before the damage and libpcap's own message for it
// (pcap_file_test.cpp checks both readers on the same files).
//
// Ownership: owns its descriptor and buffer. A frame's data is valid until
// the next call to next(). Not thread-safe; move-only.
#pragma once

#include "core/error.hpp"
#include "passive/pcap_reader.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope::passive {

// The 24-byte file header, when it is one this reader takes: nullopt for
// anything else (libpcap reads those).
struct ClassicPcapHeader {
  bool nanoseconds = false;
};
std::optional<ClassicPcapHeader> classic_pcap_header(std::string_view first_bytes) noexcept;

class ClassicPcapFile {
 public:
  // The records of the file open on `fd` (which it takes, and closes), from
  // just after the header: the descriptor libpcap opened, duplicated, so
  // that both read the same file. `snapshot` is the snap length libpcap
  // settled on for it (pcap_snapshot). nullopt (fd closed) when it is not a
  // regular file this reader takes; then use libpcap.
  static std::optional<ClassicPcapFile> adopt(int fd, int snapshot);

  ClassicPcapFile(ClassicPcapFile&& o) noexcept;
  ClassicPcapFile& operator=(ClassicPcapFile&& o) noexcept;
  ClassicPcapFile(const ClassicPcapFile&) = delete;
  ClassicPcapFile& operator=(const ClassicPcapFile&) = delete;
  ~ClassicPcapFile();

  // As PcapReader::next for a file: nullopt at the end, errc::truncated
  // (with libpcap's wording in the message) at damage or a read error.
  StatusOr<std::optional<Frame>> next();

 private:
  ClassicPcapFile(int fd, ClassicPcapHeader h, std::uint32_t snapshot);
  // At least `want` bytes from pos_ in the buffer, unless the file ends
  // first; an error on a read error. Moves what is unread to
  // the front, so views into the buffer end here.
  Status fill(std::size_t want);
  std::size_t available() const noexcept { return end_ - pos_; }

  int fd_ = -1;
  ClassicPcapHeader header_;
  std::uint32_t snapshot_ = 0;
  std::vector<char> buf_;
  std::size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
};

}  // namespace p2pscope::passive
