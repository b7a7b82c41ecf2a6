// One direction of a peer-wire stream, seen from outside: the handshake,
// then length-prefixed messages, fed in order in pieces of any size. It
// yields the handshake, the extended handshake, every other extended
// message (ut_pex among them; which id means ut_pex is the other side's
// choice, so the caller maps it) and the DHT PORT message. Pure; buffers at
// most one unfinished message (bounded by WireLimits; what arrives whole is
// parsed where it is), and never the body of a message it does not decode
// (pieces, bitfields): those bytes are counted and skipped.
//
// A stream whose first message after the handshake is AZ_HANDSHAKE speaks
// the Azureus messaging protocol (core/az_message.hpp) from there on: its
// AZ_HANDSHAKE and AZ_PEER_EXCHANGE are handed out whole, every other
// message is skipped. (A stream joined mid-way is read as the plain wire.)
#pragma once

#include "core/az_message.hpp"
#include "core/extension.hpp"
#include "core/peer_wire.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace p2pscope::passive {

struct WireHandlers {
  std::function<void(const Handshake&)> handshake;
  // The extended handshake summarised for ut_pex (its extension_id is the
  // id the sender wants ut_pex sent to it with); views point into the
  // parser's buffer and last only for the call.
  std::function<void(const ExtendedHandshakeSummary&)> extended_handshake;
  std::function<void(std::uint8_t ext_id, std::string_view body)> extended;
  std::function<void(std::uint16_t port)> port;
  // AZMP streams: AZ_HANDSHAKE and AZ_PEER_EXCHANGE (views into the
  // parser's buffer, for the call only).
  std::function<void(const AzFrame&)> az;
};

class PeerWireParser {
 public:
  enum class State : std::uint8_t { handshake, messages, az_messages, failed };

  explicit PeerWireParser(WireLimits lim = {}) : lim_(lim) {}

  // The next in-order bytes of this direction. Once failed, ignores input.
  void feed(std::string_view bytes, const WireHandlers& h);
  // The stream began before the capture: what comes next starts at a
  // message boundary the caller found (see find_message_boundary), and no
  // handshake is expected. Call before any feed().
  void resume_mid_stream() {
    if (state_ != State::handshake || !buf_.empty()) return;
    state_ = State::messages;
    first_message_ = false;
  }

  State state() const noexcept { return state_; }
  // Why it failed: errc::bad_protocol_string (not plaintext BitTorrent, e.g.
  // MSE), errc::oversized (a length prefix past the limit), or the error of
  // a message that would not frame (next_frame, next_az_frame).
  std::optional<errc> failure() const noexcept { return failure_; }
  std::uint64_t messages() const noexcept { return messages_; }

 private:
  void fail(errc e) {
    state_ = State::failed;
    failure_ = e;
    buf_.clear();
  }
  void on_frame(const Frame& f, const WireHandlers& h);
  // Parses whole messages (or the handshake) off the front of view; returns
  // how many bytes it used (all of them once it fails or starts skipping).
  std::size_t consume(std::string_view view, const WireHandlers& h);
  // One AZMP message off the front of rest: the bytes it used, 0 to wait
  // for more; all of rest when it fails or starts skipping a body.
  std::size_t consume_az(std::string_view rest, const WireHandlers& h);
  WireLimits lim_;
  bool first_message_ = true;  // the next message is the first after the handshake
  State state_ = State::handshake;
  std::optional<errc> failure_;
  std::string buf_;
  std::size_t pos_ = 0;  // consumed prefix of buf_
  std::size_t skip_ = 0;  // bytes still to come of a message whose body is not decoded
  std::uint64_t messages_ = 0;
};

// Where, in bytes from the middle of a peer-wire stream, a message surely
// starts: the first whole BEP 10 extended message (length prefix, id 20,
// extension id, then a bencoded dictionary that fills the message exactly)
// whose successor, when its header is there, looks like a message too.
// Random bytes pass this with negligible odds. nullopt when there is none.
std::optional<std::size_t> find_message_boundary(std::string_view bytes, const WireLimits& lim);

}  // namespace p2pscope::passive
