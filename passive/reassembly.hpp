// In-order delivery of one direction of a TCP stream (by sequence number)
// or of a uTP stream (by packet sequence number), with a bound on what is
// held out of order. Pure: segments in, in-order bytes out through the
// caller's sink. Overlapping and repeated segments deliver each byte once
// (the first copy wins); a gap that stays open past the bound ends the
// stream (gap()), since a peer-wire stream cannot be resynchronised.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace p2pscope::passive {

struct ReassemblyLimits {
  std::size_t max_held = 256 * 1024;  // bytes held out of order per direction
};

class TcpDirection {
 public:
  using Sink = std::function<void(std::string_view)>;
  explicit TcpDirection(ReassemblyLimits lim = {}) : lim_(lim) {}

  // A SYN: the stream starts at seq + 1.
  void syn(std::uint32_t seq) {
    if (!base_) base_ = seq + 1;
  }
  // A segment's payload at seq. Without a SYN the first segment seen starts
  // the stream (and started_mid_stream() says so).
  void segment(std::uint32_t seq, std::string_view payload, const Sink& sink);

  // An acknowledgement number from the other side. Once it covers bytes
  // past a hole that held segments wait behind, the receiver has them and
  // the capture never will: the direction ends in a gap at once rather than
  // after holding max_held bytes (Zeek calls this a content gap).
  void acked(std::uint32_t ack);

  bool gap() const noexcept { return gap_; }
  bool started_mid_stream() const noexcept { return mid_stream_; }
  std::uint64_t overlaps() const noexcept { return overlaps_; }  // segments that repeated delivered bytes
  std::size_t held() const noexcept { return held_; }

 private:
  void drain(const Sink& sink);
  void give_up();
  ReassemblyLimits lim_;
  std::optional<std::uint32_t> base_;         // sequence number of the stream's first byte
  std::uint64_t delivered_ = 0;               // bytes delivered (64-bit: sequence numbers wrap)
  std::map<std::uint64_t, std::string> ahead_;  // held segments by stream offset
  std::size_t held_ = 0;
  bool gap_ = false;
  bool mid_stream_ = false;
  std::uint64_t overlaps_ = 0;
};

// uTP delivers whole packets in seq_nr order (16-bit, wrapping).
class UtpDirection {
 public:
  using Sink = std::function<void(std::string_view)>;
  explicit UtpDirection(ReassemblyLimits lim = {}) : lim_(lim) {}
  // The SYN's seq_nr: the first DATA is seq_nr + 1.
  void syn(std::uint16_t seq) {
    if (!next_) next_ = static_cast<std::uint16_t>(seq + 1);
  }
  void data(std::uint16_t seq, std::string_view payload, const Sink& sink);
  bool gap() const noexcept { return gap_; }
  bool started_mid_stream() const noexcept { return mid_stream_; }

 private:
  ReassemblyLimits lim_;
  void drain(const Sink& sink);
  std::optional<std::uint16_t> next_;
  std::map<std::uint16_t, std::string> ahead_;  // held packets by seq_nr
  std::size_t held_ = 0;
  bool gap_ = false;
  bool mid_stream_ = false;
};

}  // namespace p2pscope::passive
