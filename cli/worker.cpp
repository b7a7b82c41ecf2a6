// p2pscope worker: leases due crawl jobs from PostgreSQL and runs them, one
// at a time, until stopped (or, with --exit-when-idle, until none is due).
#include "cli/commands.hpp"
#include "cli/crawl.hpp"
#include "cli/db_options.hpp"
#include "cli/exit_codes.hpp"
#include "cli/validators.hpp"
#include "store/queue.hpp"

#include <nlohmann/json.hpp>

#include <pqxx/pqxx>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>

namespace p2pscope::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int) { g_stop = 1; }

struct WorkerArgs {
  DbArgs db;
  std::string id;
  double lease_s = 120;
  double poll_s = 30;
  bool exit_when_idle = false;
  bool once = false;
};

std::string default_worker_id() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

// Renews a lease every third of its length on a connection of its own while
// the crawl runs; `lost` turns true when another worker has it.
class Heartbeat {
 public:
  Heartbeat(const std::string& conninfo, const pg::Lease& l, std::chrono::seconds hold)
      : thread_([this, conninfo, l, hold] { run(conninfo, l, hold); }) {}
  ~Heartbeat() {
    {
      std::lock_guard lk(m_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool lost() const { return lost_; }

 private:
  void run(const std::string& conninfo, const pg::Lease& l, std::chrono::seconds hold) {
    std::unique_ptr<pqxx::connection> c;
    std::unique_lock lk(m_);
    while (!cv_.wait_for(lk, hold / 3, [&] { return done_; })) {
      lk.unlock();
      if (!c) {
        if (auto r = pg::connect(conninfo)) c = std::move(r).value();
      }
      if (c) {
        auto held = pg::renew(*c, l, hold);
        if (!held) c.reset();  // the database is away; the lease may still hold, the fence decides
        else if (!held.value()) lost_ = true;
      }
      lk.lock();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> lost_{false};
  std::thread thread_;
};

// A job's stored settings; a job stored before 0006 has its crawl options
// as words under legacy_args, read as `p2pscope crawl` would.
StatusOr<crawler::CrawlSettings> job_settings(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(errc::bad_value, "the job's settings are not a JSON object");
  if (!j.contains("legacy_args")) return crawler::crawl_settings_from_json(j);
  std::vector<std::string> words;
  for (const auto& w : j["legacy_args"]) {
    if (!w.is_string()) return fail(errc::bad_value, "the job's legacy_args are not words");
    words.push_back(w.get<std::string>());
  }
  j.erase("legacy_args");
  P2PSCOPE_TRY(typed, crawler::crawl_settings_from_json(j));
  P2PSCOPE_TRY(legacy, legacy_job_settings(words));
  legacy.quick = legacy.quick || typed.quick;
  return legacy;
}

// How a leased job ended for this worker.
enum class JobEnd : std::uint8_t { finished, released, lease_lost, db_error };

JobEnd run_job(const WorkerArgs& a, pqxx::connection& c, const pg::Lease& l) {
  auto hold = std::chrono::seconds(static_cast<std::int64_t>(a.lease_s));
  std::cerr << "worker " << a.id << ": job " << l.job.id << " (" << l.job.spec.name << "), run " << l.run
            << (l.attempt > 1 ? ", attempt " + std::to_string(l.attempt) + " (took over an expired lease)" : "")
            << "\n";
  auto settings = job_settings(l.job.spec.settings);
  if (!settings) {
    std::cerr << "worker " << a.id << ": job " << l.job.id << ": " << settings.error() << "\n";
    pg::RunOutcome bad{false, 0, settings.error().message()};
    return pg::finish(c, l, bad) ? JobEnd::finished : JobEnd::db_error;
  }
  DbArgs db = a.db;
  if (!db.conninfo) db.conninfo = "";
  // Each attempt spools apart: a dead attempt's spool must never be replayed
  // into the run its successor repeats (the fence would refuse it anyway).
  db.spool_dir = a.db.spool_dir + "/" + l.run + "-attempt" + std::to_string(l.attempt);

  std::uint64_t observations = 0;
  bool interrupted = false;
  int code;
  bool lost;
  {
    Heartbeat beat(a.db.conninfo.value_or(""), l, hold);
    CrawlHooks hooks;
    hooks.writer = l.run + "-attempt" + std::to_string(l.attempt);
    hooks.fence = pg::lease_fence(c, l);
    hooks.keep_going = [&] { return !beat.lost() && !g_stop; };
    hooks.stop_reason = "worker stopping or lease lost";
    hooks.observations = &observations;
    hooks.interrupted = &interrupted;
    code = run_crawl_job(l.job.spec.inputs, settings.value(), l.run, db, hooks);
    lost = beat.lost();
  }
  // The crawl's own signal handling (Asio) ran instead of ours meanwhile;
  // an interrupt it took is the worker's too.
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  if (interrupted) g_stop = 1;
  if (lost) {
    std::cerr << "worker " << a.id << ": lost the lease on job " << l.job.id << "; another worker has it\n";
    return JobEnd::lease_lost;
  }
  if (g_stop) {
    (void)pg::release(c, l);
    std::cerr << "worker " << a.id << ": stopped; job " << l.job.id << " released for another worker\n";
    return JobEnd::released;
  }
  pg::RunOutcome o{code == kOk, observations, code == kOk ? "" : "crawl exited " + std::to_string(code)};
  if (auto st = pg::finish(c, l, o); !st) {
    std::cerr << "worker " << a.id << ": finishing job " << l.job.id << ": " << st.error() << "\n";
    return JobEnd::db_error;
  }
  std::cerr << "worker " << a.id << ": job " << l.job.id << " " << (o.ok ? "done" : "failed") << ", "
            << observations << " observations\n";
  return JobEnd::finished;
}

void nap(double seconds) {
  for (int i = 0; i < static_cast<int>(seconds * 10) && !g_stop; ++i) ::usleep(100000);
}

int run_worker(WorkerArgs a) {
  if (a.id.empty()) a.id = default_worker_id();
  g_stop = 0;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::unique_ptr<pqxx::connection> c;
  std::size_t finished = 0, given_back = 0;
  while (!g_stop) {
    if (!c) {
      auto r = pg::connect(a.db.conninfo.value_or(""));
      if (!r && !pg::transient(r.error())) {
        std::cerr << "p2pscope worker: " << r.error() << "\n";
        return r.error() == pg::Failure::bad_conninfo ? kBadInput : kFailure;
      }
      if (r) {
        if (auto st = pg::require_current_schema(*r.value()); !st) {
          std::cerr << "p2pscope worker: " << st.error() << "\n";
          return kFailure;
        }
        c = std::move(r).value();
      } else {
        std::cerr << "worker " << a.id << ": " << r.error() << "; retrying\n";
        nap(a.poll_s);
        continue;
      }
    }
    auto l = pg::lease_next(*c, a.id, std::chrono::seconds(static_cast<std::int64_t>(a.lease_s)));
    if (!l) {
      std::cerr << "worker " << a.id << ": " << l.error() << "\n";
      if (!pg::transient(l.error())) return kFailure;
      c.reset();
      nap(a.poll_s);
      continue;
    }
    if (!l.value()) {
      if (a.exit_when_idle) break;
      nap(a.poll_s);
      continue;
    }
    auto end = run_job(a, *c, *l.value());
    if (end == JobEnd::db_error) c.reset();
    ++(end == JobEnd::finished ? finished : given_back);
    if (a.once) break;
  }
  std::cerr << "worker " << a.id << ": finished " << finished << " job run(s)";
  if (given_back) std::cerr << "; " << given_back << " released, lost or not recorded";
  std::cerr << "\n";
  return kOk;
}

}  // namespace

void add_worker(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<WorkerArgs>();
  auto* w = app.add_subcommand("worker", "Lease due crawl jobs from PostgreSQL and run them (any number of workers, any hosts)");
  w->footer("A worker holds each job by a lease it renews; a worker that dies loses it after --lease seconds and\n"
            "another worker repeats that crawl from the start (the dead attempt's rows are discarded).\n"
            "Ctrl-C stops the crawl under way and gives its job back. scripts/systemd/ and scripts/cron/ run it\n"
            "on a schedule.");
  w->add_option("--worker-id", a->id, "Name in leases and job runs (default HOST:PID)");
  w->add_option("--lease", a->lease_s, "Seconds a lease lasts unless renewed (renewed every third)")
      ->check(FiniteRange(3.0, 86400.0))->capture_default_str();
  w->add_option("--poll", a->poll_s, "Seconds between looks at the queue when nothing is due")
      ->check(FiniteRange(0.1, 3600.0))->capture_default_str();
  w->add_flag("--exit-when-idle", a->exit_when_idle, "Exit once nothing is due (for timers and cron)");
  w->add_flag("--once", a->once, "Run one job (waiting for one to come due), then exit");
  add_db_options(w, a->db, "Take jobs from and store records in this", DbUse::write_spooled);
  w->callback([a, exit_code] { *exit_code = run_worker(*a); });
}

}  // namespace p2pscope::cli
