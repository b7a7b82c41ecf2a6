#include "core/az_message.hpp"
#include "passive/peer_wire_parser.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

// An Azureus messaging protocol stream (after the BitTorrent handshake):
// framed messages, AZ_PEER_EXCHANGE bodies decoded; and the same bytes,
// behind a handshake, through passive's stream parser in two pieces split
// where the first byte says, which must hand out the same messages.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto all = fuzz::as_view(data, size);
  if (all.empty()) return 0;
  auto split = static_cast<std::uint8_t>(all[0]);
  auto stream = all.substr(1);
  std::size_t framed = 0;
  bool broken = false;  // a frame would not decode: the stream parser skips bodies unread, so may go on
  for (auto rest = stream;;) {
    auto f = next_az_frame(rest);
    broken = !f;
    if (!f || !f.value()) break;
    const auto& frame = *f.value();
    if (frame.consumed > rest.size() || frame.consumed < 10) fuzz::property_failed("AZ frame bounds");
    if (frame.id == kAzPeerExchange) {
      if (auto m = decode_az_peer_exchange(frame.payload))
        fuzz::check_canonical(m.value(), [](std::string_view b) { return decode_az_peer_exchange(b); },
                              encode_az_peer_exchange, "AZ_PEER_EXCHANGE canonical form");
    }
    ++framed;
    rest.remove_prefix(frame.consumed);
  }
  Handshake h;
  h.info_hash = InfoHash::from_bytes(std::string(20, 'i')).value();
  h.peer_id = PeerId::from_bytes("-BI3200-abcdefghijkl").value();
  auto wire = encode_handshake(h) + std::string(stream);
  passive::PeerWireParser p;
  std::size_t handed = 0;
  passive::WireHandlers handlers;
  handlers.az = [&](const AzFrame& f) {
    if (f.id != kAzHandshake && f.id != kAzPeerExchange) fuzz::property_failed("only wanted AZ messages are handed out");
    ++handed;
  };
  auto cut = std::min<std::size_t>(wire.size(), kHandshakeSize + split);
  p.feed(std::string_view(wire).substr(0, cut), handlers);
  p.feed(std::string_view(wire).substr(cut), handlers);
  // A whole stream's frames, plus the one it ends inside.
  if (!broken && p.state() == passive::PeerWireParser::State::az_messages && p.messages() > framed + 1)
    fuzz::property_failed("the stream parser read more messages than there are");
  return 0;
}
