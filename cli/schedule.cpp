// p2pscope schedule (add, list, pause, resume, remove) and p2pscope worker:
// scheduled crawls in PostgreSQL, leased by any number of workers.
#include "cli/commands.hpp"
#include "cli/crawl.hpp"
#include "cli/db_options.hpp"
#include "cli/exit_codes.hpp"
#include "cli/validators.hpp"
#include "store/queue.hpp"
#include "store/record_json.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <thread>

namespace p2pscope::cli {
namespace {

// Options the worker sets itself; a job must not carry them.
constexpr std::string_view kWorkerOwned[] = {"--db", "--spool-dir", "--run-id", "--db-wait", "--summary", "--output"};

struct AddArgs {
  pg::JobSpec spec;
  std::string profile = "default";
  std::vector<std::string> crawl_args;
  double every_hours = 6;
  std::string first_due;
};

int run_add(const DbArgs& d, AddArgs a) {
  a.spec.every = std::chrono::seconds(static_cast<std::int64_t>(a.every_hours * 3600));
  if (a.profile != "default" && a.profile != "quick") {
    std::cerr << "p2pscope schedule add: unknown --profile " << a.profile << " (quick, default)\n";
    return kBadInput;
  }
  for (const auto& arg : a.crawl_args) {
    for (auto owned : kWorkerOwned) {
      if (arg == owned || arg.rfind(std::string(owned) + "=", 0) == 0) {
        std::cerr << "p2pscope schedule add: " << owned << " is set by the worker, not by the job\n";
        return kBadInput;
      }
    }
  }
  std::vector<std::string> crawl = a.crawl_args;
  if (a.profile == "quick") crawl.push_back("--quick");
  crawl.push_back("--");
  crawl.insert(crawl.end(), a.spec.inputs.begin(), a.spec.inputs.end());
  auto checked = crawl_job_from_args(crawl);
  if (!checked) {
    std::cerr << "p2pscope schedule add: the crawl would refuse this: " << checked.error() << "\n";
    return kBadInput;
  }
  a.spec.settings = crawler::to_json(checked.value().settings).dump();
  const auto& hashes = checked.value().hashes;
  if (!a.first_due.empty()) {
    auto t = parse_time(a.first_due);
    if (!t) {
      std::cerr << "p2pscope schedule add: --start " << a.first_due << ": want YYYY-MM-DDTHH:MM:SS.ffffffZ\n";
      return kBadInput;
    }
    a.spec.first_due = t.value();
  }
  int code = kFailure;
  auto c = open_db(d, "schedule add", SchemaCheck::current, &code);
  if (!c) return code;
  auto id = pg::add_job(*c, a.spec);
  auto noted = id ? pg::note_infohashes(*c, hashes, "manual", "schedule " + a.spec.name) : Status(id.error());
  if (!noted) {
    std::cerr << "p2pscope schedule add: " << noted.error() << "\n";
    return kFailure;
  }
  std::cout << "job " << id.value() << " (" << a.spec.name << "): " << a.spec.inputs.size() << " input(s), every "
            << a.every_hours << " h, settings " << a.spec.settings << "\n";
  return kOk;
}

int run_list(const DbArgs& d) {
  int code = kFailure;
  auto c = open_db(d, "schedule list", SchemaCheck::current, &code);
  if (!c) return code;
  auto jobs = pg::list_jobs(*c);
  if (!jobs) {
    std::cerr << "p2pscope schedule list: " << jobs.error() << "\n";
    return kFailure;
  }
  for (const auto& j : jobs.value()) {
    nlohmann::json o{{"id", j.id},
                     {"name", j.spec.name},
                     {"inputs", j.spec.inputs},
                     {"every_s", j.spec.every.count()},
                     {"settings", nlohmann::json::parse(j.spec.settings)},
                     {"next_due", format_time(j.next_due)},
                     {"paused", j.paused}};
    if (j.lease_owner) o["leased_by"] = *j.lease_owner;
    if (j.lease_until) o["lease_until"] = format_time(*j.lease_until);
    if (j.last_status) o["last_status"] = *j.last_status;
    if (j.last_finished) o["last_finished"] = format_time(*j.last_finished);
    std::cout << o.dump() << "\n";
  }
  return kOk;
}

int run_change(const DbArgs& d, const std::string& job, const char* what) {
  int code = kFailure;
  std::string cmd = std::string("schedule ") + what;
  auto c = open_db(d, cmd.c_str(), SchemaCheck::current, &code);
  if (!c) return code;
  std::string_view w = what;
  auto st = w == "remove" ? pg::remove_job(*c, job) : pg::set_paused(*c, job, w == "pause");
  if (!st) {
    std::cerr << "p2pscope " << cmd << ": " << st.error() << "\n";
    return kFailure;
  }
  return kOk;
}

}  // namespace

void add_schedule(CLI::App& app, int* exit_code) {
  auto* s = app.add_subcommand("schedule", "Add, list, pause, resume and remove scheduled crawls (PostgreSQL)");
  s->require_subcommand(1);
  s->footer("Jobs live in the database given by --db (or the PG* environment); `p2pscope worker` runs them.\n"
            "Example: p2pscope schedule add --name suspects --every 6 --profile default --input suspects.txt");
  auto d = std::make_shared<DbArgs>();
  auto a = std::make_shared<AddArgs>();
  auto* add = s->add_subcommand("add", "Schedule a set of infohashes to be crawled every --every hours");
  add->add_option("--name", a->spec.name, "Unique name of the job")->required();
  add->add_option("--input", a->spec.inputs, "Infohash, magnet URI, .torrent or file of them (repeatable; "
                                             "paths must exist where the workers run)")
      ->required();
  add->add_option("--every", a->every_hours, "Hours between crawls")->check(FiniteRange(1.0 / 3600, 24.0 * 366))
      ->capture_default_str();
  add->add_option("--profile", a->profile, "Crawl profile: default (polite, real network) or quick")
      ->capture_default_str();
  add->add_option("--crawl-arg", a->crawl_args, "Further `p2pscope crawl` option, one word each (repeatable), "
                                               "e.g. --crawl-arg=--bind --crawl-arg=10.0.0.5; a --trackers "
                                               "file is read now")
      ->allow_extra_args(false);
  add->add_option("--start", a->first_due, "First due time (YYYY-MM-DDTHH:MM:SS.ffffffZ; default now)");
  add_db_options(add, *d, "Schedule in this", DbUse::connect);
  add->callback([d, a, exit_code] { *exit_code = run_add(*d, *a); });

  auto* list = s->add_subcommand("list", "List the jobs as JSON Lines: next due time, lease, last outcome");
  add_db_options(list, *d, "List from this", DbUse::connect);
  list->callback([d, exit_code] { *exit_code = run_list(*d); });

  auto job = std::make_shared<std::string>();
  for (const char* what : {"pause", "resume", "remove"}) {
    std::string help = std::string(what) == "remove" ? "Remove a job and its run history (its records stay)"
                                                     : std::string(what) == "pause" ? "Stop leasing a job until resumed"
                                                                                    : "Lease a paused job again";
    auto* sub = s->add_subcommand(what, help);
    sub->add_option("job", *job, "Job name or id")->required();
    add_db_options(sub, *d, "Change this", DbUse::connect);
    sub->callback([d, job, what, exit_code] { *exit_code = run_change(*d, *job, what); });
  }
}

}  // namespace p2pscope::cli
