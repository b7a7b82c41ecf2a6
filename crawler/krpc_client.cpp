#include "crawler/krpc_client.hpp"

#include "net/pace.hpp"

#include <random>

namespace p2pscope::crawler {

using namespace net;

struct KrpcClient::Pending {
  Endpoint to;
  Wakeup done;
  std::optional<Result<KrpcResponse>> result;
};

namespace {

constexpr int kReceiveBuffer = 4 << 20;

std::string tid_bytes(std::uint32_t t) {
  return {static_cast<char>(t >> 24), static_cast<char>(t >> 16), static_cast<char>(t >> 8), static_cast<char>(t)};
}

std::optional<std::uint32_t> tid_value(std::string_view s) {
  if (s.size() != 4) return std::nullopt;
  std::uint32_t t = 0;
  for (char c : s) t = (t << 8) | static_cast<std::uint8_t>(c);
  return t;
}

Result<void> open_socket(udp::socket& s, const IpAddress& ip, std::uint16_t port) {
  error_code ec;
  s.open(ip.is_v4() ? udp::v4() : udp::v6(), ec);
  if (!ec && !ip.is_v4()) s.set_option(asio::ip::v6_only(true), ec);
  if (!ec) s.bind(udp::endpoint(to_asio(ip), port), ec);
  if (ec) return std::error_code(ec.value(), std::system_category());
  // Replies to many lookups arrive in bursts; the default ~208 KiB queue
  // holds only ~270 datagrams and drops the rest (counted as RcvbufErrors in
  // /proc/net/snmp; each drop then costs a query timeout). The kernel caps
  // the request at net.core.rmem_max, which is fine.
  error_code ignored;
  s.set_option(asio::socket_base::receive_buffer_size(kReceiveBuffer), ignored);
  return success();
}

}  // namespace

KrpcClient::KrpcClient(Key, const asio::any_io_executor& ex, KrpcConfig cfg, net::RateGate& gate, AnomalyFn on_anomaly)
    : cfg_(std::move(cfg)), gate_(gate), on_anomaly_(std::move(on_anomaly)), v4_(ex),
      next_tid_(static_cast<std::uint32_t>(std::random_device{}())) {}

Result<std::unique_ptr<KrpcClient>> KrpcClient::open(const asio::any_io_executor& ex, KrpcConfig cfg, net::RateGate& gate,
                                                     AnomalyFn on_anomaly) {
  auto c = std::make_unique<KrpcClient>(Key{}, ex, std::move(cfg), gate, std::move(on_anomaly));
  P2PSCOPE_CHECK(open_socket(c->v4_, c->cfg_.bind_v4, c->cfg_.port));
  if (c->cfg_.bind_v6) {
    c->v6_.emplace(ex);
    P2PSCOPE_CHECK(open_socket(*c->v6_, *c->cfg_.bind_v6, c->cfg_.port));
    asio::co_spawn(ex, c->receive(*c->v6_), asio::detached);
  }
  asio::co_spawn(ex, c->receive(c->v4_), asio::detached);
  return c;
}

KrpcClient::~KrpcClient() {
  *alive_ = false;
  close();
}

void KrpcClient::close() {
  error_code ignored;
  v4_.close(ignored);
  if (v6_) v6_->close(ignored);
  for (auto& [tid, p] : pending_) {
    p->result = make_error_code(std::errc::operation_canceled);
    p->done.notify();
  }
  pending_.clear();
}

awaitable<void> KrpcClient::receive(udp::socket& s) {
  auto alive = alive_;
  std::string buf(cfg_.limits.bencode.max_size + 1, '\0');
  for (;;) {
    udp::endpoint from;
    error_code ec;
    auto n = co_await s.async_receive_from(asio::buffer(buf), from, use_ec(ec));
    if (!*alive || !s.is_open()) co_return;
    if (ec) continue;  // e.g. ICMP port unreachable surfacing as ECONNREFUSED
    deliver(from_asio(from), std::string_view(buf.data(), n));
  }
}

void KrpcClient::deliver(const Endpoint& from, std::string_view datagram) {
  auto m = decode_krpc(datagram, cfg_.limits);
  if (!m) {
    ++stats_.dropped;
    auto kind = m.error() == errc::too_many_items || m.error() == errc::oversized || m.error() == errc::bencode_too_many_tokens
                    ? AnomalyKind::oversized
                    : AnomalyKind::malformed;
    on_anomaly_(from, kind, "KRPC: " + m.error().message());
    return;
  }
  if (std::holds_alternative<KrpcQuery>(m.value())) return;  // we are read-only
  const std::string& t = std::visit([](const auto& x) -> const std::string& { return x.transaction_id; }, m.value());
  auto tid = tid_value(t);
  auto it = tid ? pending_.find(*tid) : pending_.end();
  if (it == pending_.end() || it->second->to != from) {
    ++stats_.dropped;
    on_anomaly_(from, AnomalyKind::unsolicited,
                it == pending_.end() ? "KRPC reply to no pending query" : "KRPC reply from another address");
    return;
  }
  Pending* p = it->second;
  pending_.erase(it);
  if (auto* r = std::get_if<KrpcResponse>(&m.value())) {
    ++stats_.replies;
    p->result = std::move(*r);
  } else {
    ++stats_.errors;
    p->result = make_error_code(errc::remote_error);
  }
  p->done.notify();
}

awaitable<Result<KrpcResponse>> KrpcClient::query(const Endpoint& to, KrpcQuery q) {
  auto alive = alive_;
  udp::socket* s = to.address.is_v4() ? &v4_ : (v6_ ? &*v6_ : nullptr);
  if (!s || !s->is_open()) co_return make_error_code(std::errc::address_family_not_supported);
  co_await net::pace(gate_, to.address);
  if (!*alive || !s->is_open()) co_return make_error_code(std::errc::operation_canceled);
  std::uint32_t tid = next_tid_++;
  while (pending_.count(tid)) tid = next_tid_++;
  q.transaction_id = tid_bytes(tid);
  q.id = cfg_.own_id;
  q.read_only = true;
  if (v6_) q.want = WantFlags{Want::n4} | Want::n6;
  Pending p{to, Wakeup(s->get_executor()), std::nullopt};
  pending_.emplace(tid, &p);
  auto out = encode_krpc(q);
  error_code ec;
  s->send_to(asio::buffer(out), to_udp(to), 0, ec);  // UDP sends do not block in practice
  ++stats_.sent;
  if (!ec) co_await p.done.wait_until(asio::steady_timer::clock_type::now() + cfg_.timeout);
  if (!*alive) co_return make_error_code(std::errc::operation_canceled);
  if (p.result) co_return std::move(*p.result);
  pending_.erase(tid);
  if (ec) co_return std::error_code(ec.value(), std::system_category());
  ++stats_.timeouts;
  co_return make_error_code(std::errc::timed_out);
}

}  // namespace p2pscope::crawler
