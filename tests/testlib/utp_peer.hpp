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
#include <vector>

namespace p2pscope::testlib {

enum class UtpPeerKind : std::uint8_t { honest, anti_p2p };

net::awaitable<void> serve_utp_pex_peer(std::shared_ptr<net::UtpMux> mux, InfoHash ih, std::vector<PexPeer> pex,
                                        UtpPeerKind kind = UtpPeerKind::honest);

// A listening uTP mux on 127.0.0.1, any port.
std::shared_ptr<net::UtpMux> loopback_utp(net::asio::io_context& io);

// A TCP socket bound to `at` and not listening: while it lives, TCP
// connects there are refused at once (the uTP-only peer's TCP side).
net::tcp::socket refusing_tcp(net::asio::io_context& io, const Endpoint& at);

}  // namespace p2pscope::testlib
