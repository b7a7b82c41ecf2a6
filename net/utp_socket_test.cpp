#include "net/utp_socket.hpp"

#include "core/peer_wire.hpp"

#include <gtest/gtest.h>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_flags.hpp>

#include <filesystem>

namespace p2pscope::net {
namespace {

using namespace std::chrono_literals;

// A real libtorrent 2.0 session on loopback that speaks uTP only, seeding a
// torrent whose data it does not check (seed mode).
struct UtpOnlyPeer {
  std::shared_ptr<lt::torrent_info> ti;
  lt::session ses;
  std::uint16_t port = 0;
  bool checked = false;

  static lt::settings_pack settings() {
    lt::settings_pack sp;
    sp.set_str(lt::settings_pack::listen_interfaces, "127.0.0.1:0");
    sp.set_bool(lt::settings_pack::enable_incoming_tcp, false);
    sp.set_bool(lt::settings_pack::enable_outgoing_tcp, false);
    sp.set_bool(lt::settings_pack::enable_dht, false);
    sp.set_bool(lt::settings_pack::enable_lsd, false);
    sp.set_bool(lt::settings_pack::enable_upnp, false);
    sp.set_bool(lt::settings_pack::enable_natpmp, false);
    sp.set_int(lt::settings_pack::alert_mask, lt::alert_category::status);
    return sp;
  }
  static std::shared_ptr<lt::torrent_info> torrent() {
    lt::file_storage fs;
    fs.add_file("utp/a.bin", 32768);
    lt::create_torrent ct(fs, 16384, lt::create_torrent::v1_only);
    for (lt::piece_index_t i(0); i < lt::piece_index_t(ct.num_pieces()); ++i)
      ct.set_hash(i, lt::sha1_hash("01234567890123456789"));
    std::vector<char> buf;
    lt::bencode(std::back_inserter(buf), ct.generate());
    return std::make_shared<lt::torrent_info>(buf, lt::from_span);
  }
  UtpOnlyPeer() : ti(torrent()), ses(settings()) {
    lt::add_torrent_params atp;
    atp.ti = ti;
    atp.save_path = std::filesystem::temp_directory_path().string();
    atp.flags |= lt::torrent_flags::seed_mode;
    atp.flags &= ~lt::torrent_flags::auto_managed;
    atp.flags &= ~lt::torrent_flags::paused;
    ses.add_torrent(std::move(atp));
    // It turns peers away ("not ready") until its files are checked.
    for (auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until && !checked;) {
      ses.wait_for_alert(100ms);
      std::vector<lt::alert*> alerts;
      ses.pop_alerts(&alerts);
      for (auto* a : alerts) checked = checked || lt::alert_cast<lt::torrent_checked_alert>(a);
    }
    port = ses.listen_port();
  }
  InfoHash info_hash() const {
    auto v1 = ti->info_hashes().v1;
    return InfoHash::from_bytes(std::string_view(v1.data(), v1.size())).value();
  }
};

struct UtpMuxFixture : ::testing::Test {
  asio::io_context io;
  std::shared_ptr<UtpMux> mux = UtpMux::open(io.get_executor(), {IpAddress::parse("127.0.0.1").value(), 0}).value();
  // Returns how many handlers ran: a busy loop shows as thousands.
  template <class F>
  std::size_t run(F f) {
    asio::co_spawn(io, f(), asio::detached);
    return io.run_for(20s);
  }
};

TEST_F(UtpMuxFixture, ABitTorrentHandshakeWithAUtpOnlyLibtorrentPeer) {
  UtpOnlyPeer peer;
  ASSERT_TRUE(peer.checked);
  ASSERT_NE(peer.port, 0);
  std::string answer;
  error_code connect_ec, read_ec;
  run([&]() -> awaitable<void> {
    auto s = co_await mux->connect({IpAddress::parse("127.0.0.1").value(), peer.port}, 5s, connect_ec);
    if (connect_ec) co_return mux->close();
    Handshake hello;
    hello.info_hash = peer.info_hash();
    hello.reserved[5] = 0x10;  // BEP 10
    hello.peer_id = PeerId::from_bytes("-PS0100-utp-test0001").value();  // all zeros reads as a duplicate
    error_code ec;
    co_await s.write(encode_handshake(hello), asio::steady_timer::clock_type::now() + 5s, ec);
    while (!read_ec && answer.size() < kHandshakeSize)
      co_await s.read_some(answer, asio::steady_timer::clock_type::now() + 5s, read_ec);
    s.close();
    mux->close();
  });
  ASSERT_FALSE(connect_ec) << connect_ec.message();
  ASSERT_FALSE(read_ec) << read_ec.message() << " after " << answer.size() << " bytes";
  auto h = decode_handshake(std::string_view(answer).substr(0, kHandshakeSize));
  ASSERT_TRUE(h);
  EXPECT_EQ(h.value().info_hash, peer.info_hash());
}

TEST_F(UtpMuxFixture, NoAnswerIsATimeoutNotAHang) {
  // A bound UDP port that never answers.
  udp::socket silent(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  error_code ec;
  run([&]() -> awaitable<void> {
    auto s = co_await mux->connect(from_asio(silent.local_endpoint()), 300ms, ec);
    mux->close();
  });
  EXPECT_EQ(ec, asio::error::timed_out);
  EXPECT_EQ(mux->connections(), 0u);
}

TEST_F(UtpMuxFixture, AListeningMuxAcceptsAndBothEndsCarryMoreThanAWindow) {
  auto server = UtpMux::open(io.get_executor(), {IpAddress::parse("127.0.0.1").value(), 0}).value();
  server->listen();
  const std::string up(40'000, 'u'), down(50'000, 'd');  // each more than the 16 KiB windows
  std::string got_up, got_down;
  error_code server_ec, client_ec;
  Endpoint seen;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    auto s = co_await server->accept(server_ec);
    if (server_ec) co_return;
    seen = s.peer();
    auto until = asio::steady_timer::clock_type::now() + 10s;
    while (!server_ec && got_up.size() < up.size()) co_await s.read_some(got_up, until, server_ec);
    if (!server_ec) co_await s.write(down, until, server_ec);
    s.close();
  }, asio::detached);
  const auto client_at = mux->local_endpoint();
  run([&]() -> awaitable<void> {
    auto s = co_await mux->connect(server->local_endpoint(), 5s, client_ec);
    auto until = asio::steady_timer::clock_type::now() + 10s;
    if (!client_ec) co_await s.write(up, until, client_ec);
    while (!client_ec) co_await s.read_some(got_down, until, client_ec);
    s.close();
    mux->close();
    server->close();
  });
  EXPECT_FALSE(server_ec) << server_ec.message();
  EXPECT_EQ(client_ec, asio::error::eof) << "the server's FIN ends the client's stream";
  EXPECT_EQ(got_up.size(), up.size());
  EXPECT_TRUE(got_up == up);
  EXPECT_EQ(got_down.size(), down.size());
  EXPECT_TRUE(got_down == down);
  EXPECT_EQ(seen.port, client_at.port);
}

// A peer whose connection we simply forgot would keep it until its own
// timeout; libtorrent then refuses our next connection from that address.
TEST_F(UtpMuxFixture, ClosingTheMuxResetsThePeersEndOfEveryOpenConnection) {
  auto server = UtpMux::open(io.get_executor(), {IpAddress::parse("127.0.0.1").value(), 0}).value();
  server->listen();
  error_code server_ec = asio::error::in_progress, client_ec;  // set by the server, unless it never accepted
  asio::co_spawn(io, [&]() -> awaitable<void> {
    auto s = co_await server->accept(server_ec);
    if (server_ec) co_return;
    std::string got;
    auto until = asio::steady_timer::clock_type::now() + 10s;  // far past the test's own waits
    while (!server_ec) co_await s.read_some(got, until, server_ec);
  }, asio::detached);
  run([&]() -> awaitable<void> {
    auto s = co_await mux->connect(server->local_endpoint(), 5s, client_ec);
    auto until = asio::steady_timer::clock_type::now() + 5s;
    if (!client_ec) co_await s.write("hello", until, client_ec);
    mux->close();  // the stream is still open
    asio::steady_timer t(io, 500ms);
    co_await t.async_wait(use_ec(client_ec));
    server->close();
  });
  EXPECT_EQ(server_ec, asio::error::connection_reset) << server_ec.message();
}

TEST_F(UtpMuxFixture, ConnectionsWorkOverIpv6) {
  const auto v6 = IpAddress::parse("::1").value();
  auto server = UtpMux::open(io.get_executor(), {v6, 0});
  auto client = UtpMux::open(io.get_executor(), {v6, 0});
  if (!server || !client) GTEST_SKIP() << "this host has no IPv6 loopback (::1)";
  server.value()->listen();
  std::string got;
  error_code server_ec, client_ec;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    auto s = co_await server.value()->accept(server_ec);
    auto until = asio::steady_timer::clock_type::now() + 5s;
    while (!server_ec && got.size() < 5) co_await s.read_some(got, until, server_ec);
  }, asio::detached);
  run([&]() -> awaitable<void> {
    auto s = co_await client.value()->connect(server.value()->local_endpoint(), 5s, client_ec);
    if (!client_ec) co_await s.write("hello", asio::steady_timer::clock_type::now() + 5s, client_ec);
    auto t = asio::steady_timer(io, 200ms);
    co_await t.async_wait(use_ec(client_ec));
    client.value()->close();
    server.value()->close();
    mux->close();
  });
  EXPECT_FALSE(server_ec) << server_ec.message();
  EXPECT_EQ(got, "hello");
}

// A session reads and writes at once (the lab's peers do). Each keeps its
// own deadline; when both waited on one timer, each re-arming it woke the
// other, and a writer blocked on a full window spun with the reader.
TEST_F(UtpMuxFixture, AWriterBlockedOnAFullWindowAndAReaderWaitSideBySide) {
  auto server = UtpMux::open(io.get_executor(), {IpAddress::parse("127.0.0.1").value(), 0}).value();
  server->listen();
  error_code server_ec, read_ec, write_ec;
  std::string got;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    auto s = co_await server->accept(server_ec);  // reads nothing: the client's window fills
    asio::steady_timer t(io, 800ms);
    co_await t.async_wait(use_ec(server_ec));
    co_await s.write("late", asio::steady_timer::clock_type::now() + 2s, server_ec);
    t.expires_after(300ms);
    co_await t.async_wait(use_ec(server_ec));
  }, asio::detached);
  auto handlers = run([&]() -> awaitable<void> {
    auto s = std::make_shared<UtpStream>(co_await mux->connect(server->local_endpoint(), 5s, read_ec));
    if (read_ec) co_return;
    asio::co_spawn(io, [&, s]() -> awaitable<void> {
      co_await s->write(std::string(200'000, 'w'), asio::steady_timer::clock_type::now() + 200ms, write_ec);
    }, asio::detached);
    co_await s->read_some(got, asio::steady_timer::clock_type::now() + 5s, read_ec);
    s->close();
    mux->close();
    server->close();
  });
  EXPECT_EQ(write_ec, asio::error::timed_out) << "the window is full and the server does not read";
  EXPECT_FALSE(read_ec) << read_ec.message();
  EXPECT_EQ(got, "late");
  // About 1.1 s of tickers, datagrams and timers is a few hundred handlers.
  EXPECT_LT(handlers, 5000u) << "the reader and the writer woke each other";
}

// A DHT node and uTP on one port, as clients run them: datagrams that are
// not uTP reach the foreign handler, which answers on the same socket, while
// a uTP connection to that port carries its bytes.
TEST_F(UtpMuxFixture, ForeignDatagramsShareThePortWithUtpConnections) {
  auto shared = UtpMux::open(io.get_executor(), {IpAddress::parse("127.0.0.1").value(), 0}).value();
  shared->listen();
  std::vector<std::string> foreign;
  shared->on_foreign([&, m = shared.get()](const Endpoint& from, std::string_view d) {
    foreign.emplace_back(d);
    m->send_datagram(from, "d1:y1:re");
  });
  udp::socket dht(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::string reply(64, '\0'), got;
  error_code udp_ec, server_ec, client_ec;
  std::size_t reply_len = 0;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    auto s = co_await shared->accept(server_ec);
    auto until = asio::steady_timer::clock_type::now() + 5s;
    while (!server_ec && got.size() < 5) co_await s.read_some(got, until, server_ec);
  }, asio::detached);
  run([&]() -> awaitable<void> {
    const std::string ping = "d1:q4:ping1:y1:qe";
    co_await dht.async_send_to(asio::buffer(ping), to_udp(shared->local_endpoint()), use_ec(udp_ec));
    udp::endpoint from;
    asio::steady_timer guard(io, 5s);
    guard.async_wait([&](error_code e) { if (!e) dht.close(); });
    reply_len = co_await dht.async_receive_from(asio::buffer(reply), from, use_ec(udp_ec));
    guard.cancel();
    auto s = co_await mux->connect(shared->local_endpoint(), 5s, client_ec);
    if (!client_ec) co_await s.write("hello", asio::steady_timer::clock_type::now() + 5s, client_ec);
    asio::steady_timer t(io, 200ms);
    co_await t.async_wait(use_ec(client_ec));
    mux->close();
    shared->close();
  });
  EXPECT_FALSE(udp_ec) << udp_ec.message();
  EXPECT_EQ(reply.substr(0, reply_len), "d1:y1:re");
  ASSERT_EQ(foreign.size(), 1u) << "the uTP connection's datagrams are the mux's, not the handler's";
  EXPECT_EQ(foreign[0], "d1:q4:ping1:y1:qe");
  EXPECT_FALSE(server_ec) << server_ec.message();
  EXPECT_EQ(got, "hello");
}

TEST_F(UtpMuxFixture, AMuxThatDoesNotListenIgnoresSyns) {
  auto other = UtpMux::open(io.get_executor(), {IpAddress::parse("127.0.0.1").value(), 0}).value();
  error_code ec;
  run([&]() -> awaitable<void> {
    auto s = co_await mux->connect(other->local_endpoint(), 300ms, ec);
    mux->close();
    other->close();
  });
  EXPECT_EQ(ec, asio::error::timed_out);
}

}  // namespace
}  // namespace p2pscope::net
