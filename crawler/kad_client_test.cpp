#include "crawler/kad_client.hpp"
#include "lab/addressed_udp.hpp"
#include "lab/kad_responder.hpp"
#include "net/stop_signal.hpp"
#include "tests/testlib/ed2k_bytes.hpp"
#include "tests/testlib/hostile.hpp"
#include "tests/testlib/status.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <set>

namespace p2pscope::crawler {
namespace {

using kad::KadId;

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

// The lab's KAD responder on loopback: 60 nodes, 8 of them within search
// tolerance of the file (they share its first byte), which index three
// sources. By default each node has a loopback address in a /24 of its own
// (127.0.i.1) and one socket answers for all, as in the lab. With Layout::one_address
// every node shares 127.0.0.1 on a port of its own, so aMule's per-IP
// allowances can be seen at work.
enum class Layout { address_per_node, one_address };

class KadClient : public ::testing::Test {
 protected:
  explicit KadClient(Layout layout = Layout::address_per_node) : gate_(net::Politeness::unlimited()) {
    std::mt19937_64 rng(11);
    std::vector<lab::KadNode> nodes;
    if (layout == Layout::address_per_node)
      sockets_.emplace_back(io_, net::udp::endpoint(net::udp::v4(), 0));
    for (std::uint32_t i = 0; i < 60; ++i) {
      if (layout == Layout::one_address) sockets_.push_back(testlib::loopback_udp(io_));
      KadId id;
      for (auto& b : id.bytes) b = static_cast<std::uint8_t>(rng());
      if (i < 8) id.bytes[0] = file_.bytes[0];
      auto address = layout == Layout::one_address ? ip("127.0.0.1") : IpAddress::v4(0x7f000001u + (i << 8));
      nodes.push_back({id, {address, sockets_.back().local_endpoint().port()}, 4662});
    }
    state_ = std::make_unique<lab::KadResponderState>(nodes);
    index_sources(file_, 1);
    if (layout == Layout::address_per_node) {
      net::asio::co_spawn(io_, lab::serve_kad(sockets_.front(), *state_), net::asio::detached);
    } else {
      for (std::size_t i = 0; i < sockets_.size(); ++i)
        net::asio::co_spawn(io_, lab::serve_addressed(sockets_[i], [this, i](std::string_view d, const Endpoint& from, const Endpoint&) {
                              return state_->answer(i, d, from);
                            }),
                            net::asio::detached);
    }
    cfg_.timeout = std::chrono::milliseconds(300);
    cfg_.search_window = std::chrono::milliseconds(300);
    cfg_.lookup.distinct_ips = layout == Layout::address_per_node;
    cfg_.per_ip_budget = layout == Layout::one_address;
    events_.on_source = [this](EmuleObservation o) { seen_.push_back(std::move(o)); };
    events_.on_anomaly = [this](const Endpoint& from, AnomalyKind k, std::string d) {
      anomalies_.push_back(from.to_string() + " " + std::string(to_string(k)) + ": " + d);
    };
  }
  // Three sources of `file` at 198.51.100.first .. first+2.
  void index_sources(const ed2k::Md4& file, std::uint32_t first) {
    for (std::uint32_t i = first; i < first + 3; ++i) {
      kad::SourceEntry e;
      e.user_hash = KadId::of(test::md4(static_cast<std::uint8_t>(0x40 + i)));
      e.type = 1;
      e.ip = ed2k::hybrid_id(IpAddress::v4(0xC6336400u + i));
      e.tcp_port = 4662;
      e.udp_port = 4672;
      state_->index(file, e);
    }
  }
  StatusOr<KadReport> run(std::vector<kad::Contact> seeds, std::vector<Ed2kFile> files = {}) {
    if (files.empty()) files.push_back({file_, 12'000'000});
    std::optional<StatusOr<KadReport>> out;
    net::asio::co_spawn(
        io_,
        [&]() -> net::awaitable<void> {
          out = co_await crawl_kad(std::move(seeds), std::move(files), cfg_, gate_, events_);
          io_.stop();
        },
        net::asio::detached);
    io_.run_for(std::chrono::seconds(30));
    EXPECT_TRUE(out) << "the crawl did not finish in 30 s";
    return out ? std::move(*out) : StatusOr<KadReport>(fail(std::errc::timed_out, "unfinished"));
  }
  // A seed whose id the crawl has to ask for.
  kad::Contact unknown(std::size_t node) const {
    auto c = state_->contact(node);
    c.id = KadId{};
    return c;
  }

  ed2k::Md4 file_ = test::md4(0xA0);
  net::asio::io_context io_;
  std::deque<net::udp::socket> sockets_;  // serve_* hold references
  std::unique_ptr<lab::KadResponderState> state_;
  net::RateGate gate_;
  KadConfig cfg_;
  KadEvents events_;
  std::vector<EmuleObservation> seen_;
  std::vector<std::string> anomalies_;
};

TEST_F(KadClient, BootstrapsFindsTheNodesNearTheFileAndRecordsWhoIndexedEachSource) {
  auto r = run({unknown(20), unknown(30), unknown(40)});
  ASSERT_TRUE(test::is_ok(r));
  EXPECT_EQ(r.value().bootstrapped, 3u);
  EXPECT_EQ(r.value().lookups, 1u);
  EXPECT_GE(r.value().searches_answered, 5u) << "most of the 8 nodes near the file are found and answer";
  EXPECT_EQ(r.value().sources, 3 * r.value().searches_answered);
  std::map<Endpoint, KadId> id_of;
  for (const auto& n : state_->nodes()) id_of[n.udp] = n.id;
  for (const auto& o : seen_) {
    EXPECT_EQ(o.via, Via::kad);
    EXPECT_TRUE(o.validate());
    ASSERT_TRUE(o.source_node_id);
    EXPECT_EQ(*o.source_node_id, id_of.at(o.source)) << "the answering node, id and endpoint";
    EXPECT_LE(kad::distance_prefix(*o.source_node_id, KadId::of(file_)), kad::kSearchTolerance);
    ASSERT_TRUE(o.peer());
    EXPECT_EQ(o.peer()->address.to_string().substr(0, 11), "198.51.100.") << o.peer()->to_string();
    EXPECT_EQ(o.other_form_address().to_string().substr(o.other_form_address().to_string().size() - 11), ".100.51.198");
    EXPECT_EQ(o.source_type, 1);
  }
  EXPECT_TRUE(anomalies_.empty()) << anomalies_.front();
}

// Files that share their first byte share the nodes near them, so the
// lookups running at once ask one node about several targets together.
TEST_F(KadClient, LookupsRunningAtOnceGetEachAnswerRoutedByItsTarget) {
  auto second = file_, third = file_;
  second.bytes[15] ^= 1;
  third.bytes[15] ^= 2;
  index_sources(second, 11);
  index_sources(third, 21);
  cfg_.parallel_lookups = 3;
  cfg_.timeout = std::chrono::milliseconds(3000);  // a loaded machine loses no answer to the clock
  auto r = run({unknown(20), unknown(30)}, {{file_, 12'000'000}, {second, 12'000'000}, {third, 12'000'000}});
  ASSERT_TRUE(test::is_ok(r));
  EXPECT_EQ(r.value().lookups, 3u);
  EXPECT_EQ(r.value().lookup.timeouts, 0u) << "no question was lost to another lookup's question to the same node";
  EXPECT_EQ(r.value().searches_answered, r.value().searches);
  std::map<ed2k::Md4, std::set<std::string>> found;
  for (const auto& o : seen_) found[o.file].insert(o.peer()->address.to_string());
  auto sources = [](int first) {
    std::set<std::string> s;
    for (int i = first; i < first + 3; ++i) s.insert("198.51.100." + std::to_string(i));
    return s;
  };
  EXPECT_EQ(found[file_], sources(1));
  EXPECT_EQ(found[second], sources(11)) << "each answer went to the lookup of its own target";
  EXPECT_EQ(found[third], sources(21));
  EXPECT_TRUE(anomalies_.empty()) << anomalies_.front();
}

TEST_F(KadClient, ADatagramFromAnAddressNobodyAskedIsAnAnomaly) {
  auto liar = testlib::loopback_udp(io_);
  auto other = testlib::loopback_udp(io_);
  auto liar_port = liar.local_endpoint().port();
  auto other_port = other.local_endpoint().port();
  auto boot = kad::encode_bootstrap_response({KadId::of(test::md4(1)), 4662, 8, {}});
  net::asio::co_spawn(io_,
                      testlib::serve_udp_replies(
                          liar,
                          [&](std::string_view) {
                            return std::optional<std::string>(ed2k::encode_udp_frame(
                                {ed2k::Protocol::kad, kad::op::bootstrap_res, boot}));
                          },
                          &other),
                      net::asio::detached);
  kad::Contact seed{KadId{}, ed2k::hybrid_id(ip("127.0.0.1")), liar_port, 4662, 8};
  auto r = run({seed, unknown(20)});
  ASSERT_TRUE(test::is_ok(r));
  EXPECT_EQ(r.value().bootstrapped, 1u) << "the answer from the other port is not the seed's";
  ASSERT_FALSE(anomalies_.empty());
  EXPECT_EQ(anomalies_.front().substr(0, anomalies_.front().find(' ')), "127.0.0.1:" + std::to_string(other_port));
  EXPECT_NE(anomalies_.front().find("unsolicited"), std::string::npos) << anomalies_.front();
}

class KadClientOneAddress : public KadClient {
 protected:
  KadClientOneAddress() : KadClient(Layout::one_address) {}
};

TEST_F(KadClientOneAddress, AmulesPerIpAllowancesHoldEvenWhenEveryNodeSharesOneAddress) {
  auto r = run({unknown(20), unknown(30), unknown(40)});
  ASSERT_TRUE(test::is_ok(r));
  EXPECT_EQ(r.value().bootstrapped, 2u) << "two bootstraps a minute per IP";
  EXPECT_LE(r.value().find_nodes, 10u) << "ten requests a minute per IP";
  EXPECT_GT(r.value().find_nodes, 0u);
  EXPECT_LE(r.value().searches, 3u) << "three source searches a minute per IP";
  EXPECT_GT(r.value().budget_skips, 0u);
}

// A stop ends every open request at once: the crawl does not sit out the
// timeouts of nodes that never answer.
TEST_F(KadClient, AStopEndsTheOpenRequestsAtOnce) {
  auto mute = testlib::loopback_udp(io_);  // bound, never answers
  auto seeds = std::vector<kad::Contact>{state_->contact(0)};
  seeds.front().udp_port = mute.local_endpoint().port();
  cfg_.timeout = std::chrono::seconds(20);
  net::StopSignal stop;
  std::optional<StatusOr<KadReport>> out;
  net::asio::co_spawn(
      io_,
      [&]() -> net::awaitable<void> {
        out = co_await crawl_kad(seeds, {{file_, 12'000'000}}, cfg_, gate_, events_, &stop);
        io_.stop();
      },
      net::asio::detached);
  net::asio::steady_timer later(io_, std::chrono::milliseconds(200));
  later.async_wait([&](auto) { stop.request("test"); });
  io_.run_for(std::chrono::seconds(10));  // half the request's timeout
  ASSERT_TRUE(out) << "the crawl went on after the stop";
  ASSERT_TRUE(test::is_ok(*out));
  EXPECT_EQ(out->value().find_nodes, 1u);
}

TEST(KadResponder, AFindNodeThatNamesAnotherReceiverGetsNoAnswer) {
  lab::KadResponderState s({{KadId::of(test::md4(1)), {ip("198.51.100.1"), 4672}, 4662},
                            {KadId::of(test::md4(2)), {ip("198.51.100.2"), 4672}, 4662}});
  auto ask = [&](const KadId& receiver) {
    auto q = kad::encode_node_request({11, KadId::of(test::md4(9)), receiver});
    return s.answer(0, ed2k::encode_udp_frame({ed2k::Protocol::kad, kad::op::req, q}), {ip("198.51.100.9"), 4672});
  };
  EXPECT_TRUE(ask(KadId::of(test::md4(2))).empty()) << "aMule answers only requests that name its own id";
  ASSERT_EQ(ask(KadId::of(test::md4(1))).size(), 1u);
}

// What aMule 2.3.3 sends an indexing node for a file it shares (tags as
// its CSearch::StorePacket writes them for a HighID source).
std::string publication(const KadId& file, const KadId& user, std::uint16_t tcp) {
  kad::SourcePublish p{file, user, {ed2k::number_tag(0xFF, ed2k::TagType::uint8, 1),
                                    ed2k::number_tag(0xFD, ed2k::TagType::uint16, tcp),
                                    ed2k::number_tag(0x02, ed2k::TagType::uint32, 30'000'000),
                                    ed2k::number_tag(0xF3, ed2k::TagType::uint8, 0x12)}};
  return ed2k::encode_udp_frame({ed2k::Protocol::kad, kad::op::publish_source_req, kad::encode_source_publish(p)});
}

TEST(KadResponder, APublicationIsKeptByItsNodeWithTheAddressItCameFrom) {
  auto file = KadId::of(test::md4(7));
  auto near = file;
  near.bytes.back() ^= 1;
  lab::KadResponderState s({{near, {ip("198.51.100.1"), 4672}, 4662}, {KadId::of(test::md4(2)), {ip("198.51.100.2"), 4672}, 4662}});
  auto user = KadId::of(test::md4(5));
  const Endpoint amule{ip("203.0.113.5"), 4672};
  auto ack = s.answer(0, publication(file, user, 14662), amule);
  ASSERT_EQ(ack.size(), 1u);
  auto f = ed2k::decode_udp_frame(ack.front());
  ASSERT_TRUE(f);
  EXPECT_EQ(f.value().opcode, kad::op::publish_res);
  EXPECT_TRUE(s.answer(1, publication(file, user, 14662), amule).empty()) << "a node far from the file keeps nothing";

  auto kept = s.published(0, file);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].user_hash, user);
  EXPECT_EQ(ed2k::ip_of_hybrid_id(kept[0].ip), amule.address);
  EXPECT_EQ(kept[0].tcp_port, 14662);
  EXPECT_EQ(kept[0].udp_port, 4672) << "no UDP port tag: the datagram's";
  EXPECT_TRUE(s.published(1, file).empty());

  auto q = kad::encode_source_search({file, 0, 0});
  auto found = s.answer(0, ed2k::encode_udp_frame({ed2k::Protocol::kad, kad::op::search_source_req, q}), {ip("198.51.100.9"), 4672});
  ASSERT_EQ(found.size(), 1u);
  auto r = kad::decode_search_response(ed2k::decode_udp_frame(found.front()).value().payload);
  ASSERT_TRUE(r);
  ASSERT_EQ(r.value().results.size(), 1u);
  EXPECT_EQ(kad::source_entry(r.value().results[0]).value(), kept[0]);
}

TEST(KadResponder, AHelloIsAnsweredAsAVersionFiveNode) {
  lab::KadResponderState s({{KadId::of(test::md4(1)), {ip("198.51.100.1"), 4672}, 4662}});
  auto hello = kad::encode_hello({KadId::of(test::md4(3)), 14662, 8, {}});
  auto out = s.answer(0, ed2k::encode_udp_frame({ed2k::Protocol::kad, kad::op::hello_req, hello}), {ip("203.0.113.5"), 4672});
  ASSERT_EQ(out.size(), 1u);
  auto f = ed2k::decode_udp_frame(out.front()).value();
  ASSERT_EQ(f.opcode, kad::op::hello_res);
  auto h = kad::decode_hello(f.payload).value();
  EXPECT_EQ(h.id, KadId::of(test::md4(1)));
  // aMule obfuscates its KAD packets to nodes of version 6 and later.
  EXPECT_EQ(h.version, lab::kLabKadVersion);
  EXPECT_LT(h.version, 6);
}

}  // namespace
}  // namespace p2pscope::crawler
