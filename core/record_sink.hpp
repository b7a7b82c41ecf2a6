// Where records go: the one seam between the parts that produce records
// (crawler, probes, passive, harness) and the stores that keep them
// (store/: JSON Lines, PostgreSQL, both through a TeeSink).
#pragma once

#include "core/error.hpp"
#include "core/records.hpp"

namespace p2pscope {

// Threads: an implementation says; callers must not share one between
// threads unless it does. write() may buffer; flush() is the point after
// which a record is either stored or reported as not stored.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual Status write(const Record& r) = 0;
  // Pushes everything buffered to durable storage (or returns why not).
  virtual Status flush() = 0;
};

}  // namespace p2pscope
