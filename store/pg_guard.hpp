// Internal to store/: runs one database step and turns libpqxx's exceptions
// into pg::Failure codes (a lost connection or an unknown commit outcome is
// `unreachable`, worth retrying; anything else is `query`), with the
// message in *detail.
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

template <class F>
auto guarded(std::string* detail, F&& f) -> decltype(f()) {
  auto say = [detail](const std::exception& e) {
    if (detail) *detail = one_line(e.what());
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
