#include "probes/routing_data.hpp"

#include "core/text.hpp"
#include "probes/line_reader.hpp"

#include <maxminddb.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <memory>

namespace p2pscope::probes {
namespace {

// The first AS number in "13335", "4826_38803", "38803,4826", "{64500,64501}".
Result<std::uint32_t> first_asn(std::string_view s) {
  while (!s.empty() && s.front() == '{') s.remove_prefix(1);
  std::uint32_t asn = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), asn);
  if (ec != std::errc{} || end == s.data()) return errc::malformed_line;
  auto rest = s.substr(static_cast<std::size_t>(end - s.data()));
  if (!rest.empty() && rest.front() != '_' && rest.front() != ',' && rest.front() != '}') return errc::malformed_line;
  return asn;
}

// MaxMind DB files end with a metadata section that starts with this marker.
bool looks_like_mmdb(const std::filesystem::path& file) {
  if (file.extension() == ".mmdb") return true;
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return false;
  auto size = static_cast<std::size_t>(in.tellg());
  auto tail = std::min<std::size_t>(size, 128 * 1024);
  std::string buf(tail, '\0');
  in.seekg(static_cast<std::streamoff>(size - tail));
  in.read(buf.data(), static_cast<std::streamsize>(tail));
  return buf.find("\xab\xcd\xefMaxMind.com") != std::string::npos;
}

struct MmdbWalk {
  MMDB_s* db;
  PrefixTable& table;
  const RoutingLimits& lim;
  RoutingLoad& load;
  std::size_t visits = 0;
};

Status mmdb_record(MmdbWalk& w, std::uint64_t record, std::uint8_t type, MMDB_entry_s entry, AddressValue bits,
                   int depth);

// Visits node `n`, reached by the top `depth` bits of `bits`.
Status mmdb_node(MmdbWalk& w, std::uint32_t n, AddressValue bits, int depth) {
  auto width = w.db->metadata.ip_version == 6 ? 128 : 32;
  // A well-formed tree is visited at most once per node (aliases skipped
  // below); more visits mean a corrupt file with cycles or shared subtrees.
  if (++w.visits > 2 * static_cast<std::size_t>(w.db->metadata.node_count) + 64 || depth >= width) {
    return fail(errc::malformed_line, "search tree node " + std::to_string(n) + ": the tree is deeper or larger than its metadata says");
  }
  // IPv4 lives under ::/96; its aliases (::ffff:0:0/96 and 2002::/16) would list it twice.
  if (width == 128 && ((depth == 96 && (bits >> 32) == 0xffff) || (depth == 16 && (bits >> 112) == 0x2002)))
    return success();
  MMDB_search_node_s node;
  if (MMDB_read_node(w.db, n, &node) != MMDB_SUCCESS) {
    return fail(errc::malformed_line, "search tree node " + std::to_string(n) + ": unreadable");
  }
  auto bit = AddressValue{1} << (width - depth - 1);
  P2PSCOPE_CHECK(mmdb_record(w, node.left_record, node.left_record_type, node.left_record_entry, bits, depth + 1));
  return mmdb_record(w, node.right_record, node.right_record_type, node.right_record_entry, bits | bit, depth + 1);
}

Status mmdb_record(MmdbWalk& w, std::uint64_t record, std::uint8_t type, MMDB_entry_s entry, AddressValue bits,
                   int depth) {
  if (type == MMDB_RECORD_TYPE_EMPTY) return success();
  if (type == MMDB_RECORD_TYPE_SEARCH_NODE) return mmdb_node(w, static_cast<std::uint32_t>(record), bits, depth);
  if (type != MMDB_RECORD_TYPE_DATA) {
    return fail(errc::malformed_line, "a search tree record (" + std::to_string(record) + ") points past the data section (" +
                  std::to_string(w.db->data_section_size) + " bytes after " +
                  std::to_string(w.db->metadata.node_count) + " nodes)");
  }
  Cidr c;
  if (w.db->metadata.ip_version == 6) {
    if (depth >= 96 && (bits >> 32) == 0) c = {address_of(Family::v4, bits), depth - 96};
    else c = {address_of(Family::v6, bits), depth};
  } else {
    c = {address_of(Family::v4, bits), depth};
  }
  MMDB_entry_data_s asn{}, org{};
  // A data record that cannot be decoded is a corrupt file, not a record
  // without an AS: half a routing table calls real peers unroutable.
  MMDB_entry_data_s whole{};
  int rc = MMDB_get_value(&entry, &whole, nullptr);
  if (rc != MMDB_SUCCESS || !whole.has_data || whole.type != MMDB_DATA_TYPE_MAP) {
    return fail(errc::malformed_line, "data record at offset " + std::to_string(entry.offset) + ": " +
                  (rc != MMDB_SUCCESS ? MMDB_strerror(rc) : "not a map"));
  }
  for (auto [key, out] : {std::pair{"autonomous_system_number", &asn}, std::pair{"autonomous_system_organization", &org}}) {
    rc = MMDB_get_value(&entry, out, key, nullptr);
    if (rc != MMDB_SUCCESS && rc != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR) {
      return fail(errc::malformed_line, "data record at offset " + std::to_string(entry.offset) + ": " + MMDB_strerror(rc));
    }
  }
  bool has_asn = asn.has_data && asn.type == MMDB_DATA_TYPE_UINT32;
  bool has_org = org.has_data && org.type == MMDB_DATA_TYPE_UTF8_STRING;
  if (!has_asn) {
    ++w.load.skipped;  // a record without an AS (some databases mark unannounced space this way)
    return success();
  }
  w.table.add(c, asn.uint32, has_org ? std::string(org.utf8_string, org.data_size) : std::string());
  ++w.load.prefixes;
  if (w.table.pending() > w.lim.max_prefixes && w.table.compact() > w.lim.max_prefixes) {
    return fail(errc::too_many_items, "more than " + std::to_string(w.lim.max_prefixes) + " distinct prefixes");
  }
  return success();
}

StatusOr<RoutingLoad> load_mmdb(const std::filesystem::path& file, PrefixTable& table, const RoutingLimits& lim) {
  MMDB_s db;
  int rc = MMDB_open(file.c_str(), MMDB_MODE_MMAP, &db);
  if (rc != MMDB_SUCCESS)
    return fail(rc == MMDB_FILE_OPEN_ERROR ? std::make_error_code(std::errc::no_such_file_or_directory)
                                           : make_error_code(errc::malformed_line),
                MMDB_strerror(rc));
  std::unique_ptr<MMDB_s, void (*)(MMDB_s*)> guard(&db, MMDB_close);
  RoutingLoad load;
  load.format = RoutingFormat::mmdb;
  MmdbWalk w{&db, table, lim, load};
  P2PSCOPE_CHECK(mmdb_node(w, 0, 0, 0));
  if (load.prefixes == 0)
    return fail(errc::no_data, "no record names an AS (" + std::string(db.metadata.database_type) + ", " +
                                   load.skipped_text() + ")");
  return load;
}

// Refuses a load that announced nothing, saying what the file held instead.
StatusOr<RoutingLoad> nothing_announced(const RoutingLoad& load, const std::filesystem::path& file) {
  if (load.prefixes > 0) return load;
  auto held = load.skipped_text();
  return fail(errc::no_data, file.string() + ": announces no prefix (" + (held.empty() ? "the file is empty" : held) + ")");
}

}  // namespace

std::string RoutingLoad::skipped_text() const {
  std::string out;
  auto add = [&](std::size_t n, std::string_view what) {
    if (n == 0) return;
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + std::string(what);
  };
  add(blank, "blank or comment lines");
  add(skipped, format == RoutingFormat::mmdb ? "records without an AS number" : "withdrawals or state lines");
  return out;
}

std::string_view to_string(RoutingFormat f) noexcept { return name_of(f); }


Result<std::optional<Announced>> parse_pfx2as_line(std::string_view line) {
  std::vector<std::string_view> f;
  for (auto part : split(trim(line), '\t'))
    if (!part.empty()) f.push_back(part);
  if (f.size() == 1) f = split(f[0], ' ');
  if (f.size() != 3) return errc::malformed_line;
  auto c = parse_cidr(std::string(trim(f[0])) + "/" + std::string(trim(f[1])));
  auto asn = first_asn(trim(f[2]));
  if (!c || !asn) return errc::malformed_line;
  return std::optional<Announced>(Announced{c.value(), asn.value(), {}});
}

Result<std::optional<Announced>> parse_bgpdump_line(std::string_view line) {
  auto f = split(trim(line), '|');
  if (f.size() < 3) return errc::malformed_line;
  bool rib = f[0] == "TABLE_DUMP" || f[0] == "TABLE_DUMP2";
  bool update = f[0] == "BGP4MP" || f[0] == "BGP4MP_ET";
  if (!rib && !update) return errc::malformed_line;
  if ((rib && f[2] != "B") || (update && f[2] != "A")) return std::optional<Announced>();  // withdrawals, state changes
  if (f.size() < 7) return errc::malformed_line;
  auto c = parse_cidr(f[5]);
  if (!c) return errc::malformed_line;
  auto path = trim(f[6]);
  std::uint32_t origin = 0;
  if (!path.empty()) {
    auto last = path.substr(path.rfind(' ') + 1);
    auto asn = first_asn(last);
    if (!asn) return errc::malformed_line;
    origin = asn.value();
  }
  return std::optional<Announced>(Announced{c.value(), origin, {}});
}

StatusOr<RoutingLoad> load_routing(const std::filesystem::path& file, RoutingFormat format, PrefixTable& table,
                                   const RoutingLimits& lim) {
  auto fail = [&](std::string why, std::error_code ec) -> StatusOr<RoutingLoad> {
    return p2pscope::fail(ec, file.string() + ": " + why);
  };
  if (format == RoutingFormat::mmdb || (format == RoutingFormat::automatic && looks_like_mmdb(file))) {
    auto r = load_mmdb(file, table, lim);
    if (!r) return r.error().within(file.string());
    return r;
  }
  LineReader in(file, lim.max_line);
  if (!in.is_open()) return fail("cannot open", std::make_error_code(std::errc::no_such_file_or_directory));
  RoutingLoad load;
  load.format = format;
  bool too_long = false, broken = false;
  while (auto raw = in.next(&too_long, &broken)) {
    ++load.lines;
    auto where = "line " + std::to_string(load.lines) + ": ";
    if (too_long) return fail(where + "longer than " + std::to_string(lim.max_line) + " bytes", errc::oversized);
    auto line = trim(load.lines == 1 && raw->starts_with("\xef\xbb\xbf") ? raw->substr(3) : *raw);  // a UTF-8 BOM
    if (line.empty() || line.front() == '#') {
      ++load.blank;
      continue;
    }
    if (load.format == RoutingFormat::automatic)
      load.format = line.find('|') != std::string_view::npos ? RoutingFormat::bgpdump : RoutingFormat::pfx2as;
    auto a = load.format == RoutingFormat::bgpdump ? parse_bgpdump_line(line) : parse_pfx2as_line(line);
    if (!a)
      return fail(where + (load.format == RoutingFormat::bgpdump ? "expected a bgpdump -m line (TYPE|time|B|peer|peer-as|prefix|path|...)"
                                                                  : "expected 'network<TAB>length<TAB>asn'"),
                  a.error());
    if (!a.value()) {
      ++load.skipped;
      continue;
    }
    table.add(a.value()->prefix, a.value()->asn);
    ++load.prefixes;
    if (table.pending() > lim.max_prefixes && table.compact() > lim.max_prefixes)
      return fail(where + "more than " + std::to_string(lim.max_prefixes) + " distinct prefixes", errc::too_many_items);
  }
  if (broken) return fail("corrupt or truncated gzip data after line " + std::to_string(load.lines), errc::bad_compression);
  return nothing_announced(load, file);
}

}  // namespace p2pscope::probes
