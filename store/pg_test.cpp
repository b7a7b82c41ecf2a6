// Against a real PostgreSQL server: the ctest fixture pg_server starts one
// with scripts/pg_test_server.sh and sets PGHOST; each test gets a fresh
// database of its own, as role p2pscope.
#include "store/spool.hpp"
#include "store/record_types.hpp"
#include "tests/testlib/pg_fixture.hpp"

namespace p2pscope::pg {
namespace {

TEST_F(PgFixture, MigrateAppliesEachVersionOnceAndRecordsIt) {
  auto c = db(false);
  auto first = migrate(*c);
  ASSERT_TRUE(test::is_ok(first));
  EXPECT_EQ(first.value().size(), migrations().size());
  EXPECT_TRUE(migrate(*c).value().empty());
  EXPECT_EQ(schema_version(*c).value(), latest_version());
  EXPECT_TRUE(require_current_schema(*c));
}

TEST_F(PgFixture, FailingMigrationLeavesNothingHalfApplied) {
  const Migration list[] = {{1, "0001_a.sql", "CREATE TABLE a (x int);"},
                            {2, "0002_b.sql", "CREATE TABLE b (x int); SELECT 1 / 0;"}};
  auto c = db(false);
  auto r = migrate(*c, list);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Failure::query);
  EXPECT_NE(r.error().message().find("division by zero"), std::string::npos) << r.error();
  EXPECT_EQ(schema_version(*c).value(), 1);
  EXPECT_EQ(count("SELECT count(*) FROM pg_tables WHERE tablename = 'b'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM pg_tables WHERE tablename = 'a'"), 1);
}

TEST_F(PgFixture, NewerSchemaIsRefusedByMigrateAndByWriters) {
  auto c = db();
  {
    pqxx::work w(*c);
    w.exec("INSERT INTO schema_version (version, name) VALUES (9999, 'future.sql')");
    w.commit();
  }
  auto r = migrate(*c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Failure::schema);
  EXPECT_NE(r.error().message().find("9999"), std::string::npos) << r.error();
  auto s = PgSink::open(sink_options());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), Failure::schema);
}

TEST_F(PgFixture, ConnectionProblemsAreToldApart) {
  auto pw = connect("dbname=x password=secret");
  ASSERT_FALSE(pw);
  EXPECT_EQ(pw.error(), Failure::bad_conninfo);
  EXPECT_NE(pw.error().message().find(".pgpass"), std::string::npos) << pw.error();
  EXPECT_EQ(connect("postgresql://u:secret@/x").error(), Failure::bad_conninfo);
  EXPECT_EQ(connect("nonsense=1").error(), Failure::bad_conninfo);
  EXPECT_EQ(connect("host=/nonexistent-p2pscope dbname=x").error(), Failure::unreachable);
  ::setenv("PGPASSWORD", "wrong", 1);
  auto wrong = connect("user=p2pscope_pw dbname=" + name);
  ::unsetenv("PGPASSWORD");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error(), Failure::refused);
  EXPECT_NE(wrong.error().message().find("password authentication failed"), std::string::npos) << wrong.error();
}

TEST_F(PgFixture, EveryRecordTypeRoundTripsInOrder) {
  db();
  auto in = records(600);
  EXPECT_EQ(write_all(*sink(sink_options()), in).records_delivered, in.size());
  EXPECT_EQ(exported(), in);
}

TEST_F(PgFixture, ExportCanBeLimitedToSomeRecordTables) {
  db();
  auto in = records(70);
  write_all(*sink(sink_options()), in);
  std::vector<Record> want, got;
  for (const auto& r : in) {
    if (std::holds_alternative<Observation>(r) || std::holds_alternative<PassiveRecord>(r)) want.push_back(r);
  }
  ExportFilter f;
  f.tables = {record_table<Observation>(), record_table<PassiveRecord>()};
  auto c = db(false);
  ASSERT_TRUE(test::is_ok(export_records(*c, f, [&](const Record& r) -> Status { got.push_back(r); return success(); })));
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(got, want);
}

TEST_F(PgFixture, RedeliveredBatchesAreSkippedWhole) {
  db();
  auto in = records(120);
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(write_all(*sink(sink_options("same-writer")), in).batches_duplicate, attempt == 0 ? 0u : 3u);
  }
  EXPECT_EQ(count("SELECT count(*) FROM batch"), 3);
  EXPECT_EQ(exported(), in);
}

TEST_F(PgFixture, UnreachableDatabaseSpoolsAndReplaysInOrder) {
  db();
  auto in = records(200);
  auto down = sink_options("spooler");
  down.conninfo = "host=/nonexistent-p2pscope user=p2pscope dbname=" + name;
  {
    auto s = PgSink::open(down).value();
    EXPECT_NE(s->opening_note().find("spooling"), std::string::npos) << s->opening_note();
    auto st = write_all(*s, in);
    EXPECT_EQ(st.batches_spooled, 4u);
    EXPECT_EQ(st.records_pending, in.size());
  }  // the process goes away with its spool undelivered
  EXPECT_EQ(count("SELECT count(*) FROM observation"), 0);
  auto s = sink(sink_options("next-run"));
  ASSERT_TRUE(s->drain(std::chrono::seconds(10)));
  EXPECT_EQ(s->stats().batches_replayed, 4u);
  EXPECT_EQ(exported(), in);
  EXPECT_TRUE(adoptable_spools(spool_dir).empty());
}

TEST_F(PgFixture, FullSpoolDiskIsReportedAndNothingIsDropped) {
  auto o = sink_options("full");
  o.conninfo = "host=/nonexistent-p2pscope user=p2pscope dbname=" + name;
  std::filesystem::create_directories(spool_dir);
  std::filesystem::create_symlink("/dev/full", spool_dir / "full.spool");
  auto s = PgSink::open(o).value();
  for (const auto& r : records(60)) (void)s->write(r);
  auto st = s->flush();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), std::errc::no_space_on_device);
  EXPECT_EQ(s->stats().records_pending, 60u);
  EXPECT_NE(s->stats().problem.find("held in memory"), std::string::npos) << s->stats().problem;
}

}  // namespace
}  // namespace p2pscope::pg
