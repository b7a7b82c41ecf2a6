#include "store/pg_sink.hpp"

#include "store/pg.hpp"
#include "store/pg_copy.hpp"
#include "store/record_types.hpp"
#include "store/spool.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <charconv>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace p2pscope::pg {
namespace {

std::string random_writer_id() {
  std::random_device rd;
  std::uint64_t a = (std::uint64_t{rd()} << 32) | rd(), b = (std::uint64_t{rd()} << 32) | rd();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
  return buf;
}

Field time_of(const Timestamp& t) { return format_time(t); }
Field time_of(const std::optional<Timestamp>& t) { return t ? Field(format_time(*t)) : std::nullopt; }
Field run_of(const std::string& r) { return r.empty() ? std::nullopt : Field(r); }

// COPY columns: the batch id and position, the common fields, then the type's own.
std::vector<std::string> copy_columns(const RecordType& t) {
  std::vector<std::string> c = {"batch", "ord", "time", "run"};
  for (const auto& col : t.columns) c.emplace_back(col.name);
  return c;
}

std::size_t records_in(const std::deque<Batch>& q) {
  std::size_t n = 0;
  for (const auto& b : q) n += b.records.size();
  return n;
}

}  // namespace

struct PgSink::Impl {
  SinkOptions opt;
  Batch current;
  std::chrono::steady_clock::time_point current_started{};
  std::uint64_t next_seq = 0;

  std::mutex m;
  std::condition_variable wake, idle;
  std::deque<Batch> queue;      // handed over, not yet taken by the thread
  std::uint64_t requested = 0;  // flush() calls; each waits for a whole pass of the thread after it
  std::uint64_t completed = 0;  // the `requested` value the thread's last finished pass started from
  bool stopping = false;
  std::optional<Error> error;  // reported by write()/flush() from then on
  std::string opening_note;    // set by open(), read-only after
  SinkStats stats;

  // Writer thread only.
  std::unique_ptr<pqxx::connection> conn;
  std::chrono::steady_clock::time_point last_attempt{};
  std::optional<Spool> spool;
  std::uint64_t spooled_records = 0;
  std::deque<Batch> backlog;  // taken, neither delivered nor spooled (the spool failed)
  std::thread thread;

  void fail(Error e) {
    std::lock_guard lk(m);
    if (!error) error = std::move(e);
  }
  void fail(std::error_code ec, std::string detail) { fail(p2pscope::fail(ec, std::move(detail))); }

  void connect_if_due() {
    if (conn) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_attempt < opt.retry_every) return;
    last_attempt = now;
    auto c = connect(opt.conninfo);
    if (!c) {
      if (!transient(c.error().code())) fail(c.error());
      return;
    }
    if (auto st = require_current_schema(*c.value()); !st) return fail(st.error());
    conn = std::move(c).value();
  }

  void disconnect() { conn.reset(); }

  // One transaction per batch; false when it has to wait (connection lost).
  bool deliver(const Batch& b) {
    try {
      pqxx::work t(*conn);
      if (!opt.fence.empty() && t.exec(opt.fence).empty()) {
        reject(b, "its fence no longer holds", Failure::fenced);
        return true;
      }
      auto id = t.exec_params("INSERT INTO batch (writer, seq, rows) VALUES ($1, $2, $3) "
                              "ON CONFLICT (writer, seq) DO NOTHING RETURNING id",
                              b.writer, b.seq, b.records.size());
      if (id.empty()) {
        t.commit();
        std::lock_guard lk(m);
        ++stats.batches_duplicate;
        return true;
      }
      auto batch_id = id[0][0].as<std::string>();
      std::set<std::string> runs;
      for (const auto& r : b.records) {
        std::visit([&](const auto& x) { if (!x.run.empty()) runs.insert(x.run); }, r);
      }
      for (const auto& run : runs) t.exec_params("INSERT INTO crawl_run (run) VALUES ($1) ON CONFLICT DO NOTHING", run);
      copy_rows(t, b, batch_id);
      t.commit();
      std::lock_guard lk(m);
      ++stats.batches_delivered;
      stats.records_delivered += b.records.size();
      return true;
    } catch (const pqxx::broken_connection&) {
      disconnect();
      return false;
    } catch (const pqxx::in_doubt_error&) {
      disconnect();  // the replay finds out: a committed batch is a duplicate then
      return false;
    } catch (const std::exception& e) {
      reject(b, e.what());
      return true;
    }
  }

  void copy_rows(pqxx::work& t, const Batch& b, const std::string& batch_id) {
    for (std::size_t type = 0; type < std::variant_size_v<Record>; ++type) {
      std::optional<pqxx::stream_to> s;
      std::vector<Field> f;
      for (std::size_t i = 0; i < b.records.size(); ++i) {
        const auto& r = b.records[i];
        if (r.index() != type) continue;
        const auto& rt = record_type_of(r);
        if (!s) s.emplace(t, std::string(rt.table), copy_columns(rt));
        f.clear();
        f.push_back(batch_id);
        f.push_back(std::to_string(i));
        std::visit([&](const auto& x) {
          f.push_back(time_of(x.time));
          f.push_back(run_of(x.run));
        }, r);
        rt.copy_fields(r, f);
        put_row(*s, f);
      }
      if (s) s->complete();
    }
  }

  // The database answered but will not take this batch (a row it rejects):
  // retrying cannot help, so the records go to a file beside the spool.
  void reject(const Batch& b, std::string why, Failure code = Failure::query) {
    auto path = opt.spool_dir / (b.writer + ".rejected.jsonl");
    std::ofstream out(path, std::ios::app);
    for (const auto& r : b.records) out << to_json_line(r) << '\n';
    out.flush();
    std::string what = "batch " + std::to_string(b.seq) + " refused (" + why + "); its " +
                       std::to_string(b.records.size()) + " records are in " + path.string();
    if (!out) what += " -- writing them there failed too";
    fail(make_error_code(code), what);
  }

  // Replays every spool (adopted ones first: they are older) into the
  // database; false when the connection went away on the way.
  bool replay() {
    for (const auto& p : adoptable_spools(opt.spool_dir)) {
      if (spool && p == spool->path()) continue;
      auto other = Spool::open(p);
      if (!other) continue;
      if (!replay_one(other.value())) return false;
      std::filesystem::remove(p);
    }
    if (!spool || spool->empty()) return true;
    if (!replay_one(*spool)) return false;
    if (auto st = spool->clear(); !st) fail(st.error().within("emptying the spool " + spool->path().string() + " failed"));
    spooled_records = 0;
    return true;
  }

  bool replay_one(Spool& s) {
    bool lost = false;
    auto st = s.read([&](Batch&& b) -> Status {
      if (!deliver(b)) {
        lost = true;
        return std::make_error_code(std::errc::not_connected);
      }
      std::lock_guard lk(m);
      ++stats.batches_replayed;
      return success();
    });
    {
      std::lock_guard lk(m);
      stats.torn_spool_batches += s.torn_batches();
    }
    return st && !lost;
  }

  // Creates the spool directory and opens our spool file; the error names
  // the directory and what failed.
  Status open_spool() {
    std::error_code ec;
    std::filesystem::create_directories(opt.spool_dir, ec);
    if (ec) return p2pscope::fail(ec, "cannot create the spool directory " + opt.spool_dir.string() + ": " + ec.message());
    auto s = Spool::open(opt.spool_dir / (opt.writer + ".spool"));
    if (!s)
      return p2pscope::fail(
          s.error(), s.error() == std::errc::resource_unavailable_try_again
                         ? "another process is writing as " + opt.writer +
                               " (the same input stored twice at once?); its spool " +
                               (opt.spool_dir / (opt.writer + ".spool")).string() + " is locked"
                         : "cannot open a spool file in " + opt.spool_dir.string() + ": " + s.error().message());
    spool.emplace(std::move(s).value());
    return success();
  }

  bool spool_ready() {
    if (spool) return true;
    if (auto st = open_spool(); !st) {
      fail(st.error());
      return false;
    }
    return true;
  }

  // Everything taken so far, oldest first: into the database when it is up
  // and no spool is waiting, else onto the spool.
  void process() {
    connect_if_due();
    if (conn && !replay()) disconnect();
    while (!backlog.empty()) {
      const auto& b = backlog.front();
      bool direct = conn && (!spool || spool->empty());
      if (direct && deliver(b)) {
        backlog.pop_front();
        continue;
      }
      if (!spool_ready()) break;
      if (auto st = spool->append(b); !st) {
        fail(st.error().code(), "the database is unreachable and the spool " + spool->path().string() +
                             " cannot be written (" + st.error().message() + "); " +
                             std::to_string(records_in(backlog)) + " records are held in memory only");
        break;
      }
      spooled_records += b.records.size();
      std::lock_guard lk(m);
      ++stats.batches_spooled;
      backlog.pop_front();
    }
    std::lock_guard lk(m);
    stats.connected = conn != nullptr;
    stats.records_spooled = spooled_records;
    stats.records_unspooled = records_in(backlog) + records_in(queue);
    stats.records_pending = stats.records_spooled + stats.records_unspooled;
  }

  void join() {
    {
      std::lock_guard lk(m);
      stopping = true;
    }
    wake.notify_all();
    if (thread.joinable()) thread.join();
  }

  void run() {
    std::unique_lock lk(m);
    for (;;) {
      wake.wait_for(lk, opt.retry_every, [&] { return stopping || !queue.empty() || requested > completed; });
      bool stop = stopping;
      auto pass = requested;
      while (!queue.empty()) {
        backlog.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      lk.unlock();
      process();
      lk.lock();
      completed = pass;
      idle.notify_all();
      if (stop && queue.empty()) return;
    }
  }
};

StatusOr<std::unique_ptr<PgSink>> PgSink::open(const SinkOptions& opt) {
  P2PSCOPE_CHECK(check_conninfo(opt.conninfo));
  auto impl = std::make_unique<Impl>();
  impl->opt = opt;
  if (impl->opt.writer.empty()) impl->opt.writer = random_writer_id();
  if (impl->opt.batch_records == 0) impl->opt.batch_records = 1;
  impl->current.writer = impl->opt.writer;
  // A spool that cannot be written must stop the run before its work, not
  // lose that work when the database goes away.
  P2PSCOPE_CHECK(impl->open_spool());
  auto c = connect(opt.conninfo);
  if (c) {
    P2PSCOPE_CHECK(require_current_schema(*c.value()));
    impl->conn = std::move(c).value();
  } else if (!transient(c.error().code())) {
    return c.error();
  } else {
    impl->opening_note = c.error().message() + "; spooling to " + opt.spool_dir.string() + " until it returns";
  }
  impl->last_attempt = std::chrono::steady_clock::now();
  auto* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<PgSink>(new PgSink(std::move(impl)));
}

PgSink::PgSink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

const std::string& PgSink::opening_note() const noexcept { return impl_->opening_note; }

PgSink::~PgSink() {
  (void)flush();
  impl_->join();
  // An empty spool of our own is not worth leaving behind.
  if (impl_->spool && impl_->spool->empty()) std::filesystem::remove(impl_->spool->path());
}

Status PgSink::write(const Record& r) {
  auto& i = *impl_;
  if (!i.thread.joinable()) return std::make_error_code(std::errc::operation_canceled);
  auto now = std::chrono::steady_clock::now();
  if (i.current.records.empty()) i.current_started = now;
  i.current.records.push_back(r);
  if (i.current.records.size() >= i.opt.batch_records || now - i.current_started >= i.opt.batch_age) {
    std::lock_guard lk(i.m);
    i.current.seq = i.next_seq++;
    i.queue.push_back(std::move(i.current));
    i.current = Batch{i.opt.writer, 0, {}};
    i.wake.notify_all();
  }
  std::lock_guard lk(i.m);
  if (i.error) return *i.error;
  return success();
}

Status PgSink::flush() {
  auto& i = *impl_;
  if (!i.thread.joinable()) return std::make_error_code(std::errc::operation_canceled);
  std::unique_lock lk(i.m);
  if (!i.current.records.empty()) {
    i.current.seq = i.next_seq++;
    i.queue.push_back(std::move(i.current));
    i.current = Batch{i.opt.writer, 0, {}};
  }
  auto want = ++i.requested;
  i.wake.notify_all();
  i.idle.wait(lk, [&] { return i.completed >= want; });
  if (i.error) return *i.error;
  return success();
}

Status PgSink::drain(std::chrono::milliseconds limit) {
  P2PSCOPE_CHECK(flush());
  auto& i = *impl_;
  auto until = std::chrono::steady_clock::now() + limit;
  std::unique_lock lk(i.m);
  while (i.stats.records_pending > 0 && std::chrono::steady_clock::now() < until) {
    i.wake.notify_all();
    i.idle.wait_until(lk, until, [&] { return i.stats.records_pending == 0; });
  }
  if (i.error) return *i.error;
  if (i.stats.records_pending > 0) return make_error_code(Failure::unreachable);
  return success();
}

SinkStats PgSink::stats() const {
  std::lock_guard lk(impl_->m);
  auto s = impl_->stats;
  if (impl_->error) s.problem = impl_->error->message();
  s.spool_path = impl_->opt.spool_dir / (impl_->opt.writer + ".spool");
  return s;
}

std::vector<Record> PgSink::abandon() {
  auto& i = *impl_;
  i.join();
  std::vector<Record> out;
  auto take = [&](std::deque<Batch>& q) {
    for (auto& b : q)
      for (auto& r : b.records) out.push_back(std::move(r));
    q.clear();
  };
  take(i.backlog);
  take(i.queue);
  for (auto& r : i.current.records) out.push_back(std::move(r));
  i.current.records.clear();
  std::lock_guard lk(i.m);
  i.stats.records_unspooled = 0;
  i.stats.records_pending = i.stats.records_spooled;
  return out;
}

}  // namespace p2pscope::pg
