// Issue #7's acceptance on the synthetic captures scripts/synthetic_captures.py
// writes (ctest fixture "synthetic", into P2PSCOPE_SYNTHETIC_DIR) with their
// truth: every honeynet event found with its classification and info hash,
// none extra; scan labelling drops BitTorrent false positives by at least
// 90% against the unsuppressed detector and misses no scanner.
#include "passive/analyses.hpp"
#include "passive/pcap_reader.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

namespace p2pscope::passive {
namespace {

const std::string kDir = P2PSCOPE_SYNTHETIC_DIR;

nlohmann::json truth() {
  std::ifstream f(kDir + "/truth.json");
  if (!f) throw std::runtime_error(kDir + "/truth.json missing: run the ctest fixture synthetic_captures first");
  return nlohmann::json::parse(f);
}

AnalysisResults analyse(const std::string& pcap, AnalysisOptions opt) {
  opt.messages = false;
  Analyses an(opt, [](std::string_view, std::string_view) {});
  auto read = read_packets(kDir + "/" + pcap, [&an](const Frame& f, const Packet* p) {
    if (p) an.packet(f.t, *p);
  });
  if (!read) throw std::runtime_error(pcap + ": " + read.error().message());
  if (read.value().damage) throw std::runtime_error(pcap + ": " + *read.value().damage);
  return an.finish();
}

TEST(SyntheticHoneynet, FindsEachEventWithItsClassificationAndNoneExtra) {
  auto t = truth()["honeynet"];
  AnalysisOptions opt;
  opt.honeynet.emplace();
  opt.honeynet->honeynet.push_back(parse_cidr(t["block"].get<std::string>()).value());
  auto found = analyse("honeynet.pcap", opt).events;
  std::set<std::tuple<std::string, std::string, std::string, std::string, std::string>> want, got;
  ASSERT_GE(t["events"].size(), 4u) << "one event of each classification, and an eMule one";
  for (const auto& e : t["events"])
    want.emplace(e["target"], e["classification"], e["application"], e["info_hash"], e.value("file", ""));
  for (const auto& e : found)
    got.emplace(e.target.to_string(), e.classification, name_of(e.application),
                e.info_hashes.empty() ? "" : e.info_hashes[0].info_hash.hex(), e.files.empty() ? "" : e.files[0].file.hex());
  EXPECT_EQ(got, want);
  for (const auto& e : found) {
    EXPECT_GE(e.unique_sources, 100u) << e.id;
    if (e.classification == "anti_p2p") {
      EXPECT_EQ(e.cluster.farms.size(), 3u);
    }
    if (e.classification == "forged_sources") {
      EXPECT_EQ(e.cert.fingerprinted, e.cert.utp_data);
      EXPECT_EQ(e.cert.zero_peer_id, e.cert.utp_data);
      EXPECT_GT(e.cert.after_icmp_unreachable, 0u);
      EXPECT_GT(e.spread.uniform_share, 0.8);
    }
    if (e.classification == "misconfiguration" && e.application == Application::bittorrent) {
      EXPECT_GE(e.clients.size(), 5u);
    }
    if (e.application == Application::emule) {
      std::size_t clients = 0;
      std::uint64_t size = 0;
      for (const auto& x : t["events"])
        if (x["application"] == "emule") {
          clients = x["emule_sources"];
          size = x["file_size"];
        }
      EXPECT_EQ(e.emule_sources, clients);
      EXPECT_EQ(e.files.at(0).sources, clients) << "every client asked for the one file, by TCP or KAD";
      EXPECT_EQ(e.files.at(0).size, size) << "from the KAD searches; SETREQFILEID says none";
      EXPECT_EQ(e.bittorrent_sources, 0u);
    }
  }
}

TEST(SyntheticScan, SuppressionDropsBitTorrentFalsePositivesAndMissesNoScanner) {
  auto t = truth()["scan"];
  AnalysisOptions opt;
  opt.scan.emplace();
  auto hosts = analyse("scan.pcap", opt).hosts;
  std::map<std::string, ScanHost> by;
  for (const auto& h : hosts) by[h.host.to_string()] = h;
  std::size_t fp_unsuppressed = 0, fp_suppressed = 0;
  ASSERT_GE(t["bittorrent_hosts"].size(), 1u);
  ASSERT_GE(t["scanners"].size(), 3u) << "horizontal, vertical and block scanners";
  ASSERT_EQ(t["scanners"].size(), t["kinds"].size());
  for (const auto& h : t["bittorrent_hosts"]) {
    ASSERT_TRUE(by.count(h)) << h;
    fp_unsuppressed += by[h].unsuppressed.has_value();
    fp_suppressed += by[h].suppressed.has_value();
  }
  ASSERT_GT(fp_unsuppressed, 0u) << "the unsuppressed detector must flag BitTorrent hosts for the drop to mean anything";
  EXPECT_LE(static_cast<double>(fp_suppressed), 0.1 * static_cast<double>(fp_unsuppressed))
      << fp_suppressed << " of " << fp_unsuppressed;
  for (const auto& s : t["scanners"]) {
    ASSERT_TRUE(by.count(s)) << s;
    EXPECT_TRUE(by[s].suppressed) << s << " (" << t["kinds"][s.get<std::string>()] << ") missed";
  }
}

}  // namespace
}  // namespace p2pscope::passive
