// The job queue against a real server (ctest label pg).
#include "store/queue.hpp"
#include "tests/testlib/pg_fixture.hpp"

#include <nlohmann/json.hpp>


namespace p2pscope::pg {
namespace {

class QueueFixture : public PgFixture {
 protected:
  JobSpec job(const std::string& job_name, std::chrono::seconds every = std::chrono::hours(1)) {
    JobSpec s;
    s.name = job_name;
    s.inputs = {"c12fe1c06bba254a9dc9f519b335aa7c1367a88a"};
    s.every = every;
    return s;
  }
  std::int64_t add(const JobSpec& s) {
    auto c = db();
    auto id = add_job(*c, s);
    EXPECT_TRUE(test::is_ok(id));
    return id.value();
  }
  std::optional<Lease> lease(pqxx::connection& c, const std::string& worker, std::chrono::seconds hold) {
    auto l = lease_next(c, worker, hold);
    EXPECT_TRUE(test::is_ok(l));
    return l.value();
  }
};

TEST_F(QueueFixture, ConcurrentLeasesSkipEachOthersJobs) {
  add(job("a"));
  add(job("b"));
  auto c1 = db(), c2 = db();
  pqxx::work hold_a(*c1);  // a transaction that has locked job a's row
  auto locked = hold_a.exec("SELECT id FROM job WHERE name = 'a' FOR UPDATE");
  auto l2 = lease(*c2, "w2", std::chrono::seconds(60));
  ASSERT_TRUE(l2);
  EXPECT_EQ(l2->job.spec.name, "b");  // skipped the locked row instead of waiting
  hold_a.abort();
  auto l1 = lease(*c1, "w1", std::chrono::seconds(60));
  ASSERT_TRUE(l1);
  EXPECT_EQ(l1->job.spec.name, "a");
  EXPECT_FALSE(lease(*c1, "w1", std::chrono::seconds(60)));  // both held
}

TEST_F(QueueFixture, ExpiredLeaseIsTakenOverAndTheDeadAttemptsRowsGo) {
  add(job("a"));
  auto c = db();
  // A long lease, run out by hand below: no test time depends on how fast
  // the writes go (they took over a second under ASan).
  auto dead = lease(*c, "dead", std::chrono::seconds(600)).value();
  {
    auto o = sink_options("dead-writer");
    o.fence = lease_fence(*c, dead);
    auto s = sink(o);
    auto r = records(12);
    for (auto& x : r) std::visit([&](auto& v) { v.run = dead.run; }, x);
    for (const auto& x : r) ASSERT_TRUE(s->write(x));
    ASSERT_TRUE(s->flush());
  }
  EXPECT_EQ(count("SELECT count(*) FROM observation WHERE run = '" + dead.run + "'"), 2);
  EXPECT_FALSE(lease(*c, "next", std::chrono::seconds(60)));  // still held
  {
    pqxx::work t(*c);
    auto expired = t.exec("UPDATE job SET lease_until = now() - interval '1 second' WHERE lease_owner = " + t.quote(dead.owner));
    ASSERT_EQ(expired.affected_rows(), 1u);
    t.commit();
  }
  auto next = lease(*c, "next", std::chrono::seconds(60)).value();
  EXPECT_EQ(next.run, dead.run);
  EXPECT_EQ(next.attempt, 2);
  EXPECT_EQ(count("SELECT count(*) FROM observation WHERE run = '" + dead.run + "'"), 0);
  EXPECT_FALSE(renew(*c, dead, std::chrono::seconds(60)).value());
  EXPECT_FALSE(finish(*c, dead, {true, 0, ""}));
  // A write fenced on the dead lease is refused, not stored.
  auto o = sink_options("dead-writer-late");
  o.fence = lease_fence(*c, dead);
  auto late = sink(o);
  ASSERT_TRUE(late->write(records(1).front()));
  auto st = late->flush();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), Failure::fenced);
  EXPECT_EQ(count("SELECT count(*) FROM observation"), 0);
  EXPECT_TRUE(test::is_ok(finish(*c, next, {true, 0, ""})));
}

TEST_F(QueueFixture, FinishingMovesTheDueTimePastNowByWholeIntervals) {
  auto s = job("a");
  auto start = Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch() - std::chrono::minutes(150))};
  s.first_due = start;
  add(s);
  auto c = db();
  auto l = lease(*c, "w", std::chrono::seconds(60)).value();
  ASSERT_TRUE(test::is_ok(finish(*c, l, {true, 7, ""})));
  auto jobs = list_jobs(*c).value();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].next_due, start + std::chrono::hours(3));
  EXPECT_EQ(jobs[0].last_status, "done");
  EXPECT_FALSE(jobs[0].lease_owner);
  EXPECT_EQ(count("SELECT observations FROM job_run"), 7);
  EXPECT_FALSE(lease(*c, "w", std::chrono::seconds(60)));  // not due again yet
}

TEST_F(QueueFixture, PausedJobsAreNotLeasedAndRemovedOnesAreGone) {
  add(job("a"));
  auto c = db();
  ASSERT_TRUE(test::is_ok(set_paused(*c, "a", true)));
  EXPECT_FALSE(lease(*c, "w", std::chrono::seconds(60)));
  ASSERT_TRUE(set_paused(*c, "a", false));
  EXPECT_TRUE(lease(*c, "w", std::chrono::seconds(60)));
  ASSERT_TRUE(remove_job(*c, "a"));
  auto again = remove_job(*c, "a");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message(), "no job a");
  EXPECT_EQ(count("SELECT count(*) FROM job_run"), 0);
}

TEST_F(QueueFixture, AJobKeepsItsSettingsAsTheObjectItWasGiven) {
  auto s = job("typed");
  s.settings = R"({"quick": true, "max_duration": 90, "trackers": ["udp://t.example:6969/announce"]})";
  add(s);
  auto c = db();
  auto l = lease(*c, "w", std::chrono::seconds(60));
  ASSERT_TRUE(l);
  EXPECT_EQ(nlohmann::json::parse(l->job.spec.settings), nlohmann::json::parse(s.settings));
  s.name = "not-an-object";
  s.settings = "[1]";
  EXPECT_FALSE(add_job(*c, s)) << "the schema keeps settings an object";
}

// The defect: jobs stored their crawl options as words the worker parsed
// again; 0006 turns a stored profile into settings and keeps older words
// under legacy_args.
TEST_F(QueueFixture, MigratingOldJobsKeepsTheirProfileAndWords) {
  auto c = db(false);
  auto before = migrations().first(5);
  ASSERT_TRUE(test::is_ok(migrate(*c, before)));
  pqxx::work t(*c);
  t.exec("INSERT INTO job (name, inputs, every, profile, args, next_due) VALUES "
         "('q', '{x}', '1 hour', 'quick', '{}', now()), "
         "('d', '{x}', '1 hour', 'default', '{--bind,10.0.0.5}', now())");
  t.commit();
  ASSERT_TRUE(test::is_ok(migrate(*c)));
  auto jobs = list_jobs(*c).value();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(jobs[0].spec.settings), nlohmann::json({{"quick", true}}));
  EXPECT_EQ(nlohmann::json::parse(jobs[1].spec.settings),
            nlohmann::json({{"legacy_args", {"--bind", "10.0.0.5"}}}));
}

}  // namespace
}  // namespace p2pscope::pg
