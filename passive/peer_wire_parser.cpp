#include "passive/peer_wire_parser.hpp"

#include "core/bencode.hpp"
#include "core/bytes.hpp"

#include <algorithm>

namespace p2pscope::passive {
namespace {
constexpr std::string_view kProtocol = "\x13" "BitTorrent protocol";

bool decoded(std::uint8_t id) {
  return id == static_cast<std::uint8_t>(MessageId::port) || id == static_cast<std::uint8_t>(MessageId::extended);
}

// The whole length (prefix included) of a message that starts `view` and
// whose body nothing here reads; 0 when it is one we decode or the header is
// not all there yet.
std::size_t skippable(std::string_view view, const WireLimits& lim) {
  ByteReader r(view);
  std::size_t len = r.u32();
  auto id = r.u8();
  if (r.failed() || len == 0 || len > lim.max_message || decoded(id)) return 0;
  return len + 4;
}
}  // namespace

std::optional<std::size_t> find_message_boundary(std::string_view bytes, const WireLimits& lim) {
  constexpr auto kExtended = static_cast<char>(MessageId::extended);
  for (std::size_t at = 0; at + 7 <= bytes.size(); ++at) {
    if (bytes[at + 4] != kExtended || bytes[at + 6] != 'd') continue;
    ByteReader r(bytes.substr(at));
    std::size_t len = r.u32();
    if (len < 3 || len > lim.max_message || at + 4 + len > bytes.size()) continue;
    auto body = bytes.substr(at + 6, len - 2);
    auto dict = decode_bencode(body, BencodeLimits{.max_size = lim.max_message, .max_depth = 8, .max_tokens = 20000});
    if (!dict || dict.value().type() != lt::bdecode_node::dict_t) continue;
    ByteReader next(bytes.substr(at + 4 + len));
    std::size_t next_len = next.u32();
    auto next_id = next.u8();
    if (!next.failed() && (next_len > lim.max_message || (next_len > 0 && next_id > kExtended))) continue;
    return at;
  }
  return std::nullopt;
}

void PeerWireParser::on_frame(const Frame& f, const WireHandlers& h) {
  ++messages_;
  if (f.keep_alive) return;
  if (f.id == static_cast<std::uint8_t>(MessageId::port)) {
    if (auto p = decode_port(f.payload); p && h.port) h.port(p.value());
    return;
  }
  if (f.id != static_cast<std::uint8_t>(MessageId::extended)) return;
  auto ext = decode_extended(f.payload);
  if (!ext) return;
  if (ext.value().ext_id == 0) {
    if (!h.extended_handshake) return;
    if (auto hs = summarize_extended_handshake(ext.value().body, "ut_pex")) h.extended_handshake(hs.value());
  } else if (h.extended) {
    h.extended(ext.value().ext_id, ext.value().body);
  }
}

std::size_t PeerWireParser::consume(std::string_view view, const WireHandlers& h) {
  std::size_t used = 0;
  for (;;) {
    auto rest = view.substr(used);
    if (state_ == State::messages && first_message_) {
      auto opening = az_opening(rest);
      if (opening == AzOpening::undecided) return used;
      first_message_ = false;
      if (opening == AzOpening::yes) state_ = State::az_messages;
    }
    if (state_ == State::az_messages) {
      auto n = consume_az(rest, h);
      if (n == 0) return used;
      used += n;
      if (state_ == State::failed || skip_ > 0) return view.size();
      continue;
    }
    if (state_ == State::messages) {
      if (auto whole = skippable(rest, lim_); whole > rest.size()) {
        ++messages_;
        skip_ = whole - rest.size();
        return view.size();
      }
    }
    if (state_ == State::handshake) {
      // Refuse early: a stream that does not open with the protocol string
      // is not plaintext BitTorrent, however long we wait.
      auto n = std::min(rest.size(), kProtocol.size());
      if (rest.substr(0, n) != kProtocol.substr(0, n)) {
        fail(errc::bad_protocol_string);
        return view.size();
      }
      if (rest.size() < kHandshakeSize) return used;
      auto hs = decode_handshake(rest.substr(0, kHandshakeSize));
      if (!hs) {
        fail(static_cast<errc>(hs.error().value()));
        return view.size();
      }
      if (h.handshake) h.handshake(hs.value());
      used += kHandshakeSize;
      state_ = State::messages;
      continue;
    }
    auto frame = next_frame(rest, lim_);
    if (!frame) {
      fail(static_cast<errc>(frame.error().value()));
      return view.size();
    }
    if (!frame.value()) return used;
    used += frame.value()->consumed;
    on_frame(*frame.value(), h);
  }
}

std::size_t PeerWireParser::consume_az(std::string_view rest, const WireHandlers& h) {
  const AzLimits lim{.max_message = std::min(lim_.max_message, AzLimits{}.max_message)};
  auto wanted = [](std::string_view id) { return id == kAzHandshake || id == kAzPeerExchange; };
  if (auto head = peek_az_header(rest, lim); head && head->whole > rest.size() && !wanted(head->id)) {
    ++messages_;
    skip_ = head->whole - rest.size();
    return rest.size();
  }
  auto frame = next_az_frame(rest, lim);
  if (!frame) {
    fail(static_cast<errc>(frame.error().value()));
    return rest.size();
  }
  if (!frame.value()) return 0;
  ++messages_;
  if (wanted(frame.value()->id) && h.az) h.az(*frame.value());
  return frame.value()->consumed;
}

void PeerWireParser::feed(std::string_view bytes, const WireHandlers& h) {
  if (state_ == State::failed) return;
  auto skipped = std::min(skip_, bytes.size());
  skip_ -= skipped;
  bytes.remove_prefix(skipped);
  if (buf_.empty()) {
    // Nothing held: parse the caller's bytes where they are and keep only
    // an unfinished message.
    auto used = consume(bytes, h);
    if (state_ != State::failed && used < bytes.size()) buf_.assign(bytes.substr(used));
    return;
  }
  buf_.append(bytes);
  auto used = consume(std::string_view(buf_).substr(pos_), h);
  if (state_ == State::failed) return;
  pos_ += used;
  // Keep only the unconsumed tail, moving it once it is most of the buffer.
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
}

}  // namespace p2pscope::passive
