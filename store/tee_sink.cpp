#include "store/tee_sink.hpp"

namespace p2pscope {

Status TeeSink::write(const Record& r) {
  Status first = success();
  for (auto& s : sinks_) {
    auto st = s->write(r);
    if (!st && first) first = st;
  }
  return first;
}

Status TeeSink::flush() {
  Status first = success();
  for (auto& s : sinks_) {
    auto st = s->flush();
    if (!st && first) first = st;
  }
  return first;
}

}  // namespace p2pscope
