// The job queue against a real server (ctest label pg).
#include "store/queue.hpp"
#include "tests/testlib/pg_fixture.hpp"


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
    std::string why;
    auto c = db();
    auto id = add_job(*c, s, &why);
    EXPECT_TRUE(id) << why;
    return id.value();
  }
  std::optional<Lease> lease(pqxx::connection& c, const std::string& worker, std::chrono::seconds hold) {
    std::string why;
    auto l = lease_next(c, worker, hold, &why);
    EXPECT_TRUE(l) << why;
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
  std::string why;
  EXPECT_FALSE(renew(*c, dead, std::chrono::seconds(60), &why).value());
  EXPECT_FALSE(finish(*c, dead, {true, 0, ""}, &why));
  // A write fenced on the dead lease is refused, not stored.
  auto o = sink_options("dead-writer-late");
  o.fence = lease_fence(*c, dead);
  auto late = sink(o);
  ASSERT_TRUE(late->write(records(1).front()));
  auto st = late->flush();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), Failure::fenced);
  EXPECT_EQ(count("SELECT count(*) FROM observation"), 0);
  EXPECT_TRUE(finish(*c, next, {true, 0, ""}, &why)) << why;
}

TEST_F(QueueFixture, FinishingMovesTheDueTimePastNowByWholeIntervals) {
  auto s = job("a");
  auto start = Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch() - std::chrono::minutes(150))};
  s.first_due = start;
  add(s);
  auto c = db();
  auto l = lease(*c, "w", std::chrono::seconds(60)).value();
  std::string why;
  ASSERT_TRUE(finish(*c, l, {true, 7, ""}, &why)) << why;
  auto jobs = list_jobs(*c, &why).value();
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
  std::string why;
  ASSERT_TRUE(set_paused(*c, "a", true, &why)) << why;
  EXPECT_FALSE(lease(*c, "w", std::chrono::seconds(60)));
  ASSERT_TRUE(set_paused(*c, "a", false, &why));
  EXPECT_TRUE(lease(*c, "w", std::chrono::seconds(60)));
  ASSERT_TRUE(remove_job(*c, "a", &why));
  EXPECT_FALSE(remove_job(*c, "a", &why));
  EXPECT_EQ(why, "no job a");
  EXPECT_EQ(count("SELECT count(*) FROM job_run"), 0);
}

}  // namespace
}  // namespace p2pscope::pg
