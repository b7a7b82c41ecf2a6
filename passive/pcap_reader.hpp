// Reads captured frames through libpcap, one at a time: from a pcap or
// pcapng file in file order, or live from a network interface. A file that
// ends mid-record or holds a corrupt record ends the read with an error after
// every good frame before it; nothing before the damage is lost. A live read
// ends when the caller's keep_going says so (checked after every frame and at
// least every LiveOptions::timeout while the interface is quiet).
//
// Ownership: the reader owns the libpcap handle. A Frame's data is valid
// until the next call to next(). Not thread-safe; move-only.
//
// A classic pcap file in this machine's byte order is opened by libpcap
// (which decides it is a capture) and then read by ClassicPcapFile, which
// gives the same frames faster (pcap_file.hpp); filters then run through
// pcap_offline_filter. Every other file, and live captures, are read by
// libpcap itself.
#pragma once

#include "core/error.hpp"
#include "core/packet.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pcap;

namespace p2pscope::passive {

class ClassicPcapFile;

struct Frame {
  double t = 0;                 // capture time, seconds since the epoch
  std::string_view data;        // as captured (may be cut by the snap length)
  std::size_t wire_length = 0;  // as it was on the wire
};

enum class Promiscuous : bool { no, yes };

// Who reads a file's records: ClassicPcapFile where it can (the default), or
// libpcap always (what ClassicPcapFile is checked against).
enum class FileReader : std::uint8_t { fastest, libpcap };

struct LiveOptions {
  int snaplen = 262144;                 // bytes kept of each frame
  int buffer_bytes = 32 << 20;          // kernel ring: frames beyond it are dropped (and counted)
  std::chrono::milliseconds timeout{200};
  Promiscuous promiscuous = Promiscuous::no;
};

// What the kernel reports of a live capture (pcap_stats).
struct CaptureDrops {
  std::uint64_t by_kernel = 0;     // the ring buffer was full
  std::uint64_t by_interface = 0;  // the interface or driver dropped them
};

class PcapReader {
 public:
  // errc::bad_value when libpcap cannot read the file (not a capture, an
  // unsupported version) or its link type is not one decode_frame knows;
  // the message says what libpcap or we found.
  static StatusOr<PcapReader> open(const std::filesystem::path& file, FileReader with = FileReader::fastest);
  // Captures live on `interface` ("any" for all of them; Linux cooked).
  // std::errc::operation_not_permitted without CAP_NET_RAW,
  // std::errc::no_such_device for an unknown interface, errc::bad_value
  // otherwise; the message says what libpcap found.
  static StatusOr<PcapReader> open_live(const std::string& interface, const LiveOptions& opt);

  // Keeps only the frames a BPF filter expression (tcpdump syntax) matches.
  // errc::bad_value (with libpcap's message) when it cannot compile it.
  Status set_filter(const std::string& expression);

  // The next frame; nullopt at the end of the file, or on a live capture once
  // keep_going (when given) returns false while waiting. errc::truncated when
  // the file ends inside a record or a record is corrupt, or the live
  // capture fails (with libpcap's message).
  StatusOr<std::optional<Frame>> next(const std::function<bool()>& keep_going = {});

  PcapReader(PcapReader&&) noexcept;
  PcapReader& operator=(PcapReader&&) noexcept;
  ~PcapReader();

  LinkType link() const noexcept { return link_; }
  // Whether libpcap reads the frames, or ClassicPcapFile does.
  bool read_by_libpcap() const noexcept { return classic_ == nullptr; }
  bool live() const noexcept { return timeout_.has_value(); }
  // Zero for a file.
  CaptureDrops drops() const;

 private:
  struct Close {
    void operator()(pcap* p) const noexcept;
  };
  struct CompiledFilter;  // pcap_reader.cpp
  PcapReader(std::unique_ptr<pcap, Close> h, LinkType link, std::optional<std::chrono::milliseconds> timeout);
  std::unique_ptr<std::vector<char>> file_buffer_;  // stdio's buffer for a file; outlives handle_
  std::unique_ptr<pcap, Close> handle_;
  std::unique_ptr<ClassicPcapFile> classic_;           // reads the frames instead of handle_ when set
  std::unique_ptr<CompiledFilter> classic_filter_;      // the filter classic_'s frames must pass
  LinkType link_;
  std::optional<std::chrono::milliseconds> timeout_;  // live captures only
};

// What read_packets saw of one capture.
struct ReadSummary {
  std::uint64_t frames = 0;            // frames read (before any damage)
  std::uint64_t not_ip = 0;            // frames decode_frame refused (not IP, or cut in a header)
  std::optional<std::string> damage;   // the file ended in a damaged record after `frames` good ones
};

using FrameSink = std::function<void(const Frame&, const Packet*)>;

// Reads every frame of file in order and calls on_frame with it and its
// decoded packet (nullptr when the frame is not IP). errc::bad_value when
// the file cannot be opened as a capture; damage after that is in the
// summary, everything before it was delivered.
StatusOr<ReadSummary> read_packets(const std::filesystem::path& file, const FrameSink& on_frame);

// The same over an open reader, until its end, a failure (in the summary's
// damage) or keep_going returning false (checked after every frame and
// while a live capture waits).
ReadSummary read_packets(PcapReader& reader, const FrameSink& on_frame, const std::function<bool()>& keep_going = {});

// The same calls to on_frame (on the calling thread, in capture order) and
// the same summary as read_packets(reader, on_frame), with the reading and
// frame decoding done on a second thread meanwhile: a file's pass then costs
// about the slower of the two halves rather than their sum. Frames are
// copied into batches, at most four of about 1 MiB in flight. The reader
// is used by that thread until the call returns. An exception from
// on_frame stops the reader thread and is rethrown. For files: a live
// capture's keep_going is not taken.
ReadSummary read_packets_pipelined(PcapReader& reader, const FrameSink& on_frame);

}  // namespace p2pscope::passive
