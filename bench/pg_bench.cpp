// Observation rows per second into PostgreSQL through PgSink (batched COPY
// with batch ids), on a database that `db migrate` prepared. bench/run.sh
// then copies the same rows with `psql \copy` for the baseline.
//   pg_bench --db CONNINFO [--rows N] [--batch N]
// Prints one JSON object.
#include "store/pg_sink.hpp"
#include "tests/testlib/random_values.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

using namespace p2pscope;

int main(int argc, char** argv) {
  std::string db;
  std::size_t rows = 500000, batch = 5000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--db")) db = argv[i + 1];
    else if (!std::strcmp(argv[i], "--rows")) rows = std::stoul(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch")) batch = std::stoul(argv[i + 1]);
  }
  // Crawl-like rows: mostly IPv4 peers from DHT nodes and trackers.
  testlib::Gen g(7);
  std::vector<Record> records;
  records.reserve(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    auto r = std::get<Observation>(g.record(0));
    r.peer = g.endpoint(g.below(10) ? Family::v4 : Family::v6);
    r.run = "bench";
    records.push_back(std::move(r));
  }
  pg::SinkOptions o;
  o.conninfo = db;
  o.spool_dir = std::filesystem::temp_directory_path() / "p2pscope-pg-bench-spool";
  o.batch_records = batch;
  auto sink = pg::PgSink::open(o);
  if (!sink || !sink.value()->opening_note().empty()) {
    std::fprintf(stderr, "pg_bench: %s\n", sink ? sink.value()->opening_note().c_str() : sink.error().message().c_str());
    return 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& r : records) (void)sink.value()->write(r);
  auto st = sink.value()->flush();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!st || sink.value()->stats().records_delivered != rows) {
    std::fprintf(stderr, "pg_bench: not all rows delivered: %s\n", sink.value()->stats().problem.c_str());
    return 1;
  }
  std::printf("{\"rows\": %zu, \"batch\": %zu, \"seconds\": %.3f, \"rows_per_s\": %.0f}\n", rows, batch, s, static_cast<double>(rows) / s);
  return 0;
}
