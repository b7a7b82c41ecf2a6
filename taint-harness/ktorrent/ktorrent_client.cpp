// p2pscope-ktorrent-client: KTorrent's own library (libktorrent, the code
// the study caught reversing addresses in its PEX) driven as the KTorrent
// application drives it, for the taint harness. One torrent (or none: the
// idle run), TCP and uTP on the listen port, ut_pex on, KTorrent's DHT on
// its own UDP port (as KTorrent keeps it, apart from uTP's), our DHT nodes
// added as bootstrap nodes, until SIGTERM or SIGINT; then the torrent is
// stopped (its "stopped" announces) and the process exits 0.
//
// libktorrent binds its listening sockets to every address (no network
// interface is configured) and does not bind the sockets it connects or
// sends from: the harness's sandbox gives those the client's address as
// their source (lab::SandboxSpec::unbound_source).
#include <CLI/CLI.hpp>

#include <QCoreApplication>
#include <QDir>
#include <QTimer>

#include <dht/dhtbase.h>
#include <interfaces/queuemanagerinterface.h>
#include <interfaces/serverinterface.h>
#include <libktorrent_version.h>
#include <peer/authenticationmonitor.h>
#include <peer/utpex.h>
#include <torrent/globals.h>
#include <torrent/torrentcontrol.h>
#include <util/error.h>
#include <util/fileops.h>
#include <util/functions.h>
#include <util/log.h>
#include <util/waitjob.h>
#include <version.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

constexpr const char* kName = "p2pscope-ktorrent-client";
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Args {
  std::string torrent, save = ".", listen, listen6, state;
  std::uint16_t dht_port = 0;
  std::vector<std::string> dht_nodes;
};

// host:port or [host]:port; nullopt when it is neither. (Not core's
// Endpoint::parse: p2pscope_core carries the sanitizers, this program not.)
std::optional<std::pair<QString, bt::Uint16>> split_endpoint(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 == s.size()) return std::nullopt;
  auto host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(s.substr(colon + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (host.empty() || port <= 0 || port > 65535) return std::nullopt;
  return std::pair{QString::fromStdString(host), static_cast<bt::Uint16>(port)};
}

// The application's side of the torrent: one torrent, so nothing is ever
// loaded twice and no announce list is merged.
class OneTorrent final : public bt::QueueManagerInterface {
 public:
  bool alreadyLoaded(const bt::SHA1Hash&) const override { return false; }
  void mergeAnnounceList(const bt::SHA1Hash&, const bt::TrackerTier*) override {}
};

// Listening sockets (TCP and uTP on one port) and PEX, as KTorrent's
// defaults have them: uTP on, TCP first, ut_pex on, no encryption (the
// harness's peers do not speak MSE).
bool start_servers(bt::Uint16 port) {
  bt::UTPex::setEnabled(true);
  bt::ServerInterface::disableEncryption();
  if (!bt::Globals::instance().initTCPServer(port)) {
    std::cerr << kName << ": cannot listen on TCP port " << port << "\n";
    return false;
  }
  if (!bt::Globals::instance().initUTPServer(port)) {
    std::cerr << kName << ": cannot listen on UDP port " << port << " for uTP\n";
    return false;
  }
  bt::ServerInterface::setPort(port);
  bt::ServerInterface::setUtpEnabled(true, false);
  bt::ServerInterface::setPrimaryTransportProtocol(bt::TCP);
  return true;
}

void start_dht(const Args& a) {
  auto& dht = bt::Globals::instance().getDHT();
  auto dir = QString::fromStdString(a.state);
  dht.start(dir + "/dht_table", dir + "/dht_key", a.dht_port);
  for (const auto& n : a.dht_nodes) {
    if (auto ep = split_endpoint(n)) dht.addDHTNode(ep->first, ep->second);
  }
}

// Loads the torrent and starts it; false (said on stderr) when it cannot.
bool load(bt::TorrentControl& tc, OneTorrent& queue, const Args& a) {
  auto tmp = QString::fromStdString(a.state) + "/torrent";
  try {
    QDir().mkpath(tmp);
    tc.init(&queue, bt::LoadFile(QString::fromStdString(a.torrent)), tmp, QString::fromStdString(a.save));
    tc.createFiles();
    tc.setFeatureEnabled(bt::UT_PEX_FEATURE, true);
    tc.setFeatureEnabled(bt::DHT_FEATURE, true);
    tc.start();
  } catch (bt::Error& e) {
    std::cerr << kName << ": " << a.torrent << ": " << e.toString().toStdString() << "\n";
    return false;
  }
  return true;
}

void shut_down(bt::TorrentControl* tc) {
  bt::AuthenticationMonitor::instance().shutdown();
  if (tc) {
    auto* job = new bt::WaitJob(3000);  // a KIO job: it deletes itself when done
    tc->stop(job);
    if (job->needToWait()) bt::WaitJob::execute(job);
    else job->deleteLater();
  }
  bt::Globals::instance().getDHT().stop();
  bt::Globals::instance().shutdownTCPServer();
  bt::Globals::instance().shutdownUTPServer();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{std::string(kName) + ": KTorrent's library (libktorrent " LIBKTORRENT_VERSION_STRING
               ") as a client for the taint harness"};
  app.set_version_flag("--version", "libktorrent " LIBKTORRENT_VERSION_STRING " (" + std::string(kName) + " 0.1)");
  Args a;
  app.add_option("--torrent", a.torrent, ".torrent file to download (none: run idle)")->check(CLI::ExistingFile);
  app.add_option("--save", a.save, "Save path")->capture_default_str();
  app.add_option("--listen", a.listen, "IP:PORT; TCP and uTP listen on PORT (on every address)")->required();
  app.add_option("--listen6", a.listen6, "[IPv6]:PORT; accepted for the harness (KTorrent listens on every address)");
  app.add_option("--dht-port", a.dht_port, "UDP port of KTorrent's DHT (0: the listen port + 1000)");
  app.add_option("--dht-node", a.dht_nodes, "DHT bootstrap node IP:PORT (repeatable)");
  app.add_option("--state", a.state, "Directory for the DHT table and the torrent's state")->required();
  CLI11_PARSE(app, argc, argv);

  auto listen = split_endpoint(a.listen);
  if (!listen) {
    std::cerr << kName << ": --listen takes IP:PORT, not '" << a.listen << "'\n";
    return 2;
  }
  for (const auto& n : a.dht_nodes) {
    if (!split_endpoint(n)) {
      std::cerr << kName << ": --dht-node takes IP:PORT, not '" << n << "'\n";
      return 2;
    }
  }
  if (a.dht_port == 0) a.dht_port = static_cast<std::uint16_t>(listen->second + 1000);

  QCoreApplication qapp(argc, argv);
  // A KIO job (KTorrent's HTTP announces) holds a QEventLoopLocker: when
  // the last one ends, Qt would quit the application.
  QCoreApplication::setQuitLockEnabled(false);
  if (!bt::InitLibKTorrent()) {
    std::cerr << kName << ": libktorrent failed to initialise (libgcrypt)\n";
    return 1;
  }
  QDir().mkpath(QString::fromStdString(a.state));
  bt::SetClientInfo(QStringLiteral("KTorrent"), LIBKTORRENT_VERSION_MAJOR, LIBKTORRENT_VERSION_MINOR,
                    LIBKTORRENT_VERSION_PATCH, bt::NORMAL, QStringLiteral("KT"));
  bt::InitLog(QString::fromStdString(a.state) + "/ktorrent.log", false, false, true);
  if (!start_servers(listen->second)) return 1;
  start_dht(a);

  OneTorrent queue;
  std::unique_ptr<bt::TorrentControl> tc;
  if (!a.torrent.empty()) {
    tc = std::make_unique<bt::TorrentControl>();
    if (!load(*tc, queue, a)) return 1;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::cout << kName << ": listening on port " << listen->second << " (TCP and uTP), DHT on UDP port " << a.dht_port
            << std::endl;

  // The application's update loop (KTorrent's core runs it every 250 ms).
  QTimer tick;
  QObject::connect(&tick, &QTimer::timeout, [&] {
    if (g_stop) {
      tick.stop();
      std::cout << kName << ": stopping" << std::endl;
      shut_down(tc.get());
      qapp.quit();
      return;
    }
    bt::UpdateCurrentTime();
    bt::AuthenticationMonitor::instance().update();
    if (tc) tc->update();
  });
  tick.start(250);
  return qapp.exec();
}
