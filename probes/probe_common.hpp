// Small pieces both active probers (peer_probe, emule_probe) share: the
// skeleton of a result record, comma-joined transcripts, the rule that
// decides who is never contacted, round-trip timing and the timed connect.
// Header-only; one io_context thread.
#pragma once

#include "core/records.hpp"
#include "core/special_ranges.hpp"
#include "net/connect.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace p2pscope::probes::detail {

inline ProbeResult probe_record(const Endpoint& peer, ProbeKind kind, ProbeOutcome outcome) {
  ProbeResult r;
  r.peer = peer;
  r.probe = kind;
  r.outcome = outcome;
  return r;
}

inline std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

// Why `peer` must not be contacted, or nothing: port 0, or a
// special-purpose address (unless a loopback test lifts that).
inline std::optional<std::string> never_contact(const Endpoint& peer, bool contact_special_purpose) {
  if (peer.port == 0) return "port 0";
  if (is_bogon(peer.address) && !contact_special_purpose) return "special-purpose address: not contacted";
  return std::nullopt;
}

// What a reverse check's connection saw, in either protocol: the greeting
// is the BitTorrent handshake or the eMule hello.
struct GreetingSeen {
  ProbeOutcome connect = ProbeOutcome::error, greeting = ProbeOutcome::error;
  bool skipped = false;
  std::optional<double> greeting_ms;
  const std::string& why;
};

// The reverse_byte_order record of `peer`: positive when `reversed` (on the
// same port) answered the greeting. A reverse nobody may contact is no peer.
inline ProbeResult reverse_record(const Endpoint& peer, const Endpoint& reversed, const GreetingSeen& c,
                                  std::string question) {
  auto outcome = c.connect != ProbeOutcome::positive ? c.connect : c.greeting;
  if (c.skipped) outcome = ProbeOutcome::negative;
  auto r = probe_record(peer, ProbeKind::reverse_byte_order, outcome);
  r.rtt_ms = c.greeting_ms;
  r.evidence["reverse"] = reversed.to_string();
  r.evidence["question"] = std::move(question);
  if (outcome != ProbeOutcome::positive) r.evidence["why"] = c.why;
  return r;
}

inline double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// A connect from `local` within `timeout`: positive with the time it took,
// or timeout / negative with why.
struct Connected {
  ProbeOutcome outcome = ProbeOutcome::error;
  std::optional<double> ms;
  std::string why;
};
inline net::awaitable<Connected> timed_connect(net::tcp::socket& s, const Endpoint& peer, const IpAddress& local,
                                               std::chrono::milliseconds timeout) {
  auto start = std::chrono::steady_clock::now();
  auto ec = co_await net::connect_within(s, peer, local, timeout);
  if (!ec) co_return Connected{ProbeOutcome::positive, ms_since(start), {}};
  if (std::chrono::steady_clock::now() - start >= timeout) co_return Connected{ProbeOutcome::timeout, {}, "connect timed out"};
  co_return Connected{ProbeOutcome::negative, {}, "connect: " + ec.message()};
}

}  // namespace p2pscope::probes::detail
