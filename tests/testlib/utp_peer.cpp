#include "tests/testlib/utp_peer.hpp"

#include "core/peer_wire.hpp"
#include "net/tcp_stream.hpp"

namespace p2pscope::testlib {

using namespace net;

namespace {

using Clock = asio::steady_timer::clock_type;

awaitable<void> utp_pex_session(UtpStream s, InfoHash ih, std::vector<PexPeer> pex, UtpPeerKind kind) {
  std::string in;
  error_code ec;
  auto until = Clock::now() + std::chrono::seconds(10);
  co_await read_at_least(s, in, kHandshakeSize, until, ec);
  if (ec) co_return;
  auto theirs = decode_handshake(std::string_view(in).substr(0, kHandshakeSize));
  bool ours = theirs && (theirs.value().info_hash == ih || kind == UtpPeerKind::anti_p2p);
  if (!ours) co_return;  // an unknown torrent: hang up
  Handshake h = theirs.value();
  h.peer_id = PeerId::from_bytes("-LT2080-utponlyutpon").value();
  h.set_features(Features{Feature::extension_protocol});
  ExtendedHandshake e;
  e.m["ut_pex"] = 3;
  e.v = "uTP-only test peer";
  // The crawler asked for ut_pex as its id 1.
  auto out = encode_handshake(h) + encode_extended(0, encode_extended_handshake(e));
  if (kind == UtpPeerKind::anti_p2p) out += encode_message(MessageId::have_all);
  out += encode_extended(1, encode_pex(PexMessage{.added = pex}));
  co_await s.write(out, until, ec);
  std::string sink;
  while (!ec) co_await s.read_some(sink, Clock::now() + std::chrono::hours(1), ec);
}

}  // namespace

awaitable<void> serve_utp_pex_peer(std::shared_ptr<UtpMux> mux, InfoHash ih, std::vector<PexPeer> pex,
                                   UtpPeerKind kind) {
  for (;;) {
    error_code ec;
    auto s = co_await mux->accept(ec);
    if (ec) co_return;
    asio::co_spawn(co_await asio::this_coro::executor, utp_pex_session(std::move(s), ih, pex, kind), asio::detached);
  }
}

std::shared_ptr<UtpMux> loopback_utp(asio::io_context& io) {
  auto mux = UtpMux::open(io.get_executor(), {IpAddress::parse("127.0.0.1").value(), 0}).value();
  mux->listen();
  return mux;
}

tcp::socket refusing_tcp(asio::io_context& io, const Endpoint& at) {
  tcp::socket s(io);
  s.open(at.address.is_v4() ? tcp::v4() : tcp::v6());
  s.bind(to_tcp(at));
  return s;
}

}  // namespace p2pscope::testlib
