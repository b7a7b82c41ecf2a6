#include "core/utp_stream.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace p2pscope {
namespace {

constexpr std::uint16_t kRecvId = 0x4000;
constexpr std::uint16_t kPeerFirstSeq = 0x7000;

// The peer's side, scripted: it answers our SYN with STATE and numbers its
// data from kPeerFirstSeq (or wherever a test starts it).
struct UtpFixture : ::testing::Test {
  UtpConnection c{kRecvId, 1'000};
  std::uint64_t now = 1'000;
  std::uint16_t peer_seq = kPeerFirstSeq;

  std::vector<UtpHeader> sent() {
    std::vector<UtpHeader> out;
    for (const auto& d : c.take_outgoing(now)) {
      kept.push_back(d);
      out.push_back(decode_utp(kept.back()).value());
    }
    return out;
  }
  Status from_peer(UtpType type, std::uint16_t seq, std::uint16_t ack, std::string_view payload = {},
                   std::uint32_t wnd = 1 << 20, std::uint16_t conn = kRecvId) {
    UtpHeader h;
    h.type = type;
    h.connection_id = conn;
    h.timestamp = 77;
    h.wnd_size = wnd;
    h.seq_nr = seq;
    h.ack_nr = ack;
    h.payload = payload;
    return c.on_datagram(encode_utp(h), now);
  }
  // SYN out, STATE back: connected, the peer's data starting at peer_seq.
  void connect(std::uint32_t wnd = 1 << 20) {
    ASSERT_EQ(sent().size(), 1u);
    ASSERT_TRUE(from_peer(UtpType::state, peer_seq, 1, {}, wnd));
    ASSERT_EQ(c.state(), UtpState::connected);
  }
  std::deque<std::string> kept;  // the headers sent() returns view these
};

TEST_F(UtpFixture, TheSynNamesOurReceiveIdAndEverythingAfterOurSendId) {
  auto syn = sent();
  ASSERT_EQ(syn.size(), 1u);
  EXPECT_EQ(syn[0].type, UtpType::syn);
  EXPECT_EQ(syn[0].connection_id, kRecvId);
  EXPECT_EQ(syn[0].seq_nr, 1);
  ASSERT_TRUE(from_peer(UtpType::state, peer_seq, 1));
  c.write("hello");
  auto d = sent();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].type, UtpType::data);
  EXPECT_EQ(d[0].connection_id, kRecvId + 1);
  EXPECT_EQ(d[0].seq_nr, 2);
  EXPECT_EQ(d[0].ack_nr, static_cast<std::uint16_t>(kPeerFirstSeq - 1)) << "the peer's first data is the STATE's seq_nr";
  EXPECT_EQ(d[0].payload, "hello");
}

TEST_F(UtpFixture, OnlyTheStateAnsweringOurSynOpensTheConnection) {
  sent();
  EXPECT_FALSE(from_peer(UtpType::data, peer_seq, 1, "early"));
  EXPECT_FALSE(from_peer(UtpType::state, peer_seq, 9));
  EXPECT_FALSE(from_peer(UtpType::state, peer_seq, 1, {}, 1 << 20, kRecvId + 1)) << "another connection's id";
  EXPECT_FALSE(c.on_datagram("d1:ad2:id20:", now)) << "not uTP (KRPC)";
  EXPECT_EQ(c.state(), UtpState::syn_sent);
  EXPECT_TRUE(c.read().empty());
}

TEST_F(UtpFixture, DataArrivingOutOfOrderIsDeliveredInOrderAndEachPacketAcked) {
  connect();
  ASSERT_TRUE(from_peer(UtpType::data, kPeerFirstSeq + 1, 1, "world"));
  EXPECT_TRUE(c.read().empty());
  auto ack = sent();
  ASSERT_EQ(ack.size(), 1u);
  EXPECT_EQ(ack[0].type, UtpType::state);
  EXPECT_EQ(ack[0].ack_nr, static_cast<std::uint16_t>(kPeerFirstSeq - 1)) << "a gap: still acks the last in order";
  ASSERT_TRUE(from_peer(UtpType::data, kPeerFirstSeq, 1, "hello "));
  EXPECT_EQ(c.read(), "hello world");
  EXPECT_EQ(sent().at(0).ack_nr, kPeerFirstSeq + 1);
  ASSERT_TRUE(from_peer(UtpType::data, kPeerFirstSeq, 1, "hello "));
  EXPECT_TRUE(c.read().empty()) << "a duplicate is not delivered twice";
  EXPECT_EQ(sent().size(), 1u) << "but acked again";
}

TEST_F(UtpFixture, SequenceNumbersWrapAround) {
  peer_seq = 0xFFFE;
  connect();
  ASSERT_TRUE(from_peer(UtpType::data, 0x0000, 1, "c"));
  ASSERT_TRUE(from_peer(UtpType::data, 0xFFFE, 1, "a"));
  ASSERT_TRUE(from_peer(UtpType::data, 0xFFFF, 1, "b"));
  EXPECT_EQ(c.read(), "abc");
}

TEST_F(UtpFixture, DataPastTheAdvertisedWindowIsDropped) {
  UtpLimits lim;
  lim.receive_window = 10;
  c = UtpConnection(kRecvId, now, lim);
  connect();
  ASSERT_TRUE(from_peer(UtpType::data, kPeerFirstSeq + 1, 1, std::string(8, 'x')));
  ASSERT_TRUE(from_peer(UtpType::data, kPeerFirstSeq + 2, 1, std::string(8, 'y')));
  auto ack = sent();
  EXPECT_EQ(ack.back().wnd_size, 2u) << "eight bytes held out of order";
  ASSERT_TRUE(from_peer(UtpType::data, kPeerFirstSeq, 1, "zz"));
  EXPECT_EQ(c.read(), "zz" + std::string(8, 'x'));
  EXPECT_EQ(sent().back().ack_nr, kPeerFirstSeq + 1) << "the dropped packet must be sent again";
}

TEST_F(UtpFixture, TheFinEndsTheStreamOnceEverythingBeforeItArrived) {
  connect();
  ASSERT_TRUE(from_peer(UtpType::fin, kPeerFirstSeq + 1, 1));
  EXPECT_EQ(c.state(), UtpState::connected);
  ASSERT_TRUE(from_peer(UtpType::data, kPeerFirstSeq + 2, 1, "after the fin"));
  ASSERT_TRUE(from_peer(UtpType::data, kPeerFirstSeq, 1, "last"));
  EXPECT_EQ(c.state(), UtpState::eof);
  EXPECT_TRUE(c.finished());
  EXPECT_EQ(c.read(), "last");
  EXPECT_EQ(sent().back().ack_nr, kPeerFirstSeq + 1);
  ASSERT_TRUE(from_peer(UtpType::fin, kPeerFirstSeq + 1, 1)) << "our ack was lost: the FIN comes again";
  EXPECT_EQ(sent().size(), 1u) << "and is acked again";
  EXPECT_EQ(c.state(), UtpState::eof);
}

TEST_F(UtpFixture, ResetEndsTheConnection) {
  connect();
  ASSERT_TRUE(from_peer(UtpType::reset, peer_seq, 1));
  EXPECT_EQ(c.state(), UtpState::reset);
  EXPECT_EQ(c.write("x"), 0u);
  EXPECT_FALSE(c.deadline());
}

TEST_F(UtpFixture, AbortSendsOneResetAndDropsWhatWasQueued) {
  connect();
  c.write("queued");
  auto rst = c.abort(now);
  auto h = decode_utp(rst);
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_EQ(h.value().type, UtpType::reset);
  EXPECT_EQ(h.value().connection_id, kRecvId + 1) << "the id the peer receives on";
  EXPECT_EQ(c.state(), UtpState::reset);
  EXPECT_TRUE(sent().empty()) << "nothing queued goes out after the reset";
  EXPECT_TRUE(c.abort(now).empty()) << "a finished connection has nothing to say";
}

TEST_F(UtpFixture, AnUnansweredSynIsSentAgainWithBackoffThenGivenUp) {
  auto syn = sent();
  std::vector<std::uint64_t> resent_at;
  while (auto due = c.deadline()) {
    now = *due;
    c.on_tick(now);
    auto again = sent();
    if (again.empty()) break;
    EXPECT_EQ(again[0].type, UtpType::syn);
    EXPECT_EQ(again[0].seq_nr, syn[0].seq_nr);
    resent_at.push_back(now);
  }
  EXPECT_EQ(c.state(), UtpState::timed_out);
  ASSERT_EQ(resent_at.size(), UtpLimits{}.max_retransmits);
  EXPECT_EQ(resent_at[1] - resent_at[0], 2 * (resent_at[0] - 1'000)) << "the timeout doubles";
}

TEST_F(UtpFixture, ALostDataPacketIsSentAgainAndAnAckClearsIt) {
  connect();
  c.write("ping");
  auto d = sent();
  ASSERT_EQ(d.size(), 1u);
  now = *c.deadline();
  c.on_tick(now);
  auto again = sent();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].seq_nr, d[0].seq_nr);
  EXPECT_EQ(again[0].payload, "ping");
  EXPECT_EQ(c.retransmissions(), 1u);
  ASSERT_TRUE(from_peer(UtpType::state, peer_seq, d[0].seq_nr));
  EXPECT_FALSE(c.deadline()) << "nothing left in flight";
}

TEST_F(UtpFixture, ThePeersWindowAndTheCongestionWindowBoundWhatIsInFlight) {
  connect(/*wnd=*/100);
  c.write(std::string(5000, 'a'));
  auto first = sent();
  ASSERT_EQ(first.size(), 1u) << "a window of 100 bytes takes one packet at a time";
  ASSERT_TRUE(from_peer(UtpType::state, peer_seq, first[0].seq_nr, {}, 1 << 20));
  auto more = sent();
  EXPECT_EQ(more.size(), 4u) << "two packets at the start, one more per acked packet (the SYN and the first)";
  for (const auto& p : more) EXPECT_LE(p.payload.size(), UtpLimits{}.max_payload);
}

TEST_F(UtpFixture, AnAckForAPacketNeverSentAcksNothing) {
  connect();
  c.write("x");
  sent();
  ASSERT_TRUE(from_peer(UtpType::state, peer_seq, 999));
  EXPECT_TRUE(c.deadline()) << "still waiting for the real ack";
}

TEST_F(UtpFixture, CloseSendsFinAfterTheData) {
  connect();
  c.write("bye");
  c.close();
  auto out = sent();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].type, UtpType::data);
  EXPECT_EQ(out[1].type, UtpType::fin);
  EXPECT_EQ(out[1].seq_nr, out[0].seq_nr + 1);
  EXPECT_EQ(c.state(), UtpState::fin_sent);
  EXPECT_EQ(c.write("more"), 0u);
}


// Both ends are ours: an initiator and the acceptor its SYN opened, wired
// back to back (Deliver::all) or losing what a test says.
struct UtpPairFixture : ::testing::Test {
  std::uint64_t now = 5'000;
  UtpConnection client{0x1234, now};
  std::optional<UtpConnection> server;

  void open() {
    auto syn = client.take_outgoing(now);
    ASSERT_EQ(syn.size(), 1u);
    auto s = UtpConnection::accept(syn[0], 0x9000, now);
    ASSERT_TRUE(s) << s.error().message();
    server.emplace(std::move(s).value());
    EXPECT_EQ(server->recv_id(), 0x1235);
    EXPECT_EQ(server->send_id(), 0x1234);
    ASSERT_EQ(server->state(), UtpState::connected);
  }
  // Moves every datagram each way until neither side has one.
  void exchange() {
    for (int round = 0; round < 64; ++round) {
      auto a = client.take_outgoing(now), b = server->take_outgoing(now);
      if (a.empty() && b.empty()) return;
      for (const auto& d : a) ASSERT_TRUE(server->on_datagram(d, now)) << "client to server";
      for (const auto& d : b) ASSERT_TRUE(client.on_datagram(d, now)) << "server to client";
    }
    FAIL() << "the two ends never went quiet";
  }
};

TEST_F(UtpPairFixture, TwoEndsCarryBytesBothWaysAndCloseCleanly) {
  open();
  exchange();
  ASSERT_EQ(client.state(), UtpState::connected);
  std::string big(5000, 'x');
  ASSERT_EQ(client.write("ping"), 4u);
  ASSERT_EQ(server->write(big), big.size());
  exchange();
  EXPECT_EQ(server->read(), "ping");
  EXPECT_EQ(client.read(), big);
  server->close();
  exchange();
  EXPECT_EQ(client.state(), UtpState::eof);
  EXPECT_FALSE(server->deadline()) << "the FIN was acked";
  client.close();  // after the peer's FIN: nothing more to send (no half-close)
  EXPECT_TRUE(client.take_outgoing(now).empty());
}

TEST_F(UtpPairFixture, AResentSynIsAnsweredWithTheStateAgain) {
  auto syn = client.take_outgoing(now);
  auto s = UtpConnection::accept(syn[0], 7, now);
  ASSERT_TRUE(s);
  server.emplace(std::move(s).value());
  ASSERT_EQ(server->take_outgoing(now).size(), 1u);  // this STATE is lost
  now += 1'500'000;
  client.on_tick(now);
  auto again = client.take_outgoing(now);
  ASSERT_EQ(again.size(), 1u);
  ASSERT_TRUE(server->on_datagram(again[0], now));
  auto state = server->take_outgoing(now);
  ASSERT_EQ(state.size(), 1u);
  ASSERT_TRUE(client.on_datagram(state[0], now));
  EXPECT_EQ(client.state(), UtpState::connected);
}

TEST_F(UtpPairFixture, OnlyASynOpensAnAcceptedConnection) {
  UtpHeader h;
  h.type = UtpType::data;
  h.connection_id = 9;
  EXPECT_FALSE(UtpConnection::accept(encode_utp(h), 1, now));
  EXPECT_FALSE(UtpConnection::accept("not utp", 1, now));
}

}  // namespace
}  // namespace p2pscope
