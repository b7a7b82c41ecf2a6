// The lab's many-nodes KAD responder: node ids with their addresses, each
// answering bootstrap, hello, find-node (only when the request names its own
// id, as aMule does), source searches for files within its search
// tolerance, and ping. The sources it indexes are given by the scenario
// (what scripted clients would have published), so every answer has a
// ground truth, plus what real clients in the lab (aMule) publish to it:
// those a node keeps for itself, with the address it saw them come from,
// as aMule's indexing does.
//
// Every node presents itself as KAD version 5 (eMule 0.48a): aMule
// obfuscates its KAD packets to nodes of version 6 and later with a key
// from the receiver's id, and the responder speaks plain KAD.
//
// KadResponderState is the pure part; serve_kad answers for every node
// through one socket (lab/addressed_udp.hpp: the address a datagram was sent
// to says which node was asked), so every node needs its own address and
// all share one port. Threads: one io_context thread; the state is not
// thread-safe.
#pragma once

#include "core/kad.hpp"
#include "lab/asio.hpp"

#include <map>
#include <optional>
#include <tuple>
#include <string>
#include <vector>

namespace p2pscope::lab {

inline constexpr std::uint8_t kLabKadVersion = 5;

struct KadNode {
  kad::KadId id;
  Endpoint udp;
  std::uint16_t tcp_port = 4662;
};

class KadResponderState {
 public:
  explicit KadResponderState(std::vector<KadNode> nodes);

  // Sources of `file` that nodes within tolerance of it hand out.
  void index(const ed2k::Md4& file, kad::SourceEntry source);
  // Node `self`'s answer to one datagram from `from`: the datagrams to send
  // back (none for silence; a source search may take several). A source
  // publication is kept by `self`.
  std::vector<std::string> answer(std::size_t self, std::string_view datagram, const Endpoint& from);
  const std::vector<KadNode>& nodes() const noexcept { return nodes_; }
  // The node at ep, if any (the first, should two share it).
  std::optional<std::size_t> node_at(const Endpoint& ep) const;
  kad::Contact contact(std::size_t i) const;
  // What real clients published to node `self` for `file`, one entry per
  // publishing user hash (the latest wins).
  std::vector<kad::SourceEntry> published(std::size_t self, const kad::KadId& file) const;

  // At most this many publications are kept, over every node and file.
  static constexpr std::size_t kMaxPublished = 1 << 16;

 private:
  std::vector<kad::Contact> closest(const kad::KadId& target, std::size_t n, std::size_t except) const;
  std::vector<std::string> search(std::size_t self, std::string_view payload) const;
  std::vector<std::string> publish(std::size_t self, std::string_view payload, const Endpoint& from);
  std::vector<KadNode> nodes_;
  std::map<Endpoint, std::size_t> by_endpoint_;
  std::map<kad::KadId, std::vector<kad::SourceEntry>> sources_;
  std::map<std::tuple<std::size_t, kad::KadId, kad::KadId>, kad::SourceEntry> published_;  // (node, file, user hash)
};

// Answers for every node of state on socket (bound to the wildcard address
// and the nodes' port) until the socket is closed; datagrams to an address
// that is no node get silence.
awaitable<void> serve_kad(udp::socket& socket, KadResponderState& state);

}  // namespace p2pscope::lab
