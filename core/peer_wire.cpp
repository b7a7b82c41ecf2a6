#include "core/peer_wire.hpp"

#include "core/bytes.hpp"

#include <bit>

namespace p2pscope {

Features Handshake::features() const noexcept {
  Features f;
  f.set(Feature::extension_protocol, (reserved[5] & 0x10) != 0);
  f.set(Feature::dht, (reserved[7] & 0x01) != 0);
  f.set(Feature::fast, (reserved[7] & 0x04) != 0);
  return f;
}

void Handshake::set_features(Features f) noexcept {
  auto bit = [](std::uint8_t& byte, std::uint8_t mask, bool on) {
    byte = static_cast<std::uint8_t>(on ? (byte | mask) : (byte & ~mask));
  };
  bit(reserved[5], 0x10, f.has(Feature::extension_protocol));
  bit(reserved[7], 0x01, f.has(Feature::dht));
  bit(reserved[7], 0x04, f.has(Feature::fast));
}

Result<Handshake> decode_handshake(std::string_view buf) {
  // Reject a wrong protocol string as soon as its bytes are visible, so a
  // non-BitTorrent service is told apart without waiting for 68 bytes.
  std::string_view expected("\x13" "BitTorrent protocol", 20);
  auto seen = buf.substr(0, expected.size());
  if (seen != expected.substr(0, seen.size())) return errc::bad_protocol_string;
  if (buf.size() < kHandshakeSize) return errc::truncated;
  ByteReader r(buf.substr(expected.size()));
  Handshake h;
  auto reserved = r.bytes(8);
  for (std::size_t i = 0; i < 8; ++i) h.reserved[i] = static_cast<std::uint8_t>(reserved[i]);
  h.info_hash = InfoHash::from_bytes(r.bytes(20)).value();
  h.peer_id = PeerId::from_bytes(r.bytes(20)).value();
  return h;
}

std::string encode_handshake(const Handshake& h) {
  std::string out;
  out.reserve(kHandshakeSize);
  out.push_back(static_cast<char>(kProtocolString.size()));
  out.append(kProtocolString);
  for (auto b : h.reserved) out.push_back(static_cast<char>(b));
  out.append(h.info_hash.raw());
  out.append(h.peer_id.raw());
  return out;
}

Result<std::optional<Frame>> next_frame(std::string_view buf, const WireLimits& lim) {
  if (buf.size() < 4) return std::optional<Frame>{};
  ByteReader r(buf);
  std::size_t length = r.u32();
  if (length > lim.max_message) return errc::oversized;
  if (buf.size() - 4 < length) return std::optional<Frame>{};
  Frame f;
  f.consumed = 4 + length;
  if (length == 0) {
    f.keep_alive = true;
    return std::optional<Frame>{f};
  }
  f.id = r.u8();
  f.payload = r.bytes(length - 1);
  return std::optional<Frame>{f};
}

std::string encode_message(MessageId id, std::string_view payload) {
  std::string out;
  put_u32(out, static_cast<std::uint32_t>(payload.size() + 1));
  put_u8(out, static_cast<std::uint8_t>(id));
  out.append(payload);
  return out;
}

std::string encode_keep_alive() { return std::string(4, '\0'); }

Result<std::uint16_t> decode_port(std::string_view payload) {
  if (payload.size() != 2) return errc::bad_length;
  ByteReader r(payload);
  return r.u16();
}

std::string encode_port(std::uint16_t port) {
  std::string p;
  put_u16(p, port);
  return encode_message(MessageId::port, p);
}

Result<void> check_empty_payload(std::string_view payload) {
  if (!payload.empty()) return errc::bad_length;
  return success();
}

std::size_t Bitfield::count() const noexcept {
  std::size_t n = 0;
  for (auto b : bytes) n += static_cast<std::size_t>(std::popcount(b));
  return n;
}

bool Bitfield::has(std::size_t piece) const noexcept {
  if (piece / 8 >= bytes.size()) return false;
  return (bytes[piece / 8] >> (7 - piece % 8)) & 1;
}

Result<Bitfield> decode_bitfield(std::string_view payload, std::optional<std::size_t> num_pieces) {
  if (num_pieces) {
    if (payload.size() != (*num_pieces + 7) / 8) return errc::bad_length;
    auto spare = payload.size() * 8 - *num_pieces;
    if (spare > 0 && (static_cast<std::uint8_t>(payload.back()) & ((1u << spare) - 1)) != 0) return errc::bad_value;
  }
  Bitfield b;
  b.bytes.assign(payload.begin(), payload.end());
  return b;
}

std::string encode_bitfield(const Bitfield& b) {
  return encode_message(MessageId::bitfield,
                        {reinterpret_cast<const char*>(b.bytes.data()), b.bytes.size()});
}

Result<Extended> decode_extended(std::string_view payload) {
  if (payload.empty()) return errc::truncated;
  return Extended{static_cast<std::uint8_t>(payload[0]), payload.substr(1)};
}

std::string encode_extended(std::uint8_t ext_id, std::string_view body) {
  std::string p;
  p.push_back(static_cast<char>(ext_id));
  p.append(body);
  return encode_message(MessageId::extended, p);
}

}  // namespace p2pscope
