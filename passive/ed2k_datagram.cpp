#include "passive/ed2k_datagram.hpp"

#include "core/ed2k_server.hpp"
#include "core/kad.hpp"

namespace p2pscope::passive {

namespace {

using namespace ed2k;

void server_udp(const Hop& hop, const Frame& f, const Ed2kDatagramSinks& s) {
  auto bad = [&] { s.count("ed2k_udp_malformed"); };
  if (f.opcode == op::glob_get_sources) {
    auto files = decode_glob_get_sources(f.payload);
    if (!files) return bad();
    for (const auto& m : files.value()) s.event(Ed2kFileEvent{hop, "glob_get_sources", m});
  } else if (f.opcode == op::glob_get_sources2) {
    // Its entries are GETSOURCES's: <hash><size u32>, or <hash><0 u32><size u64>.
    auto files = decode_get_sources(f.payload);
    if (!files) return bad();
    for (const auto& q : files.value()) s.event(Ed2kFileEvent{hop, "glob_get_sources2", q.file, q.size});
  } else if (f.opcode == op::glob_found_sources) {
    auto lists = decode_glob_found_sources(f.payload);
    if (!lists) return bad();
    for (const auto& l : lists.value()) {
      s.event(Ed2kSourcesEvent{hop, Ed2kRoute::server_udp, l.file, 0, seen_sources(l.sources)});
    }
  }
}

void kad_udp(const Hop& hop, const Frame& f, const Ed2kDatagramSinks& s) {
  auto bad = [&] { s.count("ed2k_udp_malformed"); };
  if (f.opcode == kad::op::search_source_req) {
    auto q = kad::decode_source_search(f.payload);
    if (!q) return bad();
    s.event(Ed2kFileEvent{hop, "kad_search_source", Md4{q.value().target.bytes}, q.value().file_size});
  } else if (f.opcode == kad::op::search_res) {
    auto r = kad::decode_search_response(f.payload);
    if (!r) return bad();
    Ed2kSourcesEvent e{hop, Ed2kRoute::kad, Md4{r.value().target.bytes}, 0, {}};
    for (const auto& result : r.value().results) {
      auto entry = kad::source_entry(result);
      if (entry) e.sources.push_back({entry.value().ip, entry.value().tcp_port, entry.value().crypt, Md4{entry.value().user_hash.bytes}});
    }
    if (!e.sources.empty()) s.event(e);
  }
}

}  // namespace

bool ed2k_datagram(const Hop& hop, std::string_view payload, const Ed2kDatagramSinks& sinks) {
  if (payload.empty()) return false;
  auto p = static_cast<std::uint8_t>(payload[0]);
  if (p != 0xE3 && p != 0xC5 && p != 0xE4 && p != 0xE5) return false;
  auto f = decode_udp_frame(payload);
  if (!f) return false;
  if (f.value().protocol == Protocol::kad || f.value().protocol == Protocol::kad_packed) kad_udp(hop, f.value(), sinks);
  else if (f.value().protocol == Protocol::edonkey) server_udp(hop, f.value(), sinks);
  return true;
}

}  // namespace p2pscope::passive
