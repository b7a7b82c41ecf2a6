// The local spool a PostgreSQL sink falls back on while the database is
// unreachable: batches of records with their delivery ids, appended to a
// JSON Lines file and read back in the order they were written.
//
// File format: per batch, one header line
//   {"spool_batch":{"writer":"<id>","seq":<n>,"records":<k>}}
// followed by its k records in the docs/records.md JSON form. append()
// writes a whole batch and fdatasync()s it before returning; when the write
// fails (a full disk) the file is cut back to where it was, so it never holds
// a torn batch from this process. A batch torn by a crash (fewer lines than
// its header says) is skipped on reading and counted.
//
// The open file holds an exclusive flock: one process per spool file. Files
// in a spool directory that nobody holds belong to a process that died and
// may be adopted (adoptable_spools). Not thread-safe; move-only.
#pragma once

#include "core/records.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace p2pscope {

// What one delivery carries. (writer, seq) is the idempotence key.
struct Batch {
  std::string writer;
  std::uint64_t seq = 0;
  std::vector<Record> records;
};

class Spool {
 public:
  // Creates or opens path for appending and locks it. std::errc::
  // resource_unavailable_try_again when another process holds it.
  static Result<Spool> open(const std::filesystem::path& path);
  Spool(Spool&& o) noexcept;
  Spool& operator=(Spool&& o) noexcept;
  ~Spool();

  Status append(const Batch& b);
  // Calls on_batch with every complete batch in file order; stops at the
  // first error on_batch returns and returns it. Torn batches are skipped.
  Status read(const std::function<Status(Batch&&)>& on_batch);
  // Empties the file once everything in it is delivered.
  Status clear();
  bool empty() const noexcept { return size_ == 0; }
  // Torn batches the last read() skipped.
  std::uint64_t torn_batches() const noexcept { return torn_; }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  Spool(std::filesystem::path p, int fd, std::uint64_t size) : path_(std::move(p)), fd_(fd), size_(size) {}
  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t torn_ = 0;
};

// The *.spool files in dir that no live process holds, oldest first.
std::vector<std::filesystem::path> adoptable_spools(const std::filesystem::path& dir);

}  // namespace p2pscope
