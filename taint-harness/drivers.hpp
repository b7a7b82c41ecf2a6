// Client drivers: how to start each real client with a fresh profile in the
// sandbox, hand it the test torrent, and point its DHT at our nodes. A
// driver only writes files and builds command lines (no I/O beyond the
// profile directory); run.cpp starts and stops the processes.
#pragma once

#include "core/error.hpp"
#include "core/ip.hpp"
#include "taint-harness/plan.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace p2pscope::harness {

// Whether the client is asked to run in its anonymous mode (BEP 37).
enum class Anonymity : std::uint8_t { off, on };
// Whether a client has such a mode for the harness to turn on.
enum class AnonymousMode : std::uint8_t { unsupported, supported };
// Whether a run needs IPv6 feeding (PlanOptions::ipv6) whatever it was asked.
enum class Ipv6Feeding : std::uint8_t { as_asked, required };
// Who gives the client's outgoing sockets its address as their source: the
// client, by binding them (most clients: an option names the address), or
// the sandbox, whose routes give every unbound socket that source
// (libktorrent binds only what it listens on).
enum class OutgoingSource : std::uint8_t { bound_by_client, set_by_sandbox };
// Whether a taint run has a partner (HarnessPlan::partner): a second
// instance of the same client, which the driver starts beside the client.
enum class Partner : std::uint8_t { none, same_client };

// Everything a driver may need to know about its run.
struct DriverContext {
  std::filesystem::path profile;   // fresh, empty: config, state, HOME
  std::filesystem::path download;  // where the torrent's data goes
  std::filesystem::path torrent;   // the test .torrent; empty for an idle run (load no torrent)
  Endpoint client;                 // address to bind; TCP listen port = DHT UDP port
  std::optional<Endpoint> client6; // with IPv6 feeding: the IPv6 address to bind too (same port)
  std::vector<Endpoint> dht_nodes; // our DHT nodes (also named in /etc/hosts as the usual routers)
  Anonymity anonymity = Anonymity::off;  // ignored by clients whose driver says unsupported
  // eMule runs: the test file (its content, for the seeder) and its ed2k://
  // link (empty for an idle run), the index server, and where the seeder
  // listens.
  std::filesystem::path file;
  std::string ed2k_link;
  Endpoint server;
  std::optional<Endpoint> seeder;
  // A UDP port nobody else in the run uses (HarnessPlan::spare_port).
  std::uint16_t spare_port = 0;
  // Where the partner listens, when the driver asked for one and the run
  // feeds the client (HarnessPlan::partner).
  std::optional<Endpoint> partner;
  std::optional<Endpoint> partner6;  // and its IPv6 address, with IPv6 feeding
};

// How to start a client: its command, environment additions, and commands to
// run once it is up (adding the torrent through the client's own console).
struct Launch {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::vector<std::string>> after_start;
  std::chrono::seconds after_start_delay{0};
};

struct ClientDriver {
  std::string name;                       // "transmission"
  std::string binary;                     // looked up on PATH; "" when argv says it all (generic)
  std::vector<std::string> version_argv;  // prints the version somewhere in its output
  std::chrono::seconds window{75};        // how long the client runs: past its second PEX round
  std::function<Result<Launch>(const DriverContext&)> prepare;
  AnonymousMode anonymous_mode = AnonymousMode::unsupported;
  Network network = Network::bittorrent;  // which world it is run in
  Ipv6Feeding ipv6 = Ipv6Feeding::as_asked;
  OutgoingSource outgoing = OutgoingSource::bound_by_client;
  Hubs hubs = Hubs::seeds;  // what the world's hubs have (world.hpp)
  Partner partner = Partner::none;
};

// transmission, qbittorrent, deluge, rtorrent, aria2 and reference (the
// libtorrent reference client built here; reference_binary is its path).
std::vector<ClientDriver> builtin_drivers(const std::filesystem::path& reference_binary);
// aMule (amuled 2.3.3): the client, and a second amuled as the seeder of the
// test file, in one process group; the link is added with amulecmd.
ClientDriver amule_driver();
// The buggy eMule reference peer (p2pscope-emule-reference at `binary`):
// mode "hybrid-in-v2", "ed2k-in-v3", "v4-stored-raw" or "none".
ClientDriver emule_reference_driver(const std::filesystem::path& binary, const std::string& mode);
// The amuled command lines the aMule driver writes, for its tests.
inline constexpr std::uint16_t kAmuleEcPort = 4712, kSeederEcPort = 4713;
// The client downloads at this rate: its first part (9.28 MB) in about
// 40 s, the whole test file (3.5 parts) only after its window. The seeder
// uploads as the lab's seeders do (6000 KiB/s): slowed at its end, aMule's
// seeder ran at about 20 KiB/s and once gave no slot at all.
inline constexpr int kClientDownloadKiBs = 250, kSeederUploadKiBs = 6000;

// KTorrent: libktorrent 22.12 run by p2pscope-ktorrent-client (at
// `binary`), built when libktorrent-dev is installed. TCP and uTP on the
// client's port, its DHT on DriverContext::spare_port.
ClientDriver ktorrent_driver(const std::filesystem::path& binary);

// BiglyBT 3.2 (the Azureus line): Debian's `biglybt` launcher, console UI,
// its config in the profile (biglybt_driver.cpp).
ClientDriver biglybt_driver();

// The buggy reference client (positive controls): mode "reverse-pex", "unchecked-pex", "port-host-order-pex",
// "announce-ip-host-order" or "ipv6-reply-as-ipv4" (which needs IPv6 feeding).
ClientDriver buggy_reference_driver(const std::filesystem::path& reference_binary, const std::string& mode);
// "run this command": a shell command line in which {torrent}, {dir},
// {port}, {ip}, {ip6} (the IPv6 address, '' without one), {profile} and
// {dht} (ip:port of our first DHT node) are replaced by single-quoted
// values ({torrent} by '' in an idle run). errc::bad_value when a brace names
// nothing known.
Result<ClientDriver> generic_driver(const std::string& name, const std::string& command);

// Writes a profile file (its directories made first); io_error when it
// cannot. For drivers.
Result<void> write_profile_file(const std::filesystem::path& p, const std::string& text);
// Makes PROFILE/watch and copies the run's torrent into it (nothing in an
// idle run): for clients that load torrents from a watched folder. Returns
// the folder.
Result<std::filesystem::path> fill_watch_dir(const DriverContext& c);
// HOME and the XDG directories, all inside the profile: no client reads or
// writes the user's own.
std::vector<std::pair<std::string, std::string>> home_env(const DriverContext& c);

// The version line of a client: the first line of out that holds a digit
// followed by a dot and a digit, trimmed; "unknown" when none does.
std::string version_from_output(std::string_view out);

}  // namespace p2pscope::harness
