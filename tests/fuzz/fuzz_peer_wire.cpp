#include "core/extension.hpp"
#include "core/peer_wire.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

// A peer's byte stream: handshake, then framed messages, each decoded by type.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto stream = fuzz::as_view(data, size);
  if (auto h = decode_handshake(stream)) {
    if (encode_handshake(h.value()) != stream.substr(0, kHandshakeSize)) fuzz::property_failed("handshake");
    stream.remove_prefix(kHandshakeSize);
  }
  WireLimits lim;
  lim.max_message = 1 << 16;
  for (;;) {
    auto f = next_frame(stream, lim);
    if (!f || !f.value()) break;
    const auto& frame = *f.value();
    if (frame.consumed > stream.size() || frame.consumed == 0) fuzz::property_failed("frame bounds");
    switch (static_cast<MessageId>(frame.id)) {
      case MessageId::port:
        if (auto port = decode_port(frame.payload)) {
          if (encode_port(port.value()) != stream.substr(0, frame.consumed)) fuzz::property_failed("PORT re-encodes");
        }
        break;
      case MessageId::have_all:
      case MessageId::have_none: (void)check_empty_payload(frame.payload); break;
      case MessageId::bitfield:
        if (!frame.payload.empty()) {
          // A piece count consistent with the length, chosen by the input.
          std::size_t n = frame.payload.size() * 8 - static_cast<std::uint8_t>(frame.payload[0]) % 8;
          auto b = decode_bitfield(frame.payload, n);
          if (b && b.value().count() > n) fuzz::property_failed("bitfield claims more than n pieces");
        }
        break;
      case MessageId::extended:
        if (auto e = decode_extended(frame.payload)) {
          if (encode_extended(e.value().ext_id, e.value().body) != stream.substr(0, frame.consumed))
            fuzz::property_failed("extended message re-encodes");
          // Bencoded bodies reach a stable canonical form (fuzz_util.hpp).
          if (e.value().ext_id == 0) {
            if (auto h = decode_extended_handshake(e.value().body))
              fuzz::check_canonical(h.value(), [](std::string_view b) { return decode_extended_handshake(b); },
                                    encode_extended_handshake, "extended handshake canonical form");
          } else if (auto pex = decode_pex(e.value().body)) {
            fuzz::check_canonical(pex.value(), [](std::string_view b) { return decode_pex(b); }, encode_pex,
                                  "ut_pex canonical form");
          }
        }
        break;
      default: break;
    }
    stream.remove_prefix(frame.consumed);
  }
  return 0;
}
