#include "taint-harness/run.hpp"

#include "core/ed2k_link.hpp"
#include "core/output_file.hpp"
#include "lab/sandbox.hpp"
#include "taint-harness/emule_world.hpp"
#include "taint-harness/pcap_recorder.hpp"
#include "taint-harness/world.hpp"

#include <libtorrent/create_torrent.hpp>
#include <libtorrent/torrent_info.hpp>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <deque>
#include <fstream>
#include <random>
#include <sstream>

namespace p2pscope::harness {
namespace {

namespace fs = std::filesystem;
using namespace net;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;

constexpr std::size_t kPieceSize = 16 * 1024;
constexpr std::size_t kPieces = 16;
constexpr std::size_t kLogTailLines = 25;

struct TestTorrent {
  InfoHash info_hash;
  fs::path file;
  // eMule runs: the test file's content and link instead.
  fs::path content;
  std::optional<ed2k::FileLink> link;
  std::vector<ed2k::Md4> part_hashes;
};

// Three and a half parts: the seeder's 300 KiB/s gives the client a whole
// part (and so a shared part file that answers source exchange) in about
// half a minute, and the whole file only after the window.
constexpr std::uint64_t kEmuleFileSize = ed2k::kPartSize * 7 / 2;

Result<TestTorrent> make_test_file(const fs::path& dir, const HarnessPlan& plan) {
  TestTorrent t;
  t.content = dir / "content" / "p2pscope-harness.bin";
  fs::create_directories(t.content.parent_path());
  std::ofstream f(t.content, std::ios::binary | std::ios::trunc);
  ed2k::FileHasher hasher;
  std::mt19937_64 rng(plan.client.port);
  std::string chunk(1 << 20, '\0');
  for (std::uint64_t off = 0; off < kEmuleFileSize; off += chunk.size()) {
    chunk.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kEmuleFileSize - off, 1 << 20)));
    for (std::size_t i = 0; i + 8 <= chunk.size(); i += 8) {
      auto v = rng();
      std::memcpy(chunk.data() + i, &v, 8);
    }
    f.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    hasher.update(chunk);
  }
  f.close();
  if (!f) return std::make_error_code(std::errc::io_error);
  ed2k::FileLink link;
  link.name = t.content.filename().string();
  link.size = kEmuleFileSize;
  auto set = std::move(hasher).finish();
  link.hash = set.file;
  t.link = link;
  t.part_hashes = std::move(set.parts);
  return t;
}

Result<TestTorrent> make_test_torrent(const fs::path& dir, const HarnessPlan& plan) {
  auto content = dir / "content" / "harness-payload";
  fs::create_directories(content);
  {
    std::ofstream f(content / "data.bin", std::ios::binary | std::ios::trunc);
    std::mt19937_64 rng(plan.client.port);
    for (std::size_t i = 0; i < kPieceSize * kPieces / 8; ++i) {
      auto v = rng();
      f.write(reinterpret_cast<const char*>(&v), sizeof v);
    }
    if (!f) return std::make_error_code(std::errc::io_error);
  }
  lt::file_storage files;
  lt::add_files(files, content.string());
  lt::create_torrent ct(files, static_cast<int>(kPieceSize), lt::create_torrent::v1_only);
  auto tracker = plan.tracker.to_string();
  ct.add_tracker("http://" + tracker + "/announce", 0);
  ct.add_tracker("udp://" + tracker + "/announce", 1);
  if (plan.tracker6) {
    auto tracker6 = Endpoint{*plan.tracker6, plan.tracker.port}.to_string();  // [v6]:port
    ct.add_tracker("http://" + tracker6 + "/announce", 2);
    ct.add_tracker("udp://" + tracker6 + "/announce", 3);
  }
  ct.set_creator("p2pscope taint harness");
  lt::error_code ec;
  lt::set_piece_hashes(ct, (dir / "content").string(), ec);
  if (ec) return std::make_error_code(std::errc::io_error);
  TestTorrent t{InfoHash{}, dir / "harness-payload.torrent", {}, std::nullopt, {}};
  {
    std::ofstream f(t.file, std::ios::binary | std::ios::trunc);
    lt::bencode(std::ostream_iterator<char>(f), ct.generate());
    if (!f) return std::make_error_code(std::errc::io_error);
  }
  lt::torrent_info ti(t.file.string(), ec);
  if (ec) return errc::bad_torrent;
  auto h = ti.info_hashes().v1;
  P2PSCOPE_TRY(ih, InfoHash::from_bytes(std::string_view(h.data(), h.size())));
  t.info_hash = ih;
  return t;
}

// The usual DHT routers resolve to our DHT nodes, in a mount namespace of
// the run's own, so that clients which bootstrap by name find our nodes.
// Best effort: clients are also told the nodes directly where they can be.
std::string private_hosts(const fs::path& dir, const HarnessPlan& plan) {
  auto hubs = plan.hubs();
  if (hubs.empty()) return "no hubs";
  std::ofstream f(dir / "hosts", std::ios::trunc);
  f << "127.0.0.1 localhost\n::1 localhost\n";
  const char* names[] = {"router.bittorrent.com", "router.utorrent.com", "dht.transmissionbt.com",
                         "dht.libtorrent.org", "router.bitcomet.com", "dht.aelitis.com"};
  for (std::size_t i = 0; i < std::size(names); ++i) {
    // BiglyBT's Vuze DHT seeds from dht.biglybt.com (Constants.DHT_SEED_ADDRESS_V4):
    // its partner, when it has one.
    bool vuze = std::string_view(names[i]) == "dht.aelitis.com";
    auto at = plan.partner && vuze ? plan.partner->address : hubs[i % hubs.size()].endpoint.address;
    f << at.to_string() << ' ' << names[i] << (vuze ? " dht.biglybt.com" : "") << '\n';
  }
  if (plan.partner6) f << plan.partner6->to_string() << " dht6.biglybt.com\n";
  f.close();
  std::ofstream(dir / "resolv.conf", std::ios::trunc) << "# no resolver inside the harness sandbox\n";
  if (::unshare(CLONE_NEWNS) != 0) return "unshare(mount)";
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return "mount private";
  if (::mount((dir / "hosts").c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0) return "bind /etc/hosts";
  if (::mount((dir / "resolv.conf").c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0) return "bind /etc/resolv.conf";
  return {};
}

pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env,
            const fs::path& log, const fs::path& cwd) {
  std::vector<char*> raw;
  for (const auto& a : argv) raw.push_back(const_cast<char*>(a.c_str()));
  raw.push_back(nullptr);
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_t pid = ::fork();
  if (pid != 0) {
    if (fd >= 0) ::close(fd);
    return pid;
  }
  ::setpgid(0, 0);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
  }
  int null = ::open("/dev/null", O_RDONLY);
  if (null >= 0) ::dup2(null, 0);
  if (::chdir(cwd.c_str()) != 0) ::_exit(126);
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  ::execvp(raw[0], raw.data());
  ::_exit(127);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + ::strsignal(WTERMSIG(status));
  return "stopped";
}

volatile std::sig_atomic_t g_stop = 0;
void on_stop_signal(int) { g_stop = 1; }

struct Supervision {
  pid_t client = -1;
  bool interrupted = false;
  std::optional<std::string> error;
  std::optional<std::string> stop_note;
  bool stopped_cleanly = false;
};

// Runs the client for its window (watching for an early exit), runs the
// after-start commands, then stops it: SIGTERM to its process group, SIGKILL
// after stop_timeout.
awaitable<void> supervise(TestWorld& world, const Launch& launch, const DriverContext& ctx, const RunOptions& opt,
                          std::chrono::seconds window, Supervision& sup, const fs::path& log) {
  auto start = std::chrono::steady_clock::now();
  const pid_t group = sup.client;  // the client leads its own process group
  auto& io = static_cast<asio::io_context&>((co_await asio::this_coro::executor).context());
  bool after_done = launch.after_start.empty();
  int status = 0;
  while (std::chrono::steady_clock::now() - start < window) {
    if (stop_requested()) {
      sup.interrupted = true;
      break;
    }
    co_await sleep_for(200ms);
    if (::waitpid(sup.client, &status, WNOHANG) == sup.client) {
      sup.error = "the client " + describe_status(status) + " after " +
                  std::to_string(static_cast<int>(world.elapsed())) + " s";
      sup.client = -1;
      break;
    }
    if (!after_done && std::chrono::steady_clock::now() - start >= launch.after_start_delay) {
      after_done = true;
      for (const auto& cmd : launch.after_start) {
        auto pid = spawn(cmd, launch.env, log, ctx.profile);
        int st = 0;
        auto deadline = std::chrono::steady_clock::now() + 30s;
        while (::waitpid(pid, &st, WNOHANG) != pid) {
          if (std::chrono::steady_clock::now() > deadline) {
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &st, 0);
            break;
          }
          co_await sleep_for(100ms);
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) sup.error = "`" + cmd.front() + "` " + describe_status(st);
      }
      if (sup.error) break;
    }
  }
  if (sup.client > 0) {
    ::kill(-sup.client, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + opt.stop_timeout;
    while (::waitpid(sup.client, &status, WNOHANG) != sup.client) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(-sup.client, SIGKILL);
        ::waitpid(sup.client, &status, 0);
        if (!sup.error) sup.error = "the client did not stop within " + std::to_string(opt.stop_timeout.count()) + " s of SIGTERM";
        break;
      }
      co_await sleep_for(100ms);
    }
    // A crash while stopping is not the run's error (the capture is whole),
    // but it is not a clean stop either.
    bool term = WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM;
    bool exited = WIFEXITED(status);
    sup.stopped_cleanly = !sup.error && (term || exited);
    if (!sup.error && !sup.stopped_cleanly) sup.stop_note = "on SIGTERM the client " + describe_status(status);
  }
  if (group > 0) ::kill(-group, SIGKILL);  // anything the client left in its group
  world.stop();
  co_await sleep_for(100ms);
  world.capture().duration = world.elapsed();
  io.stop();  // sessions the client left open end with the io_context
}

// Runs in the sandbox (a forked child): returns 0 when capture.json and
// status.json were written.
int inside(const ClientDriver& d, const RunOptions& opt, const HarnessPlan& plan, const TestTorrent& torrent,
           std::chrono::seconds window) {
  nlohmann::json status;
  auto hosts = private_hosts(opt.dir, plan);
  if (!hosts.empty()) status["hosts_warning"] = hosts;
  PcapRecorder pcap;
  if (auto st = pcap.start("lo", opt.dir / "sandbox-lo.pcap"); !st) status["pcap_warning"] = st.error().message();
  asio::io_context io;
  auto mode = opt.mode == RunMode::idle ? WorldMode::quiet : WorldMode::feed;
  std::unique_ptr<TestWorld> world_ptr;
  if (plan.network == Network::emule) {
    EmuleWorldOptions eo;
    eo.file = *torrent.link;
    eo.part_hashes = torrent.part_hashes;
    eo.mode = mode;
    world_ptr = std::make_unique<EmuleWorld>(io, plan, eo);
  } else {
    WorldOptions wo;
    wo.info_hash = torrent.info_hash;
    wo.pieces = kPieces;
    wo.hubs = d.hubs;
    wo.mode = mode;
    world_ptr = std::make_unique<World>(io, plan, wo);
  }
  auto& world = *world_ptr;
  Supervision sup;
  DriverContext ctx;
  ctx.profile = opt.dir / "profile";
  ctx.download = opt.dir / "download";
  if (opt.mode == RunMode::taint) ctx.torrent = torrent.file;
  ctx.client = plan.client;
  if (plan.client6) ctx.client6 = Endpoint{*plan.client6, plan.client.port};
  ctx.spare_port = plan.spare_port;
  ctx.dht_nodes = plan.dht_nodes();
  ctx.anonymity = opt.anonymity;
  ctx.server = plan.tracker;
  ctx.seeder = plan.seeder;
  ctx.partner = plan.partner;
  if (plan.partner && plan.partner6) ctx.partner6 = Endpoint{*plan.partner6, plan.partner->port};
  ctx.file = torrent.content;
  if (torrent.link && opt.mode == RunMode::taint) ctx.ed2k_link = ed2k::format_link(*torrent.link);
  fs::create_directories(ctx.profile);
  fs::create_directories(ctx.download);
  auto log = opt.dir / "client.log";
  Launch launch;
  if (auto st = world.start(); !st) {
    sup.error = "the harness could not start its feeders: " + st.error().message();
  } else if (stop_requested()) {
    sup.interrupted = true;
  } else if (auto l = d.prepare(ctx); !l) {
    sup.error = "the driver could not prepare the profile: " + l.error().message();
  } else {
    launch = std::move(l).value();
    sup.client = spawn(launch.argv, launch.env, log, ctx.profile);
    asio::co_spawn(io, supervise(world, launch, ctx, opt, window, sup, log), asio::detached);
    io.run();
  }
  pcap.stop();
  status["pcap_packets"] = pcap.packets();
  status["pcap_dropped"] = pcap.dropped();
  if (sup.error) status["error"] = *sup.error;
  status["stopped_cleanly"] = sup.stopped_cleanly;
  status["interrupted"] = sup.interrupted;
  if (sup.stop_note) status["stop_note"] = *sup.stop_note;
  std::ofstream(opt.dir / "capture.json", std::ios::trunc) << to_json(world.capture()).dump(1);
  std::ofstream(opt.dir / "status.json", std::ios::trunc) << status.dump(1);
  return 0;
}

std::string tail(const fs::path& file, std::size_t lines) {
  std::ifstream f(file);
  std::deque<std::string> last;
  for (std::string line; std::getline(f, line);) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += l + "\n";
  return out;
}

Result<nlohmann::json> read_json(const fs::path& p) {
  std::ifstream f(p);
  auto j = nlohmann::json::parse(f, nullptr, false);
  if (j.is_discarded()) return BOOST_OUTCOME_V2_NAMESPACE::failure(make_error_code(errc::bad_value));
  return j;
}

}  // namespace

std::string_view to_string(RunMode m) noexcept { return name_of(m); }

std::string client_version(const ClientDriver& d) {
  if (d.version_argv.empty()) return "unknown";
  std::string cmd;
  for (const auto& a : d.version_argv) cmd += "'" + a + "' ";
  cmd += "2>&1 </dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
  if (!p) return "unknown";
  std::string out;
  char buf[512];
  while (out.size() < 65536) {
    auto n = std::fread(buf, 1, sizeof buf, p.get());
    if (n == 0) break;
    out.append(buf, n);
  }
  return version_from_output(out);
}

void stop_runs_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a parent blocked in wait() hears it
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() noexcept { return g_stop != 0; }

StatusOr<RunResult> run_client(const ClientDriver& d, const RunOptions& opt) {
  auto began = std::chrono::steady_clock::now();
  // A sandbox left behind by an interrupted run of the same directory goes first.
  if (auto old = lab::Sandbox::attach(opt.dir / "sandbox")) (void)old.value().destroy();
  std::error_code fec;
  fs::remove_all(opt.dir, fec);
  fs::create_directories(opt.dir);
  RunResult r;
  r.client = d.name;
  r.version = client_version(d);
  r.mode = opt.mode;
  r.anonymity = opt.anonymity;
  r.anonymous_mode = d.anonymous_mode;
  r.hubs = d.hubs;
  auto plan_opt = opt.plan;
  if (d.ipv6 == Ipv6Feeding::required) plan_opt.ipv6 = true;
  plan_opt.partner = d.partner == Partner::same_client && opt.mode == RunMode::taint;
  r.plan = d.network == Network::emule ? make_emule_plan(plan_opt) : make_plan(plan_opt);
  auto made = d.network == Network::emule ? make_test_file(opt.dir, r.plan) : make_test_torrent(opt.dir, r.plan);
  if (!made) return Error(made.error()).within("making the test torrent in " + opt.dir.string());
  auto torrent = std::move(made).value();
  r.info_hash = torrent.info_hash;
  if (torrent.link) r.ed2k_link = ed2k::format_link(*torrent.link);
  lab::SandboxSpec spec;
  spec.state_dir = opt.dir / "sandbox";
  spec.addresses = r.plan.local_addresses();
  // Transmission opens its IPv6 UDP socket (uTP and its IPv6 DHT) only
  // when a global IPv6 address has a route, and announces that route's
  // source as its IPv6 address: the client's own.
  spec.route6_source = r.plan.client6;
  if (d.outgoing == OutgoingSource::set_by_sandbox) {
    spec.unbound_source4 = r.plan.client.address;
    spec.unbound_source6 = r.plan.client6;
  }
  auto sandbox = lab::Sandbox::create(spec);
  if (!sandbox) return sandbox.error().within("creating the sandbox");
  auto window = opt.window.value_or(d.window);
  auto rc = sandbox.value().run_function([&] { return inside(d, opt, r.plan, torrent, window); });
  (void)sandbox.value().destroy();
  if (!rc) return Error(rc.error()).within("running inside the sandbox");
  if (rc.value() != 0)
    return fail(std::errc::io_error, "the run inside the sandbox exited with status " + std::to_string(rc.value()));
  auto read = [&](const char* name) -> StatusOr<nlohmann::json> {
    auto j = read_json(opt.dir / name);
    if (!j) return Error(j.error()).within("reading " + (opt.dir / name).string());
    return std::move(j).value();
  };
  P2PSCOPE_TRY(status, read("status.json"));
  P2PSCOPE_TRY(capture_json, read("capture.json"));
  auto decoded = capture_from_json(capture_json);
  if (!decoded) return Error(decoded.error()).within("decoding " + (opt.dir / "capture.json").string());
  auto capture = std::move(decoded).value();
  r.capture = std::move(capture);
  if (status.contains("error")) {
    r.error = status["error"].get<std::string>();
    r.log_tail = tail(opt.dir / "client.log", kLogTailLines);
  }
  r.stopped_cleanly = status.value("stopped_cleanly", false);
  r.interrupted = status.value("interrupted", false);
  if (status.contains("stop_note")) r.stop_note = status["stop_note"].get<std::string>();
  if (opt.mode == RunMode::idle) {
    auto egress = egress_from_pcap(opt.dir / "sandbox-lo.pcap", r.plan.client.address);
    if (egress) {
      r.egress = std::move(egress).value();
      r.egress->seconds = r.capture.duration;
    }
    else if (!r.error) r.error = "cannot read the run's capture for its idle egress: " + egress.error().message();
  }
  if (opt.mode == RunMode::taint) {
    auto wire = check_wire(opt.dir / "sandbox-lo.pcap", r.capture, r.plan);
    if (wire) {
      r.wire = std::move(wire).value();
      r.capture.partner_pex = r.wire->to_partner;
      r.wire->pcap_dropped = status.value("pcap_dropped", std::uint64_t{0});
      // The feeders wrote capture.json before the pcap was read; the run's
      // directory keeps the whole capture, what the partner was told too.
      if (!r.capture.partner_pex.empty())
        if (auto st = write_output_file(opt.dir / "capture.json", to_json(r.capture).dump(1)); !st && !r.error)
          r.error = st.error().message();
    }
    else r.wire_error = "cannot read the run's pcap: " + wire.error().message();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return r;
}

}  // namespace p2pscope::harness
