// The lab's own eDonkey index server (Debian packages none): clients log in,
// offer their files and ask for sources over TCP; the UDP side answers
// status, description and global get-sources requests. A poisoned server
// adds made-up sources to every answer, for any file asked about, as the
// anti-P2P servers of the study's time did.
//
// Ed2kServerState is the pure part (no I/O); serve_ed2k_tcp and
// serve_ed2k_udp are thin Asio coroutines over it. Threads: everything runs
// on one io_context thread; Ed2kServerState is not thread-safe. The UDP
// socket conventionally listens on the TCP port + 4.
#pragma once

#include "core/ed2k_server.hpp"
#include "lab/asio.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace p2pscope::lab {

struct Ed2kServerConfig {
  std::string name = "p2pscope lab server";
  std::string description = "an eDonkey index server inside the lab's namespace";
  std::string message = "p2pscope lab server";  // SERVERMESSAGE after a login
  // Added to every source answer, for every file, offered or not (poisoned).
  std::vector<ed2k::Source> injected;
  // Clients from these addresses get LowIDs (the lab does not connect back,
  // so every other client gets the HighID of its address).
  std::set<IpAddress> low_id;
  // IDCHANGE flags. 0 makes aMule offer its files plain, with real IDs.
  std::uint32_t tcp_flags = 0;
  std::uint32_t udp_flags = ed2k::udp_flag::get_sources | ed2k::udp_flag::get_sources2 | ed2k::udp_flag::large_files;
  std::size_t max_clients = 4096;
  std::size_t max_files = 1u << 16;          // distinct files in the index
  std::size_t max_files_per_client = 4096;   // entries of one client's offers
  std::size_t max_sources_per_answer = 200;  // as real servers cap them
  std::uint32_t soft_files = 1000, hard_files = 2000;
  std::chrono::seconds idle{1200};  // a TCP client silent this long is dropped
};

class Ed2kServerState {
 public:
  explicit Ed2kServerState(Ed2kServerConfig cfg) : cfg_(std::move(cfg)) {}

  // A client logged in from `from` (its TCP port as the login says): the ID
  // it gets, and the session that holds it. A second login with the same ID
  // replaces the first. errc::too_many_items when the server is full.
  struct LoggedIn {
    ed2k::IdChange change;
    std::uint64_t session = 0;
  };
  Result<LoggedIn> login(const IpAddress& from, const ed2k::Login& l);
  // Forgets a client and what it offered, if `session` still holds its ID.
  void logout(std::uint32_t id, std::uint64_t session);
  // A client's OFFERFILES; the self markers mean the client's own ID and
  // port. Files past the limits are dropped; the count kept is returned.
  std::size_t offer(std::uint32_t id, const std::vector<ed2k::OfferedFile>& files);
  // The sources of a file, the injected ones first, without `asker`, at most
  // max_sources_per_answer.
  std::vector<ed2k::Source> sources(const ed2k::Md4& file, std::uint32_t asker) const;
  // Lists a source of `file` that no session holds (a client the scenario
  // says logged in: the lab's scripted peers and LowIDs). Stays until the
  // server stops, unless a client logs in with the same ID and leaves.
  void list(const ed2k::Md4& file, std::uint32_t id, std::uint16_t port);
  ed2k::ServerStatus status() const;
  ed2k::UdpStatus udp_status(std::uint32_t challenge) const;
  ed2k::ServerDescription description(std::optional<std::uint32_t> challenge) const;
  const Ed2kServerConfig& config() const noexcept { return cfg_; }

  // Told of every login taken (the address, the login, the ID given) and
  // every offer (the client's ID and login port, the entries as sent), as
  // they happen: the taint harness's capture of what a client offers.
  struct Observer {
    std::function<void(const IpAddress&, const ed2k::Login&, std::uint32_t)> login;
    std::function<void(std::uint32_t, std::uint16_t, const std::vector<ed2k::OfferedFile>&)> offer;
  };
  void observe(Observer o) { observer_ = std::move(o); }

 private:
  struct Client {
    std::uint64_t session = 0;
    std::uint16_t port = 0;
    std::set<ed2k::Md4> files;
  };
  Ed2kServerConfig cfg_;
  Observer observer_;
  std::map<std::uint32_t, Client> clients_;
  std::map<ed2k::Md4, std::map<std::uint32_t, std::uint16_t>> index_;  // file -> id -> port
  void forget(std::uint32_t id);
  std::uint32_t next_low_id_ = 1;
  std::uint64_t next_session_ = 1;
};

// Serves logins on acceptor until it is closed.
awaitable<void> serve_ed2k_tcp(tcp::acceptor acceptor, Ed2kServerState& state);
// Serves the UDP requests on socket until it is closed.
awaitable<void> serve_ed2k_udp(udp::socket socket, Ed2kServerState& state);

}  // namespace p2pscope::lab
