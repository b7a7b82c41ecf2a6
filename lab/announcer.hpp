// A small BEP 15 client for the lab's peers: connect, then announce, from
// a socket bound to the peer's own address, with a deadline per attempt
// and a few retries (the lab is local, so BEP 15's 15 s * 2^n schedule
// would only slow it down).
#pragma once

#include "core/hash.hpp"
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

}  // namespace p2pscope::lab
