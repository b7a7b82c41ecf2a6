#include "lab/ed2k_server.hpp"
#include "tests/testlib/ed2k_bytes.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace p2pscope::lab {
namespace {

using namespace ed2k;
using test::md4;

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }
Login login(std::uint16_t port) { return Login{md4(0x10), 0, port, {}}; }
OfferedFile offered(std::uint8_t file) { return OfferedFile{md4(file), 0xFBFBFBFB, 0xFBFB, {}}; }

TEST(LabEd2kServer, HighIdsAreTheAddressAndLowIdsTheServersHandles) {
  Ed2kServerConfig cfg;
  cfg.low_id = {ip("198.51.100.9")};
  Ed2kServerState s(cfg);
  auto high = s.login(ip("198.51.100.7"), login(4662)).value();
  EXPECT_EQ(high.change.id, ed2k_id(ip("198.51.100.7")));
  auto low = s.login(ip("198.51.100.9"), login(4662)).value();
  EXPECT_TRUE(is_low_id(low.change.id));
  EXPECT_EQ(s.status().users, 2u);
}

TEST(LabEd2kServer, SourcesAreTheOtherClientsThatOfferedTheFile) {
  Ed2kServerState s({});
  auto a = s.login(ip("198.51.100.7"), login(4662)).value().change.id;
  auto b = s.login(ip("198.51.100.8"), login(4663)).value().change.id;
  EXPECT_EQ(s.offer(a, {offered(1)}), 1u);
  EXPECT_EQ(s.offer(b, {offered(1), OfferedFile{md4(2), ed2k_id(ip("198.51.100.8")), 5555, {}}}), 2u);
  EXPECT_EQ(s.sources(md4(1), a), (std::vector<Source>{{b, 4663, 0, {}}})) << "the self marker means its own port";
  EXPECT_EQ(s.sources(md4(2), a), (std::vector<Source>{{b, 5555, 0, {}}}));
  EXPECT_EQ(s.sources(md4(1), 0).size(), 2u);
  EXPECT_EQ(s.status().files, 2u);
}

TEST(LabEd2kServer, ALogoutForgetsItsFilesButNotASessionThatReplacedIt) {
  Ed2kServerState s({});
  auto first = s.login(ip("198.51.100.7"), login(4662)).value();
  s.offer(first.change.id, {offered(1)});
  auto second = s.login(ip("198.51.100.7"), login(4662)).value();
  s.offer(second.change.id, {offered(2)});
  s.logout(first.change.id, first.session);
  EXPECT_TRUE(s.sources(md4(1), 0).empty()) << "the second login replaced the first's offers";
  EXPECT_EQ(s.sources(md4(2), 0).size(), 1u) << "the stale session's logout leaves the new one alone";
  s.logout(second.change.id, second.session);
  EXPECT_EQ(s.status().users, 0u);
  EXPECT_EQ(s.status().files, 0u);
}

TEST(LabEd2kServer, APoisonedServerClaimsEveryFile) {
  Ed2kServerConfig cfg;
  cfg.injected = {Source{ed2k_id(ip("203.0.113.66")), 4662, 0, {}}};
  Ed2kServerState s(cfg);
  EXPECT_EQ(s.sources(md4(0x77), 0), cfg.injected);
}

TEST(LabEd2kServer, LimitsHold) {
  Ed2kServerConfig cfg;
  cfg.max_clients = 1;
  cfg.max_files_per_client = 2;
  cfg.max_sources_per_answer = 1;
  cfg.injected = {Source{1, 1, 0, {}}};
  Ed2kServerState s(cfg);
  auto a = s.login(ip("198.51.100.7"), login(4662)).value().change.id;
  EXPECT_EQ(s.login(ip("198.51.100.8"), login(4662)).error(), errc::too_many_items);
  EXPECT_EQ(s.offer(a, {offered(1), offered(2), offered(3)}), 2u);
  EXPECT_EQ(s.sources(md4(1), 0).size(), 1u);
}

// Over loopback: one client logs in and offers a file, another asks for its
// sources over TCP and over UDP, as aMule and the crawler will. Both come
// from 127.0.0.1, so both get LowIDs (one HighID would be one client).
class LabEd2kServerLive : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    udp::socket udp_socket(io_, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp_port_ = acceptor.local_endpoint().port();
    udp_port_ = udp_socket.local_endpoint().port();
    asio::co_spawn(io_, serve_ed2k_tcp(std::move(acceptor), state_), asio::detached);
    asio::co_spawn(io_, serve_ed2k_udp(std::move(udp_socket), state_), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    io_.stop();
    thread_.join();
  }
  struct Client {
    tcp::socket socket;
    std::string inbox;
  };
  Client connect() {
    Client c{tcp::socket(client_io_), {}};
    c.socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), tcp_port_));
    return c;
  }
  // Sends a frame and reads frames until one with opcode `want` arrives.
  static Frame exchange(Client& c, const Frame& out, std::uint8_t want) {
    asio::write(c.socket, asio::buffer(encode_tcp_frame(out)));
    for (;;) {
      while (auto f = decode_tcp_frame(c.inbox)) {
        c.inbox.erase(0, f.value().size);
        if (f.value().frame.opcode == want) return f.value().frame;
      }
      std::string chunk(4096, '\0');
      c.inbox.append(chunk, 0, c.socket.read_some(asio::buffer(chunk)));
    }
  }
  Frame ask_udp(const Frame& out) {
    udp::socket s(client_io_, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    s.send_to(asio::buffer(encode_udp_frame(out)), udp::endpoint(asio::ip::make_address("127.0.0.1"), udp_port_));
    std::string buf(65536, '\0');
    auto n = s.receive(asio::buffer(buf));
    return decode_udp_frame(std::string_view(buf).substr(0, n)).value();
  }

  asio::io_context io_, client_io_;
  Ed2kServerState state_{[] {
    Ed2kServerConfig cfg;
    cfg.low_id = {IpAddress::parse("127.0.0.1").value()};
    return cfg;
  }()};
  std::uint16_t tcp_port_ = 0, udp_port_ = 0;
  std::thread thread_;
};

TEST_F(LabEd2kServerLive, LoginOfferAndSourcesOverTcpAndUdp) {
  auto seeder = connect();
  auto id = exchange(seeder, {Protocol::edonkey, op::login_request, encode_login(login(4662))}, op::id_change);
  auto seeder_id = decode_id_change(id.payload).value().id;
  EXPECT_TRUE(is_low_id(seeder_id));
  asio::write(seeder.socket, asio::buffer(encode_tcp_frame({Protocol::packed, op::offer_files,
                                                            encode_offer_files({offered(5)})})));
  exchange(seeder, {Protocol::edonkey, op::get_server_list, {}}, op::server_list);  // the offer is in by now

  auto asker = connect();
  exchange(asker, {Protocol::edonkey, op::login_request, encode_login(login(4663))}, op::id_change);
  std::vector<SourceRequest> q{{md4(5), 1000}, {md4(6), 1000}};
  auto found = exchange(asker, {Protocol::edonkey, op::get_sources, encode_get_sources(q)}, op::found_sources);
  std::vector<Source> want{{seeder_id, 4662, 0, {}}};
  EXPECT_EQ(decode_found_sources(found.payload, SourceForm::plain).value(), (FoundSources{md4(5), want}));

  auto stat = decode_udp_status(ask_udp({Protocol::edonkey, op::glob_serv_stat_req, encode_challenge(0x55AA1234)}).payload);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat.value().challenge, 0x55AA1234u);
  EXPECT_EQ(stat.value().users, 2u);
  EXPECT_EQ(stat.value().files, 1u);
  EXPECT_EQ(stat.value().low_id_users, 2u);
  auto glob = ask_udp({Protocol::edonkey, op::glob_get_sources2, encode_get_sources(q)});
  EXPECT_EQ(decode_glob_found_sources(glob.payload).value(), (std::vector<FoundSources>{{md4(5), want}}));
  auto desc = ask_udp({Protocol::edonkey, op::server_desc_req, encode_challenge(0x1234F0FF)});
  EXPECT_EQ(decode_server_description(desc.payload).value().name, "p2pscope lab server");
}

}  // namespace
}  // namespace p2pscope::lab
