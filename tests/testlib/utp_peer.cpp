#include "tests/testlib/utp_peer.hpp"

#include "core/peer_wire.hpp"
#include "net/tcp_stream.hpp"

#include <stdexcept>
#include <string>

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

namespace {

constexpr int kPortClashes = 50;

// A TCP socket bound to `at` (not listening), or nothing and the bind error.
std::optional<tcp::socket> bind_refusing(asio::io_context& io, const Endpoint& at, error_code& ec) {
  tcp::socket s(io);
  s.open(tcp::v4(), ec);
  if (!ec) s.bind(to_tcp(at), ec);
  if (ec) return std::nullopt;
  return s;
}

std::optional<tcp::acceptor> bind_listening(asio::io_context& io, const Endpoint& at, error_code& ec) {
  tcp::acceptor a(io);
  listen_on(a, at, ec);
  if (ec) return std::nullopt;
  return a;
}

[[noreturn]] void give_up(const error_code& ec) {
  throw std::runtime_error("no loopback port free on both UDP and TCP after " + std::to_string(kPortClashes) +
                           " tries: " + ec.message());
}

}  // namespace

UtpOnlyPort loopback_utp_only(asio::io_context& io, TcpSide side) {
  error_code ec;
  for (int i = 0; i < kPortClashes; ++i) {
    UtpOnlyPort p;
    p.mux = UtpMux::open(io.get_executor(), {IpAddress::parse("127.0.0.1").value(), 0}).value();
    if (side == TcpSide::refuse)
      p.refusing = bind_refusing(io, p.endpoint(), ec);
    else
      p.listening = bind_listening(io, p.endpoint(), ec);
    if (p.refusing || p.listening) {
      p.mux->listen();
      return p;
    }
    p.mux->close();
  }
  give_up(ec);
}

std::pair<udp::socket, tcp::socket> loopback_silent_port(asio::io_context& io) {
  error_code ec;
  for (int i = 0; i < kPortClashes; ++i) {
    udp::socket u(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    auto t = bind_refusing(io, from_asio(u.local_endpoint()), ec);
    if (t) return {std::move(u), std::move(*t)};
  }
  give_up(ec);
}

}  // namespace p2pscope::testlib
