// A BitTorrent peer that speaks uTP only, for the crawler's tests and the
// PEX benchmark: it accepts on a listening net::UtpMux, answers the
// handshake for its torrent (hanging up on any other) with BEP 10 and
// ut_pex, sends one ut_pex message listing `pex` (flags as given), then
// stays silent until the client hangs up.
//
// Threads: the mux's io_context thread. It runs until the mux is closed.
#pragma once

#include "core/extension.hpp"
#include "core/hash.hpp"
#include "net/utp_socket.hpp"

#include <memory>
#include <vector>

namespace p2pscope::testlib {

net::awaitable<void> serve_utp_pex_peer(std::shared_ptr<net::UtpMux> mux, InfoHash ih, std::vector<PexPeer> pex);

// A listening uTP mux on 127.0.0.1, any port.
std::shared_ptr<net::UtpMux> loopback_utp(net::asio::io_context& io);

}  // namespace p2pscope::testlib
