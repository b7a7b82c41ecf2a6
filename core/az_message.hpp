// The Azureus messaging protocol (AZMP), which BiglyBT (and Vuze and Azureus
// before it) speaks with another Azureus-line peer in place of the plain
// peer wire: after the BitTorrent handshake (reserved bit 0x80 in byte 0 on
// both sides), every message, AZ_HANDSHAKE first, is framed as
//
//   u32 length | u32 id length | id (text) | u8 version | [pad] | payload
//
// where version's low nibble is the message version and, from version 2, bit
// 0x10 says a u16 padding length and that many bytes follow. Its peer
// exchange, AZ_PEER_EXCHANGE, is a bencoded dictionary: "infohash", and
// "added"/"dropped" lists of raw addresses (4 or 16 bytes, then the port),
// with "added_HST" (a handshake type per peer: 0 plain, 1 encrypted).
//
// Pure: bytes in, values or an errc out. Views in AzFrame point into the
// caller's buffer; decoded peers are copied out.
#pragma once

#include "core/error.hpp"
#include "core/extension.hpp"
#include "core/hash.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace p2pscope {

inline constexpr std::string_view kAzHandshake = "AZ_HANDSHAKE";
inline constexpr std::string_view kAzPeerExchange = "AZ_PEER_EXCHANGE";

struct AzLimits {
  std::size_t max_message = 128 * 1024;  // BiglyBT's own decoder refuses more (AZMessageDecoder)
  std::size_t max_id = 1024;             // likewise for the id length
};

struct AzFrame {
  std::string_view id;       // "AZ_PEER_EXCHANGE", "BT_PIECE", ...
  std::uint8_t version = 0;  // the low nibble of the version byte
  std::string_view payload;  // after any padding
  std::size_t consumed = 0;  // bytes of buf this frame occupies (4 + length)
};

// Frames the AZMP message at the start of buf: nullopt when buf does not yet
// hold a whole one; errc::oversized for a length past the limit,
// errc::bad_length for one too short to hold its id, and errc::truncated for
// an id or padding that overruns the message.
Result<std::optional<AzFrame>> next_az_frame(std::string_view buf, const AzLimits& lim = {});

// The whole length (prefix included) of the message at the start of buf and
// its id, once the header holding the id is there (nullopt before); for
// skipping bodies nothing reads without buffering them.
struct AzHeader {
  std::size_t whole = 0;
  std::string_view id;
};
std::optional<AzHeader> peek_az_header(std::string_view buf, const AzLimits& lim = {});

// Whether a stream's first bytes after the BitTorrent handshake open AZMP
// (its first message is AZ_HANDSHAKE): yes, no, or not enough bytes yet.
enum class AzOpening : std::uint8_t { yes, no, undecided };
AzOpening az_opening(std::string_view first_bytes) noexcept;

std::string encode_az_frame(std::string_view id, std::uint8_t version, std::string_view payload);

struct AzPeerExchange {
  InfoHash info_hash;
  // added/dropped as ut_pex would carry them; a handshake type of 1 is the
  // prefers_encryption flag (flags are absent when added_HST does not line up).
  PexMessage pex;
  // Entries that are no IP address and port: BiglyBT's other networks (I2P,
  // Tor) serialise their destinations as text.
  std::size_t other_networks = 0;
  friend bool operator==(const AzPeerExchange&, const AzPeerExchange&) = default;
};

// An AZ_PEER_EXCHANGE payload. errc::missing_key / bad_hash for a missing or
// short infohash (BiglyBT refuses those too), wrong_type for lists that are
// not lists of strings, too_many_items past lim.max_pex_peers.
Result<AzPeerExchange> decode_az_peer_exchange(std::string_view payload, const ExtensionLimits& lim = {});
std::string encode_az_peer_exchange(const AzPeerExchange& m);

}  // namespace p2pscope
