#include "core/ed2k_client.hpp"
#include "tests/testlib/ed2k_bytes.hpp"

#include <gtest/gtest.h>

namespace p2pscope::ed2k {
namespace {

using test::bytes;
using test::le16;
using test::le32;
using test::md4;
using test::raw;
using test::u32_tag;

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

// The tags of a stock aMule 2.3.3 hello answer as the research notes
// recorded them in the lab.
Hello amule_233_answer() {
  return Hello{md4(0x10), 0, 14662,
               {string_tag(0x01, "aMule"), u32_tag(0x11, 0x3C), u32_tag(0xF9, 14672u << 16 | 14672u),
                u32_tag(0xFB, 0x03040D80), u32_tag(0xFA, 0x34133216), u32_tag(0xFE, 0x5B8), u32_tag(0xEF, 1)},
               0, 0, {}};
}

TEST(Ed2kClient, AHelloStartsWithTheHashLengthAndItsAnswerDoesNot) {
  auto h = amule_233_answer();
  auto hello = encode_hello(h, HelloKind::hello);
  auto answer = encode_hello(h, HelloKind::answer);
  EXPECT_EQ(hello, bytes({16}) + answer);
  EXPECT_EQ(answer.substr(0, 22), raw(md4(0x10)) + le32(0) + le16(14662));
  EXPECT_EQ(decode_hello(hello, HelloKind::hello).value(), h);
  EXPECT_EQ(decode_hello(answer, HelloKind::answer).value(), h);
  EXPECT_EQ(decode_hello(bytes({15}) + answer, HelloKind::hello).error(), errc::bad_length);
  EXPECT_EQ(decode_hello(answer.substr(0, answer.size() - 1), HelloKind::answer).error(), errc::truncated);
}

TEST(Ed2kClient, MldonkeysTrailerIsKept) {
  auto h = amule_233_answer();
  h.trailer = "MLDK";
  EXPECT_EQ(decode_hello(encode_hello(h, HelloKind::answer), HelloKind::answer).value().trailer, "MLDK");
}

TEST(Ed2kClient, TheStockAmuleFingerprint) {
  auto c = client_info(amule_233_answer());
  EXPECT_EQ(c.software(), "aMule 2.3.3");
  EXPECT_EQ(c.name, "aMule");
  EXPECT_EQ(c.sx1_version, 3);
  EXPECT_EQ(c.ext_requests, 2);
  EXPECT_TRUE(c.multipacket);
  EXPECT_TRUE(c.unicode);
  EXPECT_TRUE(c.sx2);
  EXPECT_TRUE(c.ext_multipacket);
  EXPECT_TRUE(c.large_files);
  EXPECT_TRUE(c.crypt_supported && c.crypt_requested);
  EXPECT_FALSE(c.crypt_required);
  EXPECT_EQ(c.kad_version, 8);
  EXPECT_EQ(c.kad_port, 14672);
}

TEST(Ed2kClient, SoftwareNamesFollowTheCompatByte) {
  Hello h;
  h.tags = {u32_tag(0xFB, 50u << 10)};
  EXPECT_EQ(client_info(h).software(), "eMule 0.50a");
  h.tags = {u32_tag(0xFB, 0x2Bu << 24 | 1u << 17)};
  EXPECT_EQ(client_info(h).software(), "compat 0x2b 1.0.0");
  h.tags = {};
  EXPECT_EQ(client_info(h).software(), "");
}

TEST(Ed2kClient, OurHelloAnnouncesWhatSourceExchangeNeeds) {
  Hello h{md4(0x20), 0, 4662, crawler_hello_tags("p2pscope", 3), 0, 0, {}};
  auto c = client_info(decode_hello(encode_hello(h, HelloKind::hello), HelloKind::hello).value());
  EXPECT_EQ(c.sx1_version, 3);
  EXPECT_EQ(c.ext_requests, 1) << "with extended requests 1 a bare file-name request is a protocol error";
  EXPECT_TRUE(c.multipacket && c.ext_multipacket && c.sx2 && c.large_files);
  EXPECT_FALSE(c.crypt_required);
}

// aMule throws on a bare 16-byte REQUESTFILENAME from a requester that
// advertised extended requests (UploadClient.cpp ProcessExtendedInfo).
TEST(Ed2kClient, AFileNameRequestCarriesWhatItsLevelPromises) {
  FileNameRequest bare{md4(1), {}, {}};
  EXPECT_EQ(encode_file_name_request(bare), raw(md4(1)));
  EXPECT_EQ(decode_file_name_request(raw(md4(1)), 0).value(), bare);
  EXPECT_EQ(decode_file_name_request(raw(md4(1)), 1).error(), errc::truncated);
  FileNameRequest level1{md4(1), PartStatus{0, {}}, {}};
  EXPECT_EQ(encode_file_name_request(level1), raw(md4(1)) + le16(0));
  EXPECT_EQ(decode_file_name_request(raw(md4(1)) + le16(0), 2).value(), level1) << "no parts, no source count";
  FileNameRequest level2{md4(1), PartStatus{10, bytes({0xff, 0x03})}, 7};
  EXPECT_EQ(decode_file_name_request(encode_file_name_request(level2), 2).value(), level2);
}

TEST(Ed2kClient, NoSuchFileIsABareHash) {
  Frame f{Protocol::edonkey, op::no_such_file, encode_hash_only(md4(0x33))};
  EXPECT_EQ(encode_tcp_frame(f), bytes({0xe3, 17, 0, 0, 0, 0x48}) + raw(md4(0x33)));
  EXPECT_EQ(decode_hash_only(f.payload).value(), md4(0x33));
  EXPECT_EQ(decode_hash_only(f.payload + "x").error(), errc::trailing_bytes);
}

TEST(Ed2kClient, AQueueRankingIsARankAndTenZeroBytes) {
  auto wire = encode_queue_ranking(513);
  EXPECT_EQ(wire, le16(513) + std::string(10, '\0'));
  EXPECT_EQ(decode_queue_ranking(wire).value(), 513);
  EXPECT_EQ(decode_queue_ranking(le16(513)).error(), errc::bad_length) << "aMule drops any other size";
  EXPECT_EQ(decode_queue_ranking(le16(0) + std::string(10, '\0')).error(), errc::bad_value);
}

TEST(Ed2kClient, FileStatusAndNameAnswersRoundTrip) {
  FileStatus s{md4(2), PartStatus{9, bytes({0x55, 0x01})}};
  EXPECT_EQ(encode_file_status(s), raw(md4(2)) + le16(9) + bytes({0x55, 0x01}));
  EXPECT_EQ(decode_file_status(encode_file_status(s)).value(), s);
  FileNameAnswer a{md4(2), "a file.iso"};
  EXPECT_EQ(decode_file_name_answer(encode_file_name_answer(a)).value(), a);
}

// What the crawler sends to aMule: the extended multipacket with a
// file-name request (ext level 1, no parts), set-file and SX2 version 4.
TEST(Ed2kClient, TheExtendedMultipacketCarriesSourceExchangeTwo) {
  MultiRequest m{md4(3), 12'000'000, {}};
  m.items.push_back(MultiItem{op::request_filename, PartStatus{}, {}, 0, 0});
  m.items.push_back(MultiItem{op::set_req_file_id, {}, {}, 0, 0});
  m.items.push_back(MultiItem{op::request_sources2, {}, {}, 4, 0});
  auto wire = encode_multipacket(m, MultiKind::extended);
  EXPECT_EQ(wire, raw(md4(3)) + test::le64(12'000'000) + bytes({0x58, 0, 0, 0x4f, 0x83, 4, 0, 0}));
  EXPECT_EQ(decode_multipacket(wire, MultiKind::extended, 1).value(), m);
  EXPECT_EQ(decode_multipacket(wire + bytes({0x77}), MultiKind::extended, 1).error(), errc::unknown_message_type);
  EXPECT_EQ(decode_multipacket(wire.substr(0, 20), MultiKind::extended, 1).error(), errc::truncated);
}

TEST(Ed2kClient, MultipacketAnswersRoundTrip) {
  MultiAnswer a{md4(4), "name", PartStatus{0, {}}, std::string(20, 'A')};
  EXPECT_EQ(decode_multipacket_answer(encode_multipacket_answer(a)).value(), a);
  EXPECT_EQ(decode_multipacket_answer(raw(md4(4)) + bytes({0x42})).error(), errc::unknown_message_type);
}

TEST(Ed2kClient, StandaloneSourceExchangeTwoRequest) {
  SourcesRequest2 q{4, 0, md4(5)};
  EXPECT_EQ(encode_sources_request2(q), bytes({4, 0, 0}) + raw(md4(5)));
  EXPECT_EQ(decode_sources_request2(encode_sources_request2(q)).value(), q);
}

SourcesAnswer answer(std::uint8_t version, const char* address) {
  auto form = id_form_of_sx(version);
  auto a = ip(address);
  SxEntry e{form == IdForm::hybrid ? hybrid_id(a) : ed2k_id(a), 4662, ed2k_id(ip("203.0.113.1")), 4661, {}, 0};
  if (version >= 2) e.user_hash = md4(0x60);
  if (version == 4) e.crypt = 1;
  return SourcesAnswer{version, md4(6), {e}};
}

// Versions 1-2 write the ED2K form and 3-4 the hybrid form: 81.2.3.4 read in
// the wrong one is 4.3.2.81, the study's byte-order signature.
TEST(Ed2kClient, SourceExchangeVersionsAndTheirIdForms) {
  for (std::uint8_t v = 1; v <= 4; ++v) {
    auto a = answer(v, "81.2.3.4");
    auto back = decode_answer_sources2(encode_answer_sources2(a));
    ASSERT_TRUE(back) << int(v);
    EXPECT_EQ(back.value(), a);
    const auto& e = back.value().entries[0];
    EXPECT_EQ(sx_address(e, id_form_of_sx(v)), ip("81.2.3.4")) << int(v);
    EXPECT_EQ(sx_address(e, v >= 3 ? IdForm::ed2k : IdForm::hybrid), ip("4.3.2.81")) << int(v);
  }
  EXPECT_EQ(encode_answer_sources(answer(1, "81.2.3.4")).substr(18, 4), bytes({81, 2, 3, 4}));
  EXPECT_EQ(encode_answer_sources(answer(3, "81.2.3.4")).substr(18, 4), bytes({4, 3, 2, 81}));
}

// ANSWERSOURCES has no version byte: the entry size and the sender's SX1
// version decide, as in aMule 2.2.1+ and eMule.
TEST(Ed2kClient, VersionOneAnswersAreDecodedByEntrySize) {
  EXPECT_EQ(decode_answer_sources(encode_answer_sources(answer(1, "81.2.3.4")), 3).value().version, 1);
  auto twenty_eight = encode_answer_sources(answer(3, "81.2.3.4"));
  EXPECT_EQ(decode_answer_sources(twenty_eight, 3).value().version, 3);
  EXPECT_EQ(decode_answer_sources(twenty_eight, 4).value().version, 3) << "eMule 0.50a advertises SX1 4";
  EXPECT_EQ(decode_answer_sources(twenty_eight, 2).value().version, 2);
  EXPECT_EQ(decode_answer_sources(encode_answer_sources(answer(4, "81.2.3.4")), 3).value().version, 4);
  EXPECT_EQ(decode_answer_sources(twenty_eight + "xx", 3).error(), errc::bad_length);
}

TEST(Ed2kClient, HostileSourceAnswersEndTheirFlow) {
  auto a = answer(1, "81.2.3.4");
  a.entries.assign(65535, a.entries[0]);
  EXPECT_EQ(decode_answer_sources(encode_answer_sources(a), 1).error(), errc::too_many_items);
  EXPECT_EQ(decode_answer_sources2(bytes({5}) + raw(md4(6)) + le16(0)).error(), errc::bad_value);
  EXPECT_EQ(decode_answer_sources2(bytes({4}) + raw(md4(6)) + le16(2) + std::string(29, 'x')).error(),
            errc::bad_length);
  EXPECT_EQ(decode_answer_sources(raw(md4(6)), 1).error(), errc::truncated);
}

}  // namespace
}  // namespace p2pscope::ed2k
