#include "crawler/sx_session.hpp"

#include "core/ed2k_link.hpp"
#include "crawler/utc_now.hpp"
#include "net/ed2k_conversation.hpp"
#include "net/connect.hpp"
#include "net/pace.hpp"

namespace p2pscope::crawler {
namespace {

using namespace net;
using namespace ed2k;
using Clock = std::chrono::steady_clock;

// Client frames packed with zlib belong to the 0xC5 space once inflated.
bool emule_space(const Frame& f) { return f.protocol == Protocol::emule || f.protocol == Protocol::packed; }

void report(const SourcesAnswer& a, const Endpoint& peer, const Ed2kEvents& ev) {
  for (const auto& e : a.entries) {
    EmuleObservation o;
    o.time = utc_now();
    o.file = a.file;
    o.via = Via::sx;
    o.source = peer;
    o.raw_id = e.id;
    o.id_form = id_form_of_sx(a.version);
    o.peer_port = e.port;
    o.sx_version = a.version;
    o.user_hash = e.user_hash;
    if (a.version >= 4) o.crypt = e.crypt;
    if (e.server_ip != 0) o.server = Endpoint{ip_of_ed2k_id(e.server_ip), e.server_port};
    ev.on_source(std::move(o));
  }
}

// What the peer's answer frame means for the session, if it ends it.
std::optional<SxEnd> take(const Frame& f, const Endpoint& peer, const Ed2kFile& file, const SxConfig& cfg,
                          const ClientInfo& client, SxOutcome& out, const Ed2kEvents& ev) {
  if (f.protocol == Protocol::edonkey && f.opcode == op::no_such_file) return SxEnd::no_such_file;
  if (!emule_space(f) || (f.opcode != op::answer_sources && f.opcode != op::answer_sources2)) return std::nullopt;
  auto a = f.opcode == op::answer_sources2 ? decode_answer_sources2(f.payload, cfg.sx)
                                           : decode_answer_sources(f.payload, std::min(client.sx1_version, cfg.sx1), cfg.sx);
  if (!a) {
    ev.on_anomaly(a.error() == errc::too_many_items ? AnomalyKind::oversized : AnomalyKind::malformed,
                  "source exchange answer: " + a.error().message());
    return SxEnd::bad_answer;
  }
  if (a.value().file != file.hash) {
    ev.on_anomaly(AnomalyKind::protocol_violation, "source exchange answer for another file");
    return SxEnd::bad_answer;
  }
  out.version = a.value().version;
  out.entries = a.value().entries.size();
  report(a.value(), peer, ev);
  return SxEnd::answered;
}

awaitable<SxOutcome> converse(tcp::socket& s, const Endpoint& peer, const Ed2kFile& file, const SxConfig& cfg,
                              const Ed2kEvents& ev) {
  SxOutcome out;
  auto ec = co_await connect_within(s, peer, cfg.local, cfg.connect_timeout);
  if (ec) co_return out;
  out.end = SxEnd::no_hello;
  Conversation talk(s, cfg.limits, cfg.hello_timeout);
  Hello hello{cfg.user_hash, 0, cfg.port, crawler_hello_tags(cfg.name, cfg.sx1), 0, 0, {}};
  // Frames are named before co_await: GCC 12 destroys a braced temporary in
  // a co_await expression twice.
  Frame hello_frame{Protocol::edonkey, op::hello, encode_hello(hello, HelloKind::hello)};
  if (!co_await talk.send(std::move(hello_frame))) co_return out;
  auto until = Clock::now() + cfg.hello_timeout;
  for (;;) {
    auto f = co_await talk.next_before(until);
    if (!f) {
      if (f.error().category() == p2pscope::category()) ev.on_anomaly(AnomalyKind::malformed, "hello: " + f.error().message());
      co_return out;
    }
    if (f.value().protocol != Protocol::edonkey || f.value().opcode != op::hello_answer) continue;
    auto answer = decode_hello(f.value().payload, HelloKind::answer, cfg.limits);
    if (!answer) {
      ev.on_anomaly(AnomalyKind::malformed, "hello answer: " + answer.error().message());
      co_return out;
    }
    out.client = client_info(answer.value());
    break;
  }
  const auto& client = *out.client;
  MultiRequest ask{file.hash, file.size, {}};
  // A status of the file's own part count (all missing): aMule names its
  // upload queue only to a requester whose status matches the file.
  ask.items.push_back({op::request_filename, empty_part_status(file.size), {}, 0, 0});
  ask.items.push_back({op::set_req_file_id, {}, {}, 0, 0});
  const bool sx2 = client.sx2 && cfg.request == SxRequest::best;
  if (sx2) ask.items.push_back({op::request_sources2, {}, {}, 4, 0});
  Frame ask_frame{Protocol::emule, op::multipacket_ext, encode_multipacket(ask, MultiKind::extended)};
  bool sent = co_await talk.send(std::move(ask_frame));
  if (sent && !sx2 && client.sx1_version > 0) {
    Frame sx1{Protocol::emule, op::request_sources, encode_hash_only(file.hash)};
    sent = co_await talk.send(std::move(sx1));
  }
  out.end = SxEnd::silent;
  until = Clock::now() + cfg.answer_timeout;
  while (sent) {
    auto f = co_await talk.next_before(until);
    if (!f) {
      if (f.error().category() == p2pscope::category()) {
        ev.on_anomaly(f.error() == errc::oversized ? AnomalyKind::oversized : AnomalyKind::malformed,
                      "frame: " + f.error().message());
        out.end = SxEnd::bad_answer;
      }
      break;
    }
    if (auto end = take(f.value(), peer, file, cfg, client, out, ev)) {
      out.end = *end;
      break;
    }
  }
  s.shutdown(tcp::socket::shutdown_both, ec);
  co_return out;
}

}  // namespace

awaitable<SxOutcome> sx_session(Endpoint peer, Ed2kFile file, const SxConfig& cfg, RateGate& gate,
                                const Ed2kEvents& ev, StopSignal* stop) {
  if (stop && stop->requested()) co_return SxOutcome{SxEnd::stopped, std::nullopt, std::nullopt, 0};
  co_await pace(gate, peer.address);
  tcp::socket s(co_await asio::this_coro::executor);
  auto hook = close_on_stop(stop, s);
  auto out = co_await converse(s, peer, file, cfg, ev);
  if (stop && stop->requested()) out.end = SxEnd::stopped;
  co_return out;
}

}  // namespace p2pscope::crawler
