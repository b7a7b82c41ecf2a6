// Internal to store/: runs one database step and turns libpqxx's exceptions
// into pg::Failure codes (a lost connection or an unknown commit outcome is
// `unreachable`, worth retrying; anything else is `query`), with libpq's
// message after the code's own.
#pragma once

#include "store/pg.hpp"

#include <pqxx/except>

#include <string>

namespace p2pscope::pg {

// libpq messages end in newlines and may hold several lines; one line for people.
inline std::string one_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (auto& c : s) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return s;
}

inline Error failure(Failure f, const std::exception& e) {
  return fail(f, Error(f).message() + ": " + one_line(e.what()));
}

// f returns a StatusOr.
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const pqxx::broken_connection& e) {
    return failure(Failure::unreachable, e);
  } catch (const pqxx::in_doubt_error& e) {
    return failure(Failure::unreachable, e);
  } catch (const std::exception& e) {
    return failure(Failure::query, e);
  }
}

}  // namespace p2pscope::pg
