// p2pscope-reference-client: the harness's libtorrent reference client. A
// plain libtorrent session (libtorrent's own ut_pex, DHT, trackers) that
// downloads one torrent (or none: the idle run) and prints its alerts, until
// SIGTERM or SIGINT. --anonymous turns on libtorrent's anonymous_mode.
// --bug swaps libtorrent's ut_pex for a deliberately broken one (the
// harness's positive control; see buggy_pex.hpp), or (announce-ip-host-order)
// announces its own address in host byte order, as a 2023 release of a
// popular client did in its UDP announces: libtorrent's announce_ip set to
// the listen address reversed, so every announce's "ip" names 4.3.2.1 for
// a client at 1.2.3.4. --bug ipv6-reply-as-ipv4 announces over IPv6 itself
// (BEP 15, from --listen6) and reads the reply's 18-byte peers 6 bytes at a
// time, as a client that assumes IPv4 replies would: each IPv6 peer becomes
// three IPv4 ones, which it lists in ut_pex besides its handshaken peers.
#include "core/compact.hpp"
#include "core/ip.hpp"
#include "crawler/tracker_client.hpp"
#include "lab/announcer.hpp"
#include "taint-harness/buggy_pex.hpp"
#include "taint-harness/drivers.hpp"

#include <CLI/CLI.hpp>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/version.hpp>

#include <csignal>
#include <iostream>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

lt::settings_pack settings(const std::string& listen, const std::string& listen6,
                           const std::vector<std::string>& dht_nodes, p2pscope::harness::Anonymity anonymity) {
  lt::settings_pack s;
  auto ip = listen.substr(0, listen.rfind(':'));
  s.set_str(lt::settings_pack::listen_interfaces, listen + (listen6.empty() ? "" : "," + listen6));
  // libtorrent takes an IPv6 address here without brackets.
  auto ip6 = listen6.empty() ? std::string() : listen6.substr(1, listen6.rfind(']') - 1);
  s.set_str(lt::settings_pack::outgoing_interfaces, ip + (ip6.empty() ? "" : "," + ip6));
  std::string boot;
  for (const auto& n : dht_nodes) boot += (boot.empty() ? "" : ",") + n;
  s.set_str(lt::settings_pack::dht_bootstrap_nodes, boot);
  s.set_bool(lt::settings_pack::enable_dht, true);
  s.set_bool(lt::settings_pack::enable_lsd, false);
  s.set_bool(lt::settings_pack::enable_upnp, false);
  s.set_bool(lt::settings_pack::enable_natpmp, false);
  s.set_bool(lt::settings_pack::announce_to_all_tiers, true);
  s.set_bool(lt::settings_pack::announce_to_all_trackers, true);
  s.set_int(lt::settings_pack::out_enc_policy, lt::settings_pack::pe_disabled);
  s.set_str(lt::settings_pack::peer_fingerprint, "-PR0100-");
  s.set_str(lt::settings_pack::user_agent, "p2pscope-reference/0.1 libtorrent/" LIBTORRENT_VERSION);
  s.set_bool(lt::settings_pack::anonymous_mode, anonymity == p2pscope::harness::Anonymity::on);
  s.set_int(lt::settings_pack::alert_mask, lt::alert_category::error | lt::alert_category::status |
                                               lt::alert_category::tracker | lt::alert_category::dht);
  return s;
}

// The bug of --bug ipv6-reply-as-ipv4: a BEP 15 announce to the torrent's
// first udp://[IPv6] tracker from `self6`, its reply's peer bytes read with
// the IPv4 stride. Empty (and a line on stderr) when no announce succeeds.
std::vector<p2pscope::Endpoint> misread_ipv6_announce(const lt::torrent_info& ti, const p2pscope::Endpoint& self6) {
  using namespace p2pscope;
  std::optional<Endpoint> tracker;
  for (const auto& t : ti.trackers()) {
    auto url = crawler::parse_tracker_url(t.url);
    if (!url || url.value().scheme != crawler::TrackerUrl::Scheme::udp) continue;
    auto addr = IpAddress::parse(url.value().host);
    if (addr && addr.value().is_v6()) {
      tracker = Endpoint{addr.value(), url.value().port};
      break;
    }
  }
  if (!tracker) {
    std::cerr << "p2pscope-reference-client: the torrent names no udp://[IPv6] tracker\n";
    return {};
  }
  auto v1 = ti.info_hashes().v1;
  lab::AnnounceSpec spec{InfoHash::from_bytes(std::string_view(v1.data(), v1.size())).value(),
                         PeerId::from_bytes("-PR0100-misreadipv6x").value(), self6.port, false, std::nullopt};
  Result<UdpAnnounceResponse> reply = make_error_code(std::errc::timed_out);
  net::asio::io_context io;
  net::asio::co_spawn(io, [&]() -> net::awaitable<void> { reply = co_await lab::udp_announce(self6.address, *tracker, spec); },
                      net::asio::detached);
  io.run_for(std::chrono::seconds(20));
  if (!reply) {
    std::cerr << "p2pscope-reference-client: IPv6 announce to " << tracker->to_string() << ": " << reply.error().message() << "\n";
    return {};
  }
  // The reply's peer section is these bytes; the defect is the stride.
  auto misread = decode_compact_peers(encode_compact_peers(reply.value().peers), Family::v4, 3 * reply.value().peers.size());
  return misread ? misread.value() : std::vector<Endpoint>{};
}

struct Args {
  std::string torrent, save = ".", listen, listen6, bug;
  std::vector<std::string> dht_nodes;
  bool anonymous = false;
};

// libtorrent's default plugins (ut_metadata, ut_pex, smart_ban), or, for a
// PEX bug, only the broken ut_pex. Empty on a bad combination (said on stderr).
std::optional<lt::session_params> session_params_for(const Args& a, const lt::torrent_info* ti) {
  using p2pscope::harness::PexBug;
  auto anonymity = a.anonymous ? p2pscope::harness::Anonymity::on : p2pscope::harness::Anonymity::off;
  auto s = settings(a.listen, a.listen6, a.dht_nodes, anonymity);
  if (a.bug.empty()) return lt::session_params(s);
  if (a.bug == "announce-ip-host-order") {
    auto ip = p2pscope::IpAddress::parse(a.listen.substr(0, a.listen.rfind(':')));
    if (!ip || !ip.value().is_v4()) {
      std::cerr << "p2pscope-reference-client: --bug announce-ip-host-order needs an IPv4 --listen address\n";
      return std::nullopt;
    }
    s.set_str(lt::settings_pack::announce_ip, p2pscope::reverse_v4(ip.value()).to_string());
    return lt::session_params(s);
  }
  std::vector<p2pscope::Endpoint> misread;
  if (a.bug == "ipv6-reply-as-ipv4") {
    auto self6 = p2pscope::Endpoint::parse(a.listen6);
    if (!self6 || !ti) {
      std::cerr << "p2pscope-reference-client: --bug ipv6-reply-as-ipv4 needs --listen6 [IPv6]:PORT and --torrent\n";
      return std::nullopt;
    }
    misread = misread_ipv6_announce(*ti, self6.value());
    std::cout << "p2pscope-reference-client: read " << misread.size() << " IPv4 peers from the IPv6 reply" << std::endl;
  }
  auto mode = a.bug == "reverse-pex"           ? PexBug::reverse_address
              : a.bug == "unchecked-pex"       ? PexBug::unchecked
              : a.bug == "port-host-order-pex" ? PexBug::port_swapped
                                               : PexBug::misread;
  return lt::session_params(s, {p2pscope::harness::make_buggy_pex_plugin(mode, std::move(misread))});
}

void run_until_signalled(lt::session& ses) {
  while (!g_stop) {
    ses.wait_for_alert(std::chrono::milliseconds(500));
    std::vector<lt::alert*> alerts;
    ses.pop_alerts(&alerts);
    for (const auto* a : alerts) std::cout << a->what() << ": " << a->message() << "\n";
    std::cout.flush();
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"p2pscope-reference-client: a plain libtorrent client for the taint harness"};
  app.set_version_flag("--version", std::string("p2pscope-reference-client 0.1 (libtorrent ") + lt::version() + ")");
  Args a;
  app.add_option("--torrent", a.torrent, ".torrent file to download (none: run idle)")->check(CLI::ExistingFile);
  app.add_flag("--anonymous", a.anonymous, "Turn on libtorrent's anonymous_mode (BEP 37)");
  app.add_option("--save", a.save, "Save path")->capture_default_str();
  app.add_option("--listen", a.listen, "IPv4:PORT to listen on (TCP, and UDP for the DHT) and to connect from")->required();
  app.add_option("--listen6", a.listen6, "[IPv6]:PORT to listen on and connect from as well");
  app.add_option("--dht-node", a.dht_nodes, "DHT bootstrap node IP:PORT (repeatable)");
  app.add_option("--bug", a.bug,
                 "Test only: replace ut_pex with a broken one (reverse-pex, unchecked-pex, port-host-order-pex), "
                 "announce the listen address byte-reversed (announce-ip-host-order), or read an IPv6 tracker "
                 "reply as IPv4 and pass the result on (ipv6-reply-as-ipv4)")
      ->check(CLI::IsMember({"reverse-pex", "unchecked-pex", "port-host-order-pex", "announce-ip-host-order",
                             "ipv6-reply-as-ipv4"}));
  CLI11_PARSE(app, argc, argv);

  std::shared_ptr<lt::torrent_info> ti;
  if (!a.torrent.empty()) {
    lt::error_code ec;
    ti = std::make_shared<lt::torrent_info>(a.torrent, ec);
    if (ec) {
      std::cerr << "p2pscope-reference-client: " << a.torrent << ": " << ec.message() << "\n";
      return 2;
    }
  }
  auto params = session_params_for(a, ti.get());
  if (!params) return 2;
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  lt::session ses(std::move(*params));
  if (ti) {
    lt::add_torrent_params atp;
    atp.ti = ti;
    atp.save_path = a.save;
    lt::error_code ec;
    ses.add_torrent(std::move(atp), ec);
    if (ec) {
      std::cerr << "p2pscope-reference-client: cannot add " << a.torrent << ": " << ec.message() << "\n";
      return 1;
    }
  }
  std::cout << "p2pscope-reference-client: listening on " << a.listen << (a.listen6.empty() ? "" : " and " + a.listen6)
            << (a.bug.empty() ? "" : ", bug " + a.bug) << std::endl;
  run_until_signalled(ses);
  std::cout << "p2pscope-reference-client: stopping" << std::endl;
  return 0;
}
