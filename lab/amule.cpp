#include "lab/amule.hpp"

#include "core/ed2k_client.hpp"
#include "core/ed2k_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>
#include <utility>

namespace p2pscope::lab {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kEcPasswordMd5 = "71420516827b2a27c98cfe0434cfa510";  // amuled wants the MD5 of kAmuleEcPassword, in hex
constexpr std::uint16_t kFirstEcPort = 4712;

std::uint16_t ec_port_of(const LabPlan& plan, std::string_view name) {
  auto all = amule_daemons(plan);
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i]->name == name) return static_cast<std::uint16_t>(kFirstEcPort + i);
  return 0;
}

Status write_text(const fs::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return fail(std::errc::io_error, "cannot write " + file.string());
  return success();
}

Status write_daemon_dir(const LabPlan& plan, const Party& p, const fs::path& dir, const fs::path& real_file,
                        const ed2k::Md4& real_hash) {
  std::error_code ec;
  fs::create_directories(dir / "Incoming", ec);
  if (!ec) fs::create_directories(dir / "Temp", ec);
  if (ec) return Error(ec).within("creating " + dir.string());
  P2PSCOPE_CHECK(write_text(dir / "amule.conf", amule_conf(p, dir, ec_port_of(plan, p.name), plan.scenario.amule_kad ? AmuleKad::on : AmuleKad::off)));
  P2PSCOPE_CHECK(write_text(dir / "server.met", lab_server_met(plan, PoisonedServers::leave_out)));
  // The lab responder's nodes only: with KadNodesUrl empty, aMule knows no other.
  P2PSCOPE_CHECK(write_text(dir / "nodes.dat", kad::encode_nodes_dat(lab_nodes_dat(plan, real_hash))));
  if (p.lite_seed) {
    // A hard link spares writing the file again per seeder; aMule only reads it.
    auto shared = dir / "Incoming" / kRealFileName;
    fs::remove(shared, ec);
    fs::create_hard_link(real_file, shared, ec);
    if (ec) fs::copy_file(real_file, shared, fs::copy_options::overwrite_existing, ec);
    if (ec) return Error(ec).within("putting the real file into " + dir.string());
  }
  return success();
}

// A downloader has a source once `show dl` lists the file with one: the
// line after its name reads "[0.0%]    1/   2  - ...", sources in use
// then sources known.
bool has_source(std::string_view show_dl) {
  auto at = show_dl.find(kRealFileName);
  if (at == std::string_view::npos) return false;
  auto slash = show_dl.find('/', show_dl.find("%]", at));
  if (slash == std::string_view::npos) return false;
  auto rest = show_dl.substr(slash + 1);
  auto first = rest.find_first_not_of(' ');
  int n = 0;
  for (auto i = first; i < rest.size() && rest[i] >= '0' && rest[i] <= '9'; ++i) n = n * 10 + (rest[i] - '0');
  return n > 0;
}

// The sources of `file` that the lab server at `server` (its TCP endpoint)
// lists, asked from inside over UDP (GLOBGETSOURCES at port + 4): their
// addresses, none when it did not answer. The asking child hands the IDs
// back through a pipe; at most 200 of them fit its buffer many times over,
// so the child never blocks.
std::vector<IpAddress> server_listed(const Sandbox& box, const Endpoint& server, const ed2k::Md4& file) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {};
  (void)box.run_function([&] {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return 1;
    timeval tv{1, 0};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(server.port + 4));
    std::memcpy(&sa.sin_addr, server.address.data(), 4);
    auto q = ed2k::encode_udp_frame({ed2k::Protocol::edonkey, ed2k::op::glob_get_sources, ed2k::encode_glob_get_sources({file})});
    ::sendto(s, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    std::string buf(65536, '\0');
    auto n = ::recv(s, buf.data(), buf.size(), 0);
    ::close(s);
    if (n <= 0) return 0;
    buf.resize(static_cast<std::size_t>(n));
    auto f = ed2k::decode_udp_frame(buf);
    if (!f || f.value().opcode != ed2k::op::glob_found_sources) return 0;
    auto lists = ed2k::decode_glob_found_sources(f.value().payload);
    if (!lists || lists.value().empty()) return 0;
    std::string ids;
    for (const auto& src : lists.value().front().sources)
      if (ids.size() < 200 * sizeof src.id) ids.append(reinterpret_cast<const char*>(&src.id), sizeof src.id);
    return ::write(fds[1], ids.data(), ids.size()) == static_cast<ssize_t>(ids.size()) ? 0 : 1;
  });
  ::close(fds[1]);
  std::string got, buf(4096, '\0');
  for (ssize_t n; (n = ::read(fds[0], buf.data(), buf.size())) > 0;) got.append(buf.data(), static_cast<std::size_t>(n));
  ::close(fds[0]);
  std::vector<IpAddress> out;
  for (std::size_t at = 0; at + 4 <= got.size(); at += 4) {
    std::uint32_t id = 0;
    std::memcpy(&id, got.data() + at, 4);
    out.push_back(ed2k::ip_of_ed2k_id(id));
  }
  return out;
}

// How many sources `peer` names through source exchange for `file`, asked
// from `from` as client number `n`: aMule answers one client once per 40
// minutes, so every ask is a new client (its own user hash and port; a
// known hash on a new port would be a ban). -1 when it could not be asked.
int sx_sources_named(const Sandbox& box, const Endpoint& peer, const IpAddress& from, const EmuleLabFile& file, int n) {
  auto rc = box.run_function([&] {
    using namespace ed2k;
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{1, 0};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in me{}, to{};
    me.sin_family = to.sin_family = AF_INET;
    std::memcpy(&me.sin_addr, from.data(), 4);
    to.sin_port = htons(peer.port);
    std::memcpy(&to.sin_addr, peer.address.data(), 4);
    if (::bind(s, reinterpret_cast<sockaddr*>(&me), sizeof me) != 0 ||
        ::connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0)
      return 255;
    auto hash = md4_of("p2pscope lab readiness probe " + std::to_string(n));
    hash.bytes[5] = 14;
    hash.bytes[14] = 111;
    Hello hello{hash, 0, static_cast<std::uint16_t>(20000 + n), crawler_hello_tags("p2pscope-lab", 3), 0, 0, {}};
    MultiRequest ask{file.link.hash, file.link.size, {}};
    ask.items.push_back({op::request_filename, empty_part_status(file.link.size), {}, 0, 0});
    ask.items.push_back({op::set_req_file_id, {}, {}, 0, 0});
    ask.items.push_back({op::request_sources2, {}, {}, 4, 0});
    auto out = encode_tcp_frame({Protocol::edonkey, op::hello, encode_hello(hello, HelloKind::hello)}) +
               encode_tcp_frame({Protocol::emule, op::multipacket_ext, encode_multipacket(ask, MultiKind::extended)});
    ::send(s, out.data(), out.size(), MSG_NOSIGNAL);
    std::string in, buf(65536, '\0');
    for (int waited = 0; waited < 4;) {
      auto got = ::recv(s, buf.data(), buf.size(), 0);
      if (got == 0) break;
      if (got < 0) {
        ++waited;
        continue;
      }
      in.append(buf.data(), static_cast<std::size_t>(got));
      for (auto f = decode_tcp_frame(in); f; f = decode_tcp_frame(in)) {
        in.erase(0, f.value().size);
        if (f.value().frame.opcode != op::answer_sources2) continue;
        auto a = decode_answer_sources2(f.value().frame.payload);
        ::close(s);
        return a ? static_cast<int>(std::min<std::size_t>(a.value().entries.size(), 200)) : 255;
      }
    }
    ::close(s);
    return 0;
  });
  return rc && rc.value() != 255 ? rc.value() : -1;
}

// The line under the real file in `show dl`, its spaces collapsed:
// "[0.0%] 1/ 2 - Waiting - 001.part.met - Auto [Hi]"; "?" when absent.
std::string download_line(std::string_view show_dl) {
  auto at = show_dl.find(kRealFileName);
  auto open = at == std::string_view::npos ? at : show_dl.find('[', at);
  if (open == std::string_view::npos) return "?";
  auto line = show_dl.substr(open, show_dl.find('\n', open) - open);
  std::string out;
  for (char c : line) {
    bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (!space) out += c;
    else if (!out.empty() && out.back() != ' ') out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The "17.6%" of such a line; "?" when it has none.
std::string percent_of(const std::string& line) {
  auto close = line.find(']');
  return line.starts_with('[') && close != std::string::npos ? line.substr(1, close - 1) : "?";
}

// `progress`, when given, is called with why() every 15 s of waiting, so a
// slow start says what it waits for.
template <class Check>
Status poll_until(Clock::time_point deadline, Check check, const std::function<std::string()>& why,
                  const std::function<void(std::string_view)>& progress = {}) {
  auto next_report = Clock::now() + std::chrono::seconds(15);
  while (!check()) {
    if (Clock::now() > deadline) return fail(std::errc::timed_out, why());
    if (progress && Clock::now() > next_report) {
      progress(why());
      next_report = Clock::now() + std::chrono::seconds(15);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return success();
}

}  // namespace

StatusOr<EmuleLabFile> write_real_file(const LabPlan& plan, const fs::path& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ed2k::FileHasher hasher;
  const auto size = static_cast<std::uint64_t>(plan.scenario.amule_file_bytes);
  for (std::uint64_t off = 0; off < size;) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size - off, 1 << 20));
    auto chunk = real_file_chunk(plan, off, n);
    out.write(chunk.data(), static_cast<std::streamsize>(n));
    hasher.update(chunk);
    off += n;
  }
  out.close();
  if (!out) return fail(std::errc::io_error, "cannot write " + path.string());
  auto set = std::move(hasher).finish();
  EmuleLabFile f;
  f.real = true;
  f.link.name = kRealFileName;
  f.link.size = size;
  f.link.hash = set.file;
  return f;
}

std::string amule_conf(const Party& p, const fs::path& dir, std::uint16_t ec_port, AmuleKad kad) {
  AmuleDaemon d;
  d.nick = p.name;
  d.at = p.endpoint;
  d.udp_port = kKadPort;
  d.autoconnect = !p.lite_seed;
  d.ec_port = ec_port;
  d.kad = kad;
  // Downloaders fetch fast until the seeders name them (they need a whole
  // part for that), then start_amuleds() slows them to 1 KiB/s.
  d.max_upload = p.lite_seed ? 6000 : 64;
  d.max_download = p.lite_seed ? 0 : 1500;
  return amule_conf(d, dir);
}

std::string amule_conf(const AmuleDaemon& d, const fs::path& dir) {
  const auto addr = d.at.address.to_string();
  // Every default that reaches the internet is overridden (emule.md §7):
  // the version check, the server and node list downloads, UPnP, the IP
  // filter download. KAD, when on, is bootstrapped from the lab responder's
  // nodes only (nodes.dat): the daemons publish themselves as sources to it.
  std::string conf = "[eMule]\nNick=" + d.nick + "\nPort=" + std::to_string(d.at.port) + "\nUDPPort=" +
                     std::to_string(d.udp_port) + "\nUDPEnable=" + (d.udp_port ? "1" : "0") + "\nAddress=" + addr +
                     "\nAutoconnect=" + std::string(d.autoconnect ? "1" : "0") + "\nReconnect=1\nConnectToED2K=1\nConnectToKad=" + std::string(d.kad == AmuleKad::on ? "1" : "0") + "\nNewVersionCheck=0\n"
                     "Serverlist=0\nAddServerListFromServer=0\nAddServerListFromClient=0\nSafeServerConnect=0\n"
                     "SmartIdCheck=0\nUPnPEnabled=0\nIPFilterAutoLoad=0\nIPFilterURL=\nKadNodesUrl=\n"
                     "Ed2kServersUrl=\nFilterLanIPs=0\nGeoIPEnabled=0\nCheckDiskspace=0\n";
  conf += "UploadCapacity=10000\nDownloadCapacity=10000\nSlotAllocation=2000\n";
  conf += "MaxUpload=" + std::to_string(d.max_upload) + "\nMaxDownload=" + std::to_string(d.max_download) + "\n";
  conf += "TempDir=" + (dir / "Temp").string() + "\nIncomingDir=" + (dir / "Incoming").string() + "\n";
  conf += "[ExternalConnect]\nAcceptExternalConnections=1\nECAddress=127.0.0.1\nECPort=" + std::to_string(d.ec_port) +
          "\nECPassword=" + kEcPasswordMd5 + "\n";
  conf += "[Obfuscation]\nIsClientCryptLayerSupported=1\nIsCryptLayerRequested=1\nIsClientCryptLayerRequired=0\n";
  conf += "[WebServer]\nEnabled=0\n";
  return conf;
}

StatusOr<std::string> amulecmd(const Sandbox& box, const LabPlan& plan, std::string_view name, std::string_view command) {
  auto port = ec_port_of(plan, name);
  if (port == 0) return fail(std::errc::invalid_argument, "no aMule daemon named " + std::string(name));
  auto out = box.state_dir() / ("amulecmd-" + std::string(name) + ".out");
  auto cmd = "amulecmd -h 127.0.0.1 -p " + std::to_string(port) + " -P " + kAmuleEcPassword + " -c '" + std::string(command) +
             "' >" + out.string() + " 2>&1";
  auto rc = box.run_function([&] { return std::system(cmd.c_str()) == 0 ? 0 : 1; });
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!rc || rc.value() != 0) return fail(std::errc::io_error, "amulecmd '" + std::string(command) + "' at " + std::string(name) + " failed: " + text);
  return text;
}

namespace {

// Waits until `server` lists every aMule daemon as a source of the real
// file; a downloader is listed once it has a whole part. Each downloader is
// slowed to 1 KiB/s as soon as it is listed, so that it stays a downloader
// for hours: a fast one would finish the file and be only a seeder. One that
// is not listed and has made no progress for a minute is given the link again:
// aMule's seeder can leave a queued downloader waiting until its 29-minute
// reask (a loaded CI run had one at 0.0% for ten minutes while the other
// finished the file), and a new download asks the server at once, which
// by then names the other downloaders as well.
constexpr auto kStalled = std::chrono::seconds(60);

Status wait_until_listed(const Sandbox& box, const LabPlan& plan, const Party& server, const EmuleLabFile& real,
                         const AmuleStart& how) {
  struct Downloader {
    const Party* party;
    std::string percent;
    Clock::time_point progressed;
    bool slowed = false;
  };
  std::vector<Downloader> dls;
  for (const auto* p : amule_daemons(plan))
    if (!p->lite_seed) dls.push_back({p, "", Clock::now()});
  const auto all = static_cast<std::size_t>(plan.scenario.amule_seeders + plan.scenario.amule_downloaders);
  const auto hash = real.link.hash.hex();
  auto next_report = Clock::now() + std::chrono::seconds(15);
  for (;;) {
    auto listed = server_listed(box, server.endpoint, real.link.hash);
    std::string state;
    for (auto& d : dls) {
      const auto& name = d.party->name;
      if (std::ranges::find(listed, d.party->endpoint.address) != listed.end()) {
        if (!d.slowed) P2PSCOPE_CHECK(amulecmd(box, plan, name, "set bwlimit down 1"));
        d.slowed = true;
        state += "; " + name + " is listed";
        continue;
      }
      auto dl = amulecmd(box, plan, name, "show dl");
      auto line = dl ? download_line(dl.value()) : "?";
      auto percent = percent_of(line);
      state += "; " + name + ": " + line;
      if (percent != d.percent || percent == "?") {
        d.percent = percent;
        d.progressed = Clock::now();
      } else if (Clock::now() - d.progressed > kStalled) {
        if (how.progress) how.progress(name + " made no progress for a minute at " + percent + "; giving it the link again");
        P2PSCOPE_CHECK(amulecmd(box, plan, name, "cancel " + hash));
        P2PSCOPE_CHECK(amulecmd(box, plan, name, "add " + ed2k::format_link(real.link)));
        d.progressed = Clock::now();
      }
    }
    if (listed.size() >= all) return success();
    auto why = server.name + " lists " + std::to_string(listed.size()) + " of the " + std::to_string(all) + " aMule daemons" + state;
    if (Clock::now() > how.deadline) return fail(std::errc::timed_out, why);
    if (how.progress && Clock::now() > next_report) {
      how.progress(why);
      next_report = Clock::now() + std::chrono::seconds(15);
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}

}  // namespace

Status start_amuleds(const Sandbox& box, const LabPlan& plan, const fs::path& state_dir, const EmuleLabFile& real,
                     const AmuleStart& how) {
  auto say = [&](const std::string& m) {
    if (how.progress) how.progress(m);
  };
  const auto root = state_dir / "amule";
  auto log_of = [&](const Party& p) { return (root / p.name / "logfile").string(); };
  auto start = [&](bool seeders) -> Status {
    for (const auto* p : amule_daemons(plan)) {
      if (p->lite_seed != seeders) continue;
      auto dir = root / p->name;
      P2PSCOPE_CHECK(write_daemon_dir(plan, *p, dir, root / kRealFileName, real.link.hash));
      auto pid = box.spawn({"amuled", "-c", dir.string()}, root / (p->name + ".log"));
      if (!pid) return Error(pid.error()).within("starting amuled " + p->name);
    }
    for (const auto* p : amule_daemons(plan)) {
      if (p->lite_seed == seeders && !wait_for_tcp_listener(box, p->endpoint, how.deadline))
        return fail(std::errc::timed_out, "amuled " + p->name + " did not start listening; see " + log_of(*p));
    }
    return success();
  };
  // A seeder that logs in before it has hashed the file never offers it
  // (aMule sends its list at login), so seeders log in once it is shared,
  // and downloaders start once the server lists a seeder: they ask the
  // server once, and again only 20 minutes later.
  const Party* server = nullptr;
  for (const auto* s : plan.with_role(Role::ed2k_server))
    if (s->variant == 0) server = s;
  if (!server) return fail(std::errc::invalid_argument, "aMule daemons need an honest lab server");
  P2PSCOPE_CHECK(start(true));
  say("waiting until the aMule seeders have hashed the real file and offered it");
  for (const auto* p : amule_daemons(plan)) {
    if (!p->lite_seed) continue;
    P2PSCOPE_CHECK(poll_until(
        how.deadline,
        [&] {
          auto shared = amulecmd(box, plan, p->name, "show shared");
          return shared && shared.value().find(kRealFileName) != std::string::npos;
        },
        [&] { return "aMule seeder " + p->name + " did not share the real file; see " + log_of(*p); }));
    P2PSCOPE_CHECK(amulecmd(box, plan, p->name, "connect"));
  }
  P2PSCOPE_CHECK(poll_until(
      how.deadline, [&] { return std::cmp_greater_equal(server_listed(box, server->endpoint, real.link.hash).size(), plan.scenario.amule_seeders); },
      [&] { return server->name + " never listed the aMule seeders of the real file"; }));
  P2PSCOPE_CHECK(start(false));
  say("giving the aMule downloaders the real file's link");
  auto link = ed2k::format_link(real.link);
  for (const auto* p : amule_daemons(plan)) {
    if (p->lite_seed) continue;
    P2PSCOPE_CHECK(poll_until(
        how.deadline,
        [&] {
          auto st = amulecmd(box, plan, p->name, "status");
          return st && st.value().find("with HighID") != std::string::npos;
        },
        [&] { return "aMule downloader " + p->name + " did not log in to " + server->name + "; see " + log_of(*p); }));
    P2PSCOPE_CHECK(amulecmd(box, plan, p->name, "add " + link));
  }
  say("waiting until every aMule downloader has a source");
  for (const auto* p : amule_daemons(plan)) {
    if (p->lite_seed) continue;
    P2PSCOPE_CHECK(poll_until(
        how.deadline,
        [&] {
          auto dl = amulecmd(box, plan, p->name, "show dl");
          return dl && has_source(dl.value());
        },
        [&] { return "aMule downloader " + p->name + " found no source; see " + log_of(*p); }));
  }
  // A downloader offers its part file to the server once it has a whole
  // part, and then names its sources through source exchange. The seeders
  // name their upload queue only while it holds such downloaders, which
  // aMule's slot rotation does not promise; the crawl does not rely on it.
  say("waiting until the aMule downloaders have a whole part and answer source exchange");
  P2PSCOPE_CHECK(wait_until_listed(box, plan, *server, real, how));
  const auto probe_from = plan.client_addresses().back();
  int asked = 0;
  for (const auto* p : amule_daemons(plan)) {
    if (p->lite_seed) continue;
    int named = 0;
    P2PSCOPE_CHECK(poll_until(
        how.deadline, [&] { return (named = sx_sources_named(box, p->endpoint, probe_from, real, ++asked)) > 0; },
        [&] { return "aMule downloader " + p->name + " named no source through source exchange; see " + log_of(*p); }));
  }
  return success();
}

}  // namespace p2pscope::lab
