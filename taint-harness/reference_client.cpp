// p2pscope-reference-client: the harness's libtorrent reference client. A
// plain libtorrent session (libtorrent's own ut_pex, DHT, trackers) that
// downloads one torrent (or none: the idle run) and prints its alerts, until
// SIGTERM or SIGINT. --anonymous turns on libtorrent's anonymous_mode.
// --bug swaps libtorrent's ut_pex for a deliberately broken one (the
// harness's positive control; see buggy_pex.hpp), or (announce-ip-host-order)
// announces its own address in host byte order, as a 2023 release of a
// popular client did in its UDP announces: libtorrent's announce_ip set to
// the listen address reversed, so every announce's "ip" names 4.3.2.1 for
// a client at 1.2.3.4.
#include "core/ip.hpp"
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

lt::settings_pack settings(const std::string& listen, const std::vector<std::string>& dht_nodes,
                           p2pscope::harness::Anonymity anonymity) {
  lt::settings_pack s;
  auto ip = listen.substr(0, listen.rfind(':'));
  s.set_str(lt::settings_pack::listen_interfaces, listen);
  s.set_str(lt::settings_pack::outgoing_interfaces, ip);
  std::string boot;
  for (const auto& n : dht_nodes) boot += (boot.empty() ? "" : ",") + n;
  s.set_str(lt::settings_pack::dht_bootstrap_nodes, boot);
  s.set_bool(lt::settings_pack::enable_dht, true);
  s.set_bool(lt::settings_pack::enable_lsd, false);
  s.set_bool(lt::settings_pack::enable_upnp, false);
  s.set_bool(lt::settings_pack::enable_natpmp, false);
  s.set_bool(lt::settings_pack::enable_outgoing_utp, false);
  s.set_bool(lt::settings_pack::enable_incoming_utp, false);
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"p2pscope-reference-client: a plain libtorrent client for the taint harness"};
  app.set_version_flag("--version", std::string("p2pscope-reference-client 0.1 (libtorrent ") + lt::version() + ")");
  std::string torrent, save = ".", listen, bug;
  std::vector<std::string> dht_nodes;
  bool anonymous = false;
  app.add_option("--torrent", torrent, ".torrent file to download (none: run idle)")->check(CLI::ExistingFile);
  app.add_flag("--anonymous", anonymous, "Turn on libtorrent's anonymous_mode (BEP 37)");
  app.add_option("--save", save, "Save path")->capture_default_str();
  app.add_option("--listen", listen, "IPv4:PORT to listen on (TCP, and UDP for the DHT) and to connect from")->required();
  app.add_option("--dht-node", dht_nodes, "DHT bootstrap node IP:PORT (repeatable)");
  app.add_option("--bug", bug,
                 "Test only: replace ut_pex with a broken one (reverse-pex, unchecked-pex, port-host-order-pex), or "
                 "announce the listen address byte-reversed (announce-ip-host-order)")
      ->check(CLI::IsMember({"reverse-pex", "unchecked-pex", "port-host-order-pex", "announce-ip-host-order"}));
  CLI11_PARSE(app, argc, argv);
  auto anonymity = anonymous ? p2pscope::harness::Anonymity::on : p2pscope::harness::Anonymity::off;

  // libtorrent's default plugins (ut_metadata, ut_pex, smart_ban), or only
  // the broken ut_pex.
  lt::session_params params(settings(listen, dht_nodes, anonymity));
  if (bug == "announce-ip-host-order") {
    auto ip = p2pscope::IpAddress::parse(listen.substr(0, listen.rfind(':')));
    if (!ip || !ip.value().is_v4()) {
      std::cerr << "p2pscope-reference-client: --bug announce-ip-host-order needs an IPv4 --listen address\n";
      return 2;
    }
    params.settings.set_str(lt::settings_pack::announce_ip, p2pscope::reverse_v4(ip.value()).to_string());
  } else if (!bug.empty()) {
    using p2pscope::harness::PexBug;
    auto mode = bug == "reverse-pex" ? PexBug::reverse_ipv4 : bug == "unchecked-pex" ? PexBug::unchecked : PexBug::port_swapped;
    params = lt::session_params(settings(listen, dht_nodes, anonymity), {p2pscope::harness::make_buggy_pex_plugin(mode)});
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  lt::session ses(std::move(params));
  if (!torrent.empty()) {
    lt::add_torrent_params atp;
    lt::error_code ec;
    atp.ti = std::make_shared<lt::torrent_info>(torrent, ec);
    if (ec) {
      std::cerr << "p2pscope-reference-client: " << torrent << ": " << ec.message() << "\n";
      return 2;
    }
    atp.save_path = save;
    ses.add_torrent(std::move(atp), ec);
    if (ec) {
      std::cerr << "p2pscope-reference-client: cannot add " << torrent << ": " << ec.message() << "\n";
      return 1;
    }
  }
  std::cout << "p2pscope-reference-client: listening on " << listen << (bug.empty() ? "" : ", bug " + bug) << std::endl;
  while (!g_stop) {
    ses.wait_for_alert(std::chrono::milliseconds(500));
    std::vector<lt::alert*> alerts;
    ses.pop_alerts(&alerts);
    for (const auto* a : alerts) std::cout << a->what() << ": " << a->message() << "\n";
    std::cout.flush();
  }
  std::cout << "p2pscope-reference-client: stopping" << std::endl;
  return 0;
}
