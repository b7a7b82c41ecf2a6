// A BitTorrent peer that speaks uTP only, for the crawler's and probes'
// tests: it accepts on a listening net::UtpMux, answers the handshake for
// its torrent (hanging up on any other, unless it is the anti-P2P kind,
// which takes any infohash and claims every piece with have_all) with
// BEP 10 and ut_pex, sends one ut_pex message listing `pex` (flags as
// given), then stays silent until the client hangs up.
//
// Threads: the mux's io_context thread. It runs until the mux is closed.
#pragma once

#include "core/extension.hpp"
#include "core/hash.hpp"
#include "net/utp_socket.hpp"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace p2pscope::testlib {

enum class UtpPeerKind : std::uint8_t { honest, anti_p2p };

net::awaitable<void> serve_utp_pex_peer(std::shared_ptr<net::UtpMux> mux, InfoHash ih, std::vector<PexPeer> pex,
                                        UtpPeerKind kind = UtpPeerKind::honest);

// What a uTP-only test peer has on TCP at its uTP port number.
enum class TcpSide : std::uint8_t {
  refuse,  // a socket bound and not listening: TCP connects are refused at once
  listen,  // a listening acceptor (the test decides what it does with connections)
};

// A listening uTP mux on 127.0.0.1 and, on the same port number, the TCP
// side asked for. The UDP port is ephemeral and picked with no regard to
// TCP, so another process (ctest -j) may hold that number on TCP: both are
// bound again on a fresh port until the pair fits. Throws after 50 clashes.
// Exactly one of `refusing` and `listening` is set, as `tcp` says.
struct UtpOnlyPort {
  std::shared_ptr<net::UtpMux> mux;
  std::optional<net::tcp::socket> refusing;
  std::optional<net::tcp::acceptor> listening;
  Endpoint endpoint() const { return mux->local_endpoint(); }
};
UtpOnlyPort loopback_utp_only(net::asio::io_context& io, TcpSide tcp);

// A bound UDP socket that never answers and a refusing TCP socket on the
// same loopback port number (a peer on neither carrier), bound like the pair above.
std::pair<net::udp::socket, net::tcp::socket> loopback_silent_port(net::asio::io_context& io);

}  // namespace p2pscope::testlib
