// Fan-out: one record stream to several stores (a JSON Lines file and
// PostgreSQL, as `crawl -o x.jsonl --db ...` asks).
#pragma once

#include "core/record_sink.hpp"

#include <memory>
#include <vector>

namespace p2pscope {

// Owns its sinks and writes to each, in the order added; every sink sees
// every record even when an earlier one fails, and the first error wins.
// Threads: as thread-safe as the least thread-safe sink it holds.
class TeeSink final : public RecordSink {
 public:
  void add(std::unique_ptr<RecordSink> s) { sinks_.push_back(std::move(s)); }
  Status write(const Record& r) override;
  Status flush() override;
  std::size_t size() const noexcept { return sinks_.size(); }

 private:
  std::vector<std::unique_ptr<RecordSink>> sinks_;
};

}  // namespace p2pscope
