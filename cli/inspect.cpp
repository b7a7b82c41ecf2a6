#include "cli/commands.hpp"
#include "store/record_types.hpp"
#include "cli/exit_codes.hpp"
#include "core/special_ranges.hpp"
#include "core/text.hpp"
#include "core/torrent_ref.hpp"
#include "crawler/targets.hpp"
#include "store/jsonl.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace p2pscope::cli {
namespace {

using json = nlohmann::json;

json range_json(const IpAddress& a) {
  const auto* r = classify(a);
  if (!r) return nullptr;
  return json{{"prefix", r->prefix}, {"name", r->name}, {"rfc", r->rfc}, {"kind", to_string(r->kind)},
              {"globally_reachable", r->reachable == Reachability::reachable   ? json(true)
                                     : r->reachable == Reachability::not_reachable ? json(false)
                                                                                   : json("n/a")}};
}

json ip_json(const IpAddress& a) {
  json j{{"address", a.to_string()}, {"special", range_json(a)}, {"bogon", is_bogon(a)}};
  if (a.is_v4_mapped()) j["v4_mapped"] = a.unmapped().to_string();
  json variants = json::array();
  for (const auto& v : byte_order_variants(a)) {
    variants.push_back({{"address", v.to_string()}, {"special", range_json(v)}, {"bogon", is_bogon(v)}});
  }
  j["byte_order_variants"] = variants;
  return j;
}

void print_ip_text(const IpAddress& a) {
  auto describe = [](const IpAddress& x) {
    const auto* r = classify(x);
    if (!r) return std::string("ordinary unicast (no special-purpose range)");
    return std::string(r->name) + " " + std::string(r->prefix) + ", " + std::string(r->rfc) +
           (is_bogon(x) ? " (bogon)" : " (globally reachable)");
  };
  std::cout << a.to_string() << ": " << describe(a) << "\n";
  if (a.is_v4_mapped()) std::cout << "  IPv4-mapped, carries " << a.unmapped().to_string() << ": " << describe(a.unmapped()) << "\n";
  for (const auto& v : byte_order_variants(a)) std::cout << "  byte-reversed " << v.to_string() << ": " << describe(v) << "\n";
}

int run_ip(const std::vector<std::string>& addrs, bool as_json) {
  int rc = kOk;
  for (const auto& text : addrs) {
    auto a = IpAddress::parse(text);
    if (!a) {
      std::cerr << "p2pscope inspect ip: '" << text << "' is not an IPv4 or IPv6 address\n";
      rc = kBadInput;
      continue;
    }
    if (as_json) std::cout << ip_json(a.value()).dump() << "\n";
    else print_ip_text(a.value());
  }
  return rc;
}

int run_torrent(const std::vector<std::string>& inputs, bool as_json) {
  int rc = kOk;
  for (const auto& input : inputs) {
    auto ref = crawler::load_torrent_input(input);  // a file is size-checked before it is read
    if (!ref) {
      std::cerr << "p2pscope inspect torrent: '" << printable(input) << "': " << ref.error().message() << "\n";
      rc = kBadInput;
      continue;
    }
    const auto& r = ref.value();
    json j{{"info_hash", r.info_hash.hex()}, {"base32", r.info_hash.base32()}, {"trackers", r.trackers}};
    if (r.v2_truncated) j["v2_truncated"] = r.v2_truncated->hex();
    if (r.name) j["name"] = *r.name;
    if (as_json) {
      std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
      continue;
    }
    // Names and URLs are the torrent author's bytes: never raw on a terminal.
    std::cout << r.info_hash.hex() << "  " << r.info_hash.base32() << (r.name ? "  " + printable(*r.name) : "") << "\n";
    if (r.v2_truncated) std::cout << "  v2 swarm: " << r.v2_truncated->hex() << "\n";
    for (const auto& t : r.trackers) std::cout << "  tracker: " << printable(t) << "\n";
  }
  return rc;
}

int run_records(const std::vector<std::string>& files) {
  int rc = kOk;
  for (const auto& path : files) {
    auto reader = JsonlReader::open(path);
    if (!reader) {
      std::cerr << "p2pscope inspect records: " << path << ": " << reader.error().message() << "\n";
      rc = kFailure;
      continue;
    }
    std::map<std::string, std::size_t> counts;
    std::size_t bad = 0;
    for (;;) {
      auto rec = reader.value()->next();
      if (!rec) {
        std::cerr << path << ":" << reader.value()->line() << ": " << rec.error() << "\n";
        ++bad;
        if (rec.error().code().category() != p2pscope::category()) break;  // an I/O error ends the file
        continue;
      }
      if (!rec.value()) break;
      ++counts[std::string(record_type(*rec.value()))];
    }
    std::cout << path << ":";
    for (const auto& [type, n] : counts) std::cout << " " << type << "=" << n;
    std::cout << " bad=" << bad << "\n";
    if (bad > 0 && rc == kOk) rc = kBadInput;
  }
  return rc;
}

}  // namespace

void add_inspect(CLI::App& app, int* exit_code) {
  auto* inspect =
      app.add_subcommand("inspect", "Look at one thing: an address, a torrent, an ed2k link or file, a record file");
  inspect->require_subcommand(1);

  auto* ip = inspect->add_subcommand(
      "ip", "Classify addresses (IANA special-purpose ranges) and show their byte-reversed forms");
  auto ip_args = std::make_shared<std::vector<std::string>>();
  auto ip_json_flag = std::make_shared<bool>(false);
  ip->add_option("ADDRESS", *ip_args, "IPv4 or IPv6 address")->required();
  ip->add_flag("--json", *ip_json_flag, "One JSON object per address");
  ip->callback([=] { *exit_code = run_ip(*ip_args, *ip_json_flag); });

  auto* torrent = inspect->add_subcommand(
      "torrent", "Show the infohash (hex and base32), trackers and name of an infohash, magnet or .torrent");
  auto t_args = std::make_shared<std::vector<std::string>>();
  auto t_json = std::make_shared<bool>(false);
  torrent->add_option("INPUT", *t_args, "40-hex or 32-base32 infohash, magnet URI, or .torrent path")->required();
  torrent->add_flag("--json", *t_json, "One JSON object per input");
  torrent->callback([=] { *exit_code = run_torrent(*t_args, *t_json); });

  add_inspect_ed2k(*inspect, exit_code);

  auto* records = inspect->add_subcommand(
      "records", "Validate JSON Lines record files; report bad lines as FILE:LINE and count records by type");
  auto r_args = std::make_shared<std::vector<std::string>>();
  records->add_option("FILE", *r_args, "record file, or - for standard input")->required();
  records->callback([=] { *exit_code = run_records(*r_args); });
}

}  // namespace p2pscope::cli
