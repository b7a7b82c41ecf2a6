#include "lab/sx_peer.hpp"

#include "net/ed2k_conversation.hpp"

#include <algorithm>

namespace p2pscope::lab {
namespace {

using namespace ed2k;

// The extended-request level sx_peer_hello_tags announces.
constexpr std::uint8_t kOwnExtRequests = 1;

std::string frame(Protocol p, std::uint8_t op, std::string payload) {
  return encode_tcp_frame(Frame{p, op, std::move(payload)});
}

}  // namespace

const std::vector<Endpoint>* SxPeerConfig::sources_of(const Md4& file) const {
  if (auto it = sources.find(file); it != sources.end()) return &it->second;
  return any_file ? &any_file_sources : nullptr;
}

SourcesAnswer sx_answer(const SxPeerConfig& cfg, const Md4& file, std::uint8_t version) {
  SourcesAnswer a{version, file, {}};
  auto form = cfg.encoding == SxEncoding::correct         ? id_form_of_sx(version)
              : cfg.encoding == SxEncoding::ed2k_everywhere ? IdForm::ed2k
                                                            : IdForm::hybrid;
  std::uint8_t n = 0;
  for (const auto& ep : *cfg.sources_of(file)) {
    SxEntry e;
    e.id = form == IdForm::hybrid ? hybrid_id(ep.address) : ed2k_id(ep.address);
    e.port = ep.port;
    if (version >= 2) e.user_hash = Md4{{0x5A, n, 0, 0, 0, 14, 0, 0, 0, 0, 0, 0, 0, 0, 111, 0}};
    if (version >= 4) e.crypt = 1;
    ++n;
    a.entries.push_back(e);
  }
  return a;
}

namespace {

// An SX1 answer, in the lower of the two SX1 versions (eMule's sender's
// rule); aMule sends nothing rather than an empty list.
std::string sx1_answer_frame(const SxPeerConfig& cfg, const Md4& file, const ClientInfo& requester) {
  if (cfg.sources_of(file)->empty()) return {};
  auto v = static_cast<std::uint8_t>(std::clamp<int>(std::min<int>(requester.sx1_version, cfg.sx1), 1, 4));
  return frame(Protocol::emule, op::answer_sources, encode_answer_sources(sx_answer(cfg, file, v)));
}

}  // namespace

std::string sx_peer_respond(const Frame& f, const SxPeerConfig& cfg, const Endpoint& self, ClientInfo& requester) {
  if (f.protocol == Protocol::edonkey && f.opcode == op::hello) {
    auto h = decode_hello(f.payload, HelloKind::hello);
    if (!h) return {};
    requester = client_info(h.value());
    // Its own ID and port, as a client logged in with a HighID says: aMule
    // takes a source whose hello says ID 0 for a LowID and never names it.
    Hello me{cfg.user_hash, self.address.is_v4() ? ed2k_id(self.address) : 0, self.port, sx_peer_hello_tags(cfg), 0, 0, {}};
    return frame(Protocol::edonkey, op::hello_answer, encode_hello(me, HelloKind::answer));
  }
  if (f.protocol == Protocol::edonkey && f.opcode == op::set_req_file_id) {
    // What aMule and eMule say to a hash they do not share; an anti-P2P
    // peer claims it, as a complete file.
    auto h = decode_hash_only(f.payload);
    if (!h) return {};
    if (!cfg.sources_of(h.value())) return frame(Protocol::edonkey, op::no_such_file, encode_hash_only(h.value()));
    if (cfg.on_request) cfg.on_request(requester, h.value());
    return frame(Protocol::edonkey, op::file_status, encode_file_status(FileStatus{h.value(), cfg.status}));
  }
  if (f.protocol == Protocol::edonkey && f.opcode == op::start_upload_req) {
    // Queue the downloader, as an uploader with no free slot does. aMule
    // counts an eMule source's queue as full until this rank arrives, and
    // names only sources it downloads from or is queued at.
    auto h = decode_hash_only(f.payload);
    if (!h || !cfg.sources_of(h.value()) || !requester.emule_version) return {};
    return frame(Protocol::emule, op::queue_ranking, encode_queue_ranking(cfg.queue_rank));
  }
  if (f.protocol == Protocol::edonkey && f.opcode == op::hashset_request) {
    auto h = decode_hash_only(f.payload);
    if (!h) return {};
    auto it = cfg.part_hashes.find(h.value());
    if (it == cfg.part_hashes.end()) return {};
    return frame(Protocol::edonkey, op::hashset_answer, encode_hashset_answer({h.value(), it->second}));
  }
  if (f.protocol != Protocol::emule && f.protocol != Protocol::packed) return {};
  if (f.opcode == op::request_sources) {
    auto h = decode_hash_only(f.payload);
    if (!h || !cfg.sources_of(h.value())) return {};
    return sx1_answer_frame(cfg, h.value(), requester);
  }
  if (f.opcode != op::multipacket_ext) return {};
  // The sender writes the extended info our hello announced (level 1),
  // not its own level: aMule 2.3.3 announces 2 and writes level 1 here.
  auto m = decode_multipacket(f.payload, MultiKind::extended, std::min<std::uint8_t>(requester.ext_requests, kOwnExtRequests));
  if (!m) return {};
  const auto& file = m.value().file;
  if (!cfg.sources_of(file)) return frame(Protocol::edonkey, op::no_such_file, encode_hash_only(file));
  if (cfg.on_request) cfg.on_request(requester, file);
  std::string out = frame(Protocol::emule, op::multipacket_answer,
                          encode_multipacket_answer(MultiAnswer{file, "lab file", cfg.status, std::nullopt}));
  for (const auto& item : m.value().items) {
    if (item.opcode == op::request_sources2)
      out += frame(Protocol::emule, op::answer_sources2,
                   encode_answer_sources2(sx_answer(cfg, file, std::clamp<std::uint8_t>(item.sx2_version, 1, 4))));
    else if (item.opcode == op::request_sources)
      out += sx1_answer_frame(cfg, file, requester);  // how aMule asks a peer without SX2
  }
  return out;
}

namespace {

awaitable<void> session(tcp::socket s, const SxPeerConfig& cfg) {
  Conversation talk(s, Limits{}, std::chrono::seconds(30));
  ClientInfo requester;
  error_code ec;
  const auto self = from_asio(s.local_endpoint(ec));
  for (;;) {
    auto f = co_await talk.next(cfg.idle);
    if (!f) co_return;
    auto out = sx_peer_respond(f.value(), cfg, self, requester);
    if (!out.empty() && !co_await talk.send_bytes(std::move(out))) co_return;
  }
}

}  // namespace

std::vector<Tag> sx_peer_hello_tags(const SxPeerConfig& cfg) {
  std::uint32_t misc1 = std::uint32_t{cfg.sx1 & 0xfu} << 12 | std::uint32_t{kOwnExtRequests} << 8 | 1u << 1;
  std::uint32_t misc2 = (cfg.sx2 ? 1u << 10 : 0u) | 1u << 5 | 1u << 4 | 8u;
  return {string_tag(0x01, cfg.name), number_tag(0x11, TagType::uint32, 0x3C),
          number_tag(0xFB, TagType::uint32, cfg.emule_version), number_tag(0xFA, TagType::uint32, misc1),
          number_tag(0xFE, TagType::uint32, misc2)};
}

awaitable<void> serve_sx_peer(tcp::acceptor acceptor, const SxPeerConfig& cfg) {
  return accept_each(std::move(acceptor), [&cfg](tcp::socket s) { return session(std::move(s), cfg); });
}

}  // namespace p2pscope::lab
