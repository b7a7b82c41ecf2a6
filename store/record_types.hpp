// Every record type in one table: its name (the JSON "type" and the
// PostgreSQL table), its columns, its JSON Lines codec and its COPY row.
// The line parser (record_json.cpp), PgSink (COPY), export and the job
// queue (deleting a run) all go through it, so adding a record type means
// one entry in record_types.cpp, a migration in schema/ and its section in
// docs/records.md.
//
// Values only; thread-safe.
#pragma once

#include "core/records.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope {

// One column after the common ones (batch, ord, time, run), as COPY writes
// it and as export reads it back into the JSON field of the same name.
struct RecordColumn {
  enum class Kind : std::uint8_t {
    plain,  // text, numbers, booleans, jsonb: read back as they are
    hash,   // bytea holding a 20-byte hash: read back as hex
    ip,     // inet: read back as the bare address
    hex,    // bytea read back as hex (a handshake's reserved bytes)
  };
  std::string_view name;
  Kind kind = Kind::plain;
};

using CopyField = std::optional<std::string>;  // nullopt: SQL NULL

struct RecordType {
  std::string_view table;               // also the JSON "type" (passive records carry their own)
  std::vector<RecordColumn> columns;    // in COPY order, after batch, ord, time and run
  // Whether a JSON "type" names this record type.
  bool (*accepts)(std::string_view type);
  nlohmann::json (*to_json)(const Record& r);
  // Throws json_fields::FieldError on a bad field.
  Record (*from_json)(nlohmann::json j, std::string_view type);
  // Appends the values of `columns`, in order.
  void (*copy_fields)(const Record& r, std::vector<CopyField>& out);
  // The table keeps the JSON object whole (in a jsonb column `record`).
  bool whole_json = false;
};

// In Record's variant order.
std::span<const RecordType> record_types() noexcept;
inline const RecordType& record_type_of(const Record& r) noexcept { return record_types()[r.index()]; }
// The record type a JSON "type" names; nullptr when none.
const RecordType* record_type_named(std::string_view type) noexcept;

// Every table whose rows are records, in variant order.
std::vector<std::string_view> record_tables();
template <class T>
std::string_view record_table() noexcept {
  return record_types()[Record(std::in_place_type<T>).index()].table;
}
// The JSON "type" tag of a record; for a PassiveRecord its own type (a view
// into it, valid while it lives).
std::string_view record_type(const Record& r) noexcept;

}  // namespace p2pscope
