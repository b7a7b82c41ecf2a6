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
#include <optional>
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
  // An IPv6-only leecher's fellow IPv6-only libtorrent leechers, and
  // whether every one of its torrents has a peer yet.
  std::vector<lt::tcp::endpoint> mates;
  bool peered = false;
};

// libtorrent's ut_pex sends nothing while a torrent has one peer, so an
// IPv6-only leecher that only the crawler reaches is never heard by PEX.
// Lite peers dial in and the tracker names its mates, but in a loaded
// CI run one went 65 s with no peer but the crawler (demo.small_seed2,
// 2026-12-07): it is told its mates until every torrent has a peer.
void nudge_mates(Node& n) {
  if (n.mates.empty() || n.peered) return;
  bool all = true;
  for (auto& h : n.session->get_torrents()) {
    if (h.status({}).num_peers > 0) continue;
    all = false;
    for (const auto& m : n.mates) h.connect_peer(m);
  }
  n.peered = all;
}

std::vector<lt::tcp::endpoint> mates_of(const Party& p, const LabPlan& plan) {
  std::vector<lt::tcp::endpoint> out;
  if (p.impl != Impl::libtorrent || p.role != Role::leecher || !p.endpoint.address.is_v6()) return out;
  for (const auto& q : plan.parties) {
    if (&q == &p || q.impl != Impl::libtorrent || q.role != Role::leecher || !q.endpoint.address.is_v6()) continue;
    out.emplace_back(lt::make_address(q.endpoint.address.to_string()), q.endpoint.port);
  }
  return out;
}

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
    Node n{&party, std::make_unique<lt::session>(lt::session_params(settings_for(party, plan))), false, false,
           mates_of(party, plan), false};
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
  // has its first announce, so a tool started next finds it there, and
  // every IPv6-only leecher has a peer (or 30 s went by trying).
  bool ready = false;
  std::optional<std::chrono::steady_clock::time_point> announced;
  for (int round = 0; !g_stop; ++round) {
    bool all = true, peered = true;
    for (auto& n : nodes) {
      drain_alerts(n);
      all = all && n.listening && n.announced;
      if (n.announced && round % 10 == 0) nudge_mates(n);
      peered = peered && (n.mates.empty() || n.peered);
    }
    auto now = std::chrono::steady_clock::now();
    if (all && !announced) announced = now;
    if (all && !ready && (peered || now - *announced > std::chrono::seconds(30))) {
      std::ofstream(state_dir / kNodeReadyFile)
          << nodes.size() << " sessions listening and announced" << (peered ? "" : "; an IPv6-only leecher has no peer") << "\n";
      ready = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (auto& n : nodes) n.session->abort();  // no waiting for stopped-announces
  return 0;
}

}  // namespace p2pscope::lab
