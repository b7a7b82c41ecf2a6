// A scripted eMule peer for source exchange: it answers a hello as the
// client it is configured to be, a file request (the extended multipacket,
// or a standalone SX1 request) with "no such file" or with the sources it
// knows, in the version asked for and in the byte order its encoding says,
// and an upload request with a place in its queue. Correct, it stands in
// for an aMule that knows sources; with a wrong encoding it is one of the
// historical aMule byte-order defects (emule.md §3), the lab's positive
// control for them.
//
// Threads: one io_context thread; the config must outlive the server.
#pragma once

#include "core/ed2k_client.hpp"
#include "lab/asio.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace p2pscope::lab {

enum class SxEncoding : std::uint8_t {
  correct,          // the ID form the version defines
  ed2k_everywhere,  // ED2K IDs even in v3/v4 answers (aMule rc8-2.0.1 answering from its upload queue)
  hybrid_everywhere,  // hybrid IDs even in v1/v2 answers (aMule <= 2.0.0-rc7's inverted choice)
};

struct SxPeerConfig {
  ed2k::Md4 user_hash;
  std::string name = "aMule";
  std::uint32_t emule_version = 0x03040D80;  // aMule 2.3.3
  std::uint8_t sx1 = 3;
  bool sx2 = true;
  std::map<ed2k::Md4, std::vector<Endpoint>> sources;  // the files it has, and whom it knows for each
  SxEncoding encoding = SxEncoding::correct;
  // Claims every other file too, with these sources (an anti-P2P peer).
  bool any_file = false;
  std::vector<Endpoint> any_file_sources;
  // What its file status says about the files it has; empty (no parts)
  // means complete. A partial source is one aMule asks for sources.
  ed2k::PartStatus status;
  // Called for every request for a file it has (the file, and the
  // requester as its hello described it), before the answer is sent.
  std::function<void(const ed2k::ClientInfo&, const ed2k::Md4&)> on_request;
  // The part hashes of its files, for HASHSETREQUEST (none: no answer).
  std::map<ed2k::Md4, std::vector<ed2k::Md4>> part_hashes;
  // The place in its upload queue it tells a downloader (STARTUPLOADREQ);
  // it never grants a slot.
  std::uint16_t queue_rank = 1;
  // A session silent this long is closed.
  std::chrono::seconds idle{30};
  // The sources it knows for `file`, or null when it does not have the file.
  const std::vector<Endpoint>* sources_of(const ed2k::Md4& file) const;
};

// Its answer for `file` (which it must have) in SX `version`, encoded as its
// encoding says.
ed2k::SourcesAnswer sx_answer(const SxPeerConfig& cfg, const ed2k::Md4& file, std::uint8_t version);

// The frames answering one frame of a session (encoded, back to back; ""
// for silence). `self` is where it listens (its hello answer's ID and
// port). A hello sets `requester`, which later requests are read by. Pure.
std::string sx_peer_respond(const ed2k::Frame& f, const SxPeerConfig& cfg, const Endpoint& self,
                            ed2k::ClientInfo& requester);

// Serves sessions on acceptor until it is closed.
awaitable<void> serve_sx_peer(tcp::acceptor acceptor, const SxPeerConfig& cfg);

// The hello answer tags of that client (name, version, eMule version, the
// option words with its SX versions).
std::vector<ed2k::Tag> sx_peer_hello_tags(const SxPeerConfig& cfg);

}  // namespace p2pscope::lab
