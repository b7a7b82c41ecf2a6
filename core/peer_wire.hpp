// BitTorrent peer wire (BEP 3, BEP 5 PORT, BEP 6 fast extension, BEP 10
// extended messages): the 68-byte handshake with its reserved feature bits,
// length-prefixed message framing, and the typed messages p2pscope needs to
// judge a peer (bitfield, have_all, have_none, PORT, extended). Pure.
#pragma once

#include "core/error.hpp"
#include "core/flags.hpp"
#include "core/hash.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope {

inline constexpr std::string_view kProtocolString = "BitTorrent protocol";
inline constexpr std::size_t kHandshakeSize = 68;

// Reserved-bit features: BEP 10 is reserved[5] & 0x10, BEP 5 DHT is
// reserved[7] & 0x01, BEP 6 fast is reserved[7] & 0x04.
enum class Feature : std::uint8_t { extension_protocol = 1, dht = 2, fast = 4 };
using Features = FlagSet<Feature>;

struct Handshake {
  std::array<std::uint8_t, 8> reserved{};
  InfoHash info_hash;
  PeerId peer_id;

  Features features() const noexcept;
  void set_features(Features f) noexcept;  // sets or clears just the three known bits
  friend bool operator==(const Handshake&, const Handshake&) = default;
};

// Decodes the first 68 bytes of buf (a stream's start); later bytes are the
// caller's. Fewer than 68 bytes is errc::truncated.
Result<Handshake> decode_handshake(std::string_view buf);
std::string encode_handshake(const Handshake& h);

enum class MessageId : std::uint8_t {
  choke = 0, unchoke = 1, interested = 2, not_interested = 3, have = 4, bitfield = 5, request = 6,
  piece = 7, cancel = 8, port = 9, suggest = 13, have_all = 14, have_none = 15, reject = 16,
  allowed_fast = 17, extended = 20,
};

// One framed message. payload views the caller's buffer.
struct Frame {
  bool keep_alive = false;  // zero-length message: no id, no payload
  std::uint8_t id = 0;
  std::string_view payload;
  std::size_t consumed = 0;  // bytes of buf this frame occupies (4 + length)
};

struct WireLimits {
  std::size_t max_message = (1u << 20) + 16;  // a 1 MiB bitfield (8M pieces) or a 16 KiB block
};

// Frames the next message at the start of buf: nullopt when buf does not yet
// hold a whole message, errc::oversized when the length prefix exceeds the
// limit (the stream cannot be resynchronised and should be closed).
Result<std::optional<Frame>> next_frame(std::string_view buf, const WireLimits& lim = {});
std::string encode_message(MessageId id, std::string_view payload = {});
std::string encode_keep_alive();

// PORT (BEP 5): the peer's DHT UDP port, payload exactly 2 bytes.
Result<std::uint16_t> decode_port(std::string_view payload);
std::string encode_port(std::uint16_t port);

// have_all / have_none (BEP 6) carry no payload.
Result<void> check_empty_payload(std::string_view payload);

// A bitfield. When num_pieces is known, the length must be ceil(n/8) and the
// spare bits zero (BEP 3), else errc::bad_length / errc::bad_value.
struct Bitfield {
  std::vector<std::uint8_t> bytes;
  std::size_t count() const noexcept;  // pieces claimed
  bool has(std::size_t piece) const noexcept;
  friend bool operator==(const Bitfield&, const Bitfield&) = default;
};
Result<Bitfield> decode_bitfield(std::string_view payload, std::optional<std::size_t> num_pieces);
std::string encode_bitfield(const Bitfield& b);

// Extended message (BEP 10): first payload byte is the extension id (0 =
// handshake), the rest is that extension's body.
struct Extended {
  std::uint8_t ext_id = 0;
  std::string_view body;
};
Result<Extended> decode_extended(std::string_view payload);
// A whole extended message (length, id 20, ext_id, body), ready to send.
std::string encode_extended(std::uint8_t ext_id, std::string_view body);

}  // namespace p2pscope
