// The harness's eMule world for one client run, inside the sandbox: the
// index server the client logs in to (it lists the hubs, the seeder and
// the server-route peers as sources of the test file, and records every
// offer the client makes), the hubs (scripted eMule peers with part of the
// file that answer source exchange in versions 1 to 4 with the sx-route
// peers), the fed eMule peers and open ports, and the askers that ask the
// client for its sources round by round, in every version, recording what
// it answers. The seeder is a real aMule started by the driver, not here.
//
// Threads: everything runs on the io_context passed in, one thread. The
// world must outlive the io_context's run; read capture() after it stops.
#pragma once

#include "core/ed2k_link.hpp"
#include "core/records.hpp"
#include "net/asio.hpp"
#include "taint-harness/world.hpp"

#include <chrono>
#include <memory>

namespace p2pscope::harness {

struct EmuleWorldOptions {
  ed2k::FileLink file;                    // the test file (hash and size)
  std::vector<ed2k::Md4> part_hashes;     // its part hashes: the hubs answer HASHSETREQUEST with them
  WorldMode mode = WorldMode::feed;       // quiet: no asking
  std::chrono::seconds first_ask{45};     // the first round of askers (the client needs a whole part by then)
  std::chrono::seconds ask_every{15};     // the next rounds
};

class EmuleWorld final : public TestWorld {
 public:
  EmuleWorld(net::asio::io_context& io, const HarnessPlan& plan, EmuleWorldOptions opt);
  ~EmuleWorld() override;
  EmuleWorld(const EmuleWorld&) = delete;
  EmuleWorld& operator=(const EmuleWorld&) = delete;

  Status start() override;
  void stop() override;  // stops recording; the servers end with the io_context
  Capture& capture() noexcept override { return capture_; }
  double elapsed() const override;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  Capture capture_;
};

// The part status a hub and a fed eMule peer answer with: the first part
// only, so that the client wants what they have (and queues there) and
// takes them for incomplete sources, which aMule asks for sources.
ed2k::PartStatus first_part_only(std::uint64_t size);

// The SX answer an asker records: HighID entries as endpoints read in the
// answer's ID form, LowIDs counted.
void add_sx_entry(SxAsk& ask, const EmuleObservation& o);

}  // namespace p2pscope::harness
