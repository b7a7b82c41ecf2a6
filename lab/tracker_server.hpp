// The lab's own BitTorrent tracker (HTTP and UDP, BEP 3/15/23/48), for what
// opentracker cannot do: a poisoned tracker injects bogus entries into every
// announce reply and honours the announce "ip" field, as some real trackers
// do, which is how anti-P2P fleets plant made-up addresses.
//
// TrackerState is the pure part (no I/O, injected clock values); serve_http
// and serve_udp are thin Asio coroutines over it. Threads: everything runs
// on one io_context thread; TrackerState is not thread-safe.
#pragma once

#include "core/hash.hpp"
#include "core/ip.hpp"
#include "core/udp_tracker.hpp"
#include "lab/asio.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace p2pscope::lab {

// One announce as the tracker received it, before it is answered: what the
// taint harness records of a client's own advertisement.
struct AnnounceSeen {
  bool udp = false;               // BEP 15 (else HTTP)
  Endpoint from;                  // the datagram's or connection's source
  InfoHash info_hash;
  PeerId peer_id;
  std::uint16_t port = 0;         // the announced listen port
  std::optional<std::string> ip;  // HTTP "ip", or the BEP 15 IPv4 field when non-zero (dotted)
  std::optional<std::uint32_t> key;
  AnnounceEvent event = AnnounceEvent::none;
  std::string query;              // HTTP: the raw query string (ipv4=, ipv6= live here)
  std::optional<std::string> user_agent;  // HTTP: the User-Agent header, when sent
};

struct TrackerConfig {
  // Take the announce "ip" field as the peer's address, and list it at the
  // BEP 7 ipv4=/ipv6= ones as well (BEP 7 now advises against both).
  bool honour_ip = false;
  std::vector<Endpoint> injected;   // added to every announce reply
  std::chrono::seconds interval{300};
  std::chrono::seconds min_interval{150};  // HTTP "min interval": how soon a client may announce again
  std::size_t max_swarms = 4096;    // announces for further infohashes are refused
  std::size_t max_peers = 50000;    // per swarm
  int default_numwant = 50;
  int max_numwant = 200;
  // Called on the serving thread for every well-formed announce.
  std::function<void(const AnnounceSeen&)> observe;
};

class TrackerState {
 public:
  using Clock = std::chrono::steady_clock;
  struct Announce {
    InfoHash info_hash;
    Endpoint peer;        // address the reply is about (source address, or "ip" when honoured)
    bool seed = false;    // left == 0
    AnnounceEvent event = AnnounceEvent::none;
    int numwant = -1;     // < 0: the default
    std::vector<Endpoint> also;  // listed (or removed) alongside `peer`: BEP 7's other addresses
  };
  struct Reply {
    std::vector<Endpoint> peers;
    std::uint32_t seeders = 0, leechers = 0;
  };

  TrackerState(TrackerConfig cfg, std::uint64_t seed) : cfg_(std::move(cfg)), rng_(seed) {}

  // errc::too_many_items when a new swarm or peer would pass a limit.
  Result<Reply> announce(const Announce& a, Clock::time_point now);
  ScrapeCounts scrape(const InfoHash& ih) const;
  const TrackerConfig& config() const noexcept { return cfg_; }

 private:
  struct PeerState {
    bool seed = false;
    Clock::time_point last;
  };
  struct Swarm {
    std::map<Endpoint, PeerState> peers;
    std::uint32_t completed = 0;
  };
  void expire(Swarm& s, Clock::time_point now);

  TrackerConfig cfg_;
  std::map<InfoHash, Swarm> swarms_;
  std::mt19937_64 rng_;
};

// Serves HTTP announce and scrape on acceptor until it is closed.
awaitable<void> serve_http(tcp::acceptor acceptor, TrackerState& state);
// Serves BEP 15 on socket until it is closed.
awaitable<void> serve_udp(udp::socket socket, TrackerState& state, std::uint64_t secret);
// Both at `at`: HTTP on TCP and BEP 15 on UDP, the same port, with address
// reuse. The sockets are bound before it returns (an error names the
// address); the two coroutines then run on io. `secret` keys the BEP 15
// connection ids. state must outlive them. A dual-stack tracker calls it
// once per face with one state: one swarm, as real trackers keep.
Status serve_tracker(asio::io_context& io, const Endpoint& at, TrackerState& state, std::uint64_t secret);

}  // namespace p2pscope::lab
