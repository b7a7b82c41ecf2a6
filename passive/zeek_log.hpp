// Zeek-style logs of the passive records, so tooling built for Zeek
// (zeek-cut, log shippers, SIEM parsers) reads them: one log per record
// type (p2p_handshake.log, p2p_krpc.log, p2p_honeynet_event.log, ...), with
// Zeek's field names for the connection (ts, id.orig_h, id.orig_p,
// id.resp_h, id.resp_p) and fixed columns per log.
//   tsv   Zeek's ASCII writer: #separator/#fields/#types header, tab
//         separated, "-" unset, "(empty)" for an empty vector, T/F;
//   json  Zeek's JSON writer: one object per line with the same names.
// Records of a type the table does not know are refused (errc::bad_value),
// so a new record type cannot silently vanish from the logs.
//
// Ownership: owns its open files; close() writes the TSV #close lines and
// reports the first write error. Not thread-safe.
#pragma once

#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

namespace p2pscope::passive {

enum class ZeekFormat : std::uint8_t { tsv, json };

class ZeekLogs {
 public:
  // dir must exist; logs are created (truncated) when their first record comes.
  ZeekLogs(std::filesystem::path dir, ZeekFormat format);
  ~ZeekLogs();
  ZeekLogs(const ZeekLogs&) = delete;
  ZeekLogs& operator=(const ZeekLogs&) = delete;

  Status write(const nlohmann::json& record);
  Status close();

  // The log a record type goes to, or empty when there is none.
  static std::string log_name(std::string_view record_type);

 private:
  struct Log;
  std::filesystem::path dir_;
  ZeekFormat format_;
  std::map<std::string, std::unique_ptr<Log>> logs_;
};

}  // namespace p2pscope::passive
