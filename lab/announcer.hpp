// The lab's peers announce themselves with these: a small BEP 15 client
// (connect, then announce) and a DHT announce (get_peers for a token, then
// announce_peer), each from a socket bound to the peer's own address, with a
// deadline per attempt and a few retries (the lab is local, so BEP 15's
// 15 s * 2^n schedule would only slow it down).
#pragma once

#include "core/hash.hpp"
#include "core/http_tracker.hpp"
#include "core/udp_tracker.hpp"
#include "lab/asio.hpp"

#include <optional>

namespace p2pscope::lab {

struct AnnounceSpec {
  InfoHash info_hash;
  PeerId peer_id;
  std::uint16_t port = 0;
  bool seed = false;
  std::optional<IpAddress> ip;  // the "IP address" field: ask to be listed at another address
  std::int32_t num_want = 200;
  AnnounceEvent event = AnnounceEvent::started;
};

awaitable<Result<UdpAnnounceResponse>> udp_announce(const IpAddress& local, const Endpoint& tracker,
                                                    const AnnounceSpec& spec);

// A BEP 3 announce over HTTP/1.0 to `tracker`'s /announce, from a
// connection bound to `local`, within a deadline: the decoded reply (a
// tracker's failure reason comes back as a reply that carries it), or why
// none came (no connection, a status other than 200, an oversized or
// undecodable body). The IPv6 farm head plants its fakes this way, through
// params.ipv6 (BEP 7), which BEP 15 has no field for.
awaitable<Result<HttpAnnounceResponse>> http_announce(const IpAddress& local, const Endpoint& tracker,
                                                      HttpAnnounceParams params);

// Announces `port` for ih to the DHT node at `node`, as node `id`: get_peers
// for the token, then announce_peer with it, both read-only (BEP 43) from an
// ephemeral port. Errors: no answer, or an error reply (bad token, storage
// full).
awaitable<Status> dht_announce(const IpAddress& local, const Endpoint& node, const NodeId& id, const InfoHash& ih,
                               std::uint16_t port);

}  // namespace p2pscope::lab
