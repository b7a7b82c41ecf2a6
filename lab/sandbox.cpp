#include "lab/sandbox.hpp"

#include "core/hash.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace p2pscope::lab {
namespace {

namespace fs = std::filesystem;

std::error_code sys_error(int err = errno) { return {err, std::generic_category()}; }

std::uint64_t netns_of(pid_t pid) {
  struct stat st {};
  auto path = "/proc/" + std::to_string(pid) + "/ns/net";
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_ino;
}

// The rest of this namespace runs in forked children, where only
// async-signal-safe calls are allowed: no allocation, no stdio.

void write_all(int fd, const char* s, std::size_t n) {
  while (n > 0) {
    auto w = ::write(fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

// Reports "step:errno" through the readiness pipe and exits.
[[noreturn]] void fail_step(int fd, const char* step) {
  int err = errno;
  char digits[16];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + err % 10);
    err /= 10;
  } while (err > 0 && n < 15);
  write_all(fd, step, std::strlen(step));
  write_all(fd, ":", 1);
  while (n > 0) write_all(fd, &digits[--n], 1);
  ::_exit(1);
}

bool write_proc(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  auto len = std::strlen(text);
  bool ok = ::write(fd, text, len) == static_cast<ssize_t>(len);
  ::close(fd);
  return ok;
}

bool run_and_wait(char* const argv[]) {
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 1);
    ::execv(argv[0], argv);
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    errno = EINVAL;  // ip printed its own reason on stderr
    return false;
  }
  return true;
}

// Everything the holder needs, prepared before fork.
struct HolderPlan {
  std::string uid_map, gid_map;
  std::string ip;
  std::string addresses_batch;
  std::string routes_batch;  // empty: no route to change
  // Lines of /proc/net/ipv6_route (up to the metric) that must all be
  // there before routes_batch runs, and a buffer that holds the file.
  std::vector<std::string> awaited_routes6;
  std::string route_table;
  int wait_rounds = 0;
};

bool read_into(const char* path, std::string& buf, std::size_t& len) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  len = 0;
  for (;;) {
    auto n = ::read(fd, buf.data() + len, buf.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += static_cast<std::size_t>(n);
    if (len == buf.size()) break;  // sized before fork with room to spare; a full buffer is a miss
  }
  ::close(fd);
  return true;
}

// The kernel inserts an IPv6 address's local route from a work queue, even
// with nodad, so "ip addr add" returns before the route exists and deleting
// it at once can fail with ESRCH (about 1 in 4 times under load).
bool await_local_routes6(HolderPlan& plan) {
  const timespec pause{0, 5'000'000};
  for (int round = 0; round < plan.wait_rounds; ++round) {
    std::size_t len = 0;
    if (!read_into("/proc/net/ipv6_route", plan.route_table, len)) return false;
    bool all = len < plan.route_table.size();
    for (const auto& want : plan.awaited_routes6) {
      if (!all) break;
      all = ::memmem(plan.route_table.data(), len, want.data(), want.size()) != nullptr;
    }
    if (all) return true;
    ::nanosleep(&pause, nullptr);
  }
  errno = ETIMEDOUT;
  return false;
}

[[noreturn]] void holder_main(int ready_fd, HolderPlan& plan) {
  ::setsid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) fail_step(ready_fd, "unshare(user, net)");
  if (!write_proc("/proc/self/setgroups", "deny")) fail_step(ready_fd, "setgroups deny");
  if (!write_proc("/proc/self/uid_map", plan.uid_map.c_str())) fail_step(ready_fd, "uid_map");
  if (!write_proc("/proc/self/gid_map", plan.gid_map.c_str())) fail_step(ready_fd, "gid_map");
  char link[] = "link", set[] = "set", lo[] = "lo", up[] = "up", dash_batch[] = "-batch";
  char* const link_up[] = {plan.ip.data(), link, set, lo, up, nullptr};
  if (!run_and_wait(link_up)) fail_step(ready_fd, "ip link set lo up");
  char* const batch[] = {plan.ip.data(), dash_batch, plan.addresses_batch.data(), nullptr};
  if (!run_and_wait(batch)) fail_step(ready_fd, "ip -batch (adding lab addresses to lo)");
  if (!plan.routes_batch.empty()) {
    if (!await_local_routes6(plan)) fail_step(ready_fd, "waiting for the kernel's IPv6 local routes");
    char* const routes[] = {plan.ip.data(), dash_batch, plan.routes_batch.data(), nullptr};
    if (!run_and_wait(routes)) fail_step(ready_fd, "ip -batch (routes on lo)");
  }
  write_all(ready_fd, "ok", 2);
  ::close(ready_fd);
  int null = ::open("/dev/null", O_RDWR);
  ::dup2(null, 0);
  ::dup2(null, 1);
  ::dup2(null, 2);
  ::close_range(3, ~0U, 0);
  for (;;) ::pause();
}

// argv for exec*: pointers into args, which must outlive the result.
std::vector<char*> c_argv(std::vector<std::string>& args) {
  std::vector<char*> raw;
  for (auto& a : args) raw.push_back(a.data());
  raw.push_back(nullptr);
  return raw;
}

std::string find_ip_tool() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return {};
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  std::string s;
  std::getline(f, s);
  return s;
}

void write_state(const fs::path& dir, pid_t holder, std::uint64_t netns) {
  std::ofstream(dir / "holder.pid") << holder << "\n";
  std::ofstream(dir / "netns") << netns << "\n";
}

// Waits for the holder's verdict on the readiness pipe.
Status await_ready(int fd, std::chrono::milliseconds timeout) {
  std::string msg;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return fail(std::errc::timed_out, "the namespace holder did not become ready in time");
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[256];
    auto n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      msg.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    break;  // EOF: the holder closed its end (ready, or exited)
  }
  if (msg == "ok") return success();
  auto colon = msg.rfind(':');
  int err = colon == std::string::npos ? EIO : std::atoi(msg.c_str() + colon + 1);
  if (err == 0) err = EIO;
  return fail(sys_error(err), msg.substr(0, colon) + ": " + std::strerror(err));
}

}  // namespace

std::vector<pid_t> processes_in_netns(std::uint64_t inode) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = std::stoi(name);
    if (netns_of(pid) == inode) out.push_back(pid);
  }
  return out;
}

namespace {

// How an IPv6 local route of the kernel's reads in /proc/net/ipv6_route, up
// to its metric: a /128 with no source or next hop, metric 0 (the prefix
// route to the same address has metric 256).
std::string kernel_local_route6(const IpAddress& a) {
  const std::string zeros(32, '0');
  return detail::to_hex(a.data(), a.size()) + " 80 " + zeros + " 00 " + zeros + " 00000000 ";
}

// Each address's local route gets the preferred source: the kernel takes a
// local route's prefsrc as the source of an unbound socket. IPv4's route is
// replaced in place; IPv6 keeps a route without the source beside one
// with it (replace adds), so its route is deleted and added again. Returns
// the IPv6 routes it deletes, as kernel_local_route6() has them.
std::vector<std::string> write_unbound_sources(std::ostream& batch, const SandboxSpec& spec) {
  std::vector<std::string> deleted6;
  for (const auto& a : spec.addresses) {
    const auto& src = a.is_v4() ? spec.unbound_source4 : spec.unbound_source6;
    if (!src || *src == a) continue;
    if (a.is_v4()) {
      batch << "route replace local " << a.to_string() << " dev lo table local proto kernel scope host src "
            << src->to_string() << "\n";
      continue;
    }
    batch << "route del local " << a.to_string() << " dev lo table local\n"
          << "route add local " << a.to_string() << " dev lo table local proto kernel metric 0 src "
          << src->to_string() << "\n";
    deleted6.push_back(kernel_local_route6(a));
  }
  return deleted6;
}

}  // namespace

StatusOr<Sandbox> Sandbox::create(const SandboxSpec& spec) {
  if (auto old = attach(spec.state_dir)) {
    P2PSCOPE_CHECK(old.value().destroy());
  }
  std::error_code ec;
  fs::create_directories(spec.state_dir, ec);
  if (ec) return fail(ec, "creating " + spec.state_dir.string() + ": " + ec.message());

  HolderPlan plan;
  plan.ip = find_ip_tool();
  if (plan.ip.empty()) return fail(std::errc::no_such_file_or_directory, "iproute2's ip not found (run scripts/setup.sh)");
  plan.uid_map = "0 " + std::to_string(::getuid()) + " 1";
  plan.gid_map = "0 " + std::to_string(::getgid()) + " 1";
  plan.addresses_batch = (spec.state_dir / "addresses.batch").string();
  {
    std::ofstream batch(plan.addresses_batch);
    // nodad: an IPv6 address is usable at once, even as a route's source
    // (while tentative it is not, and "route add ... src" fails).
    auto add = [&batch](const IpAddress& a) {
      batch << "addr add " << a.to_string() << (a.is_v4() ? "/32 dev lo\n" : "/128 dev lo nodad\n");
    };
    // unbound_source6 goes last: the kernel lists IPv6 addresses newest
    // first, and a program that takes the first global one as its own
    // (libktorrent's CurrentIPv6Address) then takes it.
    for (const auto& a : spec.addresses)
      if (a != spec.unbound_source6) add(a);
    if (spec.unbound_source6 &&
        std::find(spec.addresses.begin(), spec.addresses.end(), *spec.unbound_source6) != spec.addresses.end())
      add(*spec.unbound_source6);
    if (!batch) return fail(sys_error(EIO), "writing " + plan.addresses_batch);
  }
  std::ostringstream routes;
  if (spec.route6_source) routes << "route add ::/0 dev lo src " << spec.route6_source->to_string() << "\n";
  auto deleted6 = write_unbound_sources(routes, spec);
  if (auto text = routes.str(); !text.empty()) {
    plan.routes_batch = (spec.state_dir / "routes.batch").string();
    std::ofstream batch(plan.routes_batch);
    batch << text;
    if (!batch) return fail(sys_error(EIO), "writing " + plan.routes_batch);
    plan.awaited_routes6 = std::move(deleted6);
    // Two routes per address (local and prefix) and a few of the kernel's,
    // at under 160 bytes a line.
    plan.route_table.resize((spec.addresses.size() * 2 + 64) * 256);
    plan.wait_rounds = static_cast<int>(spec.ready_timeout.count() / 5) + 1;
  }

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return sys_error();
  pid_t pid = ::fork();
  if (pid < 0) return sys_error();
  if (pid == 0) {
    ::close(pipefd[0]);
    holder_main(pipefd[1], plan);
  }
  ::close(pipefd[1]);
  auto ready = await_ready(pipefd[0], spec.ready_timeout);
  ::close(pipefd[0]);
  if (!ready) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return ready.error();
  }
  Sandbox box(spec.state_dir, pid, netns_of(pid));
  write_state(spec.state_dir, pid, box.netns_);
  return box;
}

Result<Sandbox> Sandbox::attach(const fs::path& state_dir) {
  auto pid_text = read_file(state_dir / "holder.pid");
  auto ns_text = read_file(state_dir / "netns");
  if (pid_text.empty() || ns_text.empty()) return std::make_error_code(std::errc::no_such_process);
  pid_t pid = std::atoi(pid_text.c_str());
  std::uint64_t ns = std::strtoull(ns_text.c_str(), nullptr, 10);
  Sandbox box(state_dir, pid, ns);
  // A live holder in another namespace is a reused pid, not our lab.
  if (pid <= 0 || netns_of(pid) != ns) box.holder_ = -1;
  return box;
}

Result<pid_t> Sandbox::fork_inside(const std::function<void()>& child) const {
  if (holder_ <= 0) return std::make_error_code(std::errc::no_such_process);
  auto base = "/proc/" + std::to_string(holder_) + "/ns/";
  int user_fd = ::open((base + "user").c_str(), O_RDONLY | O_CLOEXEC);
  int net_fd = ::open((base + "net").c_str(), O_RDONLY | O_CLOEXEC);
  if (user_fd < 0 || net_fd < 0) {
    auto err = sys_error();
    if (user_fd >= 0) ::close(user_fd);
    if (net_fd >= 0) ::close(net_fd);
    return err;
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setns(user_fd, CLONE_NEWUSER) != 0 || ::setns(net_fd, CLONE_NEWNET) != 0) ::_exit(126);
    child();
    ::_exit(127);
  }
  ::close(user_fd);
  ::close(net_fd);
  if (pid < 0) return sys_error();
  return pid;
}

Result<int> Sandbox::wait_for(pid_t pid) const {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return sys_error();
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Result<int> Sandbox::run(const std::vector<std::string>& argv) const {
  if (argv.empty()) return std::make_error_code(std::errc::invalid_argument);
  std::vector<std::string> args = argv;
  auto raw = c_argv(args);
  P2PSCOPE_TRY(pid, fork_inside([&raw] { ::execvp(raw[0], raw.data()); }));
  return wait_for(pid);
}

Result<int> Sandbox::run_function(const std::function<int()>& fn) const {
  P2PSCOPE_TRY(pid, fork_inside([&fn] { ::_exit(fn()); }));
  return wait_for(pid);
}

Result<pid_t> Sandbox::spawn(const std::vector<std::string>& argv, const fs::path& log) const {
  if (argv.empty()) return std::make_error_code(std::errc::invalid_argument);
  std::vector<std::string> args = argv;
  auto raw = c_argv(args);
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return sys_error();
  auto pid = fork_inside([&raw, log_fd] {
    ::setsid();
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execvp(raw[0], raw.data());
  });
  ::close(log_fd);
  return pid;
}

Status Sandbox::destroy() {
  if (holder_ > 0 && netns_ != 0) {
    // Everything in the namespace goes, including the holder; repeat until
    // nothing is left, since a dying process may have just forked.
    for (int round = 0; round < 100; ++round) {
      auto pids = processes_in_netns(netns_);
      if (pids.empty()) break;
      for (pid_t p : pids) {
        if (p != ::getpid()) ::kill(p, SIGKILL);
      }
      ::waitpid(holder_, nullptr, WNOHANG);  // reap it if it is our child
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::waitpid(holder_, nullptr, WNOHANG);
    if (!processes_in_netns(netns_).empty()) return std::make_error_code(std::errc::device_or_resource_busy);
  }
  std::error_code ec;
  for (const char* f : {"holder.pid", "netns", "addresses.batch", "routes.batch"}) fs::remove(state_dir_ / f, ec);
  holder_ = -1;
  return success();
}

bool wait_for_tcp_listener(const Sandbox& box, const Endpoint& ep, std::chrono::steady_clock::time_point deadline) {
  auto rc = box.run_function([&] {
    while (std::chrono::steady_clock::now() < deadline) {
      int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(ep.port);
      std::memcpy(&sa.sin_addr, ep.address.data(), 4);
      bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
      ::close(s);
      if (ok) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 1;
  });
  return rc && rc.value() == 0;
}

}  // namespace p2pscope::lab
