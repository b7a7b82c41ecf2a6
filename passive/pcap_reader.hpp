// Reads captured frames from a pcap or pcapng file through libpcap, one at a
// time, in file order. A file that ends mid-record or holds a corrupt record
// ends the read with an error after every good frame before it; nothing
// before the damage is lost.
//
// Ownership: the reader owns the libpcap handle. A Frame's data is valid
// until the next call to next(). Not thread-safe; move-only.
#pragma once

#include "core/error.hpp"
#include "core/packet.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct pcap;

namespace p2pscope::passive {

struct Frame {
  double t = 0;                 // capture time, seconds since the epoch
  std::string_view data;        // as captured (may be cut by the snap length)
  std::size_t wire_length = 0;  // as it was on the wire
};

class PcapReader {
 public:
  // errc::bad_value when libpcap cannot read the file (not a capture, an
  // unsupported version) or its link type is not one decode_frame knows;
  // *detail says what libpcap or we found.
  static Result<PcapReader> open(const std::filesystem::path& file, std::string* detail);

  // The next frame; nullopt at the end of the file. errc::truncated when the
  // file ends inside a record or a record is corrupt (*detail as above).
  Result<std::optional<Frame>> next(std::string* detail = nullptr);

  LinkType link() const noexcept { return link_; }

 private:
  struct Close {
    void operator()(pcap* p) const noexcept;
  };
  PcapReader(std::unique_ptr<pcap, Close> h, LinkType link) : handle_(std::move(h)), link_(link) {}
  std::unique_ptr<pcap, Close> handle_;
  LinkType link_;
};

// What read_packets saw of one capture.
struct ReadSummary {
  std::uint64_t frames = 0;            // frames read (before any damage)
  std::uint64_t not_ip = 0;            // frames decode_frame refused (not IP, or cut in a header)
  std::optional<std::string> damage;   // the file ended in a damaged record after `frames` good ones
};

// Reads every frame of file in order and calls on_frame with it and its
// decoded packet (nullptr when the frame is not IP). errc::bad_value (and
// *detail) when the file cannot be opened as a capture; damage after that
// is in the summary, everything before it was delivered.
Result<ReadSummary> read_packets(const std::filesystem::path& file,
                                 const std::function<void(const Frame&, const Packet*)>& on_frame, std::string* detail);

}  // namespace p2pscope::passive
