// One eMule source exchange session: connect to a source, say hello with
// the crawler's stable user hash, ask for the file the way aMule answers
// (the extended multipacket: file name request at extended level 1, set
// file, and SX2 version 4 inside it when the peer announced SX2; otherwise
// a standalone SX1 request), and report every entry of its answer with the
// version and ID form it was decoded in and its raw ID, so the diagnosis
// can read it in the other byte order. A peer that does not have the file
// answers "no such file" (0x48); an empty answer is silence.
//
// Bounded: connect, hello and answer each have a deadline; frames past the
// limits, undecodable answers and source lists past SxLimits end the
// session with an anomaly. Threads: one io_context thread; the callbacks
// must stay valid until the coroutine completes.
#pragma once

#include "core/ed2k_client.hpp"
#include "crawler/ed2k_server_client.hpp"

namespace p2pscope::crawler {

// How to ask: SX2 (inside the extended multipacket) when the peer
// announced it, else SX1; or SX1 only, whatever the peer announced.
enum class SxRequest : std::uint8_t { best, sx1_only };

struct SxConfig {
  ed2k::Md4 user_hash;        // the crawler's one hash for its address
  // The SX1 version the hello announces. A peer answers an SX1 request in
  // the lower of this and its own, and the answer is read so.
  std::uint8_t sx1 = 3;
  SxRequest request = SxRequest::best;
  std::uint16_t port = 4662;  // the TCP port the hello claims
  std::string name = "p2pscope";
  IpAddress local = IpAddress::v4(0);
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds hello_timeout{10000};
  std::chrono::milliseconds answer_timeout{15000};
  ed2k::Limits limits{.max_frame = 1 << 20, .max_unpacked = 1 << 20};
  ed2k::SxLimits sx;
};

enum class SxEnd : std::uint8_t {
  unreachable,   // connect failed or timed out
  no_hello,      // no hello answer in time, or a bad one
  no_such_file,  // it answered 0x48
  answered,      // it sent a source exchange answer
  silent,        // hello, then nothing: aMule's way of saying "no sources" (or not yet)
  bad_answer,    // an answer that broke a limit or did not decode
  stopped,       // the crawl ended first
};
constexpr auto enum_names(SxEnd) noexcept {
  return std::to_array<std::pair<SxEnd, std::string_view>>(
      {{SxEnd::unreachable, "unreachable"}, {SxEnd::no_hello, "no_hello"}, {SxEnd::no_such_file, "no_such_file"},
       {SxEnd::answered, "answered"}, {SxEnd::silent, "silent"}, {SxEnd::bad_answer, "bad_answer"},
       {SxEnd::stopped, "stopped"}});
}

struct SxOutcome {
  SxEnd end = SxEnd::unreachable;
  std::optional<ed2k::ClientInfo> client;  // from its hello answer
  std::optional<std::uint8_t> version;     // of its answer
  std::size_t entries = 0;
};

net::awaitable<SxOutcome> sx_session(Endpoint peer, Ed2kFile file, const SxConfig& cfg, net::RateGate& gate,
                                     const Ed2kEvents& ev, net::StopSignal* stop = nullptr);

}  // namespace p2pscope::crawler
