// Asks one eDonkey index server for the sources of a set of files and
// reports every source with the server that gave it (an EmuleObservation,
// via ed2k_server or ed2k_server_udp). A LowID source is reported as the
// server's handle and never contacted.
//
// TCP: log in (the crawler's stable user hash, ID 0, its port), take the ID
// the server assigns, then GETSOURCES for up to `per_frame` files per frame
// (GETSOURCES_OBFU when the server announced TCP obfuscation; files of 4 GiB
// or more only to a server that announced large files), each frame paced by
// the RateGate, and read FOUNDSOURCES until every file has answered or
// `reply_timeout` passes without a new file's answer (a server says nothing
// about a file it has no sources for; other frames, however many, do not
// keep the session open). The ID must come within `login_timeout`, whatever
// else the server sends first.
// UDP (the server's TCP port + 4 by convention): the status census, then
// global get-sources in the richest form its flags allow (GETSOURCES2 with
// sizes, several hashes per datagram, or one hash per datagram).
//
// Bounded: every connect, read and wait has a deadline; frames over the
// limits, undecodable answers and datagrams from other addresses end or skip
// their flow with an anomaly. Threads: one io_context thread; the callbacks
// must stay valid until the coroutine completes.
#pragma once

#include "core/ed2k_server.hpp"
#include "core/records.hpp"
#include "net/asio.hpp"
#include "net/rate_gate.hpp"
#include "net/stop_signal.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace p2pscope::crawler {

struct Ed2kFile {
  ed2k::Md4 hash;
  std::uint64_t size = 0;
  friend bool operator==(const Ed2kFile&, const Ed2kFile&) = default;
};

struct Ed2kAskConfig {
  ed2k::Md4 user_hash;        // one stable hash per crawler address: a changed one gets the address banned
  std::uint16_t port = 4662;  // the TCP port the login claims
  std::string name = "p2pscope";
  IpAddress local = IpAddress::v4(0);
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds login_timeout{20000};   // for the ID change
  std::chrono::milliseconds reply_timeout{20000};   // after the last new answer (TCP) or datagram (UDP)
  std::size_t per_frame = 15;                       // files per GETSOURCES frame or datagram
  ed2k::Limits limits{.max_frame = 1 << 20, .max_unpacked = 1 << 20};
};

struct Ed2kEvents {
  std::function<void(EmuleObservation)> on_source;  // time set; run left empty
  std::function<void(AnomalyKind, std::string)> on_anomaly;
};

struct TcpServerReport {
  std::optional<ed2k::IdChange> id;
  std::vector<std::string> messages;  // SERVERMESSAGE texts, the first 64
  std::optional<ed2k::ServerStatus> status;
  std::size_t files_asked = 0, files_answered = 0, sources = 0;
  std::size_t files_skipped = 0;  // 4 GiB or more, and the server cannot take them
};

// Fails (with what happened) when the server cannot be reached, refuses
// the login or never assigns an ID; sources reported before a failure stand.
net::awaitable<StatusOr<TcpServerReport>> ask_server_tcp(Endpoint server, std::vector<Ed2kFile> files,
                                                         const Ed2kAskConfig& cfg, net::RateGate& gate,
                                                         const Ed2kEvents& ev, net::StopSignal* stop = nullptr);

struct UdpServerReport {
  std::optional<ed2k::UdpStatus> status;  // the census: users, files, limits, flags
  std::size_t files_asked = 0, sources = 0;
};

// `server` is the UDP endpoint. Fails only when no socket can be opened; a
// server that never answers gives an empty report and a `silent` anomaly.
net::awaitable<StatusOr<UdpServerReport>> ask_server_udp(Endpoint server, std::vector<Ed2kFile> files,
                                                         const Ed2kAskConfig& cfg, net::RateGate& gate,
                                                         const Ed2kEvents& ev);

}  // namespace p2pscope::crawler
