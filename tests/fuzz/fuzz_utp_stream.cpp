#include "core/utp_stream.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

// A hostile peer drives one connection, ours as initiator or (first byte
// odd) as the acceptor of the peer's SYN: the input is then a script of
// steps (1 byte: what; then its bytes). Whatever it sends, the connection keeps
// its bounds: unread data within the receive window, every datagram it
// sends a uTP packet with one of its two ids, and a finished connection
// stays finished.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = fuzz::as_view(data, size);
  UtpLimits lim;
  lim.receive_window = 2048;
  lim.send_buffer = 2048;
  constexpr std::uint16_t kId = 0x1234;
  std::uint64_t now = 1;
  bool accepting = !in.empty() && (static_cast<std::uint8_t>(in[0]) & 1);
  if (!in.empty()) in.remove_prefix(1);
  auto c = [&] {
    if (!accepting) return UtpConnection(kId, now, lim);
    UtpHeader syn;
    syn.type = UtpType::syn;
    syn.connection_id = static_cast<std::uint16_t>(kId - 1);  // so that we receive on kId
    syn.seq_nr = 77;
    return UtpConnection::accept(encode_utp(syn), 500, now, lim).value();
  }();
  while (!in.empty()) {
    auto step = static_cast<std::uint8_t>(in[0]);
    in.remove_prefix(1);
    std::size_t len = in.empty() ? 0 : static_cast<std::uint8_t>(in[0]) % 64 + 20;
    if (!in.empty()) in.remove_prefix(1);
    auto body = in.substr(0, len);
    in.remove_prefix(body.size());
    bool was_finished = c.finished();
    switch (step % 6) {
      case 0: (void)c.on_datagram(body, now); break;
      case 1: {
        // A packet for this connection: the id filled in, the rest from the input.
        std::string d(body);
        if (d.size() >= 4) {
          d[0] = static_cast<char>((static_cast<std::uint8_t>(d[0]) % 5) << 4 | 1);
          d[1] = 0;
          d[2] = static_cast<char>(kId >> 8);
          d[3] = static_cast<char>(kId & 0xff);
        }
        (void)c.on_datagram(d, now);
        break;
      }
      case 2: now += static_cast<std::uint64_t>(len) * 100'000; c.on_tick(now); break;
      case 3: (void)c.write(body); break;
      case 4: {
        // The same with our send id: a packet for the peer, never taken.
        std::string d(body);
        if (d.size() >= 4) {
          d[2] = static_cast<char>(c.send_id() >> 8);
          d[3] = static_cast<char>(c.send_id() & 0xff);
          bool syn = (static_cast<std::uint8_t>(d[0]) >> 4) == static_cast<std::uint8_t>(UtpType::syn);
          // Only the acceptor takes one: the peer's SYN again, answered with our STATE again.
          if (c.on_datagram(d, now) && !(accepting && syn)) fuzz::property_failed("took a packet addressed to the peer");
        }
        break;
      }
      case 5: c.close(); break;
    }
    if (was_finished && !c.finished()) fuzz::property_failed("a finished connection came back");
    for (const auto& d : c.take_outgoing(now)) {
      auto h = decode_utp(d);
      if (!h) fuzz::property_failed("sent a datagram that is not uTP");
      if (h.value().connection_id != c.recv_id() && h.value().connection_id != c.send_id())
        fuzz::property_failed("sent a packet with another connection's id");
    }
    auto got = c.read();
    if (got.size() > lim.receive_window) fuzz::property_failed("delivered more than the receive window at once");
  }
  return 0;
}
