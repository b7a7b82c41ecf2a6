// Seeded generators of random protocol values for round-trip property tests
// (encode -> decode == identity). Deterministic for a given seed, so a failure
// names the seed that reproduces it. Not thread-safe: one Gen per test.
#pragma once

#include "core/extension.hpp"
#include "core/http_tracker.hpp"
#include "core/krpc.hpp"
#include "core/peer_wire.hpp"
#include "core/records.hpp"
#include "core/udp_tracker.hpp"

#include <random>
#include <string>

namespace p2pscope::testlib {

class Gen {
 public:
  explicit Gen(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t u64() { return rng_(); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(rng_()); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(rng_()); }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }
  bool coin() { return rng_() & 1; }
  std::string bytes(std::size_t n);
  std::string text(std::size_t max_len);  // printable ASCII

  template <class H>
  H hash() {
    return H::from_bytes(bytes(20)).value();
  }
  IpAddress address(Family f);
  Endpoint endpoint(Family f);
  Endpoint endpoint() { return endpoint(coin() ? Family::v4 : Family::v6); }
  NodeEntry node(Family f) { return NodeEntry{hash<NodeId>(), endpoint(f)}; }

  KrpcQuery krpc_query();
  KrpcResponse krpc_response();
  KrpcError krpc_error();
  KrpcMessage krpc();
  UdpTrackerRequest udp_request();
  UdpTrackerResponse udp_response(Family peers);
  HttpAnnounceResponse http_announce(PeerEncoding enc);
  HttpScrapeResponse http_scrape();
  Handshake handshake();
  ExtendedHandshake extended_handshake();
  PexMessage pex();
  // A valid record of kind `kind` (the Record variant's index), every
  // optional field present or not at random; text may hold tabs, newlines
  // and backslashes.
  Record record(std::size_t kind);
  ed2k::Md4 md4();
  EmuleObservation emule_observation(Timestamp time, std::string run);

 private:
  std::mt19937_64 rng_;
};

}  // namespace p2pscope::testlib
