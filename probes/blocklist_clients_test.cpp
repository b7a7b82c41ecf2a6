// Blocklists as real loaders read them: transmission-daemon (its blocklists/
// directory), qbittorrent-nox (its IP filter, parsed into a libtorrent
// ip_filter), nft and ipset. Each runs inside a lab sandbox, a private network
// namespace with no route out (and its own netfilter tables), from a fresh
// profile; the rule count it reports must equal the count format_blocklist
// reports, and Transmission's compiled list must hold exactly our ranges.
#include "core/output_file.hpp"
#include "lab/sandbox.hpp"
#include "probes/blocklist.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

namespace p2pscope::probes {
namespace {

namespace fs = std::filesystem;

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

// A list that gives a loader every chance to disagree: single addresses with
// gaps of one, ranges that overlap or touch (merged by us, so by nobody
// else), the ends of the address space, IPv6 (which P2P and DAT cannot
// carry), and labels with colons, commas, '#', control bytes and UTF-8.
std::vector<IpRange> hostile_ranges() {
  std::vector<IpRange> out;
  std::mt19937 rng(5);
  const char* labels[] = {"Farm: Hosting, Inc.", "#not a comment", "//nor this", "tab\there", "bell\x07", "Ünïcode ÅS",
                          "", "anti-p2p", "p2pscope byte_order"};
  for (int i = 0; i < 3000; ++i) {
    std::array<std::uint8_t, 4> b{static_cast<std::uint8_t>(1 + rng() % 223), static_cast<std::uint8_t>(rng()),
                                  static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng() % 250)};
    auto first = IpAddress::v4(b);
    b[3] = static_cast<std::uint8_t>(b[3] + rng() % 6);
    out.push_back(make_range(first, IpAddress::v4(b), labels[i % std::size(labels)]).value());
  }
  for (int i = 0; i < 40; i += 2) {  // every other address of one /26
    auto a = IpAddress::v4({45, 1, 2, static_cast<std::uint8_t>(i)});
    out.push_back(make_range(a, a, "gapped").value());
  }
  out.push_back(make_range(ip("10.0.0.0"), ip("10.0.0.255"), "a").value());
  out.push_back(make_range(ip("10.0.1.0"), ip("10.0.1.9"), "touches a").value());
  out.push_back(make_range(ip("10.0.0.128"), ip("10.0.2.0"), "overlaps both").value());
  out.push_back(make_range(ip("0.0.0.0"), ip("0.0.0.0"), "first").value());
  out.push_back(make_range(ip("255.255.255.255"), ip("255.255.255.255"), "last").value());
  out.push_back(make_range(ip("2001:db8::"), ip("2001:db8::ffff"), "v6").value());
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A fresh directory and a sandbox for one client run; the client is stopped
// and everything removed at the end.
class BlocklistClient : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& argv) {
    auto pid = box_->spawn(argv, dir_ / "client.log");
    ASSERT_TRUE(pid) << pid.error().message();
    pid_ = pid.value();
  }
  // Waits (up to 30 s) for file to match re; returns its first group.
  std::string wait_for(const fs::path& file, const std::regex& re) {
    for (int i = 0; i < 300; ++i) {
      std::smatch m;
      auto text = slurp(file);
      if (std::regex_search(text, m, re)) return m[1].str();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "nothing matched in " << file << ":\n" << slurp(file) << slurp(dir_ / "client.log");
    return {};
  }
  Blocklist write_list(BlocklistFormat f, const fs::path& file) {
    auto list = format_blocklist(hostile_ranges(), f);
    fs::create_directories(file.parent_path());
    std::string why;
    EXPECT_TRUE(write_output_file(file, list.text, &why)) << why;
    return list;
  }

  // qBittorrent reads one filter file, choosing its parser by extension, into
  // a libtorrent ip_filter, and logs how many rules it applied. Returns that
  // count and the count format_blocklist reported for the file.
  std::pair<std::string, std::string> qbittorrent_rules(BlocklistFormat f) {
    auto filter = dir_ / (std::string("filter.") + std::string(to_string(f)));
    auto list = write_list(f, filter);
    auto profile = dir_ / "profile";
    fs::create_directories(profile / "qBittorrent" / "config");
    std::ofstream(profile / "qBittorrent" / "config" / "qBittorrent.conf")
        << "[LegalNotice]\nAccepted=true\n\n"
        << "[BitTorrent]\nSession\\IPFilteringEnabled=true\nSession\\IPFilter=" << filter.string()
        << "\nSession\\DHTEnabled=false\nSession\\LSDEnabled=false\nSession\\PeXEnabled=false\nSession\\Port=51414\n\n"
        << "[Preferences]\nConnection\\UPnP=false\nConnection\\ResolvePeerCountries=false\nWebUI\\Port=18080\n";
    start({"qbittorrent-nox", "--profile=" + profile.string()});
    auto applied = wait_for(profile / "qBittorrent" / "data" / "logs" / "qbittorrent.log",
                            std::regex(R"(Number of rules applied: (\d+))"));
    return {applied, std::to_string(list.rules)};
  }

  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("p2pscope-blocklist-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    lab::SandboxSpec spec;
    spec.state_dir = dir_ / "lab";
    spec.addresses = {ip("23.1.2.3")};
    std::string why;
    auto box = lab::Sandbox::create(spec, &why);
    ASSERT_TRUE(box) << box.error().message() << ": " << why;
    box_.emplace(std::move(box).value());
  }
  void TearDown() override {
    stop();
    if (box_) (void)box_->destroy();
    fs::remove_all(dir_);
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  fs::path dir_;
  std::optional<lab::Sandbox> box_;
  pid_t pid_ = -1;
};

// Transmission 3.00 compiles each list into NAME.bin: (begin, end) pairs of
// host-order uint32, sorted.
std::vector<std::pair<std::uint32_t, std::uint32_t>> transmission_bin(const fs::path& file) {
  auto bytes = slurp(file);
  std::vector<std::uint32_t> words(bytes.size() / 4);
  std::memcpy(words.data(), bytes.data(), words.size() * 4);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (std::size_t i = 0; i + 1 < words.size(); i += 2) out.emplace_back(words[i], words[i + 1]);
  return out;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> v4_pairs(const std::vector<IpRange>& ranges) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (const auto& r : merge_ranges(ranges))
    if (r.first.is_v4()) out.emplace_back(static_cast<std::uint32_t>(value_of(r.first)), static_cast<std::uint32_t>(value_of(r.last)));
  return out;
}

TEST_F(BlocklistClient, TransmissionLoadsOurP2PAndDatListsRuleForRule) {
  auto config = dir_ / "transmission";
  auto p2p = write_list(BlocklistFormat::p2p, config / "blocklists" / "p2pscope.p2p");
  auto dat = write_list(BlocklistFormat::dat, config / "blocklists" / "p2pscope.dat");
  std::ofstream(config / "settings.json")
      << R"({"blocklist-enabled": true, "dht-enabled": false, "lpd-enabled": false, "pex-enabled": false,
            "port-forwarding-enabled": false, "rpc-enabled": false, "utp-enabled": false,
            "bind-address-ipv4": "23.1.2.3", "peer-port": 51413, "download-dir": ")"
      << (dir_ / "downloads").string() << "\"}\n";
  start({"transmission-daemon", "--foreground", "--config-dir", config.string(), "--log-info"});
  auto log = dir_ / "client.log";
  EXPECT_EQ(wait_for(log, std::regex(R"(Blocklist "p2pscope\.p2p\.bin" contains (\d+) entries)")), std::to_string(p2p.rules));
  EXPECT_EQ(wait_for(log, std::regex(R"(Blocklist "p2pscope\.dat\.bin" contains (\d+) entries)")), std::to_string(dat.rules));
  EXPECT_GT(p2p.rules, 2900u);
  EXPECT_EQ(p2p.left_out_v6, 1u);
  auto want = v4_pairs(hostile_ranges());
  EXPECT_EQ(transmission_bin(config / "blocklists" / "p2pscope.p2p.bin"), want);
  EXPECT_EQ(transmission_bin(config / "blocklists" / "p2pscope.dat.bin"), want);
}

TEST_F(BlocklistClient, QBittorrentLoadsOurP2PListIntoItsIpFilterRuleForRule) {
  auto [applied, ours] = qbittorrent_rules(BlocklistFormat::p2p);
  EXPECT_EQ(applied, ours);
}

TEST_F(BlocklistClient, QBittorrentLoadsOurDatListIntoItsIpFilterRuleForRule) {
  auto [applied, ours] = qbittorrent_rules(BlocklistFormat::dat);
  EXPECT_EQ(applied, ours);
}

// Runs `command` inside the sandbox and returns its output.
std::string output_of(const lab::Sandbox& box, const fs::path& dir, const std::string& command) {
  auto out = dir / "out.txt";
  auto rc = box.run({"sh", "-c", command + " > " + out.string() + " 2>&1"});
  EXPECT_TRUE(rc && rc.value() == 0) << command << ":\n" << slurp(out);
  return slurp(out);
}

// `ipset list` prints a header, then "Members:" and one entry per line.
std::size_t ipset_members(const std::string& listing) {
  std::istringstream lines(listing);
  std::size_t n = 0;
  bool members = false;
  for (std::string line; std::getline(lines, line);) {
    if (members && !line.empty()) ++n;
    members = members || line == "Members:";
  }
  return n;
}

// The elements nft holds in one set, from its JSON listing.
std::size_t nft_elements(const lab::Sandbox& box, const fs::path& dir, const std::string& set) {
  auto doc = nlohmann::json::parse(output_of(box, dir, "nft -j list set inet p2pscope " + set), nullptr, false);
  for (const auto& item : doc.value("nftables", nlohmann::json::array()))
    if (item.contains("set")) return item["set"].value("elem", nlohmann::json::array()).size();
  ADD_FAILURE() << "no set " << set << " in: " << doc.dump();
  return 0;
}

TEST_F(BlocklistClient, NftLoadsOurSetsElementForElement) {
  auto list = write_list(BlocklistFormat::nft, dir_ / "blocklist.nft");
  ASSERT_EQ(box_->run({"nft", "-f", (dir_ / "blocklist.nft").string()}).value(), 0) << list.text.substr(0, 500);
  auto v6 = nft_elements(*box_, dir_, "blocklist_v6");
  EXPECT_EQ(nft_elements(*box_, dir_, "blocklist_v4") + v6, list.rules);
  EXPECT_EQ(v6, 1u);
}

TEST_F(BlocklistClient, IpsetRestoresOurSetsEntryForEntry) {
  auto list = write_list(BlocklistFormat::ipset, dir_ / "blocklist.ipset");
  ASSERT_EQ(box_->run({"ipset", "restore", "-file", (dir_ / "blocklist.ipset").string()}).value(), 0);
  auto v4 = ipset_members(output_of(*box_, dir_, "ipset list p2pscope-v4"));
  auto v6 = ipset_members(output_of(*box_, dir_, "ipset list p2pscope-v6"));
  EXPECT_EQ(v4 + v6, list.rules);
  EXPECT_EQ(v6, 1u);  // 2001:db8::/112
}

}  // namespace
}  // namespace p2pscope::probes
