// One client run: make the test torrent, build the sandbox (a private
// network namespace with the plan's addresses on its loopback and no route
// out), start the world and the client inside it, let the client run for
// its window, stop it, and bring back what the world captured.
//
// A client that will not start, exits early or will not stop is the run's
// error (with its log tail), never the caller's: the other clients' runs go
// on. Threads: forks; call from a thread that may fork.
#pragma once

#include "core/names.hpp"
#include "taint-harness/capture.hpp"
#include "taint-harness/drivers.hpp"
#include "taint-harness/egress.hpp"
#include "taint-harness/wire_check.hpp"
#include "taint-harness/plan.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace p2pscope::harness {

// taint: the client gets the test torrent and is fed peers; idle: no
// torrent at all, a world that only answers, and the client's own packets
// counted from the capture (its idle egress).
enum class RunMode : std::uint8_t { taint, idle };
constexpr auto enum_names(RunMode) noexcept {
  return std::to_array<std::pair<RunMode, std::string_view>>({{RunMode::taint, "taint"}, {RunMode::idle, "idle"}});
}

std::string_view to_string(RunMode m) noexcept;

struct RunOptions {
  std::filesystem::path dir;                    // the run's own directory (created; emptied first)
  PlanOptions plan;
  RunMode mode = RunMode::taint;
  Anonymity anonymity = Anonymity::off;         // on: the client's anonymous mode, where it has one
  std::optional<std::chrono::seconds> window;   // overrides the driver's
  std::chrono::seconds stop_timeout{10};        // SIGTERM, then SIGKILL after this
};

struct RunResult {
  std::string client;
  std::string version;
  RunMode mode = RunMode::taint;
  Anonymity anonymity = Anonymity::off;         // as asked
  AnonymousMode anonymous_mode = AnonymousMode::unsupported;  // whether the client could honour it
  HarnessPlan plan;
  Hubs hubs = Hubs::seeds;  // BitTorrent runs: what the plan's hubs had
  InfoHash info_hash;      // BitTorrent runs
  std::string ed2k_link;   // eMule runs: the test file
  Capture capture;
  std::optional<std::string> error;  // the client failed to run as asked
  std::string log_tail;              // last lines of the client's log, when error
  bool stopped_cleanly = false;      // exited on SIGTERM within stop_timeout
  std::optional<std::string> stop_note;  // how it failed to stop cleanly (e.g. a crash on SIGTERM)
  bool interrupted = false;          // SIGINT/SIGTERM cut the window short (see stop_runs_on_signals)
  double seconds = 0;                // wall time of the whole run
  std::optional<Egress> egress;      // idle runs: what the client sent
  // BitTorrent taint runs: the pcap's view of what the client gave out
  // against the feeders' (wire_check.hpp); or why the pcap could not be read.
  std::optional<WireCheck> wire;
  std::optional<std::string> wire_error;
};

// Makes SIGINT and SIGTERM end runs early and cleanly instead of killing
// the process: a run under way stops its client at once (SIGTERM, SIGKILL
// after stop_timeout), writes what it captured, tears down its sandbox and
// returns with `interrupted` set; a run not yet started starts no client.
// The handlers are inherited by forked children, so a caller that forks one
// process per run forwards the signal to each (their process groups) and
// every level ends the same way. Call from the main thread before forking.
void stop_runs_on_signals();
// True once SIGINT or SIGTERM arrived (after stop_runs_on_signals()).
bool stop_requested() noexcept;

// The version line the client prints (run outside the sandbox: printing a
// version opens no socket).
std::string client_version(const ClientDriver& d);

// errc-style failures of the harness itself (cannot create the sandbox,
// cannot write the run dir) are errors; the client's failures are in
// RunResult::error.
StatusOr<RunResult> run_client(const ClientDriver& d, const RunOptions& opt);

}  // namespace p2pscope::harness
