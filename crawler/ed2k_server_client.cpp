#include "crawler/ed2k_server_client.hpp"

#include "crawler/utc_now.hpp"
#include "net/ed2k_conversation.hpp"
#include "net/connect.hpp"
#include "net/pace.hpp"

#include <algorithm>
#include <random>
#include <set>

namespace p2pscope::crawler {
namespace {

using namespace net;
using namespace ed2k;

EmuleObservation observation(const Md4& file, Via via, const Endpoint& server, const Source& s) {
  EmuleObservation o;
  o.time = utc_now();
  o.file = file;
  o.via = via;
  o.source = server;
  o.raw_id = s.id;
  o.id_form = IdForm::ed2k;
  o.peer_port = s.port;
  o.user_hash = s.user_hash;
  if (via == Via::ed2k_server && (s.crypt != 0 || s.user_hash)) o.crypt = s.crypt;
  return o;
}

// The files a server can be asked about, in frames of at most per_frame.
std::vector<std::vector<SourceRequest>> batches(const std::vector<Ed2kFile>& files, std::size_t per_frame) {
  std::vector<std::vector<SourceRequest>> out;
  for (const auto& f : files) {
    if (out.empty() || out.back().size() >= std::max<std::size_t>(per_frame, 1)) out.emplace_back();
    out.back().push_back(SourceRequest{f.hash, f.size});
  }
  return out;
}

constexpr std::size_t kMaxServerMessages = 64;

// Handles one server frame; the file it answered, if it did.
std::optional<Md4> take_frame(const Frame& f, const Endpoint& server, TcpServerReport& r, const Ed2kEvents& ev) {
  switch (f.opcode) {
    case op::server_message:
      // A server may talk without end; what it says is kept only up to a point.
      if (auto m = decode_server_message(f.payload); m && r.messages.size() < kMaxServerMessages) r.messages.push_back(m.value());
      return std::nullopt;
    case op::server_status:
      if (auto s = decode_server_status(f.payload)) r.status = s.value();
      return std::nullopt;
    case op::id_change:
      if (auto c = decode_id_change(f.payload)) r.id = c.value();
      return std::nullopt;
    case op::found_sources:
    case op::found_sources_obfu: {
      auto form = f.opcode == op::found_sources ? SourceForm::plain : SourceForm::obfuscation;
      auto found = decode_found_sources(f.payload, form);
      if (!found) {
        ev.on_anomaly(AnomalyKind::malformed, "FOUNDSOURCES: " + found.error().message());
        return std::nullopt;
      }
      for (const auto& s : found.value().sources) ev.on_source(observation(found.value().file, Via::ed2k_server, server, s));
      r.sources += found.value().sources.size();
      return found.value().file;
    }
    default: return std::nullopt;  // server lists, callbacks: nothing a source crawl needs
  }
}

// A frame that could not be read is the server's misbehaviour; silence and
// hang-ups (other error categories) are not.
void note_bad_frame(const std::error_code& e, std::string_view when, const Ed2kEvents& ev) {
  if (e.category() != p2pscope::category()) return;
  ev.on_anomaly(e == errc::oversized ? AnomalyKind::oversized : AnomalyKind::malformed,
                std::string(when) + ": " + e.message());
}

awaitable<StatusOr<TcpServerReport>> converse(tcp::socket& s, const Endpoint& server, std::vector<Ed2kFile> files,
                                             const Ed2kAskConfig& cfg, RateGate& gate, const Ed2kEvents& ev) {
  TcpServerReport r;
  auto ec = co_await connect_within(s, server, cfg.local, cfg.connect_timeout);
  if (ec) co_return fail(ec, "connect: " + ec.message());
  Conversation talk(s, cfg.limits, cfg.reply_timeout);
  Login login{cfg.user_hash, 0, cfg.port,
              crawler_login_tags(cfg.name, server_flag::zlib | server_flag::new_tags | server_flag::unicode |
                                               server_flag::large_files)};
  // Frames are named before co_await: GCC 12 destroys a braced temporary in
  // a co_await expression twice.
  Frame hello{Protocol::edonkey, op::login_request, encode_login(login)};
  if (!co_await talk.send(std::move(hello)))
    co_return fail(std::errc::connection_reset, "login: the server hung up");
  auto until = std::chrono::steady_clock::now() + cfg.login_timeout;
  while (!r.id) {
    auto f = co_await talk.next_before(until);
    if (!f) {
      note_bad_frame(f.error(), "login", ev);
      co_return fail(f.error(), "login: no ID from the server (" + f.error().message() + ")");
    }
    if (f.value().opcode == op::reject) co_return fail(errc::remote_error, "login: the server rejected it");
    take_frame(f.value(), server, r, ev);
  }
  const std::uint32_t flags = r.id->flags.value_or(0);
  std::erase_if(files, [&](const Ed2kFile& f) {
    bool skip = f.size > 0xffffffffu && !(flags & server_flag::large_files);
    r.files_skipped += skip ? 1 : 0;
    return skip;
  });
  const auto opcode = (flags & server_flag::crypt_requested) ? op::get_sources_obfu : op::get_sources;
  for (const auto& batch : batches(files, cfg.per_frame)) {
    co_await pace(gate, server.address);
    Frame ask{Protocol::edonkey, opcode, encode_get_sources(batch)};
    if (!co_await talk.send(std::move(ask))) break;
    r.files_asked += batch.size();
  }
  std::set<Md4> answered;
  // Each answer earns the next one its full reply time; unasked frames earn nothing.
  until = std::chrono::steady_clock::now() + cfg.reply_timeout;
  while (answered.size() < r.files_asked) {
    auto f = co_await talk.next_before(until);
    if (!f) {
      note_bad_frame(f.error(), "frame", ev);  // it ends the conversation, as silence or a hang-up does
      break;
    }
    if (auto file = take_frame(f.value(), server, r, ev); file && answered.insert(*file).second)
      until = std::chrono::steady_clock::now() + cfg.reply_timeout;
  }
  r.files_answered = answered.size();
  s.shutdown(tcp::socket::shutdown_both, ec);
  co_return r;
}

// One datagram before `deadline`, or nothing once it passes.
awaitable<std::optional<std::pair<std::size_t, udp::endpoint>>> receive_before(
    udp::socket& s, std::string& buf, std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(s.get_executor(), deadline);
  auto alive = std::make_shared<bool>(true);
  timer.async_wait([&s, alive](const error_code& e) {
    if (!e && *alive) s.cancel();
  });
  udp::endpoint from;
  error_code ec;
  auto n = co_await s.async_receive_from(asio::buffer(buf), from, use_ec(ec));
  *alive = false;
  timer.cancel();
  if (ec) co_return std::nullopt;
  co_return std::pair{n, from};
}

// Reads datagrams from the server until `quiet` passes without one that
// `take` accepts; others (from elsewhere, undecodable) become anomalies.
template <class Take>
awaitable<void> listen(udp::socket& s, const Endpoint& server, std::chrono::milliseconds quiet, const Ed2kEvents& ev,
                       const Ed2kAskConfig& cfg, Take take) {
  std::string buf(cfg.limits.max_frame + 1, '\0');
  auto deadline = std::chrono::steady_clock::now() + quiet;
  bool told_unsolicited = false;
  while (auto got = co_await receive_before(s, buf, deadline)) {
    auto from = from_asio(got->second);
    if (from != server) {
      if (!std::exchange(told_unsolicited, true))
        ev.on_anomaly(AnomalyKind::unsolicited, "a datagram from " + from.to_string() + " while asking " + server.to_string());
      continue;
    }
    auto f = decode_udp_frame(std::string_view(buf).substr(0, got->first), cfg.limits);
    if (!f) {
      ev.on_anomaly(f.error() == errc::oversized ? AnomalyKind::oversized : AnomalyKind::malformed,
                    "datagram: " + f.error().message());
      continue;
    }
    if (take(f.value())) deadline = std::chrono::steady_clock::now() + quiet;
  }
}

// The get-sources datagrams a server's UDP flags allow, richest first.
std::vector<Frame> glob_requests(const std::vector<Ed2kFile>& files, std::uint32_t flags, std::size_t per_frame) {
  std::vector<Frame> out;
  if (flags & udp_flag::get_sources2) {
    for (const auto& b : batches(files, per_frame)) out.push_back({Protocol::edonkey, op::glob_get_sources2, encode_get_sources(b)});
    return out;
  }
  for (const auto& b : batches(files, (flags & udp_flag::get_sources) ? per_frame : 1)) {
    std::vector<Md4> hashes;
    for (const auto& q : b) hashes.push_back(q.file);
    out.push_back({Protocol::edonkey, op::glob_get_sources, encode_glob_get_sources(hashes)});
  }
  return out;
}

}  // namespace

awaitable<StatusOr<UdpServerReport>> ask_server_udp(Endpoint server, std::vector<Ed2kFile> files,
                                                   const Ed2kAskConfig& cfg, RateGate& gate, const Ed2kEvents& ev) {
  UdpServerReport r;
  udp::socket s(co_await asio::this_coro::executor);
  error_code ec;
  s.open(server.address.is_v4() ? udp::v4() : udp::v6(), ec);
  if (!ec) s.bind(udp::endpoint(to_asio(server.address.is_v4() ? cfg.local : IpAddress::v6({})), 0), ec);
  if (ec) co_return fail(ec, "ed2k server " + server.to_string() + " (UDP): cannot open a socket: " + ec.message());
  const auto to = to_udp(server);

  const std::uint32_t challenge = 0x55AA0000u | static_cast<std::uint32_t>(std::random_device{}() & 0xffffu);
  co_await pace(gate, server.address);
  s.send_to(asio::buffer(encode_udp_frame({Protocol::edonkey, op::glob_serv_stat_req, encode_challenge(challenge)})), to, 0, ec);
  co_await listen(s, server, cfg.reply_timeout, ev, cfg, [&](const Frame& f) {
    if (f.opcode != op::glob_serv_stat_res || r.status) return false;
    auto st = decode_udp_status(f.payload);
    if (!st || st.value().challenge != challenge) {
      ev.on_anomaly(AnomalyKind::malformed, "status answer: " + (st ? std::string("another challenge") : st.error().message()));
      return false;
    }
    r.status = st.value();
    return true;
  });
  if (!r.status) ev.on_anomaly(AnomalyKind::silent, "no answer to a UDP status request");
  const std::uint32_t flags = r.status ? r.status->udp_flags.value_or(0) : 0;
  std::erase_if(files, [&](const Ed2kFile& f) { return f.size > 0xffffffffu && !(flags & udp_flag::large_files); });
  for (const auto& req : glob_requests(files, flags, cfg.per_frame)) {
    co_await pace(gate, server.address);
    s.send_to(asio::buffer(encode_udp_frame(req)), to, 0, ec);
  }
  r.files_asked = files.size();
  co_await listen(s, server, cfg.reply_timeout, ev, cfg, [&](const Frame& f) {
    if (f.opcode != op::glob_found_sources) return false;
    auto lists = decode_glob_found_sources(f.payload, cfg.limits);
    if (!lists) {
      ev.on_anomaly(AnomalyKind::malformed, "GLOBFOUNDSOURCES: " + lists.error().message());
      return false;
    }
    for (const auto& l : lists.value())
      for (const auto& src : l.sources) {
        ev.on_source(observation(l.file, Via::ed2k_server_udp, server, src));
        ++r.sources;
      }
    return true;
  });
  co_return r;
}

awaitable<StatusOr<TcpServerReport>> ask_server_tcp(Endpoint server, std::vector<Ed2kFile> files,
                                                   const Ed2kAskConfig& cfg, RateGate& gate, const Ed2kEvents& ev,
                                                   StopSignal* stop) {
  if (stop && stop->requested()) co_return fail(std::errc::operation_canceled, "stopped");
  co_await pace(gate, server.address);
  tcp::socket s(co_await asio::this_coro::executor);
  auto hook = close_on_stop(stop, s);
  auto r = co_await converse(s, server, std::move(files), cfg, gate, ev);
  if (!r) co_return r.error().within("ed2k server " + server.to_string());
  co_return r;
}

}  // namespace p2pscope::crawler
