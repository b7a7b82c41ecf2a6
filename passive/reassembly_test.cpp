#include "passive/reassembly.hpp"

#include <gtest/gtest.h>

namespace p2pscope::passive {
namespace {

// Feeds segments and collects what comes out in order.
struct PassiveReassembly : ::testing::Test {
  std::string out;
  TcpDirection::Sink sink = [this](std::string_view b) { out.append(b); };
};

TEST_F(PassiveReassembly, ReordersOverlapsAndWrapsAround) {
  TcpDirection d;
  const std::uint32_t isn = 0xfffffff0;  // the stream wraps past 2^32
  d.syn(isn);
  d.segment(isn + 1 + 10, "KLMNOPQRST", sink);  // ahead: held
  EXPECT_EQ(out, "");
  d.segment(isn + 1, "ABCDEFGHIJ", sink);
  d.segment(isn + 1 + 5, "FGHIJKLM", sink);  // all delivered already
  d.segment(isn + 1 + 18, "STUV", sink);     // overlaps the end
  EXPECT_EQ(out, "ABCDEFGHIJKLMNOPQRSTUV");
  EXPECT_GE(d.overlaps(), 2u);
  EXPECT_FALSE(d.started_mid_stream());
  EXPECT_EQ(d.held(), 0u);
}

TEST_F(PassiveReassembly, GapPastTheBoundEndsTheStream) {
  TcpDirection d(ReassemblyLimits{100});
  d.segment(1000, "start", sink);
  EXPECT_TRUE(d.started_mid_stream());
  d.segment(2000, std::string(60, 'x'), sink);
  EXPECT_FALSE(d.gap());
  d.segment(3000, std::string(60, 'y'), sink);
  EXPECT_TRUE(d.gap());
  d.segment(1005, "more", sink);
  EXPECT_EQ(out, "start") << "nothing after a gap";
}

TEST_F(PassiveReassembly, AnAckPastAHoleEndsTheStreamAtOnce) {
  TcpDirection d;
  d.syn(99);                        // the stream starts at 100
  d.segment(100, "0123", sink);     // 100..103
  d.acked(104);                     // all delivered: nothing missing
  d.segment(110, "abcd", sink);     // 104..109 were not captured
  d.acked(106);                     // past the hole's start
  EXPECT_TRUE(d.gap()) << "the receiver has bytes 104 and 105, which the capture lacks";
  EXPECT_EQ(d.held(), 0u);
  d.segment(104, "456789", sink);
  EXPECT_EQ(out, "0123");
}

TEST_F(PassiveReassembly, AnAckUpToTheHoleKeepsWaiting) {
  TcpDirection d;
  d.syn(99);
  d.segment(100, "0123", sink);
  d.segment(110, "abcd", sink);     // held behind the hole at 104
  d.acked(104);                     // acknowledges only what was delivered
  d.acked(90);                      // an old acknowledgement
  EXPECT_FALSE(d.gap());
  d.segment(104, "456789", sink);   // a retransmission fills the hole
  EXPECT_EQ(out, "0123456789abcd");
  EXPECT_EQ(d.held(), 0u);
}

TEST_F(PassiveReassembly, UtpDeliversWholePacketsInSeqOrder) {
  UtpDirection d;
  d.syn(65534);  // the first DATA is 65535, then it wraps to 0
  d.data(0, "B", sink);
  d.data(65535, "A", sink);
  d.data(65535, "A", sink);  // a retransmission
  d.data(1, "C", sink);
  EXPECT_EQ(out, "ABC");
}

}  // namespace
}  // namespace p2pscope::passive
