#include "crawler/dht_crawl.hpp"

#include "lab/dht_responder.hpp"

#include <gtest/gtest.h>

#include <set>

namespace p2pscope::crawler {
namespace {

using namespace net;

Endpoint ep(const std::string& ip) { return {IpAddress::parse(ip).value(), 6890}; }

// Walks over the lab's DHT responder, answered without sockets: `old` nodes
// predate BEP 51, the others know it.
class DhtWalk : public ::testing::Test {
 protected:
  void make_swarm(const std::set<std::string>& old) {
    std::vector<lab::DhtNodeSpec> specs;
    for (int i = 0; i < 24; ++i) {
      auto ip = "23.0." + std::to_string(i) + ".1";
      lab::DhtNodeSpec s;
      s.endpoint = ep(ip);
      if (old.count(ip)) s.bep51 = lab::Bep51::unknown_method;
      specs.push_back(std::move(s));
    }
    swarm_ = std::make_unique<lab::DhtSwarm>(specs, 5);
  }
  KrpcAsk ask() {
    return [this](const Endpoint& to, KrpcQuery q) -> awaitable<Result<KrpcResponse>> {
      q.transaction_id = "tx";
      q.id = NodeId::from_bytes(std::string(20, 'c')).value();
      ++asked_[{to, q.method()}];
      auto self = swarm_->node_at(to);
      if (!self) co_return make_error_code(std::errc::timed_out);
      auto reply = decode_krpc(swarm_->handle(*self, encode_krpc(q), me_).value()).value();
      if (std::holds_alternative<KrpcError>(reply)) co_return make_error_code(errc::remote_error);
      co_return std::get<KrpcResponse>(reply);
    };
  }
  LookupResult walk(const std::vector<std::string>& seeds) {
    std::vector<NodeEntry> boot;
    for (const auto& s : seeds) boot.push_back({NodeId{}, ep(s)});
    LookupEvents ev{[](const FoundPeer&) {}, [](const Endpoint&, LookupAnomaly, std::size_t) {}, {},
                    [this](const SampleSeen& s) { sampled_.insert(s.source.endpoint); }};
    asio::io_context io;
    LookupResult out;
    LookupConfig cfg;
    cfg.slow_after = std::chrono::milliseconds(20);  // every answer is at once; the io_context waits for these timers
    asio::co_spawn(io, dht_sample_infohashes(ask(), target_, std::move(boot), cfg, std::move(ev)),
                   [&](std::exception_ptr e, LookupResult r) {
                     if (e) std::rethrow_exception(e);
                     out = std::move(r);
                   });
    io.run();
    return out;
  }
  std::size_t asked(const std::string& ip, KrpcMethod m) { return asked_[{ep(ip), m}]; }

  std::unique_ptr<lab::DhtSwarm> swarm_;
  Endpoint me_{IpAddress::parse("93.1.2.3").value(), 40000};
  NodeId target_ = NodeId::from_bytes(std::string(20, '\x5a')).value();
  std::map<std::pair<Endpoint, KrpcMethod>, std::size_t> asked_;
  std::set<Endpoint> sampled_;
};

TEST_F(DhtWalk, ANodeWithoutBep51IsWalkedThroughWithFindNode) {
  make_swarm({"23.0.0.1"});
  auto r = walk({"23.0.0.1"});  // the only way in knows no BEP 51
  EXPECT_EQ(r.without_bep51, 1u);
  EXPECT_EQ(asked("23.0.0.1", KrpcMethod::sample_infohashes), 1u);
  EXPECT_EQ(asked("23.0.0.1", KrpcMethod::find_node), 1u);
  EXPECT_FALSE(sampled_.count(ep("23.0.0.1")));
  EXPECT_GE(sampled_.size(), 8u) << "the walk went on through the nodes it named";
  EXPECT_GE(r.closest.size(), 8u);
}

TEST_F(DhtWalk, NodesThatKnowBep51AreNeverAskedFindNode) {
  make_swarm({});
  auto r = walk({"23.0.0.1"});
  EXPECT_EQ(r.without_bep51, 0u);
  for (const auto& [key, n] : asked_) EXPECT_NE(key.second, KrpcMethod::find_node) << key.first.to_string();
  EXPECT_TRUE(sampled_.count(ep("23.0.0.1")));
}

}  // namespace
}  // namespace p2pscope::crawler
