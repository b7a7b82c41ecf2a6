// One KRPC query as an injected function: sends `q` to `to` and returns its
// reply, with errors as crawler::KrpcClient gives them (errc::remote_error
// for a KRPC error reply, std::errc::timed_out for none). The crawler's
// lookups and the DHT node probes take it, so that tests can answer from the
// lab's DHT responder without sockets.
//
// Threads: called and awaited on one io_context thread; whatever it
// captures (a KrpcClient) must outlive the queries.
#pragma once

#include "core/error.hpp"
#include "core/ip.hpp"
#include "core/krpc.hpp"
#include "net/asio.hpp"

#include <functional>

namespace p2pscope::net {

using KrpcAsk = std::function<awaitable<Result<KrpcResponse>>(const Endpoint& to, KrpcQuery q)>;

}  // namespace p2pscope::net
