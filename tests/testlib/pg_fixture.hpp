// A fresh database per test on the server of the ctest fixture pg_server
// (scripts/pg_test_server.sh; ctest sets PGHOST), as role p2pscope; helpers
// for connections, sinks, random records and exports. Test-only.
#pragma once

#include "store/pg.hpp"
#include "store/pg_sink.hpp"

#include "tests/testlib/random_values.hpp"
#include "tests/testlib/status.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <cstdlib>
#include <unistd.h>

namespace p2pscope::pg {

class PgFixture : public ::testing::Test {
 protected:
  std::string name = "t_" + std::to_string(::getpid());
  std::string conninfo = "user=p2pscope dbname=" + name;
  std::filesystem::path spool_dir = std::filesystem::temp_directory_path() / ("p2pscope-pgtest-spool-" + name);

  void SetUp() override {
    ASSERT_NE(std::getenv("PGHOST"), nullptr) << "run through ctest (fixture pg_server)";
    pqxx::connection admin("user=p2pscope dbname=postgres");
    pqxx::nontransaction(admin).exec("DROP DATABASE IF EXISTS " + name);
    pqxx::nontransaction(admin).exec("CREATE DATABASE " + name);
    std::filesystem::remove_all(spool_dir);
  }
  void TearDown() override {
    std::filesystem::remove_all(spool_dir);
    pqxx::connection admin("user=p2pscope dbname=postgres");
    pqxx::nontransaction(admin).exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  std::unique_ptr<pqxx::connection> db(bool migrated = true) {
    auto c = connect(conninfo);
    EXPECT_TRUE(test::is_ok(c));
    if (migrated) {
      EXPECT_TRUE(test::is_ok(migrate(*c.value())));
    }
    return std::move(c).value();
  }
  std::int64_t count(const std::string& sql) {
    auto c = db(false);
    return pqxx::read_transaction(*c).exec(sql)[0][0].as<std::int64_t>();
  }
  SinkOptions sink_options(std::string writer = "") {
    SinkOptions o;
    o.conninfo = conninfo;
    o.spool_dir = spool_dir;
    o.writer = std::move(writer);
    o.batch_records = 50;
    o.retry_every = std::chrono::milliseconds(100);
    return o;
  }
  std::unique_ptr<PgSink> sink(const SinkOptions& o) {
    auto s = PgSink::open(o);
    EXPECT_TRUE(test::is_ok(s));
    return std::move(s).value();
  }
  // Writes every record through s and flushes; the stats after the flush.
  static SinkStats write_all(PgSink& s, const std::vector<Record>& in) {
    for (const auto& r : in) EXPECT_TRUE(s.write(r));
    auto flushed = s.flush();
    EXPECT_TRUE(flushed) << (flushed ? std::string() : flushed.error().message());
    return s.stats();
  }
  static std::vector<Record> records(std::size_t n, std::uint64_t seed = 1) {
    testlib::Gen g(seed);
    std::vector<Record> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(g.record(i));
    return out;
  }
  std::vector<Record> exported() {
    std::vector<Record> out;
    auto c = db(false);
    auto n = export_records(*c, {}, [&](const Record& r) -> Status { out.push_back(r); return success(); });
    EXPECT_TRUE(test::is_ok(n));
    return out;
  }
};

}  // namespace p2pscope::pg
