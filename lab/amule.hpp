// Real aMule daemons in the lab (issue 24): Debian's amuled 2.3.3, one per
// emule_peer party of implementation `amuled`, each with its own config
// directory under STATE/amule/NAME, bound to its lab address, logged in to
// the lab's honest index servers only, with every download of lists, the
// version check, UPnP and KAD off so that nothing is dialled but the lab.
// Seeders share the real file; downloaders are told its link through
// amulecmd and download it at 1 KiB/s, so they stay downloaders and source
// exchange has something to say.
//
// Threads: called from lab_up()'s thread; the daemons run inside the
// sandbox until lab_down() ends them.
#pragma once

#include "lab/emule.hpp"
#include "lab/sandbox.hpp"

#include <chrono>
#include <filesystem>
#include <functional>

namespace p2pscope::lab {

// Writes the real file's content to `path` and returns its link (hash,
// size, name) computed from what was written.
StatusOr<EmuleLabFile> write_real_file(const LabPlan& plan, const std::filesystem::path& path);

// The amule.conf of one daemon (pure; amule_test checks what keeps it
// inside the lab). ec_port: its external-connection port on 127.0.0.1.
enum class AmuleKad : bool { off, on };
std::string amule_conf(const Party& p, const std::filesystem::path& dir, std::uint16_t ec_port, AmuleKad kad);
// The same for any daemon (the taint harness's client and seeder).
// udp_port 0 turns UDP off. Rates in KiB/s; 0 is unlimited.
struct AmuleDaemon {
  std::string nick;
  Endpoint at;
  std::uint16_t udp_port = 0;
  bool autoconnect = true;
  std::uint16_t ec_port = 0;
  AmuleKad kad = AmuleKad::off;
  int max_upload = 0;
  int max_download = 0;
};
std::string amule_conf(const AmuleDaemon& d, const std::filesystem::path& dir);
// The password of every daemon's external connection (amulecmd -P).
inline constexpr const char* kAmuleEcPassword = "p2pscope-lab";

struct AmuleStart {
  std::chrono::steady_clock::time_point deadline;
  std::function<void(std::string_view)> progress;
};
// Writes every daemon's directory, starts them, waits until each listens,
// gives the downloaders the real file's link, and waits until every
// downloader has a source (so the seeder has them in its upload queue).
// The error names the daemon and its log.
Status start_amuleds(const Sandbox& box, const LabPlan& plan, const std::filesystem::path& state_dir,
                     const EmuleLabFile& real, const AmuleStart& how);

// Runs `amulecmd -c COMMAND` against the daemon `name` from inside the lab;
// its output.
StatusOr<std::string> amulecmd(const Sandbox& box, const LabPlan& plan, std::string_view name, std::string_view command);

}  // namespace p2pscope::lab
