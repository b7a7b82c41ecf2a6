#include "lab/node.hpp"

#include "lab/plan.hpp"
#include "lab/state.hpp"
#include "lab/torrents.hpp"

#include <libtorrent/alert_types.hpp>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_info.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

namespace p2pscope::lab {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

// The first few responder nodes of the party's family, as "ip:port,..." for
// dht_bootstrap_nodes (libtorrent splits at the last colon, so an IPv6
// address goes unbracketed).
std::string dht_bootstrap(const LabPlan& plan, const Party& p) {
  std::string out;
  int n = 0;
  for (const auto* node : plan.with_role(Role::dht_node)) {
    if (node->endpoint.address.family() != p.endpoint.address.family()) continue;
    if (n++ == 8) break;
    if (!out.empty()) out += ",";
    out += node->endpoint.address.to_string() + ":" + std::to_string(node->endpoint.port);
  }
  return out;
}

lt::settings_pack settings_for(const Party& p, const LabPlan& plan) {
  const auto& s = plan.scenario;
  auto ip = p.endpoint.address.to_string();
  lt::settings_pack sp;
  sp.set_str(lt::settings_pack::listen_interfaces, p.endpoint.to_string());
  // Bind outgoing sockets too: on lo, an unbound socket takes the
  // destination's address as its source and the peer sees itself. (One
  // family per session: libtorrent 2.0 takes outgoing_interfaces by turns
  // whatever the destination's family, and accepts incoming connections
  // only at an address listed there.)
  sp.set_str(lt::settings_pack::outgoing_interfaces, ip);
  auto bootstrap = dht_bootstrap(plan, p);
  bool dht = s.libtorrent_dht && !bootstrap.empty();
  sp.set_bool(lt::settings_pack::enable_dht, dht);
  if (dht) {
    sp.set_str(lt::settings_pack::dht_bootstrap_nodes, bootstrap);
    // Announce to the DHT soon after start, not after libtorrent's default
    // 15 minutes, so a fresh lab's swarm is on the DHT within seconds.
    sp.set_int(lt::settings_pack::dht_announce_interval, 30);
  }
  sp.set_bool(lt::settings_pack::enable_lsd, false);
  sp.set_bool(lt::settings_pack::enable_upnp, false);
  sp.set_bool(lt::settings_pack::enable_natpmp, false);
  sp.set_int(lt::settings_pack::alert_mask,
             lt::alert_category::status | lt::alert_category::error | lt::alert_category::tracker);
  sp.set_int(lt::settings_pack::aio_threads, 1);
  sp.set_int(lt::settings_pack::hashing_threads, 1);
  sp.set_int(lt::settings_pack::stop_tracker_timeout, 1);
  sp.set_bool(lt::settings_pack::announce_to_all_trackers, true);
  sp.set_bool(lt::settings_pack::announce_to_all_tiers, true);
  sp.set_str(lt::settings_pack::peer_fingerprint, "-LT2080-");
  // Each session meets every other once per torrent: in `large`, 63 x 4
  // connections, past libtorrent's default limit of 200, at which it closes
  // incoming handshakes (the crawl's, the probes') unanswered.
  sp.set_int(lt::settings_pack::connections_limit, 1000);
  if (p.utp_only) {
    sp.set_bool(lt::settings_pack::enable_incoming_tcp, false);
    sp.set_bool(lt::settings_pack::enable_outgoing_tcp, false);
  }
  if (p.role == Role::leecher) {
    // Slow leechers stay leechers, and leechers keep exchanging PEX.
    sp.set_int(lt::settings_pack::download_rate_limit, s.leecher_rate_limit);
    sp.set_int(lt::settings_pack::upload_rate_limit, s.leecher_rate_limit);
  }
  return sp;
}

struct Node {
  const Party* party;
  std::unique_ptr<lt::session> session;
  bool listening = false;
  bool announced = false;  // a tracker answered its first announce
};

void drain_alerts(Node& n) {
  std::vector<lt::alert*> alerts;
  n.session->pop_alerts(&alerts);
  for (auto* a : alerts) {
    if (auto* ls = lt::alert_cast<lt::listen_succeeded_alert>(a); ls && ls->socket_type == lt::socket_type_t::tcp)
      n.listening = true;
    if (lt::alert_cast<lt::tracker_reply_alert>(a)) n.announced = true;
    if (auto* lf = lt::alert_cast<lt::listen_failed_alert>(a))
      std::cerr << n.party->name << ": listen failed: " << lf->message() << "\n";
  }
}

}  // namespace

int run_node(const fs::path& state_dir) {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  auto files = load_lab_files(state_dir);
  if (!files) {
    std::cerr << "lab node: " << files.error() << "\n";
    return 1;
  }
  const auto& plan = files.value().plan;
  const auto& torrents = files.value().torrents;
  std::vector<Node> nodes;
  for (const auto& party : plan.parties) {
    if (party.impl != Impl::libtorrent) continue;  // the lab's own peers run in the actor process
    Node n{&party, std::make_unique<lt::session>(lt::session_params(settings_for(party, plan))), false};
    if (!plan.scenario.libtorrent_dial_lite_peers) {
      // A port filter applies to outgoing connections only: lite peers still
      // dial in, libtorrent does not fill its connection limit with them.
      lt::port_filter pf;
      pf.add_rule(kLitePeerPort, kLitePeerPort, lt::port_filter::blocked);
      n.session->set_port_filter(pf);
    }
    for (const auto& t : torrents) {
      lt::add_torrent_params atp;
      atp.ti = std::make_shared<lt::torrent_info>(t.torrent_file.string());
      // Every torrent runs: auto-managed, libtorrent would queue a leecher's
      // fourth download (active_downloads is 3), and a queued torrent closes
      // every handshake for it unanswered.
      atp.flags &= ~(lt::torrent_flags::auto_managed | lt::torrent_flags::paused);
      if (party.role == Role::seed) {
        atp.save_path = t.content_parent.string();
        atp.flags |= lt::torrent_flags::seed_mode;
      } else {
        atp.save_path = (state_dir / "leechers" / party.name).string();
      }
      n.session->async_add_torrent(std::move(atp));
    }
    nodes.push_back(std::move(n));
  }
  // Ready means the swarm has formed: every session listens and some tracker
  // has its first announce, so a tool started next finds it there.
  bool ready = false;
  while (!g_stop) {
    bool all = true;
    for (auto& n : nodes) {
      drain_alerts(n);
      all = all && n.listening && n.announced;
    }
    if (all && !ready) {
      std::ofstream(state_dir / kNodeReadyFile) << nodes.size() << " sessions listening and announced\n";
      ready = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (auto& n : nodes) n.session->abort();  // no waiting for stopped-announces
  return 0;
}

}  // namespace p2pscope::lab
