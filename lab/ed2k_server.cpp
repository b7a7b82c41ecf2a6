#include "lab/ed2k_server.hpp"

#include "core/ed2k.hpp"
#include "net/ed2k_conversation.hpp"

#include <algorithm>

namespace p2pscope::lab {
namespace {

using namespace ed2k;

std::string frame(std::uint8_t opcode, std::string payload) {
  return encode_tcp_frame(Frame{Protocol::edonkey, opcode, std::move(payload)});
}

// The answer to one TCP frame of a logged-in client ("" for none).
std::string answer(const Frame& f, std::uint32_t id, Ed2kServerState& state) {
  switch (f.opcode) {
    case op::offer_files: {
      if (auto files = decode_offer_files(f.payload)) state.offer(id, files.value());
      return {};
    }
    case op::get_sources:
    case op::get_sources_obfu: {
      auto asked = decode_get_sources(f.payload);
      if (!asked) return {};
      auto form = f.opcode == op::get_sources ? SourceForm::plain : SourceForm::obfuscation;
      auto opcode = f.opcode == op::get_sources ? op::found_sources : op::found_sources_obfu;
      std::string out;
      for (const auto& q : asked.value()) {
        FoundSources found{q.file, state.sources(q.file, id)};
        if (!found.sources.empty()) out += frame(opcode, encode_found_sources(found, form));
      }
      return out;
    }
    case op::get_server_list: return frame(op::server_list, encode_server_list({}));
    default: return {};
  }
}

awaitable<void> client_session(tcp::socket s, Ed2kServerState& state) {
  error_code ec;
  auto peer = s.remote_endpoint(ec);
  if (ec) co_return;
  Limits lim;
  Conversation talk(s, lim, std::chrono::seconds(30));
  std::optional<std::uint32_t> id;
  std::uint64_t session = 0;
  for (;;) {
    // 30 s to log in; then the idle limit. Garbage ends the session.
    auto f = co_await talk.next(id ? std::chrono::milliseconds(state.config().idle) : std::chrono::seconds(30));
    if (!f) break;
    std::string out;
    if (!id) {
      auto login = f.value().opcode == op::login_request ? decode_login(f.value().payload, lim)
                                                         : Result<Login>(errc::unknown_message_type);
      auto in = login ? state.login(from_asio(peer.address()), login.value()) : Result<Ed2kServerState::LoggedIn>(login.error());
      if (!in) break;
      id = in.value().change.id;
      session = in.value().session;
      out = frame(op::server_message, encode_server_message(state.config().message)) +
            frame(op::id_change, encode_id_change(in.value().change)) +
            frame(op::server_status, encode_server_status(state.status()));
    } else {
      out = answer(f.value(), *id, state);
    }
    if (!out.empty() && !co_await talk.send_bytes(std::move(out))) break;
  }
  if (id) state.logout(*id, session);
}

// The answer to one datagram ("" for none).
std::string answer_udp(std::string_view dgram, Ed2kServerState& state) {
  auto f = decode_udp_frame(dgram);
  if (!f || f.value().protocol != Protocol::edonkey) return {};
  auto reply = [](std::uint8_t opcode, const std::string& payload) {
    return encode_udp_frame(Frame{Protocol::edonkey, opcode, payload});
  };
  const auto& p = f.value().payload;
  switch (f.value().opcode) {
    case op::glob_serv_stat_req: {
      auto c = decode_challenge(p);
      return c ? reply(op::glob_serv_stat_res, encode_udp_status(state.udp_status(c.value()))) : std::string();
    }
    case op::server_desc_req: {
      auto c = decode_challenge(p);
      return reply(op::server_desc_res,
                   encode_server_description(state.description(c ? std::optional(c.value()) : std::nullopt)));
    }
    case op::glob_get_sources:
    case op::glob_get_sources2: {
      std::vector<Md4> files;
      if (f.value().opcode == op::glob_get_sources) {
        if (auto h = decode_glob_get_sources(p)) files = h.value();
      } else if (auto q = decode_get_sources(p)) {
        for (const auto& r : q.value()) files.push_back(r.file);
      }
      std::vector<FoundSources> lists;
      for (const auto& file : files)
        if (auto s = state.sources(file, 0); !s.empty()) lists.push_back(FoundSources{file, std::move(s)});
      return lists.empty() ? std::string() : reply(op::glob_found_sources, encode_glob_found_sources(lists));
    }
    default: return {};
  }
}

}  // namespace

Result<Ed2kServerState::LoggedIn> Ed2kServerState::login(const IpAddress& from, const Login& l) {
  if (clients_.size() >= cfg_.max_clients) return errc::too_many_items;
  std::uint32_t id = 0;
  if (from.is_v4() && !cfg_.low_id.contains(from)) {
    id = ed2k_id(from);
  } else {
    do id = next_low_id_++ % kHighestLowId;
    while (id == 0 || clients_.contains(id));
  }
  forget(id);  // the same address logging in again replaces its old session
  auto& c = clients_[id];
  c.port = l.tcp_port;
  c.session = next_session_++;
  if (observer_.login) observer_.login(from, l, id);
  return LoggedIn{IdChange{id, cfg_.tcp_flags, {}, {}, {}}, c.session};
}

void Ed2kServerState::logout(std::uint32_t id, std::uint64_t session) {
  if (auto it = clients_.find(id); it != clients_.end() && it->second.session == session) forget(id);
}

void Ed2kServerState::forget(std::uint32_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  for (const auto& file : it->second.files) {
    auto f = index_.find(file);
    if (f == index_.end()) continue;
    f->second.erase(id);
    if (f->second.empty()) index_.erase(f);
  }
  clients_.erase(it);
}

std::size_t Ed2kServerState::offer(std::uint32_t id, const std::vector<OfferedFile>& files) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return 0;
  auto& client = it->second;
  if (observer_.offer) observer_.offer(id, client.port, files);
  std::size_t kept = 0;
  for (const auto& f : files) {
    if (client.files.size() >= cfg_.max_files_per_client) break;
    if (!index_.contains(f.file) && index_.size() >= cfg_.max_files) continue;
    bool self = f.complete_marker() || f.partial_marker();
    index_[f.file][id] = self || f.port == 0 ? client.port : f.port;
    client.files.insert(f.file);
    ++kept;
  }
  return kept;
}

void Ed2kServerState::list(const Md4& file, std::uint32_t id, std::uint16_t port) { index_[file][id] = port; }

std::vector<Source> Ed2kServerState::sources(const Md4& file, std::uint32_t asker) const {
  std::vector<Source> out(cfg_.injected.begin(), cfg_.injected.end());
  if (auto it = index_.find(file); it != index_.end()) {
    for (const auto& [id, port] : it->second)
      if (id != asker) out.push_back(Source{id, port, 0, std::nullopt});
  }
  if (out.size() > cfg_.max_sources_per_answer) out.resize(cfg_.max_sources_per_answer);
  return out;
}

ServerStatus Ed2kServerState::status() const {
  return ServerStatus{static_cast<std::uint32_t>(clients_.size()), static_cast<std::uint32_t>(index_.size())};
}

UdpStatus Ed2kServerState::udp_status(std::uint32_t challenge) const {
  auto s = status();
  std::uint32_t low = 0;
  for (const auto& [id, c] : clients_) low += is_low_id(id) ? 1 : 0;
  return UdpStatus{challenge, s.users, s.files, static_cast<std::uint32_t>(cfg_.max_clients), cfg_.soft_files,
                   cfg_.hard_files, cfg_.udp_flags, low, {}, {}, {}};
}

ServerDescription Ed2kServerState::description(std::optional<std::uint32_t> challenge) const {
  ServerDescription d{challenge, cfg_.name, cfg_.description, {}};
  if (challenge) d.tags = {string_tag(0x01, cfg_.name), string_tag(0x0B, cfg_.description)};
  return d;
}

awaitable<void> serve_ed2k_tcp(tcp::acceptor acceptor, Ed2kServerState& state) {
  return accept_each(std::move(acceptor), [&state](tcp::socket s) { return client_session(std::move(s), state); });
}

awaitable<void> serve_ed2k_udp(udp::socket socket, Ed2kServerState& state) {
  return answer_each(std::move(socket),
                     [&state](std::string_view dgram, const udp::endpoint&) { return answer_udp(dgram, state); });
}

}  // namespace p2pscope::lab
