#include "passive/ed2k_datagram.hpp"

#include "core/ed2k_server.hpp"
#include "core/kad.hpp"

#include <gtest/gtest.h>

namespace p2pscope::passive {
namespace {

using namespace ed2k;

Md4 md4(std::uint8_t b) {
  Md4 m;
  m.bytes.fill(b);
  return m;
}

Hop hop() { return {1.5, Endpoint::parse("198.51.100.10:4665").value(), Endpoint::parse("198.51.100.20:4661").value(), Carrier::udp}; }

// What one datagram gave: its events and anomalies, and whether it was taken.
struct Seen {
  bool taken = false;
  std::vector<Event> events;
  std::vector<std::string> anomalies;
};

Seen feed(std::string_view datagram) {
  Seen s;
  s.taken = ed2k_datagram(hop(), datagram, {[&](const Event& e) { s.events.push_back(e); },
                                            [&](const std::string& w) { s.anomalies.push_back(w); }});
  return s;
}

std::string frame(Protocol p, std::uint8_t opcode, std::string payload) {
  return encode_udp_frame({p, opcode, std::move(payload)});
}

TEST(Ed2kDatagram, ServerSourceRequestsNameEveryFile) {
  auto s = feed(frame(Protocol::edonkey, op::glob_get_sources, encode_glob_get_sources({md4(1), md4(2)})));
  ASSERT_TRUE(s.taken);
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(std::get<Ed2kFileEvent>(s.events[1]).file, md4(2));
  EXPECT_EQ(std::get<Ed2kFileEvent>(s.events[0]).message, "glob_get_sources");
}

// GLOBGETSOURCES2 gives each file's size; a file of 4 GiB or more writes 0 and then 64 bits.
TEST(Ed2kDatagram, SourceRequestsWithSizesReadBothSizeForms) {
  std::string p;
  p.append(reinterpret_cast<const char*>(md4(3).bytes.data()), 16);
  p += std::string("\x10\x00\x00\x00", 4);
  p.append(reinterpret_cast<const char*>(md4(4).bytes.data()), 16);
  p += std::string(4, '\0') + std::string("\x00\x00\x00\x00\x01\x00\x00\x00", 8);
  auto s = feed(frame(Protocol::edonkey, op::glob_get_sources2, p));
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(std::get<Ed2kFileEvent>(s.events[0]).file, md4(3));
  EXPECT_EQ(std::get<Ed2kFileEvent>(s.events[1]).file, md4(4));
  EXPECT_EQ(std::get<Ed2kFileEvent>(s.events[0]).size, 16u);
  EXPECT_EQ(std::get<Ed2kFileEvent>(s.events[1]).size, 1ull << 32);
  auto cut = feed(frame(Protocol::edonkey, op::glob_get_sources2, p.substr(0, 30)));
  EXPECT_TRUE(cut.events.empty());
  EXPECT_EQ(cut.anomalies, std::vector<std::string>{"ed2k_udp_malformed"});
}

TEST(Ed2kDatagram, ServerAnswerGivesEachListItsSources) {
  FoundSources a{md4(5), {{ed2k_id(IpAddress::parse("1.2.3.4").value()), 4662, 0, {}}, {42, 4662, 0, {}}}};
  FoundSources b{md4(6), {{ed2k_id(IpAddress::parse("5.6.7.8").value()), 4672, 0, {}}}};
  auto s = feed(frame(Protocol::edonkey, op::glob_found_sources, encode_glob_found_sources({a, b})));
  ASSERT_EQ(s.events.size(), 2u);
  const auto& first = std::get<Ed2kSourcesEvent>(s.events[0]);
  EXPECT_EQ(first.route, Ed2kRoute::server_udp);
  EXPECT_EQ(first.form(), IdForm::ed2k);
  ASSERT_EQ(first.sources.size(), 2u);
  EXPECT_EQ(first.sources[1].id, 42u);
  EXPECT_EQ(std::get<Ed2kSourcesEvent>(s.events[1]).file, md4(6));
}

TEST(Ed2kDatagram, KadSearchNamesItsTargetAndItsAnswerTheSources) {
  auto q = feed(frame(Protocol::kad, kad::op::search_source_req, kad::encode_source_search({kad::KadId::of(md4(7)), 0, 100})));
  ASSERT_EQ(q.events.size(), 1u);
  EXPECT_EQ(std::get<Ed2kFileEvent>(q.events[0]).file, md4(7));
  EXPECT_EQ(std::get<Ed2kFileEvent>(q.events[0]).message, "kad_search_source");
  EXPECT_EQ(std::get<Ed2kFileEvent>(q.events[0]).size, 100u);

  kad::SourceEntry src;
  src.user_hash = kad::KadId::of(md4(8));
  src.type = 1;
  src.ip = hybrid_id(IpAddress::parse("9.8.7.6").value());
  src.tcp_port = 4662;
  src.udp_port = 4672;
  kad::SearchResult keyword{kad::KadId::of(md4(9)), {string_tag(0x01, "a file name")}};
  kad::SearchResponse r{kad::KadId::of(md4(1)), kad::KadId::of(md4(7)), {kad::search_result_of(src), keyword}};
  auto a = feed(frame(Protocol::kad, kad::op::search_res, kad::encode_search_response(r)));
  ASSERT_EQ(a.events.size(), 1u);
  const auto& e = std::get<Ed2kSourcesEvent>(a.events[0]);
  EXPECT_EQ(e.route, Ed2kRoute::kad);
  EXPECT_EQ(e.file, md4(7));
  ASSERT_EQ(e.sources.size(), 1u);  // the keyword result names no source
  EXPECT_EQ(ip_of_hybrid_id(e.sources[0].id).to_string(), "9.8.7.6");
  EXPECT_EQ(e.sources[0].user_hash, md4(8));
}

TEST(Ed2kDatagram, PackedKadIsInflated) {
  auto q = feed(frame(Protocol::kad_packed, kad::op::search_source_req, kad::encode_source_search({kad::KadId::of(md4(7)), 0, 0})));
  ASSERT_EQ(q.events.size(), 1u);
  EXPECT_EQ(std::get<Ed2kFileEvent>(q.events[0]).file, md4(7));
}

TEST(Ed2kDatagram, OtherDatagramsAreNotTaken) {
  EXPECT_FALSE(feed("d1:ad2:id20:aaaaaaaaaaaaaaaaaaaae1:q4:ping1:t2:aa1:y1:qe").taken);
  EXPECT_FALSE(feed(std::string("\x41\x00\x00\x01", 4)).taken);  // uTP
  EXPECT_FALSE(feed("").taken);
  EXPECT_FALSE(feed(std::string("\xE5\x34not zlib", 10)).taken);
  auto status = feed(frame(Protocol::edonkey, op::glob_serv_stat_req, "abcd"));  // framed, nothing to report
  EXPECT_TRUE(status.taken);
  EXPECT_TRUE(status.events.empty());
  auto bad = feed(frame(Protocol::kad, kad::op::search_res, "short"));
  EXPECT_TRUE(bad.taken);
  EXPECT_EQ(bad.anomalies, std::vector<std::string>{"ed2k_udp_malformed"});
}

}  // namespace
}  // namespace p2pscope::passive
