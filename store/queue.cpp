#include "store/queue.hpp"
#include "store/record_types.hpp"

#include "store/pg_guard.hpp"
#include "store/record_json.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace p2pscope::pg {
namespace {

constexpr std::string_view kMicros = "(extract(epoch FROM {}) * 1000000)::bigint";

std::string micros(std::string_view column) {
  std::string s(kMicros);
  return s.replace(s.find("{}"), 2, column);
}

Timestamp at_micros(std::int64_t us) { return Timestamp{std::chrono::microseconds{us}}; }

std::string json_array(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

std::vector<std::string> from_json_array(const std::string& s) {
  return nlohmann::json::parse(s).get<std::vector<std::string>>();
}


const std::string kJobColumns = "j.id, j.name, array_to_json(j.inputs)::text, extract(epoch FROM j.every)::bigint, "
                                "j.settings::text, " + micros("j.next_due") +
                                ", j.paused, j.lease_owner, " + micros("j.lease_until");

Job job_from(const pqxx::row& r) {
  Job j;
  j.id = r[0].as<std::int64_t>();
  j.spec.name = r[1].as<std::string>();
  j.spec.inputs = from_json_array(r[2].as<std::string>());
  j.spec.every = std::chrono::seconds(r[3].as<std::int64_t>());
  j.spec.settings = r[4].as<std::string>();
  j.next_due = at_micros(r[5].as<std::int64_t>());
  j.paused = r[6].as<bool>();
  if (!r[7].is_null()) j.lease_owner = r[7].as<std::string>();
  if (!r[8].is_null()) j.lease_until = at_micros(r[8].as<std::int64_t>());
  return j;
}

// "WHERE" for a job given by name or by id.
std::string which(pqxx::transaction_base& t, const std::string& job) {
  bool numeric = !job.empty() && job.find_first_not_of("0123456789") == std::string::npos && job.size() < 18;
  return numeric ? "(name = " + t.quote(job) + " OR id = " + job + ")" : "name = " + t.quote(job);
}

}  // namespace

StatusOr<std::int64_t> add_job(pqxx::connection& c, const JobSpec& spec) {
  return guarded([&]() -> StatusOr<std::int64_t> {
    pqxx::work t(c);
    std::string due = spec.first_due ? t.quote(format_time(*spec.first_due)) + "::timestamptz" : "now()";
    auto r = t.exec("INSERT INTO job (name, inputs, every, settings, next_due) VALUES (" + t.quote(spec.name) +
                    ", ARRAY(SELECT json_array_elements_text(" + t.quote(json_array(spec.inputs)) +
                    "::json)), make_interval(secs => " + std::to_string(spec.every.count()) + "), " +
                    t.quote(spec.settings) + "::jsonb, " + due + ") RETURNING id");
    t.commit();
    return r[0][0].as<std::int64_t>();
  });
}

StatusOr<std::vector<Job>> list_jobs(pqxx::connection& c) {
  return guarded([&]() -> StatusOr<std::vector<Job>> {
    pqxx::read_transaction t(c);
    auto rows = t.exec("SELECT " + kJobColumns + ", r.status, " + micros("r.finished") +
                       " FROM job j LEFT JOIN LATERAL (SELECT status, finished FROM job_run WHERE job = j.id "
                       "ORDER BY due DESC LIMIT 1) r ON true ORDER BY j.id");
    std::vector<Job> out;
    for (const auto& row : rows) {
      auto j = job_from(row);
      if (!row[9].is_null()) j.last_status = row[9].as<std::string>();
      if (!row[10].is_null()) j.last_finished = at_micros(row[10].as<std::int64_t>());
      out.push_back(std::move(j));
    }
    return out;
  });
}

Status set_paused(pqxx::connection& c, const std::string& job, bool paused) {
  return guarded([&]() -> Status {
    pqxx::work t(c);
    auto r = t.exec(std::string("UPDATE job SET paused = ") + (paused ? "true" : "false") + " WHERE " + which(t, job));
    if (r.affected_rows() == 0)
      return fail(Failure::query, "no job " + job);
    t.commit();
    return success();
  });
}

Status remove_job(pqxx::connection& c, const std::string& job) {
  return guarded([&]() -> Status {
    pqxx::work t(c);
    auto r = t.exec("DELETE FROM job WHERE " + which(t, job));
    if (r.affected_rows() == 0)
      return fail(Failure::query, "no job " + job);
    t.commit();
    return success();
  });
}

StatusOr<std::optional<Lease>> lease_next(pqxx::connection& c, const std::string& worker, std::chrono::seconds hold) {
  return guarded([&]() -> StatusOr<std::optional<Lease>> {
    pqxx::work t(c);
    auto picked = t.exec(
        "WITH due AS (SELECT id FROM job WHERE NOT paused AND next_due <= now() "
        "AND (lease_until IS NULL OR lease_until < now()) ORDER BY next_due LIMIT 1 FOR UPDATE SKIP LOCKED) "
        "UPDATE job j SET lease_until = now() + make_interval(secs => " + std::to_string(hold.count()) +
        ") FROM due WHERE j.id = due.id RETURNING " + kJobColumns +
        ", 'job-' || j.id || '-' || to_char(j.next_due AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"')");
    if (picked.empty()) return std::optional<Lease>{};
    Lease l;
    l.job = job_from(picked[0]);
    l.due = l.job.next_due;
    l.run = picked[0][9].as<std::string>();
    auto id = std::to_string(l.job.id);
    auto due = t.quote(format_time(l.due)) + "::timestamptz";
    l.attempt = t.exec("INSERT INTO job_run (job, due, run, attempt, worker, status) VALUES (" + id + ", " + due +
                       ", " + t.quote(l.run) + ", 1, " + t.quote(worker) +
                       ", 'running') ON CONFLICT (job, due) DO UPDATE SET attempt = job_run.attempt + 1, "
                       "worker = excluded.worker, started = now(), status = 'running', finished = NULL "
                       "RETURNING attempt")[0][0].as<int>();
    l.owner = worker + "#" + std::to_string(l.attempt);
    t.exec("UPDATE job SET lease_owner = " + t.quote(l.owner) + " WHERE id = " + id);
    if (l.attempt > 1) {
      // The earlier attempt's worker is gone (its lease ran out): what it
      // stored is a partial crawl that this attempt repeats in full.
      for (auto table : record_tables()) {
        t.exec("DELETE FROM " + std::string(table) + " WHERE run = " + t.quote(l.run));
      }
    }
    l.job.lease_owner = l.owner;
    t.commit();
    return std::optional<Lease>(std::move(l));
  });
}

StatusOr<bool> renew(pqxx::connection& c, const Lease& l, std::chrono::seconds hold) {
  return guarded([&]() -> StatusOr<bool> {
    pqxx::work t(c);
    auto r = t.exec("UPDATE job SET lease_until = now() + make_interval(secs => " + std::to_string(hold.count()) +
                    ") WHERE id = " + std::to_string(l.job.id) + " AND lease_owner = " + t.quote(l.owner));
    t.commit();
    return r.affected_rows() == 1;
  });
}

Status finish(pqxx::connection& c, const Lease& l, const RunOutcome& o) {
  return guarded([&]() -> Status {
    pqxx::work t(c);
    auto id = std::to_string(l.job.id);
    auto held = t.exec("SELECT 1 FROM job WHERE id = " + id + " AND lease_owner = " + t.quote(l.owner) + " FOR UPDATE");
    if (held.empty())
      return fail(Failure::query, "the lease on job " + id + " (" + l.run + ") was lost to another worker");
    t.exec("UPDATE job_run SET status = " + t.quote(o.ok ? "done" : "failed") + ", finished = now(), observations = " +
           std::to_string(o.observations) + ", message = " + t.quote(o.message) + " WHERE job = " + id +
           " AND due = " + t.quote(format_time(l.due)) + "::timestamptz");
    std::string next = o.ok ? "next_due + every * (floor(extract(epoch FROM now() - next_due) / extract(epoch FROM every)) + 1)"
                            : "now() + least(every, interval '5 minutes')";
    t.exec("UPDATE job SET next_due = " + next + ", lease_owner = NULL, lease_until = NULL WHERE id = " + id);
    t.commit();
    return success();
  });
}

Status release(pqxx::connection& c, const Lease& l) {
  return guarded([&]() -> Status {
    pqxx::work t(c);
    t.exec("UPDATE job SET lease_owner = NULL, lease_until = NULL WHERE id = " + std::to_string(l.job.id) +
           " AND lease_owner = " + t.quote(l.owner));
    t.commit();
    return success();
  });
}

std::string lease_fence(pqxx::connection& c, const Lease& l) {
  return "SELECT 1 FROM job WHERE id = " + std::to_string(l.job.id) + " AND lease_owner = " + c.quote(l.owner) +
         " FOR SHARE";
}

}  // namespace p2pscope::pg
