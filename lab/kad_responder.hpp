// The lab's many-nodes KAD responder: node ids with their addresses, each
// answering bootstrap, find-node (only when the request names its own id,
// as aMule does), source searches for files within its search tolerance,
// and ping. The sources it indexes are given by the scenario (what real
// clients would have published), so every answer has a ground truth.
//
// KadResponderState is the pure part; serve_kad_node is a thin Asio loop
// for one node's socket. Threads: one io_context thread; the state is not
// thread-safe.
#pragma once

#include "core/kad.hpp"
#include "lab/asio.hpp"

#include <map>
#include <string>
#include <vector>

namespace p2pscope::lab {

struct KadNode {
  kad::KadId id;
  Endpoint udp;
  std::uint16_t tcp_port = 4662;
};

class KadResponderState {
 public:
  explicit KadResponderState(std::vector<KadNode> nodes) : nodes_(std::move(nodes)) {}

  // Sources of `file` that nodes within tolerance of it hand out.
  void index(const ed2k::Md4& file, kad::SourceEntry source);
  // Node `self`'s answer to one datagram from `from`: the datagrams to send
  // back (none for silence; a source search may take several).
  std::vector<std::string> answer(std::size_t self, std::string_view datagram, const Endpoint& from) const;
  const std::vector<KadNode>& nodes() const noexcept { return nodes_; }
  kad::Contact contact(std::size_t i) const;

 private:
  std::vector<kad::Contact> closest(const kad::KadId& target, std::size_t n, std::size_t except) const;
  std::vector<KadNode> nodes_;
  std::map<kad::KadId, std::vector<kad::SourceEntry>> sources_;
};

// Answers datagrams on socket as node `self` until the socket is closed.
awaitable<void> serve_kad_node(udp::socket socket, const KadResponderState& state, std::size_t self);

}  // namespace p2pscope::lab
