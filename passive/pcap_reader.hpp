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

}  // namespace p2pscope::passive
