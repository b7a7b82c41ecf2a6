#include "crawler/tracker_client.hpp"

#include "core/http_tracker.hpp"
#include "net/pace.hpp"

#include <charconv>

namespace p2pscope::crawler {

using namespace net;

Result<TrackerUrl> parse_tracker_url(std::string_view url) {
  TrackerUrl u;
  std::string_view rest;
  if (url.starts_with("http://")) {
    u = {TrackerUrl::Scheme::http, {}, 80};
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    u = {TrackerUrl::Scheme::https, {}, 443};
    rest = url.substr(8);
  } else if (url.starts_with("udp://")) {
    u = {TrackerUrl::Scheme::udp, {}, 0};
    rest = url.substr(6);
  } else {
    return errc::bad_value;
  }
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) authority = authority.substr(authority.rfind('@') + 1);
  std::string_view port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return errc::bad_address;
    u.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return errc::bad_address;
      port = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return errc::bad_address;
  if (!port.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc{} || end != port.data() + port.size() || p == 0 || p > 65535) return errc::bad_value;
    u.port = static_cast<std::uint16_t>(p);
  }
  if (u.port == 0) return errc::bad_value;  // udp:// has no default port
  return u;
}

namespace {

// The politeness gate keys on addresses, but curl resolves HTTP tracker
// names itself: pace them by name, mapped into 100::/64 (RFC 6666, discard
// only), where no peer or node we contact can sit.
IpAddress host_key(const std::string& host) {
  IpAddress::V6Bytes b{};
  b[0] = 0x01;
  auto h = std::hash<std::string>{}(host);
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<std::uint8_t>(h >> (8 * i));
  return IpAddress::v6(b);
}

}  // namespace

TrackerClient::TrackerClient(const asio::any_io_executor& ex, std::string url, TrackerPath path, IpAddress local,
                             std::optional<IpAddress> local6, HttpClient& http, net::RateGate& gate,
                             UdpTrackerTiming udp_timing, TrackerAnomalyFn on_anomaly)
    : ex_(ex), url_(std::move(url)), parsed_(parse_tracker_url(url_)), via_(tracker_via(url_)), path_(path),
      local_(local), local6_(local6), http_(http), gate_(gate), udp_timing_(udp_timing),
      on_anomaly_(std::move(on_anomaly)) {}

Via tracker_via(std::string_view url) {
  auto u = parse_tracker_url(url);
  return u && u.value().scheme == TrackerUrl::Scheme::udp ? Via::tracker_udp : Via::tracker_http;
}

awaitable<Result<std::vector<TrackerPath>>> tracker_paths(const TrackerUrl& url, Resolver& resolver, Ipv6Routes ipv6) {
  auto all = co_await resolver.resolve(url.host);
  if (!all) co_return all.error();
  std::vector<TrackerPath> out;
  for (auto f : {Family::v4, Family::v6}) {
    if (f == Family::v6 && ipv6 == Ipv6Routes::off) continue;
    auto some = of_family(all.value(), f);
    if (!some.empty()) out.push_back({some.front()});
  }
  co_return out;
}

HttpPin TrackerClient::pin() const {
  return HttpPin{parsed_.value().host, parsed_.value().port, path_.server};
}

Result<void> TrackerClient::fail(std::error_code ec, std::string why) {
  last_error_ = std::move(why);
  return ec;
}

awaitable<Result<TrackerReply>> TrackerClient::announce(const TrackerAnnounce& a) {
  if (!parsed_) co_return fail(parsed_.error(), "not an http, https or udp tracker URL").error();
  if (parsed_.value().scheme == TrackerUrl::Scheme::udp) co_return co_await announce_udp(a);
  co_return co_await announce_http(a);
}

awaitable<Result<TrackerReply>> TrackerClient::announce_http(const TrackerAnnounce& a) {
  HttpAnnounceParams p;
  p.info_hash = a.info_hash;
  p.peer_id = a.peer_id;
  p.port = a.port;
  p.left = 1;
  p.event = a.event;
  p.numwant = a.numwant;
  p.key = a.key;
  co_await net::pace(gate_, host_key(parsed_.value().host));
  auto out = co_await http_.get(announce_url(url_, p), pin());
  if (out.anomaly) on_anomaly_(out.server, *out.anomaly, *out.error);
  if (out.error) co_return fail(make_error_code(std::errc::io_error), *out.error).error();
  auto r = decode_http_announce(out.body);
  if (!r) {
    on_anomaly_(std::nullopt, AnomalyKind::malformed, "announce reply: " + r.error().message());
    co_return fail(r.error(), "announce reply: " + r.error().message()).error();
  }
  auto& resp = r.value();
  if (resp.failure_reason) {
    on_anomaly_(std::nullopt, AnomalyKind::tracker_failure, "failure reason: " + *resp.failure_reason);
    co_return fail(make_error_code(errc::remote_error), "failure reason: " + *resp.failure_reason).error();
  }
  TrackerReply reply;
  for (const auto& peer : resp.peers) reply.peers.push_back(peer.endpoint);
  reply.interval = resp.interval;
  reply.min_interval = resp.min_interval;
  reply.seeders = resp.complete;
  reply.leechers = resp.incomplete;
  reply.address = out.server;
  co_return reply;
}

Result<void> TrackerClient::open_udp() {
  if (udp_) return success();
  bool v6 = !path_.server.is_v4();
  if (v6 && !local6_) return fail(make_error_code(std::errc::address_family_not_supported), "IPv6 is off (--bind6)");
  udp_.emplace(ex_, Endpoint{path_.server, parsed_.value().port}, v6 ? *local6_ : local_, udp_timing_, gate_,
               [fn = on_anomaly_](const Endpoint& from, AnomalyKind k, std::string d) { fn(from, k, std::move(d)); });
  return success();
}

awaitable<Result<TrackerReply>> TrackerClient::announce_udp(const TrackerAnnounce& a) {
  if (auto st = open_udp(); !st) co_return st.error();
  UdpAnnounceRequest req;
  req.info_hash = a.info_hash;
  req.peer_id = a.peer_id;
  req.left = 1;
  req.event = a.event;
  req.key = a.key;
  req.num_want = a.numwant;
  req.port = a.port;
  auto r = co_await udp_->announce(req);
  if (!r) {
    if (r.error() == errc::remote_error) on_anomaly_(udp_->tracker(), AnomalyKind::tracker_failure, "error: " + udp_->last_error());
    co_return fail(r.error(), r.error() == errc::remote_error ? "error: " + udp_->last_error() : r.error().message()).error();
  }
  TrackerReply reply;
  reply.peers = std::move(r.value().peers);
  reply.interval = r.value().interval;
  reply.seeders = r.value().seeders;
  reply.leechers = r.value().leechers;
  reply.address = udp_->tracker();
  co_return reply;
}

awaitable<Result<TrackerCounts>> TrackerClient::scrape(const InfoHash& ih) {
  if (!parsed_) co_return parsed_.error();
  if (parsed_.value().scheme == TrackerUrl::Scheme::udp) {
    if (auto st = open_udp(); !st) co_return st.error();
    std::vector<InfoHash> one(1, ih);  // not a braced list: GCC 12 miscompiles those across co_await
    auto r = co_await udp_->scrape(std::move(one));
    if (!r) co_return fail(r.error(), r.error().message()).error();
    const auto& e = r.value().entries.front();
    co_return TrackerCounts{e.seeders, e.leechers, e.completed};
  }
  auto base = scrape_url(url_);
  if (!base) co_return fail(base.error(), "tracker has no scrape URL").error();
  std::string url = base.value();
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += "info_hash=" + url_escape(ih.raw());
  co_await net::pace(gate_, host_key(parsed_.value().host));
  auto out = co_await http_.get(url, pin());
  if (out.anomaly) on_anomaly_(out.server, *out.anomaly, "scrape: " + *out.error);
  if (out.error) co_return fail(make_error_code(std::errc::io_error), *out.error).error();
  auto r = decode_http_scrape(out.body);
  if (!r || r.value().failure_reason) {
    auto why = r ? "failure reason: " + *r.value().failure_reason : "scrape reply: " + r.error().message();
    on_anomaly_(std::nullopt, r ? AnomalyKind::tracker_failure : AnomalyKind::malformed, why);
    co_return fail(make_error_code(errc::remote_error), why).error();
  }
  for (const auto& f : r.value().files) {
    if (f.info_hash == ih) co_return TrackerCounts{f.complete, f.incomplete, f.downloaded};
  }
  co_return fail(make_error_code(errc::missing_key), "scrape reply lacks the infohash").error();
}

}  // namespace p2pscope::crawler
