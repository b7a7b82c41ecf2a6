#include "core/ed2k_server.hpp"
#include "lab/amule.hpp"
#include "taint-harness/drivers.hpp"

namespace p2pscope::harness {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One amuled's directory: amule.conf, a server.met naming only our index
// server, and the Temp and Incoming directories.
Result<void> amule_dir(const fs::path& dir, const lab::AmuleDaemon& d, const Endpoint& server) {
  fs::create_directories(dir / "Temp");
  fs::create_directories(dir / "Incoming");
  P2PSCOPE_CHECK(write_profile_file(dir / "amule.conf", lab::amule_conf(d, dir)));
  std::vector<ed2k::ServerEntry> met{{{ed2k::ed2k_id(server.address), server.port}, {ed2k::string_tag(0x01, "p2pscope harness server")}}};
  return write_profile_file(dir / "server.met", ed2k::encode_server_met(met));
}

Result<Launch> amule(const DriverContext& c) {
  if (!c.seeder) return std::make_error_code(std::errc::invalid_argument);
  lab::AmuleDaemon client;
  client.nick = "p2pscope-harness-client";
  client.at = c.client;
  client.ec_port = kAmuleEcPort;
  client.max_upload = 64;
  client.max_download = kClientDownloadKiBs;
  auto client_dir = c.profile / "amule";
  P2PSCOPE_CHECK(amule_dir(client_dir, client, c.server));
  lab::AmuleDaemon seeder = client;
  seeder.nick = "p2pscope-harness-seeder";
  seeder.at = *c.seeder;
  seeder.ec_port = kSeederEcPort;
  seeder.max_upload = kSeederUploadKiBs;
  auto seeder_dir = c.profile / "seeder";
  P2PSCOPE_CHECK(amule_dir(seeder_dir, seeder, c.server));
  if (!c.file.empty()) {
    std::error_code ec;
    fs::create_hard_link(c.file, seeder_dir / "Incoming" / c.file.filename(), ec);
    if (ec) fs::copy_file(c.file, seeder_dir / "Incoming" / c.file.filename(), ec);
    if (ec) return ec;
  }
  Launch l;
  // The seeder runs in the client's process group, so that stopping the
  // client's group stops both; its output goes to a log of its own.
  l.argv = {"sh", "-c", "amuled -c \"$1\" >\"$1/amuled.out\" 2>&1 & exec amuled -c \"$2\"", "sh", seeder_dir.string(),
            client_dir.string()};
  l.env = {{"HOME", c.profile.string()}};
  if (!c.ed2k_link.empty()) {
    l.after_start.push_back({"amulecmd", "-h", "127.0.0.1", "-p", std::to_string(kAmuleEcPort), "-P",
                             lab::kAmuleEcPassword, "-c", "add " + c.ed2k_link});
    l.after_start_delay = 6s;  // amuled's external connection listens a second or two after start
  }
  return l;
}

}  // namespace

ClientDriver amule_driver() {
  ClientDriver d{"amule", "amuled", {"amuled", "--version"}, 110s, amule, AnonymousMode::unsupported};  // four rounds of askers
  d.network = Network::emule;
  return d;
}

ClientDriver emule_reference_driver(const fs::path& binary, const std::string& mode) {
  ClientDriver d{"emule-reference-" + mode, binary.string(), {binary.string(), "--version"}, 65s,
                 [binary, mode](const DriverContext& c) -> Result<Launch> {
                   Launch l;
                   l.argv = {binary.string(), "--listen", c.client.to_string(), "--server", c.server.to_string(),
                             "--link", c.ed2k_link, "--bug", mode};
                   return l;
                 },
                 AnonymousMode::unsupported};
  d.network = Network::emule;
  return d;
}

}  // namespace p2pscope::harness
