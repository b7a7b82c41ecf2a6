// The lab's sandbox: a private user + network namespace, kept alive by a
// holder process, with public-looking addresses on its loopback and no other
// interface, so nothing started inside can reach any other network.
//
// Works as root and as an ordinary user where unprivileged user namespaces
// are allowed: the namespace maps the caller's uid/gid to root inside, which
// is enough to configure its loopback.
//
// State lives in a directory (holder.pid, netns, addresses.batch,
// routes.batch) so that a later process can attach to the lab (`lab exec`,
// `lab down`), and so that a lab left behind by a crash is found and torn
// down by the next create().
//
// Threads: create(), run() and run_function() fork; call them from a thread
// that may fork (the child only calls async-signal-safe functions before
// exec, except run_function's callback, which runs in a fresh process).
#pragma once

#include "core/error.hpp"
#include "core/ip.hpp"

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace p2pscope::lab {

struct SandboxSpec {
  std::filesystem::path state_dir;
  std::vector<IpAddress> addresses;  // each goes on lo as a /32 or /128
  // When set (one of `addresses`): an IPv6 default route onto lo with this
  // source. Some clients (Transmission's tr_globalIPv6) open their IPv6 UDP
  // socket only when a global address has a route, and take the route's
  // source as their own address. A packet to any other address loops back
  // into the namespace and is dropped there, so nothing leaves.
  std::optional<IpAddress> route6_source;
  // When set (each one of `addresses`): a socket that connects or sends to
  // another of `addresses` without binding gets this source address (of its
  // family) instead of the destination's own, which is what an unbound
  // socket on lo otherwise gets. For a client that binds only its listening
  // sockets (libktorrent): its outgoing connections then come from its own
  // address, as they would from a host with one.
  std::optional<IpAddress> unbound_source4, unbound_source6;
  std::chrono::milliseconds ready_timeout{10000};
};

class Sandbox {
 public:
  // Creates the namespace and its holder; tears down a lab recorded in
  // spec.state_dir first. On failure, the error says which step.
  static StatusOr<Sandbox> create(const SandboxSpec& spec);
  // The running lab recorded in state_dir; errc::no_such_process if none.
  static Result<Sandbox> attach(const std::filesystem::path& state_dir);

  // Runs argv inside the lab and waits; returns its exit status (128 + signal
  // if it was killed).
  Result<int> run(const std::vector<std::string>& argv) const;
  // Runs fn in a forked child that has joined the lab; returns its result.
  Result<int> run_function(const std::function<int()>& fn) const;
  // Starts argv inside the lab in the background, in a session of its own,
  // with stdout and stderr appended to log. The process outlives the caller;
  // destroy() ends it. Returns its pid.
  Result<pid_t> spawn(const std::vector<std::string>& argv, const std::filesystem::path& log) const;

  // Kills every process in the lab's network namespace, then the holder, and
  // removes the state files. Safe to call on a lab whose holder already died.
  Status destroy();

  pid_t holder() const noexcept { return holder_; }
  std::uint64_t netns_inode() const noexcept { return netns_; }
  const std::filesystem::path& state_dir() const noexcept { return state_dir_; }

 private:
  Sandbox(std::filesystem::path dir, pid_t holder, std::uint64_t netns)
      : state_dir_(std::move(dir)), holder_(holder), netns_(netns) {}
  Result<pid_t> fork_inside(const std::function<void()>& child) const;  // child must not return
  Result<int> wait_for(pid_t pid) const;

  std::filesystem::path state_dir_;
  pid_t holder_ = -1;
  std::uint64_t netns_ = 0;
};

// Pids of every process whose network namespace has this inode.
std::vector<pid_t> processes_in_netns(std::uint64_t inode);

// True once something accepts TCP connections at ep, checked from inside
// the lab every 50 ms until deadline.
bool wait_for_tcp_listener(const Sandbox& box, const Endpoint& ep, std::chrono::steady_clock::time_point deadline);

}  // namespace p2pscope::lab
