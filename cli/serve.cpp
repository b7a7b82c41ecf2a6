// p2pscope serve: the blocklists, the report and explanations over HTTP,
// read-only, from the database (or record files), re-read every --refresh
// seconds. The snapshot is built on a worker thread and handed to the
// server's one io_context thread, which alone serves it.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/report.hpp"
#include "cli/verdicts.hpp"
#include "crawler/utc_now.hpp"
#include "net/http_server.hpp"
#include "report/feed.hpp"
#include "store/record_json.hpp"

#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>

namespace p2pscope::cli {
namespace {

struct ServeArgs {
  DiagnoseArgs judge;
  std::string listen = "127.0.0.1:8412", title = "p2pscope";
  std::vector<std::string> classes{"anti_p2p"};
  double min_confidence = 0;
  std::string name = "p2pscope";
  int refresh_s = 300;
};

using crawler::utc_now;

Result<report::FeedConfig> feed_config(const ServeArgs& a) {
  report::FeedConfig cfg;
  cfg.classes.clear();
  if (!verdict_classes(a.classes, "serve", cfg.classes)) return errc::bad_value;
  cfg.min_confidence = a.min_confidence;
  cfg.name = a.name;
  return cfg;
}

// Reads and diagnoses the records, draws the report; nullptr after saying why.
std::shared_ptr<const report::Feed> snapshot(const ServeArgs& a, const report::FeedConfig& cfg, const report::Feed* previous) {
  Diagnosed d;
  if (diagnose_records(a.judge, "serve", d) != kOk) return nullptr;
  auto now = utc_now();
  auto ri = report_inputs(a.judge, d, a.title, now);
  report::FeedInputs in;
  in.report_html = report::render_report(ri);
  in.source = a.judge.records.empty() ? "database" : std::to_string(a.judge.records.size()) + " record file(s)";
  in.observations = std::move(d.in.observations);
  in.emule_observations = std::move(d.in.emule_observations);
  in.probes = std::move(d.in.probes);
  in.dht_nodes = std::move(d.in.dht_nodes);
  in.diagnosis = std::move(d.diagnosis);
  return report::Feed::build(std::move(in), cfg, now, previous);
}

bool loopback(const IpAddress& a) {
  return a.is_v4() ? (a.v4_value() >> 24) == 127 : a == IpAddress::parse("::1").value();
}

int run_serve(const ServeArgs& a) {
  auto at = Endpoint::parse(a.listen);
  if (!at) {
    std::cerr << "p2pscope serve: --listen \"" << a.listen << "\" is not IP:PORT ([IPv6]:PORT)\n";
    return kBadInput;
  }
  auto cfg = feed_config(a);
  if (!cfg) return kBadInput;
  auto current = snapshot(a, cfg.value(), nullptr);
  if (!current) return kBadInput;
  net::asio::io_context io;
  net::tcp::acceptor acceptor(io);
  net::error_code ec;
  auto ep = net::to_tcp(at.value());
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(net::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(net::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "p2pscope serve: cannot listen on " << a.listen << ": " << ec.message() << "\n";
    return kFailure;
  }
  if (!loopback(at.value().address))
    std::cerr << "p2pscope serve: WARNING: listening on " << a.listen << ", not on loopback: whoever reaches this "
              << "address can read every verdict and explanation. Put it behind a proxy with TLS and access control, "
              << "or listen on 127.0.0.1.\n";
  std::cerr << "p2pscope serve: http://" << net::from_asio(acceptor.local_endpoint()).to_string() << "/ ("
            << current->inputs().diagnosis.verdicts.size() << " verdicts; blocklist.p2p " << current->rules().at("p2p")
            << " rule(s)); " << (a.refresh_s ? "re-read every " + std::to_string(a.refresh_s) + " s" : "never re-read")
            << "; Ctrl-C stops\n";

  net::StopSignal stop;
  net::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&stop](const net::error_code& e, int) {
    if (!e) stop.request("signal");
  });
  std::mutex m;
  std::condition_variable wake;
  bool ending = false;
  // `current` belongs to the io thread; the refresher keeps its own `last`.
  std::thread refresher([&, last = current]() mutable {
    std::unique_lock lock(m);
    while (a.refresh_s > 0 && !wake.wait_for(lock, std::chrono::seconds(a.refresh_s), [&] { return ending; })) {
      lock.unlock();
      if (auto next = snapshot(a, cfg.value(), last.get())) {
        last = next;
        net::asio::post(io, [&current, next] { current = next; });
      } else {
        std::cerr << "p2pscope serve: re-reading failed; still serving the snapshot of " << format_time(last->built())
                  << "\n";
      }
      lock.lock();
    }
  });
  auto handler = [&current](const net::HttpAsk& ask) { return report::answer(*current, ask, utc_now()); };
  net::asio::co_spawn(io, net::serve_http(acceptor, handler, {}, stop), net::asio::detached);
  auto unhook = stop.on_request([&signals] { signals.cancel(); });
  io.run();
  {
    std::lock_guard lock(m);
    ending = true;
  }
  wake.notify_all();
  refresher.join();
  std::cerr << "p2pscope serve: stopped\n";
  return kOk;
}

}  // namespace

void add_serve(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ServeArgs>();
  auto* s = app.add_subcommand("serve", "Serve the blocklists (p2p, dat, cidr, each also .gz, with ETag and "
                                        "Last-Modified), the report and /explain/IP over HTTP, read-only");
  s->add_option("RECORDS", a->judge.records, "Record files to serve from (JSON Lines). With --db and none given: the "
                                             "database's records")
      ->check(CLI::ExistingFile);
  add_db_io(s, a->judge.io, "Read observations and probe results from", DbUse::connect);
  add_judging_options(s, a->judge);
  s->add_option("--listen", a->listen, "IP:PORT to listen on ([IPv6]:PORT); loopback unless you mean otherwise")
      ->capture_default_str();
  s->add_option("--refresh", a->refresh_s, "Seconds between re-reading the records (0: never)")
      ->check(CLI::Range(0, 86400 * 7))
      ->capture_default_str();
  s->add_option("--classes", a->classes, "Verdict classes the blocklists hold (as blocklist --classes)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->capture_default_str();
  s->add_option("--min-confidence", a->min_confidence, "Leave out verdicts below this confidence")
      ->check(CLI::Range(0.0, 1.0));
  s->add_option("--name", a->name, "The blocklists' label")->capture_default_str();
  s->add_option("--title", a->title, "The report's title")->capture_default_str();
  s->callback([a, exit_code] { *exit_code = run_serve(*a); });
}

}  // namespace p2pscope::cli
