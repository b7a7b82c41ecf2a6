// One direction of an eDonkey/eMule TCP stream (client to client, or
// client and index server), seen from outside: frames (0xE3, 0xC5, and 0xD4
// inflated) fed in order in pieces of any size, and the messages p2pscope
// cares about decoded from them (issue 25's passive part):
//   hello and hello answer (user hash, ID, port, the tags that fingerprint
//   the client), the server login, file requests (REQUESTFILENAME,
//   SETREQFILEID, REQUESTSOURCES, REQUESTSOURCES2, the multipackets) with
//   the requested hash, their answers (no such file, status, name, the
//   multipacket answer), source exchange answers (decoded in the version
//   the sender's own hello announced), GETSOURCES and FOUNDSOURCES.
// The sender's hello, when this direction carried one, says its SX1
// version and extended-request level, which two of the messages need.
//
// Pure; buffers at most one unfinished frame (bounded by Limits). A frame
// that is whole but does not decode is counted and skipped: the framing
// still holds. A broken frame header (an unknown protocol byte, a length
// past the limit, a packed frame that will not inflate) fails the stream.
// Not thread-safe.
#pragma once

#include "core/ed2k_client.hpp"
#include "core/ed2k_server.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace p2pscope::passive {

struct Ed2kHandlers {
  std::function<void(const ed2k::Frame&)> frame;  // every whole frame, first (packed ones inflated)
  std::function<void(const ed2k::Hello&, ed2k::HelloKind)> hello;
  std::function<void(const ed2k::Login&)> login;
  // A request naming a file: the frame's opcode (0x58, 0x4F, 0x81, 0x83,
  // 0x92, 0xA4), the hash, and the file's size where the request carries
  // it (0xA4; 0 otherwise).
  std::function<void(std::uint8_t opcode, const ed2k::Md4& file, std::uint64_t size)> file_request;
  // An answer about a file: 0x48 (no such file), 0x50, 0x59, 0x93.
  std::function<void(std::uint8_t opcode, const ed2k::Md4& file)> file_answer;
  std::function<void(const ed2k::SourcesAnswer&)> sources;  // 0x82, 0x84
  std::function<void(const std::vector<ed2k::SourceRequest>&)> get_sources;  // 0x19, 0x23
  std::function<void(const ed2k::FoundSources&, ed2k::SourceForm)> found_sources;  // 0x42, 0x44
};

class Ed2kStreamParser {
 public:
  enum class State : std::uint8_t { frames, failed };

  explicit Ed2kStreamParser(ed2k::Limits lim = {.max_frame = 1 << 20, .max_unpacked = 1 << 20}) : lim_(lim) {}

  // The next in-order bytes of this direction. Once failed, ignores input.
  void feed(std::string_view bytes, const Ed2kHandlers& h);

  State state() const noexcept { return state_; }
  std::optional<errc> failure() const noexcept { return failure_; }
  std::uint64_t frames() const noexcept { return frames_; }
  std::uint64_t undecodable() const noexcept { return undecodable_; }  // whole frames whose payload did not decode
  // What the sender's hello said about it, once one went by.
  const std::optional<ed2k::ClientInfo>& sender() const noexcept { return sender_; }

 private:
  void on_frame(const ed2k::Frame& f, const Ed2kHandlers& h);
  bool edonkey_frame(const ed2k::Frame& f, const Ed2kHandlers& h);
  bool emule_frame(const ed2k::Frame& f, const Ed2kHandlers& h);

  ed2k::Limits lim_;
  State state_ = State::frames;
  std::optional<errc> failure_;
  std::string buf_;
  std::size_t pos_ = 0;  // consumed prefix of buf_
  std::uint64_t frames_ = 0, undecodable_ = 0;
  std::optional<ed2k::ClientInfo> sender_;
};

// Whether `first` bytes of a TCP stream look like the start of an eDonkey
// frame: a protocol byte of the TCP protocols and a length within the
// limit. Enough to pick the recogniser, never proof.
bool looks_like_ed2k(std::string_view first, std::size_t max_frame = 1 << 20);

}  // namespace p2pscope::passive
