// Internal to store/: one COPY row through libpqxx 6.4's stream_to, which
// streams tuples only. A row is a list of optional texts in the table's
// column order; nullopt is SQL NULL. Rows of 4 to 6, of 10 to 15 and of 19 columns.
#pragma once

#include "store/record_types.hpp"

#include <pqxx/stream_to>

#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace p2pscope::pg {

using Field = CopyField;

template <std::size_t N>
void put_row(pqxx::stream_to& s, const std::vector<Field>& f) {
  auto row = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::make_tuple((f[I] ? f[I]->c_str() : static_cast<const char*>(nullptr))...);
  }(std::make_index_sequence<N>{});
  s << row;
}

inline void put_row(pqxx::stream_to& s, const std::vector<Field>& f) {
  switch (f.size()) {
    case 4: return put_row<4>(s, f);
    case 5: return put_row<5>(s, f);
    case 6: return put_row<6>(s, f);
    case 10: return put_row<10>(s, f);
    case 11: return put_row<11>(s, f);
    case 12: return put_row<12>(s, f);
    case 13: return put_row<13>(s, f);
    case 14: return put_row<14>(s, f);
    case 15: return put_row<15>(s, f);  // peer_hello
    case 19: return put_row<19>(s, f);  // emule_observation
    default: throw std::logic_error("no COPY row of " + std::to_string(f.size()) + " fields");
  }
}

}  // namespace p2pscope::pg
