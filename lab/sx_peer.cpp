#include "lab/sx_peer.hpp"

#include "net/ed2k_conversation.hpp"

#include <algorithm>

namespace p2pscope::lab {
namespace {

using namespace ed2k;

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

// The frames answering one request frame (none for silence).
std::string respond(const Frame& f, const SxPeerConfig& cfg, ClientInfo& requester) {
  if (f.protocol == Protocol::edonkey && f.opcode == op::hello) {
    auto h = decode_hello(f.payload, HelloKind::hello);
    if (!h) return {};
    requester = client_info(h.value());
    Hello me{cfg.user_hash, 0, 4662, sx_peer_hello_tags(cfg), 0, 0, {}};
    return frame(Protocol::edonkey, op::hello_answer, encode_hello(me, HelloKind::answer));
  }
  if (f.protocol == Protocol::edonkey && f.opcode == op::set_req_file_id) {
    // What aMule and eMule say to a hash they do not share; an anti-P2P
    // peer claims it, as a complete file.
    auto h = decode_hash_only(f.payload);
    if (!h) return {};
    if (!cfg.sources_of(h.value())) return frame(Protocol::edonkey, op::no_such_file, encode_hash_only(h.value()));
    return frame(Protocol::edonkey, op::file_status, encode_file_status(FileStatus{h.value(), PartStatus{}}));
  }
  if (f.protocol != Protocol::emule && f.protocol != Protocol::packed) return {};
  if (f.opcode == op::request_sources) {
    auto h = decode_hash_only(f.payload);
    if (!h || !cfg.sources_of(h.value())) return {};
    // The lower of the two SX1 versions, as eMule's sender picks it.
    auto v = static_cast<std::uint8_t>(std::clamp<int>(std::min<int>(requester.sx1_version, cfg.sx1), 1, 4));
    return frame(Protocol::emule, op::answer_sources, encode_answer_sources(sx_answer(cfg, h.value(), v)));
  }
  if (f.opcode != op::multipacket_ext) return {};
  auto m = decode_multipacket(f.payload, MultiKind::extended, requester.ext_requests);
  if (!m) return {};
  const auto& file = m.value().file;
  if (!cfg.sources_of(file)) return frame(Protocol::edonkey, op::no_such_file, encode_hash_only(file));
  std::string out = frame(Protocol::emule, op::multipacket_answer,
                          encode_multipacket_answer(MultiAnswer{file, "lab file", PartStatus{}, std::nullopt}));
  for (const auto& item : m.value().items)
    if (item.opcode == op::request_sources2)
      out += frame(Protocol::emule, op::answer_sources2,
                   encode_answer_sources2(sx_answer(cfg, file, std::clamp<std::uint8_t>(item.sx2_version, 1, 4))));
  return out;
}

awaitable<void> session(tcp::socket s, const SxPeerConfig& cfg) {
  Conversation talk(s, Limits{}, std::chrono::seconds(30));
  ClientInfo requester;
  for (;;) {
    auto f = co_await talk.next(std::chrono::seconds(30));
    if (!f) co_return;
    auto out = respond(f.value(), cfg, requester);
    if (!out.empty() && !co_await talk.send_bytes(std::move(out))) co_return;
  }
}

}  // namespace

std::vector<Tag> sx_peer_hello_tags(const SxPeerConfig& cfg) {
  std::uint32_t misc1 = std::uint32_t{cfg.sx1 & 0xfu} << 12 | 1u << 8 | 1u << 1;
  std::uint32_t misc2 = (cfg.sx2 ? 1u << 10 : 0u) | 1u << 5 | 1u << 4 | 8u;
  return {string_tag(0x01, cfg.name), number_tag(0x11, TagType::uint32, 0x3C),
          number_tag(0xFB, TagType::uint32, cfg.emule_version), number_tag(0xFA, TagType::uint32, misc1),
          number_tag(0xFE, TagType::uint32, misc2)};
}

awaitable<void> serve_sx_peer(tcp::acceptor acceptor, const SxPeerConfig& cfg) {
  return accept_each(std::move(acceptor), [&cfg](tcp::socket s) { return session(std::move(s), cfg); });
}

}  // namespace p2pscope::lab
