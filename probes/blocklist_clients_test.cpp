// Blocklists as real loaders read them: transmission-daemon (its blocklists/
// directory), qbittorrent-nox (its IP filter, parsed into a libtorrent
// ip_filter), nft and ipset. Each runs inside a lab sandbox, a private network
// namespace with no route out (and its own netfilter tables), from a fresh
// profile; the rule count it reports must equal the count format_blocklist
// reports, and Transmission's compiled list must hold exactly our ranges.
#include "core/output_file.hpp"
#include "lab/sandbox.hpp"
#include "probes/blocklist.hpp"
#include "store/record_json.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>
#include <iterator>
#include <regex>
#include <set>
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
  void start(const std::vector<std::string>& argv, const std::string& log = "client.log") {
    auto pid = box_->spawn(argv, dir_ / log);
    ASSERT_TRUE(pid) << pid.error().message();
    pids_.push_back(pid.value());
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
    auto st = write_output_file(file, list.text);
    EXPECT_TRUE(st) << message_of(st);
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
        << "[Preferences]\nConnection\\UPnP=false\nConnection\\ResolvePeerCountries=false\nWebUI\\Port=18080\n"
        << "WebUI\\LocalHostAuth=false\n";
    start({"qbittorrent-nox", "--profile=" + profile.string()});
    auto applied = wait_for(profile / "qBittorrent" / "data" / "logs" / "qbittorrent.log",
                            std::regex(R"(Number of rules applied: (\d+))"));
    return {applied, std::to_string(list.rules)};
  }

  void expect_qbittorrent_blocks_exactly(BlocklistFormat f);

  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("p2pscope-blocklist-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    lab::SandboxSpec spec;
    spec.state_dir = dir_ / "lab";
    spec.addresses = {ip("23.1.2.3")};
    auto box = lab::Sandbox::create(spec);
    ASSERT_TRUE(box) << message_of(box);
    box_.emplace(std::move(box).value());
  }
  void TearDown() override {
    stop();
    if (box_) (void)box_->destroy();
    fs::remove_all(dir_);
  }

  void stop() {
    for (auto pid : pids_) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
    pids_.clear();
  }

  // Runs argv in the sandbox; its exit status, with what it printed in *out.
  int run(const std::vector<std::string>& argv, std::string* out) {
    std::string command;
    for (const auto& a : argv) command += "'" + std::regex_replace(a, std::regex("'"), "'\\''") + "' ";
    auto file = dir_ / "run.out";
    auto rc = box_->run({"sh", "-c", command + "> " + file.string() + " 2>&1"});
    *out = slurp(file);
    return rc ? rc.value() : -1;
  }

  // A crawl of `peers` anti-P2P peers (each accepted a random infohash), in
  // runs of consecutive addresses, as record files `p2pscope serve` and
  // `diagnose` read. Returns the path; *ranges gets their addresses.
  // `peers` IPv4 anti-P2P peers in runs of three, then `v6_peers` IPv6 ones.
  fs::path anti_p2p_crawl(int peers, std::vector<IpRange>* ranges, int v6_peers = 0);
  void wait_for_port(int port);

  fs::path dir_;
  std::optional<lab::Sandbox> box_;
  std::vector<pid_t> pids_;
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

// The IPv4 addresses the ranges cover, one by one: computed without our
// merge_ranges, so a merge bug cannot agree with itself.
std::set<std::uint32_t> covered_v4(const std::vector<IpRange>& ranges) {
  std::set<std::uint32_t> out;
  for (const auto& r : ranges) {
    if (!r.first.is_v4()) continue;
    for (auto a = r.first.v4_value();; ++a) {
      out.insert(a);
      if (a == r.last.v4_value()) break;
    }
  }
  return out;
}

// Maximal runs of consecutive covered addresses: what any correct loader holds.
std::vector<std::pair<std::uint32_t, std::uint32_t>> runs_of(const std::set<std::uint32_t>& covered) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (auto a : covered) {
    if (!out.empty() && out.back().second != 0xffffffffu && out.back().second + 1 == a) out.back().second = a;
    else out.emplace_back(a, a);
  }
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
  auto want = runs_of(covered_v4(hostile_ranges()));
  ASSERT_EQ(want.size(), p2p.rules) << "our merged list and the address-by-address runs disagree";
  EXPECT_EQ(transmission_bin(config / "blocklists" / "p2pscope.p2p.bin"), want);
  EXPECT_EQ(transmission_bin(config / "blocklists" / "p2pscope.dat.bin"), want);
}

// Addresses just inside and just outside the ends of every covered run
// that can be a TCP source in the sandbox (not 0/8, 127/8 or 224/3).
std::vector<std::uint32_t> boundary_probes(const std::set<std::uint32_t>& covered) {
  std::vector<std::uint32_t> out;
  auto usable = [](std::uint32_t a) { return a >> 24 != 0 && a >> 24 != 127 && a >> 24 < 224; };
  auto runs = runs_of(covered);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    // Every 40th run, and every run of the merged 10.0.0.0-10.0.2.9 corner.
    if (i % 40 != 0 && runs[i].first >> 16 != 0x0a00) continue;
    for (auto a : {runs[i].first - 1, runs[i].first, runs[i].first + 1, runs[i].second, runs[i].second + 1})
      if (usable(a)) out.push_back(a);
  }
  for (std::uint32_t a = 0x2d010200; a <= 0x2d010229; ++a) out.push_back(a);  // the gapped 45.1.2.0/26, one by one
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// qBittorrent logs every connection its IP filter blocks in its peer log
// (WebUI API log/peers). Connections from addresses at the ends of every
// range must be blocked exactly when the address-by-address oracle covers
// them: the ranges themselves compared, not only their count.
void BlocklistClient::expect_qbittorrent_blocks_exactly(BlocklistFormat f) {
  auto [applied, ours] = qbittorrent_rules(f);
  EXPECT_EQ(applied, ours);
  auto covered = covered_v4(hostile_ranges());
  auto probes = boundary_probes(covered);
  ASSERT_GT(probes.size(), 100u);
  auto script = dir_ / "probe.py";
  std::ofstream(script) << R"py(
import json, socket, subprocess, sys, time, urllib.request
sources = sys.argv[1:]
for s in sources:
    subprocess.run(["ip", "addr", "add", s + "/32", "dev", "lo"], check=True)
for s in sources:
    c = socket.socket()
    c.bind((s, 0))
    c.settimeout(2)
    try:
        c.connect(("23.1.2.3", 51414))
        c.sendall(b"BitTorrent protocol" + bytes(8) + b"i" * 20 + b"p" * 20)
        c.recv(100)
    except OSError:
        pass
    c.close()
time.sleep(2)
log = json.load(urllib.request.urlopen("http://127.0.0.1:18080/api/v2/log/peers"))
print(" ".join(sorted({e["ip"] for e in log if e["blocked"]})))
)py";
  std::vector<std::string> argv{"python3", script.string()};
  std::set<std::string> want;
  for (auto a : probes) {
    argv.push_back(IpAddress::v4(a).to_string());
    if (covered.count(a)) want.insert(argv.back());
  }
  auto out = dir_ / "blocked.txt";
  std::string command;
  for (const auto& a : argv) command += a + " ";
  auto rc = box_->run({"sh", "-c", command + "> " + out.string() + " 2>&1"});
  ASSERT_TRUE(rc && rc.value() == 0) << slurp(out);
  std::istringstream words(slurp(out));
  std::set<std::string> blocked{std::istream_iterator<std::string>(words), {}};
  EXPECT_EQ(blocked, want) << probes.size() << " sources tried";
  EXPECT_GT(want.size(), 20u);
  EXPECT_LT(want.size(), probes.size()) << "some probes must be outside every range";
}

TEST_F(BlocklistClient, QBittorrentBlocksExactlyOurP2PRanges) { expect_qbittorrent_blocks_exactly(BlocklistFormat::p2p); }

TEST_F(BlocklistClient, QBittorrentBlocksExactlyOurDatRanges) { expect_qbittorrent_blocks_exactly(BlocklistFormat::dat); }

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

fs::path BlocklistClient::anti_p2p_crawl(int peers, std::vector<IpRange>* ranges, int v6_peers) {
  auto file = dir_ / "crawl.jsonl";
  std::ofstream out(file);
  auto ih = InfoHash::from_bytes(std::string(20, 'h')).value();
  for (int i = 0; i < peers + v6_peers; ++i) {
    // 45.0.x.y: runs of three addresses with a gap of one, so merging matters;
    // then 2a05:d0::<n> (global unicast, written only into records here)
    auto a = i < peers ? IpAddress::v4(0x2d000000u + static_cast<std::uint32_t>(i / 3 * 4 + i % 3 + 1))
                       : IpAddress::parse("2a05:d0::" + std::to_string(i - peers + 1)).value();
    Observation o;
    o.info_hash = ih;
    o.peer = {a, 6881};
    o.via = Via::tracker_udp;
    o.source_url = "udp://t.example:6969/announce";
    out << to_json_line(Record{o}) << "\n";
    ProbeResult p;
    p.peer = o.peer;
    p.info_hash = ih;
    p.probe = ProbeKind::fake_infohash;
    p.outcome = ProbeOutcome::positive;
    out << to_json_line(Record{p}) << "\n";
    ranges->push_back({a, a, "p2pscope anti_p2p"});
  }
  return file;
}

void BlocklistClient::wait_for_port(int port) {
  std::string out;
  for (int i = 0; i < 300; ++i) {
    if (run({"python3", "-c", "import socket; socket.create_connection(('127.0.0.1', " + std::to_string(port) + "), 1)"},
            &out) == 0)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "nothing listens on 127.0.0.1:" << port << ": " << out << slurp(dir_ / "client.log");
}

// Issue 27: Transmission fetches the list `p2pscope serve` serves (gzipped),
// told to by `p2pscope push`, and holds as many rules as the list has.
TEST_F(BlocklistClient, TransmissionFetchesTheServedFeedWhenPushedAndHoldsItsRules) {
  std::vector<IpRange> anti;
  auto crawl = anti_p2p_crawl(300, &anti);
  auto want = format_blocklist(merge_ranges(anti), BlocklistFormat::p2p);
  ASSERT_EQ(want.rules, 100u) << "300 addresses in runs of three";
  start({P2PSCOPE_BINARY, "serve", "--listen", "127.0.0.1:18412", "--refresh", "0", crawl.string()}, "serve.log");
  auto config = dir_ / "transmission";
  fs::create_directories(config);
  std::ofstream(config / "settings.json")
      << R"({"blocklist-enabled": false, "dht-enabled": false, "lpd-enabled": false, "pex-enabled": false,
            "port-forwarding-enabled": false, "rpc-enabled": true, "rpc-bind-address": "127.0.0.1", "rpc-port": 19091,
            "rpc-authentication-required": false, "rpc-whitelist-enabled": false, "rpc-host-whitelist-enabled": false,
            "utp-enabled": false, "bind-address-ipv4": "23.1.2.3", "peer-port": 51413, "download-dir": ")"
      << (dir_ / "downloads").string() << "\"}\n";
  start({"transmission-daemon", "--foreground", "--config-dir", config.string(), "--log-info"});
  wait_for_port(18412);
  wait_for_port(19091);
  std::string out;
  ASSERT_EQ(run({P2PSCOPE_BINARY, "push", "--transmission", "http://127.0.0.1:19091", "--feed",
                 "http://127.0.0.1:18412/blocklist.p2p.gz"}, &out), 0) << out << slurp(dir_ / "serve.log");
  EXPECT_NE(out.find("fetched http://127.0.0.1:18412/blocklist.p2p.gz: 100 rule(s)"), std::string::npos) << out;
  EXPECT_EQ(wait_for(dir_ / "client.log", std::regex(R"(Blocklist "blocklist\.bin" updated with (\d+) entries)")),
            std::to_string(want.rules));
  auto held = runs_of(covered_v4(anti));
  EXPECT_EQ(transmission_bin(config / "blocklists" / "blocklist.bin"), held) << "the ranges themselves, not only their count";
}

// Issue 27: `p2pscope push` logs in to qBittorrent's WebUI with credentials
// from a file and bans every anti-P2P peer, IPv4 and IPv6; qBittorrent's own
// API lists them.
TEST_F(BlocklistClient, QBittorrentShowsThePushedBansThroughItsOwnApi) {
  std::vector<IpRange> anti;
  auto crawl = anti_p2p_crawl(60, &anti, 6);
  std::string out;
  auto verdicts = dir_ / "verdicts.jsonl";
  ASSERT_EQ(run({P2PSCOPE_BINARY, "diagnose", "--report", "none", "-o", verdicts.string(), crawl.string()}, &out), 0) << out;
  auto profile = dir_ / "profile";
  fs::create_directories(profile / "qBittorrent" / "config");
  // qBittorrent keeps PBKDF2-HMAC-SHA512 (100000 rounds, 16-byte salt) of the WebUI password.
  ASSERT_EQ(run({"python3", "-c",
                 "import base64,hashlib; s=bytes(range(16)); k=hashlib.pbkdf2_hmac('sha512', b'pw-of-the-test', s, "
                 "100000); print('@ByteArray(%s:%s)' % (base64.b64encode(s).decode(), base64.b64encode(k).decode()))"},
                &out), 0) << out;
  auto hash = out.substr(0, out.find('\n'));
  std::ofstream(profile / "qBittorrent" / "config" / "qBittorrent.conf")
      << "[LegalNotice]\nAccepted=true\n\n"
      << "[BitTorrent]\nSession\\DHTEnabled=false\nSession\\LSDEnabled=false\nSession\\PeXEnabled=false\n"
      << "Session\\Port=51414\n\n[Preferences]\nConnection\\UPnP=false\nConnection\\ResolvePeerCountries=false\n"
      << "WebUI\\Port=18080\nWebUI\\LocalHostAuth=true\nWebUI\\Username=p2pscope\n"
      << "WebUI\\Password_PBKDF2=\"" << hash << "\"\n";
  start({"qbittorrent-nox", "--profile=" + profile.string()});
  wait_for_port(18080);
  auto secret = dir_ / "qbittorrent.credentials";
  std::ofstream(secret) << "p2pscope:pw-of-the-test\r\n";  // saved with CRLF: the \r is not the password's
  fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_EQ(run({P2PSCOPE_BINARY, "push", "--qbittorrent", "http://127.0.0.1:18080", "--credentials", secret.string(),
                 verdicts.string()}, &out), 0) << out;
  EXPECT_NE(out.find("66 of the 66 pushed"), std::string::npos) << out;
  // Ask qBittorrent ourselves, without p2pscope in the way.
  ASSERT_EQ(run({"python3", "-c", R"py(
import http.cookiejar, urllib.parse, urllib.request, json
o = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
o.open("http://127.0.0.1:18080/api/v2/auth/login", urllib.parse.urlencode({"username": "p2pscope", "password": "pw-of-the-test"}).encode())
print("\n".join(sorted(json.load(o.open("http://127.0.0.1:18080/api/v2/app/preferences"))["banned_IPs"].split("\n"))))
)py"}, &out), 0) << out;
  std::set<std::string> banned, want;
  std::istringstream lines(out);
  for (std::string l; std::getline(lines, l);)
    if (!l.empty()) banned.insert(l);
  for (const auto& r : anti) want.insert(r.first.to_string());
  EXPECT_EQ(banned, want);
  ASSERT_EQ(run({P2PSCOPE_BINARY, "push", "--qbittorrent", "http://127.0.0.1:18080", verdicts.string()}, &out), 1)
      << "without credentials the WebUI refuses: " << out;
}

}  // namespace
}  // namespace p2pscope::probes
