// A RecordSink that keeps records in memory. Header-only; for tests only.
#pragma once

#include "core/record_sink.hpp"

#include <vector>

namespace p2pscope::testlib {

class MemorySink final : public RecordSink {
 public:
  std::vector<Record> records;
  Status write(const Record& r) override {
    records.push_back(r);
    return success();
  }
  Status flush() override { return success(); }

  template <class T>
  std::vector<T> of() const {
    std::vector<T> out;
    for (const auto& r : records)
      if (const auto* x = std::get_if<T>(&r)) out.push_back(*x);
    return out;
  }
};

}  // namespace p2pscope::testlib
