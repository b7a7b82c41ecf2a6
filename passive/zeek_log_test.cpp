#include "passive/zeek_log.hpp"

#include "passive/events.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <variant>

namespace p2pscope::passive {
namespace {

struct ZeekLogFixture : ::testing::Test {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("zeek-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::vector<std::string> lines(const std::string& log) {
    std::ifstream f(dir / log);
    std::vector<std::string> out;
    for (std::string l; std::getline(f, l);) out.push_back(l);
    return out;
  }
  static nlohmann::json handshake() {
    return {{"type", "passive_handshake"}, {"t", 1456385040.390819}, {"from", "82.243.113.43:64969"},
            {"to", "[2001:db8::5]:40959"}, {"carrier", "utp"}, {"info_hash", "0ca4"}, {"peer_id", "2d"},
            {"peer_id_text", "-TR,3\\0"}, {"extension_protocol", true}, {"dht", false}};
  }
};

TEST_F(ZeekLogFixture, TsvHasZeeksHeaderAndOneRowPerRecord) {
  ZeekLogs z(dir, ZeekFormat::tsv);
  ASSERT_TRUE(z.write(handshake()));
  ASSERT_TRUE(z.close());
  auto l = lines("p2p_handshake.log");
  ASSERT_EQ(l.size(), 10u);
  EXPECT_EQ(l[0], "#separator \\x09");
  EXPECT_EQ(l[4], "#path\tp2p_handshake");
  EXPECT_EQ(l[6], "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tcarrier\tinfo_hash\tpeer_id\tpeer_id_text\t"
                  "extension_protocol\tdht");
  EXPECT_EQ(l[7], "#types\ttime\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tbool");
  EXPECT_EQ(l[8], "1456385040.390819\t82.243.113.43\t64969\t2001:db8::5\t40959\tutp\t0ca4\t2d\t-TR\\x2c3\\x5c0\tT\tF");
  EXPECT_EQ(l[9].rfind("#close\t", 0), 0u);
}

TEST_F(ZeekLogFixture, TsvMarksUnsetFieldsAndEmptyVectors) {
  ZeekLogs z(dir, ZeekFormat::tsv);
  ASSERT_TRUE(z.write({{"type", "passive_tracker_peers"}, {"t", 1.5}, {"from", "1.2.3.4:80"}, {"to", "5.6.7.8:999"},
                       {"carrier", "tcp"}, {"peers", nlohmann::json::array()}}));
  ASSERT_TRUE(z.close());
  EXPECT_EQ(lines("p2p_tracker_peers.log")[8], "1.500000\t1.2.3.4\t80\t5.6.7.8\t999\ttcp\t-\t(empty)\t-");
}

TEST_F(ZeekLogFixture, JsonUsesZeekNamesAndLeavesOutUnsetFields) {
  ZeekLogs z(dir, ZeekFormat::json);
  ASSERT_TRUE(z.write({{"type", "passive_pex"}, {"t", 2.0}, {"from", "1.2.3.4:80"}, {"to", "5.6.7.8:999"},
                       {"carrier", "tcp"}, {"added", {{{"peer", "9.9.9.9:1"}, {"flags", 16}}}},
                       {"dropped", nlohmann::json::array()}}));
  ASSERT_TRUE(z.close());
  auto row = nlohmann::json::parse(lines("p2p_pex.log").at(0));
  EXPECT_EQ(row["ts"], 2.0);
  EXPECT_EQ(row["id.orig_h"], "1.2.3.4");
  EXPECT_EQ(row["id.resp_p"], 999);
  EXPECT_EQ(row["added"], nlohmann::json::array({"9.9.9.9:1"}));
  EXPECT_EQ(row["added_flags"], nlohmann::json::array({16}));
}

template <std::size_t... I>
std::vector<std::string> event_record_types(std::index_sequence<I...>) {
  return {std::string(record_type(Event(std::in_place_index<I>)))...};
}

// A new record type must not vanish from the logs.
TEST(ZeekLogNames, EveryPassiveRecordTypeHasALog) {
  auto types = event_record_types(std::make_index_sequence<std::variant_size_v<Event>>{});
  for (const char* t : {"passive_honeynet_event", "suspect_infohash", "suspect_ed2k_file"}) types.emplace_back(t);
  for (const auto& t : types) EXPECT_EQ(ZeekLogs::log_name(t), "p2p_" + t.substr(t.starts_with("passive_") ? 8 : 0)) << t;
}

// A LowID source names no address: its cell in the address vector is unset.
TEST_F(ZeekLogFixture, Ed2kSourcesListEachSourcesAddressesInBothForms) {
  ed2k::Md4 file{};
  Ed2kSourcesEvent e{{3.0, Endpoint::parse("1.2.3.4:4662").value(), Endpoint::parse("5.6.7.8:4662").value(), Carrier::tcp},
                     Ed2kRoute::sx, file, 4, {{ed2k::hybrid_id(IpAddress::parse("9.8.7.6").value()), 4662, 1, {}}, {77, 4672, 0, {}}}};
  ZeekLogs z(dir, ZeekFormat::json);
  ASSERT_TRUE(z.write(to_json(Event(e))));
  ASSERT_TRUE(z.close());
  auto row = nlohmann::json::parse(lines("p2p_ed2k_sources.log").at(0));
  EXPECT_EQ(row["route"], "sx");
  EXPECT_EQ(row["form"], "hybrid");
  EXPECT_EQ(row["addresses"], nlohmann::json::parse(R"(["9.8.7.6", null])"));
  EXPECT_EQ(row["other_forms"], nlohmann::json::parse(R"(["6.7.8.9", null])"));
  EXPECT_EQ(row["ports"], nlohmann::json::array({4662, 4672}));
}

TEST_F(ZeekLogFixture, UnknownRecordTypeIsRefused) {
  ZeekLogs z(dir, ZeekFormat::tsv);
  EXPECT_EQ(z.write({{"type", "observation"}}).error(), make_error_code(errc::bad_value));
  EXPECT_EQ(ZeekLogs::log_name("passive_scan_alarm"), "p2p_scan_alarm");
}

}  // namespace
}  // namespace p2pscope::passive
