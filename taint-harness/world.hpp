// The harness's side of a client run, inside the sandbox: the tracker that
// hands out the tracker-route peers, the fed BitTorrent peers (hubs among
// them send ut_pex and the DHT PORT message), the open ports that do not
// speak BitTorrent, a DHT node at every hub (sharing the UDP port with the
// hub's uTP, as clients do), and the prober that connects to
// the client's listen port. Each of them records what the client gives out
// or reveals (see capture.hpp).
//
// Threads: everything runs on the io_context passed in, one thread. World
// must outlive the io_context's run; read capture() after it stops.
#pragma once

#include "core/hash.hpp"
#include "lab/tracker_server.hpp"
#include "net/asio.hpp"
#include "taint-harness/capture.hpp"
#include "taint-harness/plan.hpp"

#include <chrono>
#include <memory>

namespace p2pscope::harness {

// feed: the taint run (DHT nodes poll the client; the prober connects to
// it). quiet: the idle run; everything only answers, so that every packet
// the client sends is its own doing.
enum class WorldMode : std::uint8_t { feed, quiet };

struct WorldOptions {
  InfoHash info_hash;
  std::size_t pieces = 1;
  WorldMode mode = WorldMode::feed;
  Hubs hubs = Hubs::seeds;
  std::string version = "p2pscope-harness";  // our peers' extended-handshake "v"
  std::chrono::seconds dht_poll{8};            // how often each DHT node asks the client get_peers
  std::chrono::seconds probe_after{20};        // first connection to the client's listen port
  std::chrono::seconds probe_every{15};        // retries until it accepts, 3 attempts in all
};

// What run.cpp needs of a network's world: start it, stop it, read what it
// captured. Threads: as the implementation says (one io_context thread).
class TestWorld {
 public:
  virtual ~TestWorld() = default;
  // Binds every listener and socket and starts serving. A bind error (the
  // address is not on the sandbox's loopback) is returned; later errors end
  // single sessions only.
  virtual Status start() = 0;
  // Closes every listener and socket (or, where the servers own them,
  // stops recording).
  virtual void stop() = 0;
  virtual Capture& capture() noexcept = 0;
  virtual double elapsed() const = 0;  // seconds since start()
};

class World final : public TestWorld {
 public:
  World(net::asio::io_context& io, const HarnessPlan& plan, WorldOptions opt);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  Status start() override;
  void stop() override;
  Capture& capture() noexcept override { return capture_; }
  double elapsed() const override;

  struct Impl;  // the coroutines' shared state (world.cpp)

 private:
  std::unique_ptr<Impl> impl_;
  Capture capture_;
};

}  // namespace p2pscope::harness
