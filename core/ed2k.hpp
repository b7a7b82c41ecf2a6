// eDonkey2000 / eMule wire basics: the two IPv4 forms of a client ID,
// frames (TCP and UDP, zlib-packed ones included), tags in both ED2K forms
// and the KAD form, and the index server's source exchange (GETSOURCES and
// FOUNDSOURCES, with their obfuscation-aware forms). Pure: bytes in, typed
// values or an error code out. Integers are little-endian on this wire.
//
// Facts from aMule 2.3.3 and eMule 0.50a (the project's research notes,
// emule.md): a TCP frame is <protocol 1><length u32 = payload + 1><opcode 1>
// <payload>; a UDP datagram is <protocol 1><opcode 1><payload>. Every
// function is safe to call from any thread on its own values.
#pragma once

#include "core/error.hpp"
#include "core/ip.hpp"
#include "core/names.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace p2pscope::ed2k {

// IDs below 2^24 are LowIDs: a server's handle for a client it cannot reach,
// meaningful only through that server's callback.
inline constexpr std::uint32_t kHighestLowId = 1u << 24;

// The ED2K ID of a.b.c.d: a + b*2^8 + c*2^16 + d*2^24 (wire bytes a b c d).
// Server client IDs, FOUNDSOURCES, HELLO and source exchange v1/v2 use it.
std::uint32_t ed2k_id(const IpAddress& v4) noexcept;
IpAddress ip_of_ed2k_id(std::uint32_t id) noexcept;
// The hybrid (KAD) ID: a*2^24 + b*2^16 + c*2^8 + d (wire bytes d c b a).
// Source exchange v3/v4 and every KAD address use it.
std::uint32_t hybrid_id(const IpAddress& v4) noexcept;
IpAddress ip_of_hybrid_id(std::uint32_t id) noexcept;
// A LowID in the ED2K form. Every x.y.z.0 looks like one, which is why
// source exchange v3 moved to the hybrid form.
constexpr bool is_low_id(std::uint32_t ed2k) noexcept { return ed2k < kHighestLowId; }
// The same number read in the other form: the byte-order bug's signature.
constexpr std::uint32_t other_form(std::uint32_t id) noexcept {
  return (id >> 24) | ((id >> 8) & 0xff00u) | ((id << 8) & 0xff0000u) | (id << 24);
}

// Which of the two forms a route writes its IDs in.
enum class IdForm : std::uint8_t { ed2k, hybrid };
constexpr auto enum_names(IdForm) noexcept {
  return std::to_array<std::pair<IdForm, std::string_view>>({{IdForm::ed2k, "ed2k"}, {IdForm::hybrid, "hybrid"}});
}
// Source exchange versions 1 and 2 use the ED2K form, 3 and 4 the hybrid.
constexpr IdForm id_form_of_sx(std::uint8_t version) noexcept { return version >= 3 ? IdForm::hybrid : IdForm::ed2k; }

// A file's or a user's MD4 hash, 16 raw bytes in wire order.
struct Md4 {
  std::array<std::uint8_t, 16> bytes{};
  std::string hex() const;
  friend auto operator<=>(const Md4&, const Md4&) = default;
};

enum class Protocol : std::uint8_t { edonkey = 0xE3, emule = 0xC5, packed = 0xD4, kad = 0xE4, kad_packed = 0xE5 };
constexpr auto enum_names(Protocol) noexcept {
  return std::to_array<std::pair<Protocol, std::string_view>>({{Protocol::edonkey, "edonkey"},
                                                                {Protocol::emule, "emule"},
                                                                {Protocol::packed, "packed"},
                                                                {Protocol::kad, "kad"},
                                                                {Protocol::kad_packed, "kad_packed"}});
}

struct Limits {
  std::size_t max_frame = 2u << 20;     // a TCP frame's length field, and a datagram
  std::size_t max_unpacked = 2u << 20;  // what a packed payload may inflate to
  std::size_t max_tags = 256;           // per tag list
  std::size_t max_requests = 512;       // GETSOURCES entries in one frame
};

// One message. A packed frame (0xD4, 0xE5) is inflated: `protocol` keeps the
// byte that was on the wire and `payload` holds the inflated body.
struct Frame {
  Protocol protocol = Protocol::edonkey;
  std::uint8_t opcode = 0;
  std::string payload;
  friend bool operator==(const Frame&, const Frame&) = default;
};

struct DecodedFrame {
  Frame frame;
  std::size_t size = 0;  // the bytes the frame took on the wire
};

// The first frame in a TCP stream. errc::truncated while `stream` holds less
// than a whole frame (a reader waits for more); errc::oversized past
// lim.max_frame or lim.max_unpacked; errc::bad_protocol_id for a protocol
// byte this wire does not have; errc::bad_compression for a packed payload
// that does not inflate; errc::bad_length for a length field of 0.
Result<DecodedFrame> decode_tcp_frame(std::string_view stream, const Limits& lim = {});
// A datagram: the same errors, and errc::truncated under two bytes.
Result<Frame> decode_udp_frame(std::string_view datagram, const Limits& lim = {});
// Packed protocols are deflated again (zlib, default level).
std::string encode_tcp_frame(const Frame& f);
std::string encode_udp_frame(const Frame& f);

// Tag value types as the wire numbers them. STR1..STR16 (0x11..0x20, new
// form only) are read as `string`.
enum class TagType : std::uint8_t {
  hash16 = 0x01,
  string = 0x02,
  uint32 = 0x03,
  float32 = 0x04,
  blob = 0x07,
  uint16 = 0x08,
  uint8 = 0x09,
  bsob = 0x0A,
  uint64 = 0x0B,
};

// A name of one byte is an ID (CT_NAME 0x01, FT_FILESIZE 0x02, ...). Numbers
// (and a float's bits) are in `number`; hashes, strings, blobs in `bytes`.
struct Tag {
  std::string name;
  TagType type = TagType::uint32;
  std::uint64_t number = 0;
  std::string bytes;
  friend bool operator==(const Tag&, const Tag&) = default;
};

// ED2K lists count with a u32 and take both tag forms; KAD lists count with
// a u8 and take the old form only.
enum class TagList : std::uint8_t { ed2k, kad };

// Tags with a one-byte name.
Tag number_tag(std::uint8_t id, TagType type, std::uint64_t value);
Tag string_tag(std::uint8_t id, std::string_view value);
// The first tag with this one-byte name, or null. number_of() gives its
// value when it is a number (an integer type; a float's bits do not count).
const Tag* find_tag(std::span<const Tag> tags, std::uint8_t id) noexcept;
std::optional<std::uint64_t> number_of(std::span<const Tag> tags, std::uint8_t id) noexcept;
std::optional<std::string> string_of(std::span<const Tag> tags, std::uint8_t id);

struct DecodedTags {
  std::vector<Tag> tags;
  std::size_t size = 0;  // the bytes the list took
};
// errc::truncated when the list ends early, errc::too_many_items past
// lim.max_tags, errc::unknown_message_type for a type byte not above.
Result<DecodedTags> decode_tags(std::string_view bytes, TagList list, const Limits& lim = {});
// Always the old form: <type><name length u16><name><value>.
std::string encode_tags(std::span<const Tag> tags, TagList list);

// GETSOURCES (0x19) and GETSOURCES_OBFU (0x23): several requests may share a
// frame. A file of 4 GiB or more is written <hash><0 u32><size u64>.
struct SourceRequest {
  Md4 file;
  std::uint64_t size = 0;
  friend bool operator==(const SourceRequest&, const SourceRequest&) = default;
};
Result<std::vector<SourceRequest>> decode_get_sources(std::string_view payload, const Limits& lim = {});
std::string encode_get_sources(std::span<const SourceRequest> requests);

// One source a server handed out: an ED2K ID (a LowID is the server's
// handle, not an address) and a TCP port; the _OBFU form adds crypt options
// and, when bit 0x80 of them is set, the user hash.
struct Source {
  std::uint32_t id = 0;
  std::uint16_t port = 0;
  std::uint8_t crypt = 0;
  std::optional<Md4> user_hash;
  friend bool operator==(const Source&, const Source&) = default;
};
enum class SourceForm : std::uint8_t { plain, obfuscation };
// FOUNDSOURCES (0x42) and FOUNDSOURCES_OBFU (0x44): <hash><count u8><entries>.
struct FoundSources {
  Md4 file;
  std::vector<Source> sources;
  friend bool operator==(const FoundSources&, const FoundSources&) = default;
};
// At most 255 sources fit one list (the count is a byte): the encoder writes
// the first 255, so a caller with more sends several lists.
// errc::trailing_bytes when bytes follow the last entry (UDP's 0x9B packs
// several lists in one datagram; decode those one at a time with
// decode_found_sources_prefix).
Result<FoundSources> decode_found_sources(std::string_view payload, SourceForm form);
struct DecodedSources {
  FoundSources found;
  std::size_t size = 0;
};
Result<DecodedSources> decode_found_sources_prefix(std::string_view payload, SourceForm form);
std::string encode_found_sources(const FoundSources& f, SourceForm form);

// Opcodes of the server protocol this codec reads and writes.
namespace op {
inline constexpr std::uint8_t login_request = 0x01, get_sources = 0x19, get_sources_obfu = 0x23,
                              server_status = 0x34, server_message = 0x38, id_change = 0x40,
                              found_sources = 0x42, found_sources_obfu = 0x44;
}  // namespace op

}  // namespace p2pscope::ed2k
