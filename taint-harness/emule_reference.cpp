// p2pscope-emule-reference: the buggy eMule reference peer, the positive
// control of `p2pscope harness` for eMule. It does what an old aMule does
// with a download: logs in to the index server, asks it for the file's
// sources, asks each of them for theirs through source exchange (SX1, as
// aMule before 2.2 did), stores what they name by the receive rule of the
// release it plays, and answers source exchange with what it stored, by
// that release's send rule (emule.md §3). Like aMule, it names the server's
// sources that answered its hello; unlike aMule, it names what it learned
// by source exchange without connecting first (that is how the reversed
// addresses spread):
//   hybrid-in-v2  aMule <= 2.0.0-rc7: SX1 2; never swaps what it receives;
//                 writes hybrid IDs where v1/v2 want ED2K
//   ed2k-in-v3    aMule rc8-2.0.1: SX1 3; swaps only for a sender that
//                 advertises SX1 3; writes ED2K IDs where v3 wants hybrid
//   v4-stored-raw aMule 2.1.0-2.1.3: the same receive rule, so an eMule
//                 0.48a+ sender (SX1 4) has its hybrid IDs stored as ED2K;
//                 writes correctly what it stored wrongly
//   none          aMule 2.3.3's rules: a negative control
#include "core/ed2k_link.hpp"
#include "crawler/sx_session.hpp"
#include "lab/emule.hpp"
#include "lab/sx_peer.hpp"
#include "net/rate_gate.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <set>

namespace {

using namespace p2pscope;
using namespace p2pscope::net;  // NOLINT(google-build-using-namespace)

struct Args {
  std::string listen, server, link, bug = "none";
  unsigned learn_seconds = 20;
};

std::optional<lab::EmuleDefect> defect_of(const std::string& bug) {
  if (bug == "hybrid-in-v2") return lab::EmuleDefect::hybrid_in_v2;
  if (bug == "ed2k-in-v3") return lab::EmuleDefect::ed2k_in_v3;
  if (bug == "v4-stored-raw") return lab::EmuleDefect::v4_stored_raw;
  return std::nullopt;
}

// The address an entry names once stored by the release's receive rule.
std::optional<Endpoint> stored(const EmuleObservation& o, std::uint8_t sender_sx1, std::optional<lab::EmuleDefect> d) {
  if (o.low_id() || !o.sx_version) return std::nullopt;
  auto form = lab::stored_form(*o.sx_version, sender_sx1, d);
  return Endpoint{form == ed2k::IdForm::hybrid ? ed2k::ip_of_hybrid_id(o.raw_id) : ed2k::ip_of_ed2k_id(o.raw_id),
                  o.peer_port};
}

awaitable<void> learn(const Args& a, const Endpoint& me, const ed2k::FileLink& file, lab::SxPeerConfig& cfg,
                      std::optional<lab::EmuleDefect> d) {
  RateGate gate(Politeness::unlimited());
  crawler::Ed2kFile f{file.hash, file.size};
  std::vector<Endpoint> listed;
  crawler::Ed2kAskConfig ask;
  ask.user_hash = cfg.user_hash;
  ask.port = me.port;
  ask.local = me.address;
  ask.reply_timeout = std::chrono::seconds(3);
  crawler::Ed2kEvents ev;
  ev.on_source = [&listed](EmuleObservation o) {
    if (auto p = o.peer()) listed.push_back(*p);
  };
  ev.on_anomaly = [](AnomalyKind, const std::string& why) { std::cerr << "server: " << why << "\n"; };
  auto server = Endpoint::parse(a.server);
  auto told = co_await crawler::ask_server_tcp(server.value(), {f}, ask, gate, ev);
  if (!told) std::cerr << "the index server: " << told.error().message() << "\n";
  std::cout << "the server named " << listed.size() << " sources\n" << std::flush;
  std::set<Endpoint> known;
  for (const auto& source : listed) {
    if (source == me) continue;
    crawler::SxConfig sx;
    sx.user_hash = cfg.user_hash;
    sx.port = me.port;
    sx.local = me.address;
    sx.sx1 = cfg.sx1;
    sx.request = crawler::SxRequest::sx1_only;
    sx.connect_timeout = std::chrono::seconds(2);
    sx.answer_timeout = std::chrono::seconds(4);
    std::vector<EmuleObservation> got;
    crawler::Ed2kEvents sev;
    sev.on_source = [&got](EmuleObservation o) { got.push_back(std::move(o)); };
    sev.on_anomaly = [](AnomalyKind, const std::string&) {};
    auto out = co_await crawler::sx_session(source, f, sx, gate, sev);
    const std::uint8_t sender_sx1 = out.client ? out.client->sx1_version : 0;
    for (const auto& o : got)
      if (auto p = stored(o, sender_sx1, d)) known.insert(*p);
    if (out.client) known.insert(source);  // it answered as an eMule client: a queued source
    std::cout << source.to_string() << " (SX1 " << int(sender_sx1) << "): " << got.size() << " entries\n" << std::flush;
  }
  known.erase(me);
  cfg.sources[file.hash].assign(known.begin(), known.end());
  std::cout << "answering source exchange with " << known.size() << " sources\n" << std::flush;
}

int run(const Args& a) {
  auto me = Endpoint::parse(a.listen);
  auto server = Endpoint::parse(a.server);
  auto link = ed2k::parse_link(a.link);
  if (!me || !server || !link || !std::holds_alternative<ed2k::FileLink>(link.value())) {
    std::cerr << "p2pscope-emule-reference: --listen and --server take IP:PORT, --link an ed2k:// file link\n";
    return 2;
  }
  const auto file = std::get<ed2k::FileLink>(link.value());
  auto d = defect_of(a.bug);
  lab::SxPeerConfig cfg;
  cfg.user_hash = ed2k::Md4{{0x72, 0x65, 0x66, 0, 0, 14, 0, 0, 0, 0, 0, 0, 0, 0, 111, 0}};
  cfg.name = "p2pscope-emule-reference";
  if (d) lab::apply_defect(cfg, *d);
  cfg.sources[file.hash] = {};
  asio::io_context io;
  tcp::acceptor acceptor(io);
  error_code ec;
  listen_on(acceptor, me.value(), ec);
  if (ec) {
    std::cerr << "p2pscope-emule-reference: cannot listen on " << a.listen << ": " << ec.message() << "\n";
    return 1;
  }
  asio::co_spawn(io, lab::serve_sx_peer(std::move(acceptor), cfg), asio::detached);
  asio::co_spawn(io, learn(a, me.value(), file, cfg, d), asio::detached);
  asio::signal_set stop(io, SIGTERM, SIGINT);
  stop.async_wait([&io](const error_code&, int) { io.stop(); });
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app("The buggy eMule reference peer: the positive control of p2pscope harness for eMule");
  app.add_option("--listen", a.listen, "IP:PORT to answer source exchange on")->required();
  app.add_option("--server", a.server, "The index server to log in to, IP:PORT")->required();
  app.add_option("--link", a.link, "The file, as an ed2k:// link")->required();
  app.add_option("--bug", a.bug, "Which aMule release's byte-order rules to play")
      ->check(CLI::IsMember({"none", "hybrid-in-v2", "ed2k-in-v3", "v4-stored-raw"}))
      ->capture_default_str();
  app.set_version_flag("--version", "p2pscope-emule-reference 0.1");
  CLI11_PARSE(app, argc, argv);
  return run(a);
}
