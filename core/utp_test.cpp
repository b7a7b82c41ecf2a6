#include "core/utp.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

using namespace std::string_literals;

UtpHeader data_packet(std::string_view payload) {
  UtpHeader h;
  h.type = UtpType::data;
  h.connection_id = 0x1234;
  h.timestamp = 1000;
  h.wnd_size = 0x380000;
  h.seq_nr = 7;
  h.ack_nr = 3;
  h.payload = payload;
  return h;
}

TEST(Utp, RoundTripsAHeaderAndPayload) {
  auto raw = encode_utp(data_packet("\x13" "BitTorrent protocol"));
  ASSERT_EQ(raw.size(), 40u);
  auto h = decode_utp(raw).value();
  EXPECT_EQ(h.type, UtpType::data);
  EXPECT_EQ(h.connection_id, 0x1234);
  EXPECT_EQ(h.wnd_size, 0x380000u);
  EXPECT_EQ(h.seq_nr, 7);
  EXPECT_EQ(h.payload, "\x13" "BitTorrent protocol");
}

TEST(Utp, SkipsTheExtensionChain) {
  auto raw = encode_utp(data_packet("xy"));
  raw[1] = 1;  // selective ack follows the header
  raw.insert(20, "\x00\x04\xff\xff\xff\xff"s);
  auto h = decode_utp(raw).value();
  EXPECT_TRUE(h.selective_ack);
  EXPECT_EQ(h.extensions, 1u);
  EXPECT_EQ(h.payload, "xy");
}

TEST(Utp, RefusesWhatIsNotUtp) {
  EXPECT_EQ(decode_utp("d1:ad2:id20:xxxxxxxxxxxxxxxxxxxxe1:q4:pinge").error(), errc::bad_value) << "KRPC";
  EXPECT_EQ(decode_utp("\x00\x00\x04\x17\x27\x10\x19\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"s).error(),
            errc::bad_value) << "BEP 15 connect";
  EXPECT_EQ(decode_utp("\x41\x00\x00"s).error(), errc::truncated);
  auto raw = encode_utp(data_packet(""));
  raw[1] = 2;  // an extension the header promises but does not hold
  EXPECT_EQ(decode_utp(raw).error(), errc::truncated);
}

TEST(Utp, BoundsTheExtensionChain) {
  auto raw = encode_utp(data_packet(""));
  raw[1] = 2;
  for (int i = 0; i < 10; ++i) raw += "\x02\x00"s;
  raw += "\x00\x00"s;
  EXPECT_EQ(decode_utp(raw, 8).error(), errc::too_many_items);
  EXPECT_TRUE(decode_utp(raw, 16));
}

}  // namespace
}  // namespace p2pscope
