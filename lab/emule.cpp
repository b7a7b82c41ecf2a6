#include "lab/emule.hpp"

#include <algorithm>
#include <random>

namespace p2pscope::lab {
namespace {

using namespace ed2k;

std::mt19937_64 rng_for(const LabPlan& plan, std::string_view what) {
  auto h = md4_of(std::string(what) + "\n" + std::to_string(plan.scenario.seed));
  std::uint64_t s = 0;
  for (int i = 0; i < 8; ++i) s = s << 8 | h.bytes[static_cast<std::size_t>(i)];
  return std::mt19937_64(s);
}

std::vector<Endpoint> endpoints_with(const LabPlan& plan, Role r, int variant = -1, Impl impl = Impl::lab_actor) {
  std::vector<Endpoint> out;
  for (const auto* p : plan.with_role(r))
    if (p->impl == impl && (variant < 0 || p->variant == variant)) out.push_back(p->endpoint);
  return out;
}

std::vector<Source> as_sources(const std::vector<Endpoint>& eps) {
  std::vector<Source> out;
  for (const auto& ep : eps) out.push_back(Source{ed2k_id(ep.address), ep.port, 0, std::nullopt});
  return out;
}


}  // namespace

std::vector<EmuleLabFile> scripted_files(const LabPlan& plan) {
  auto rng = rng_for(plan, "ed2k files");
  std::vector<EmuleLabFile> out;
  for (int i = 0; i < plan.scenario.ed2k_files; ++i) {
    EmuleLabFile f;
    f.link.name = "p2pscope-lab-" + std::to_string(i) + ".avi";
    f.link.size = 1'000'000 + rng() % 700'000'000;
    for (auto& b : f.link.hash.bytes) b = static_cast<std::uint8_t>(rng());
    out.push_back(std::move(f));
  }
  return out;
}

std::string real_file_chunk(const LabPlan& plan, std::uint64_t offset, std::size_t length) {
  // A counter mixed with the seed: cheap, deterministic, and not all zeros
  // (which every lab would share).
  std::string out(length, '\0');
  for (std::size_t i = 0; i < length; ++i) {
    std::uint64_t x = (offset + i) / 8 * 0x9E3779B97F4A7C15ull ^ plan.scenario.seed * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 31;
    out[i] = static_cast<char>(x >> ((offset + i) % 8 * 8));
  }
  return out;
}

Md4 lab_user_hash(const LabPlan& plan, const Party& p) {
  auto h = md4_of("p2pscope lab user hash\n" + std::to_string(plan.scenario.seed) + "\n" + p.name);
  h.bytes[5] = 14;
  h.bytes[14] = 111;
  return h;
}

std::vector<std::uint32_t> lab_low_ids(const LabPlan& plan) {
  std::vector<std::uint32_t> out;
  for (int i = 0; i < plan.scenario.emule_low_ids; ++i) out.push_back(0x10000u + static_cast<std::uint32_t>(i) * 7u);
  return out;
}

std::vector<const Party*> ed2k_offering(const LabPlan& plan) {
  std::vector<const Party*> out;
  for (const auto& p : plan.parties) {
    bool scripted_peer = p.role == Role::emule_peer && p.impl == Impl::lab_actor;
    if (scripted_peer || p.role == Role::emule_byte_order || p.role == Role::emule_anti_p2p) out.push_back(&p);
  }
  return out;
}

std::vector<Endpoint> emule_farm(const LabPlan& plan) { return endpoints_with(plan, Role::emule_anti_p2p); }
std::vector<Endpoint> emule_fakes(const LabPlan& plan) { return endpoints_with(plan, Role::emule_fake, -1, Impl::none); }

Ed2kServerConfig ed2k_server_config(const LabPlan& plan, const Party& server) {
  Ed2kServerConfig cfg;
  cfg.name = server.name;
  if (server.variant == 1) {
    auto bogus = emule_farm(plan);
    auto fakes = emule_fakes(plan);
    bogus.insert(bogus.end(), fakes.begin(), fakes.end());
    cfg.injected = as_sources(bogus);
    cfg.description = "a poisoned eDonkey index server inside the lab's namespace";
  }
  return cfg;
}

void list_scripted_sources(const LabPlan& plan, Ed2kServerState& state) {
  auto files = scripted_files(plan);
  for (const auto& f : files) {
    for (const auto* p : ed2k_offering(plan)) state.list(f.link.hash, ed2k_id(p->endpoint.address), p->endpoint.port);
    for (auto id : lab_low_ids(plan)) state.list(f.link.hash, id, kEmulePort);
  }
}

std::vector<KadNode> kad_nodes(const LabPlan& plan, const std::optional<ed2k::Md4>& real_file) {
  auto rng = rng_for(plan, "kad node ids");
  std::vector<KadNode> out;
  for (const auto* p : plan.with_role(Role::kad_node)) {
    KadNode n;
    for (auto& b : n.id.bytes) b = static_cast<std::uint8_t>(rng());
    if (real_file && out.size() < kNearRealFile) {
      // The first 32 bits as the file's: a distance of under 2^96, well within tolerance.
      auto near = kad::KadId::of(*real_file);
      std::copy(near.bytes.begin(), near.bytes.begin() + 4, n.id.bytes.begin());
    }
    n.udp = p->endpoint;
    n.tcp_port = kEmulePort;
    out.push_back(n);
  }
  return out;
}

std::vector<const Party*> kad_publishing(const LabPlan& plan) {
  std::vector<const Party*> out;
  for (const auto& p : plan.parties)
    if ((p.role == Role::emule_peer && p.impl == Impl::lab_actor) || p.role == Role::emule_anti_p2p) out.push_back(&p);
  return out;
}

void index_kad_sources(const LabPlan& plan, KadResponderState& state) {
  for (const auto& f : scripted_files(plan)) {
    for (const auto* p : kad_publishing(plan)) {
      kad::SourceEntry e;
      e.user_hash = kad::KadId::of(lab_user_hash(plan, *p));
      e.type = 1;
      e.ip = hybrid_id(p->endpoint.address);
      e.tcp_port = p->endpoint.port;
      e.udp_port = kKadPort;
      e.file_size = f.link.size;
      state.index(f.link.hash, e);
    }
  }
}

std::string lab_server_met(const LabPlan& plan, PoisonedServers poisoned) {
  std::vector<ed2k::ServerEntry> entries;
  for (const auto* s : plan.with_role(Role::ed2k_server)) {
    if (poisoned == PoisonedServers::leave_out && s->variant == 1) continue;
    entries.push_back({{ed2k::ed2k_id(s->endpoint.address), s->endpoint.port}, {ed2k::string_tag(0x01, s->name)}});
  }
  return ed2k::encode_server_met(entries);
}

std::vector<const Party*> amule_daemons(const LabPlan& plan) {
  std::vector<const Party*> out;
  for (const auto* p : plan.with_role(Role::emule_peer))
    if (p->impl == Impl::amule) out.push_back(p);
  return out;
}

kad::NodesFile lab_nodes_dat(const LabPlan& plan, const std::optional<ed2k::Md4>& real_file) {
  kad::NodesFile f;
  f.edition = kad::NodesEdition::v2;
  for (const auto& n : kad_nodes(plan, real_file))
    f.contacts.push_back(kad::Contact{n.id, hybrid_id(n.udp.address), n.udp.port, n.tcp_port, kLabKadVersion});
  return f;
}

std::vector<Endpoint> honest_sources(const LabPlan& plan, const Party& except) {
  std::vector<Endpoint> out;
  for (const auto& ep : endpoints_with(plan, Role::emule_peer))
    if (ep != except.endpoint) out.push_back(ep);
  return out;
}

const Party* emule_teacher(const LabPlan& plan) {
  for (const auto* p : plan.with_role(Role::emule_peer))
    if (p->impl == Impl::lab_actor && p->variant == 1) return p;
  return nullptr;
}

IdForm stored_form(std::uint8_t version, std::uint8_t sender_sx1, std::optional<EmuleDefect> d) noexcept {
  if (version < 3 || d == EmuleDefect::hybrid_in_v2) return IdForm::ed2k;
  // Only a sender advertising exactly 3 was trusted to mean hybrid IDs
  // (eb83bf9b2's "== 3"); eMule 0.48a+ advertises 4, so its hybrid IDs
  // were kept as if ED2K.
  if (d && sender_sx1 != 3) return IdForm::ed2k;
  return IdForm::hybrid;
}

std::vector<Endpoint> amule21_store(const SourcesAnswer& received, std::uint8_t sender_sx1) {
  std::vector<Endpoint> out;
  auto form = stored_form(received.version, sender_sx1, EmuleDefect::v4_stored_raw);
  for (const auto& e : received.entries) out.push_back(Endpoint{sx_address(e, form), e.port});
  return out;
}

std::vector<Endpoint> v4_stored_raw(const LabPlan& plan) {
  const Party* teacher = emule_teacher(plan);
  if (!teacher) return {};
  auto cfg = sx_peer_config(plan, *teacher);
  auto files = scripted_files(plan);
  if (files.empty()) return {};
  // What the teacher sends an SX2 v4 request, through the real codec.
  auto wire = encode_answer_sources2(sx_answer(cfg, files.front().link.hash, 4));
  auto answer = decode_answer_sources2(wire);
  if (!answer) return {};
  return amule21_store(answer.value(), cfg.sx1);
}

void apply_defect(SxPeerConfig& cfg, EmuleDefect d) {
  cfg.sx2 = false;  // no aMule before 2.2 spoke SX2
  switch (d) {
    case EmuleDefect::ed2k_in_v3:
      cfg.emule_version = 0x02000100;  // aMule 2.0.1
      cfg.encoding = SxEncoding::ed2k_everywhere;
      break;
    case EmuleDefect::hybrid_in_v2:
      cfg.emule_version = 0x02000000;  // aMule 2.0.0-rc7 (the version word has no room for "rc")
      cfg.sx1 = 2;
      cfg.encoding = SxEncoding::hybrid_everywhere;
      break;
    case EmuleDefect::v4_stored_raw:
      cfg.emule_version = 0x02010300;  // aMule 2.1.3: its sending is right; what it stored is not
      break;
  }
}

SxPeerConfig sx_peer_config(const LabPlan& plan, const Party& p) {
  SxPeerConfig cfg;
  cfg.user_hash = lab_user_hash(plan, p);
  auto files = scripted_files(plan);
  auto share = [&](const std::vector<Endpoint>& sources) {
    for (const auto& f : files) cfg.sources[f.link.hash] = sources;
  };
  if (p.role == Role::emule_peer) {
    if (p.variant == 1) {
      cfg.name = "eMule";
      cfg.emule_version = kEmule050a;
      cfg.sx1 = 4;  // eMule 0.48a and later advertise 4 (BaseClient.cpp)
    }
    share(honest_sources(plan, p));
  } else if (p.role == Role::emule_byte_order) {
    auto defect = static_cast<EmuleDefect>(p.variant);
    apply_defect(cfg, defect);
    share(defect == EmuleDefect::v4_stored_raw ? v4_stored_raw(plan) : honest_sources(plan, p));
  } else if (p.role == Role::emule_anti_p2p) {
    cfg.name = "eMule";
    cfg.emule_version = kEmule050a;
    cfg.sx1 = 4;
    cfg.any_file = true;
    for (const auto& ep : emule_farm(plan))
      if (ep != p.endpoint) cfg.any_file_sources.push_back(ep);
    auto fakes = emule_fakes(plan);
    cfg.any_file_sources.insert(cfg.any_file_sources.end(), fakes.begin(), fakes.end());
  }
  return cfg;
}

}  // namespace p2pscope::lab
