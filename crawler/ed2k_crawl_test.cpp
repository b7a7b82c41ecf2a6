#include "crawler/ed2k_crawl.hpp"
#include "crawler/targets.hpp"
#include "lab/ed2k_server.hpp"
#include "lab/sx_peer.hpp"
#include "tests/testlib/ed2k_bytes.hpp"
#include "tests/testlib/memory_sink.hpp"
#include "tests/testlib/status.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <functional>

#include <filesystem>
#include <fstream>

namespace p2pscope::crawler {
namespace {

using namespace ed2k;
using test::md4;
namespace fs = std::filesystem;

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

const char* const kLink = "ed2k://|file|z12000000|12000000|26e5db501f39de2d1b6e090f8a766620|/";

class Ed2kInputFiles : public ::testing::Test {
 protected:
  Ed2kInputFiles() : dir_(fs::temp_directory_path() / ("p2pscope-ed2k-" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
  }
  ~Ed2kInputFiles() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

TEST_F(Ed2kInputFiles, LinksListsAndServerMetMixWithBitTorrentInputs) {
  auto list = write("list.txt", std::string("# targets\nc12fe1c06bba254a9dc9f519b335aa7c1367a88a\n") + kLink +
                                    "\n  ed2k://|server|203.0.113.1|4661|/\n");
  auto nodes = write("nodes.dat", kad::encode_nodes_dat({kad::NodesEdition::v2,
                                                        {kad::Contact{kad::KadId::of(md4(7)),
                                                                      hybrid_id(ip("203.0.113.9")), 4672, 4662, 8}}}));
  auto met = write("server.met", encode_server_met({{{ed2k_id(ip("203.0.113.2")), 4242}, {}},
                                                    {{ed2k_id(ip("203.0.113.1")), 4661}, {}}}));
  auto in = load_ed2k_inputs({list, met, kLink, nodes});
  ASSERT_TRUE(test::is_ok(in));
  ASSERT_EQ(in.value().kad_nodes.size(), 1u);
  EXPECT_EQ(in.value().kad_nodes[0].address(), ip("203.0.113.9"));
  ASSERT_EQ(in.value().files.size(), 1u) << "the same file twice is one target";
  EXPECT_EQ(in.value().files[0].size, 12'000'000u);
  EXPECT_EQ(in.value().servers, (std::vector<std::string>{"203.0.113.1:4661", "203.0.113.2:4242"}));
  auto bt = load_targets({list, met, kLink, nodes});
  ASSERT_TRUE(test::is_ok(bt));
  EXPECT_EQ(bt.value().size(), 1u) << "the BitTorrent side keeps its line and skips the eMule ones";
  auto only_emule = load_targets({kLink});
  ASSERT_TRUE(test::is_ok(only_emule));
  EXPECT_TRUE(only_emule.value().empty());
}

TEST_F(Ed2kInputFiles, BadLinksAreNamedWithTheirLine) {
  auto list = write("bad.txt", std::string(kLink) + "\ned2k://|file|x|0|26e5db501f39de2d1b6e090f8a766620|/\n");
  auto in = load_ed2k_inputs({list});
  ASSERT_FALSE(in);
  EXPECT_NE(in.error().message().find("bad.txt:2"), std::string::npos) << in.error();
  EXPECT_NE(in.error().message().find("size '0'"), std::string::npos) << in.error();
  auto serverlist = load_ed2k_inputs({"ed2k://|serverlist|http://x/server.met|/"});
  ASSERT_FALSE(serverlist);
  EXPECT_NE(serverlist.error().message().find("give the server.met file"), std::string::npos);
}

TEST(Ed2kCrawl, TheUserHashIsStablePerAddressAndCarriesEmulesMarks) {
  auto a = crawler_user_hash(ip("198.51.100.20"));
  EXPECT_EQ(a, crawler_user_hash(ip("198.51.100.20")));
  EXPECT_NE(a, crawler_user_hash(ip("198.51.100.21")));
  EXPECT_EQ(a.bytes[5], 14);
  EXPECT_EQ(a.bytes[14], 111);
}

// A round over the lab's server on loopback: each (route, server, file, ID,
// port) is written once with the run id, over TCP and over UDP at the TCP
// port + 4.
TEST(Ed2kCrawl, ARoundWritesEachSourceOncePerRouteWithItsRun) {
  net::asio::io_context io;
  lab::Ed2kServerState server({});
  for (const char* a : {"198.51.100.7", "198.51.100.8"}) {
    auto id = server.login(ip(a), Login{md4(1), 0, 4662, {}}).value().change.id;
    server.offer(id, {OfferedFile{md4(1), 0xFBFBFBFB, 0xFBFB, {}}});
  }
  net::tcp::acceptor acceptor(io, net::tcp::endpoint(net::asio::ip::make_address("127.0.0.1"), 0));
  auto port = acceptor.local_endpoint().port();
  net::udp::socket udp(io);
  net::error_code ec;
  udp.open(net::udp::v4());
  udp.bind(net::udp::endpoint(net::asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port + 4)), ec);
  if (ec) GTEST_SKIP() << "port " << port + 4 << " is taken";
  net::asio::co_spawn(io, lab::serve_ed2k_tcp(std::move(acceptor), server), net::asio::detached);
  net::asio::co_spawn(io, lab::serve_ed2k_udp(std::move(udp), server), net::asio::detached);

  testlib::MemorySink sink;
  net::RateGate gate(net::Politeness::unlimited());
  EmuleRoundConfig cfg;
  cfg.servers.user_hash = crawler_user_hash(ip("127.0.0.1"));
  cfg.servers.reply_timeout = std::chrono::milliseconds(300);
  cfg.run_id = "run-e";
  cfg.parallel = 2;
  Endpoint at{ip("127.0.0.1"), port};
  Ed2kRound round;
  net::asio::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        round = co_await crawl_emule_round({at, at}, {}, {{md4(1), 1000}}, cfg, gate, sink);
        io.stop();
      },
      net::asio::detached);
  io.run_for(std::chrono::seconds(20));
  EXPECT_EQ(round.servers, 2u);
  EXPECT_EQ(round.servers_answered, 2u);
  EXPECT_EQ(round.handed_out, 8u) << "two sources, two routes, the server asked twice";
  EXPECT_EQ(round.observations, 4u);
  auto seen = sink.of<EmuleObservation>();
  ASSERT_EQ(seen.size(), 4u);
  for (const auto& o : seen) EXPECT_EQ(o.run, "run-e");
  EXPECT_EQ(std::count_if(seen.begin(), seen.end(), [](const auto& o) { return o.via == Via::ed2k_server_udp; }), 2);
}

// Loopback eMule parties for the round and schedule tests: scripted
// source-exchange peers and one index server (TCP only), served on `io`;
// the crawl is let contact loopback sources.
struct LoopbackEmule {
  net::asio::io_context io;
  std::deque<lab::SxPeerConfig> peers;  // serve_sx_peer keeps a reference
  lab::Ed2kServerState server{{}};
  Endpoint server_at;
  testlib::MemorySink sink;
  net::RateGate gate{net::Politeness::unlimited()};
  EmuleRoundConfig cfg;

  LoopbackEmule() {
    auto acceptor = net::tcp::acceptor(io, net::tcp::endpoint(net::asio::ip::make_address("127.0.0.1"), 0));
    server_at = {ip("127.0.0.1"), acceptor.local_endpoint().port()};
    net::asio::co_spawn(io, lab::serve_ed2k_tcp(std::move(acceptor), server), net::asio::detached);
    cfg.servers.reply_timeout = std::chrono::milliseconds(300);
    cfg.sx.answer_timeout = std::chrono::milliseconds(500);
    cfg.contact_special = true;  // loopback
  }
  // A scripted peer at `addr` that names `sources` for file md4(1).
  Endpoint peer(const char* addr, std::uint8_t hash, std::vector<Endpoint> sources) {
    auto acceptor = net::tcp::acceptor(io, net::tcp::endpoint(net::asio::ip::make_address(addr), 0));
    Endpoint at{ip(addr), acceptor.local_endpoint().port()};
    auto& c = peers.emplace_back();
    c.user_hash = md4(hash);
    c.sources[md4(1)] = std::move(sources);
    net::asio::co_spawn(io, lab::serve_sx_peer(std::move(acceptor), c), net::asio::detached);
    return at;
  }
  // Runs `crawl` (a coroutine) to its end, for at most 30 s.
  void run(std::function<net::awaitable<void>()> crawl) {
    net::asio::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
          co_await crawl();
          io.stop();
        },
        net::asio::detached);
    io.run_for(std::chrono::seconds(30));
  }
};

// Backtracking over source exchange, all on loopback: the server names peer
// A (on 127.0.0.2: the crawler logs in from 127.0.0.1, whose HighID would
// replace A's login); A names peer B and a LowID; B names a closed port. A and B are asked
// (the LowID never is), and each entry is written with the peer that sent it.
TEST(Ed2kCrawl, SourceExchangeFollowsEveryContactableSourceOnce) {
  LoopbackEmule lab;
  auto b = lab.peer("127.0.0.1", 0x32, {{ip("127.0.0.3"), 9}});
  auto a = lab.peer("127.0.0.2", 0x31, {b, {ip("0.0.0.5"), 4662}});
  auto id = lab.server.login(ip("127.0.0.2"), Login{md4(2), 0, a.port, {}}).value().change.id;
  lab.server.offer(id, {OfferedFile{md4(1), 0xFBFBFBFB, 0xFBFB, {}}});
  auto at = lab.server_at;
  Ed2kRound round;
  lab.run([&]() -> net::awaitable<void> { round = co_await crawl_emule_round({at}, {}, {{md4(1), 1000}}, lab.cfg, lab.gate, lab.sink); });
  EXPECT_EQ(round.sx_ends["answered"], 2u) << "A and B";
  EXPECT_EQ(round.sx_ends["unreachable"], 1u) << "B's closed port";
  auto seen = lab.sink.of<EmuleObservation>();
  auto by = [&](Via via, const Endpoint& source) {
    return std::count_if(seen.begin(), seen.end(), [&](const auto& o) { return o.via == via && o.source == source; });
  };
  EXPECT_EQ(by(Via::ed2k_server, at), 1);
  EXPECT_EQ(by(Via::sx, a), 2) << "B and the LowID, as A sent them";
  EXPECT_EQ(by(Via::sx, b), 1);
  EXPECT_EQ(std::count_if(seen.begin(), seen.end(), [](const auto& o) { return o.low_id(); }), 1);
}

// The schedule: a second round asks the same server and peer again (their
// re-ask windows passed) but writes nothing it already wrote, and the crawl
// stops there, having found nothing new.
TEST(Ed2kCrawl, RoundsRepeatUntilOneFindsNothingNew) {
  LoopbackEmule lab;
  auto a = lab.peer("127.0.0.2", 0x31, {{ip("0.0.0.5"), 4662}});
  lab.server.list(md4(1), ed2k_id(a.address), a.port);
  EmuleSchedule schedule;
  schedule.requery = std::chrono::seconds(1);
  EmuleCrawl crawl;
  lab.run([&]() -> net::awaitable<void> {
    crawl = co_await crawl_emule({lab.server_at}, {}, {{md4(1), 1000}}, lab.cfg, schedule, lab.gate, lab.sink);
  });
  ASSERT_EQ(crawl.rounds.size(), 2u);
  EXPECT_EQ(crawl.stop_reason, "nothing new");
  EXPECT_EQ(crawl.rounds[0].observations, 2u) << "A from the server, the LowID from A";
  EXPECT_EQ(crawl.rounds[1].observations, 0u);
  EXPECT_EQ(crawl.rounds[1].sx_ends.at("answered"), 1u) << "A is asked again";
  EXPECT_EQ(lab.sink.of<EmuleObservation>().size(), 2u);
}

TEST(Ed2kCrawl, TheScheduleStopsAtItsLimitsAndOnStop) {
  LoopbackEmule lab;
  lab.cfg.contact_special = false;  // the listed TEST-NET address is never dialled
  lab.server.list(md4(1), ed2k_id(ip("198.51.100.9")), 4662);
  EmuleSchedule one;
  one.max_rounds = 1;
  EmuleSchedule hour;
  hour.requery = std::chrono::hours(1);
  net::StopSignal stop;
  EmuleCrawl first, second;
  auto at = lab.server_at;
  lab.run([&]() -> net::awaitable<void> {
    first = co_await crawl_emule({at}, {}, {{md4(1), 1000}}, lab.cfg, one, lab.gate, lab.sink);
    net::asio::co_spawn(lab.io, [&]() -> net::awaitable<void> {
      co_await net::sleep_for(std::chrono::milliseconds(1500));
      stop.request("test");
    }, net::asio::detached);
    second = co_await crawl_emule({at}, {}, {{md4(1), 1000}}, lab.cfg, hour, lab.gate, lab.sink, &stop);
  });
  EXPECT_EQ(first.stop_reason, "max_rounds");
  ASSERT_EQ(second.rounds.size(), 1u);
  EXPECT_EQ(second.rounds[0].observations, 1u) << "the listed source, over TCP";
  EXPECT_EQ(second.stop_reason, "stopped") << "the hour's wait ends on stop";
}

}  // namespace
}  // namespace p2pscope::crawler
