#include "passive/http_stream.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace p2pscope::passive {
namespace {

struct PassiveHttp : ::testing::Test {
  std::vector<HttpMessage> got;
  HttpStream::Sink sink = [this](const HttpMessage& m) { got.push_back(m); };
};

TEST_F(PassiveHttp, ChunkedResponseArrivingInPieces) {
  HttpStream s(HttpStream::Role::response, {});
  std::string r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nd8:in\r\n3;x=y\r\nter\r\n0\r\n\r\n";
  for (char c : r) ASSERT_TRUE(s.feed(std::string_view(&c, 1), sink));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, 200);
  EXPECT_EQ(got[0].body, "d8:inter");
}

TEST_F(PassiveHttp, CloseDelimitedBodyEndsWithTheConnection) {
  HttpStream s(HttpStream::Role::response, {});
  ASSERT_TRUE(s.feed("HTTP/1.0 200 OK\r\n\r\nd5:peers0:e", sink));
  EXPECT_TRUE(got.empty());
  ASSERT_TRUE(s.finish(sink));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "d5:peers0:e");
}

TEST_F(PassiveHttp, HostileStreamsAreRefusedNotFollowed) {
  HttpStream big(HttpStream::Role::response, {64, 1024});
  EXPECT_EQ(big.feed(std::string(100, 'x'), sink).error(), errc::oversized) << "a head past the bound";
  HttpStream liar(HttpStream::Role::response, {});
  EXPECT_EQ(liar.feed("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", sink).error(), errc::oversized);
  HttpStream gz(HttpStream::Role::response, {});
  EXPECT_EQ(gz.feed("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope", sink).error(),
            errc::bad_compression);
  EXPECT_EQ(dechunk("zz\r\n", 100).error(), errc::malformed_line);
  EXPECT_TRUE(got.empty());
}

TEST_F(PassiveHttp, KeepAliveRequestsEachArrive) {
  HttpStream s(HttpStream::Role::request, {});
  ASSERT_TRUE(s.feed("GET /announce?a HTTP/1.1\r\nHost: t\r\n\r\nGET /scrape?b HTTP/1.1\r\n\r\n", sink));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].start_line, "GET /scrape?b HTTP/1.1");
}

}  // namespace
}  // namespace p2pscope::passive
