#include "lab/tracker_server.hpp"

#include "core/http_tracker.hpp"

#include <algorithm>

namespace p2pscope::lab {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMaxRequestHead = 8192;

std::string bencoded_failure(std::string_view why) {
  HttpAnnounceResponse r;
  r.failure_reason = std::string(why);
  return encode_http_announce(r, PeerEncoding::compact);
}

std::string http_announce(std::string_view head, std::string_view query, const IpAddress& from, TrackerState& state) {
  auto params = decode_announce_query(query);
  if (!params) return bencoded_failure("bad announce: " + params.error().message());
  const auto& p = params.value();
  if (state.config().observe) {
    AnnounceSeen seen;
    seen.from = {from, 0};
    seen.info_hash = p.info_hash;
    seen.peer_id = p.peer_id;
    seen.port = p.port;
    seen.ip = p.ip;
    seen.key = p.key;
    seen.event = p.event;
    seen.query = std::string(query);
    seen.user_agent = http_header_value(head, "User-Agent");
    state.config().observe(seen);
  }
  TrackerState::Announce a{p.info_hash, {from, p.port}, p.left == 0, p.event, p.numwant.value_or(-1), {}};
  if (state.config().honour_ip) {
    if (p.ip) {
      if (auto ip = IpAddress::parse(*p.ip)) a.peer.address = ip.value();
    }
    for (auto [value, f] : {std::pair{&p.ipv4, Family::v4}, std::pair{&p.ipv6, Family::v6}}) {
      auto ep = *value ? bep7_endpoint(**value, f, p.port) : Result<Endpoint>(errc::missing_key);
      if (ep && ep.value() != a.peer) a.also.push_back(ep.value());
    }
  }
  auto reply = state.announce(a, TrackerState::Clock::now());
  if (!reply) return bencoded_failure("tracker full");
  HttpAnnounceResponse r;
  r.interval = state.config().interval.count();
  r.min_interval = state.config().min_interval.count();
  r.complete = reply.value().seeders;
  r.incomplete = reply.value().leechers;
  for (const auto& ep : reply.value().peers) r.peers.push_back({ep, std::nullopt});
  return encode_http_announce(r, PeerEncoding::compact);
}

std::string http_scrape(std::string_view query, const TrackerState& state) {
  auto hashes = decode_scrape_query(query);
  if (!hashes) return bencoded_failure("bad scrape: " + hashes.error().message());
  HttpScrapeResponse r;
  for (const auto& ih : hashes.value()) {
    auto c = state.scrape(ih);
    r.files.push_back({ih, c.seeders, c.completed, c.leechers, std::nullopt});
  }
  return encode_http_scrape(r);
}

// The body for one request head; the status is 200 unless the request is
// not a GET of announce or scrape.
std::pair<int, std::string> handle_http(std::string_view head, const IpAddress& from, TrackerState& state) {
  if (head.substr(0, 4) != "GET ") return {405, "only GET\n"};
  auto target = head.substr(4, head.find(' ', 4) - 4);
  auto q = target.find('?');
  auto path = target.substr(0, q);
  auto query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  if (path.ends_with("/announce")) return {200, http_announce(head, query, from, state)};
  if (path.ends_with("/scrape")) return {200, http_scrape(query, state)};
  return {404, "not found\n"};
}

awaitable<void> http_session(tcp::socket s, TrackerState& state) {
  Watchdog dog(s);
  dog.arm(10s);
  error_code ec;
  std::string buf;
  auto n = co_await asio::async_read_until(s, asio::dynamic_buffer(buf, kMaxRequestHead), "\r\n\r\n", use_ec(ec));
  if (ec) co_return;  // slow, oversized or vanished client: nothing to answer
  auto from = s.remote_endpoint(ec);
  if (ec) co_return;
  auto [status, body] = handle_http(std::string_view(buf).substr(0, n), from_asio(from.address()), state);
  std::string reply = "HTTP/1.0 " + std::to_string(status) + (status == 200 ? " OK" : " Error") +
                      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nConnection: close\r\n\r\n" + body;
  co_await asio::async_write(s, asio::buffer(reply), use_ec(ec));
  s.shutdown(tcp::socket::shutdown_both, ec);
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// BEP 15 connection ids: derived from the client's endpoint and a
// two-minute window, so nothing is stored per client; the previous window
// is still accepted.
std::uint64_t connection_id(std::uint64_t secret, const udp::endpoint& from, std::int64_t window) {
  auto h = mix(secret ^ static_cast<std::uint64_t>(window));
  for (auto b : from.address().to_string()) h = mix(h ^ static_cast<std::uint8_t>(b));
  return mix(h ^ from.port());
}

std::int64_t window_now() {
  return std::chrono::duration_cast<std::chrono::minutes>(TrackerState::Clock::now().time_since_epoch()).count() / 2;
}

std::optional<UdpTrackerResponse> handle_udp(std::string_view dgram, const udp::endpoint& from, TrackerState& state,
                                             std::uint64_t secret) {
  auto req = decode_udp_tracker_request(dgram);
  if (!req) return std::nullopt;  // BEP 15: ignore what cannot be parsed
  auto w = window_now();
  if (auto* c = std::get_if<UdpConnectRequest>(&req.value()))
    return UdpConnectResponse{c->transaction_id, connection_id(secret, from, w)};
  auto valid = [&](std::uint64_t id) {
    return id == connection_id(secret, from, w) || id == connection_id(secret, from, w - 1);
  };
  if (auto* s = std::get_if<UdpScrapeRequest>(&req.value())) {
    if (!valid(s->connection_id)) return UdpErrorResponse{s->transaction_id, "bad connection id"};
    UdpScrapeResponse r{s->transaction_id, {}};
    for (const auto& ih : s->info_hashes) r.entries.push_back(state.scrape(ih));
    return r;
  }
  const auto& a = std::get<UdpAnnounceRequest>(req.value());
  if (!valid(a.connection_id)) return UdpErrorResponse{a.transaction_id, "bad connection id"};
  if (state.config().observe) {
    AnnounceSeen seen;
    seen.udp = true;
    seen.from = from_asio(from);
    seen.info_hash = a.info_hash;
    seen.peer_id = a.peer_id;
    seen.port = a.port;
    if (a.ip != 0) seen.ip = IpAddress::v4(a.ip).to_string();
    seen.key = a.key;
    seen.event = a.event;
    state.config().observe(seen);
  }
  Endpoint peer{from_asio(from.address()), a.port};
  if (state.config().honour_ip && a.ip != 0 && peer.address.is_v4()) peer.address = IpAddress::v4(a.ip);
  auto reply = state.announce({a.info_hash, peer, a.left == 0, a.event, a.num_want, {}}, TrackerState::Clock::now());
  if (!reply) return UdpErrorResponse{a.transaction_id, "tracker full"};
  UdpAnnounceResponse r{a.transaction_id, static_cast<std::uint32_t>(state.config().interval.count()),
                        reply.value().leechers, reply.value().seeders, {}};
  // One address family per reply (BEP 15): the requester's.
  for (const auto& ep : reply.value().peers) {
    if (ep.address.family() == peer.address.family()) r.peers.push_back(ep);
  }
  return r;
}

}  // namespace

void TrackerState::expire(Swarm& s, Clock::time_point now) {
  std::erase_if(s.peers, [&](const auto& kv) { return now - kv.second.last > 3 * cfg_.interval; });
}

Result<TrackerState::Reply> TrackerState::announce(const Announce& a, Clock::time_point now) {
  auto it = swarms_.find(a.info_hash);
  if (it == swarms_.end()) {
    if (a.event == AnnounceEvent::stopped) return Reply{};
    if (swarms_.size() >= cfg_.max_swarms) return errc::too_many_items;
    it = swarms_.emplace(a.info_hash, Swarm{}).first;
  }
  auto& swarm = it->second;
  expire(swarm, now);
  auto self = [&](const Endpoint& ep) { return ep == a.peer || std::find(a.also.begin(), a.also.end(), ep) != a.also.end(); };
  if (a.event == AnnounceEvent::stopped) {
    swarm.peers.erase(a.peer);
    for (const auto& ep : a.also) swarm.peers.erase(ep);
  } else {
    std::size_t added = !swarm.peers.count(a.peer);
    for (const auto& ep : a.also) added += !swarm.peers.count(ep);
    if (added && swarm.peers.size() + added > cfg_.max_peers) return errc::too_many_items;
    if (a.event == AnnounceEvent::completed) ++swarm.completed;
    swarm.peers[a.peer] = PeerState{a.seed, now};
    for (const auto& ep : a.also) swarm.peers[ep] = PeerState{a.seed, now};
  }
  Reply r;
  std::vector<Endpoint> others;
  for (const auto& [ep, st] : swarm.peers) {
    (st.seed ? r.seeders : r.leechers)++;
    if (!self(ep)) others.push_back(ep);
  }
  int want = a.numwant < 0 ? cfg_.default_numwant : std::min(a.numwant, cfg_.max_numwant);
  std::shuffle(others.begin(), others.end(), rng_);
  if (others.size() > static_cast<std::size_t>(want)) others.resize(static_cast<std::size_t>(want));
  r.peers = cfg_.injected;
  r.peers.insert(r.peers.end(), others.begin(), others.end());
  return r;
}

ScrapeCounts TrackerState::scrape(const InfoHash& ih) const {
  ScrapeCounts c;
  auto it = swarms_.find(ih);
  if (it == swarms_.end()) return c;
  c.completed = it->second.completed;
  for (const auto& [ep, st] : it->second.peers) (st.seed ? c.seeders : c.leechers)++;
  return c;
}

awaitable<void> serve_http(tcp::acceptor acceptor, TrackerState& state) {
  return accept_each(std::move(acceptor), [&state](tcp::socket s) { return http_session(std::move(s), state); });
}

awaitable<void> serve_udp(udp::socket socket, TrackerState& state, std::uint64_t secret) {
  return answer_each(std::move(socket), [&state, secret](std::string_view dgram, const udp::endpoint& from) {
    auto reply = handle_udp(dgram, from, state, secret);
    return reply ? encode_udp_tracker(*reply) : std::string();
  });
}

Status serve_tracker(asio::io_context& io, const Endpoint& at, TrackerState& state, std::uint64_t secret) {
  tcp::acceptor acceptor(io);
  udp::socket socket(io);
  error_code ec;
  listen_on(acceptor, at, ec);
  if (!ec) socket.open(to_udp(at).protocol(), ec);
  if (!ec) socket.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) socket.bind(to_udp(at), ec);
  if (ec) return Error(ec).within("serving a tracker at " + at.to_string());
  asio::co_spawn(io, serve_http(std::move(acceptor), state), asio::detached);
  asio::co_spawn(io, serve_udp(std::move(socket), state, secret), asio::detached);
  return success();
}

}  // namespace p2pscope::lab
