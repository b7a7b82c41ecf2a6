// Internal to store/: runs one database step and turns libpqxx's exceptions
// into pg::Failure codes (a lost connection or an unknown commit outcome is
// `unreachable`, worth retrying; anything else is `query`), with the
// message in *detail.
#pragma once

#include "store/pg.hpp"

#include <pqxx/except>

namespace p2pscope::pg {

template <class F>
auto guarded(std::string* detail, F&& f) -> decltype(f()) {
  auto say = [detail](const std::exception& e) {
    if (!detail) return;
    *detail = e.what();
    while (!detail->empty() && (detail->back() == '\n' || detail->back() == ' ')) detail->pop_back();
  };
  try {
    return f();
  } catch (const pqxx::broken_connection& e) {
    say(e);
    return Failure::unreachable;
  } catch (const pqxx::in_doubt_error& e) {
    say(e);
    return Failure::unreachable;
  } catch (const std::exception& e) {
    say(e);
    return Failure::query;
  }
}

}  // namespace p2pscope::pg
