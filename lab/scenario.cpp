#include "lab/scenario.hpp"

#include "core/text.hpp"
#include "lab/builtin_scenarios.hpp"

#include <charconv>
#include <functional>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace p2pscope::lab {
namespace {

template <class T>
bool parse_int(std::string_view v, T lo, T hi, T& out) {
  T x{};
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc{} || end != v.data() + v.size() || x < lo || x > hi) return false;
  out = x;
  return true;
}

// One entry per field: how to read it (returns "" or what was expected)
// and how to write it back.
struct Field {
  std::function<std::string(Scenario&, std::string_view)> read;
  std::function<std::string(const Scenario&)> write;
};

template <class T>
Field int_field(T Scenario::*member, T lo, T hi) {
  return {[=](Scenario& s, std::string_view v) -> std::string {
            if (parse_int(v, lo, hi, s.*member)) return "";
            return "expected a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
          },
          [=](const Scenario& s) { return std::to_string(s.*member); }};
}

Field yes_no_field(bool Scenario::*member) {
  return {[=](Scenario& s, std::string_view v) -> std::string {
            if (v != "yes" && v != "no") return "expected yes or no";
            s.*member = v == "yes";
            return "";
          },
          [=](const Scenario& s) { return std::string(s.*member ? "yes" : "no"); }};
}

// Ordered as format_scenario() writes them.
const std::vector<std::pair<std::string, Field>>& fields() {
  static const std::vector<std::pair<std::string, Field>> f = {
      {"name",
       {[](Scenario& s, std::string_view v) -> std::string {
          if (v.empty() || v.size() > 64 ||
              v.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string_view::npos)
            return "expected 1-64 characters of a-z, 0-9, '-' and '_'";
          s.name = std::string(v);
          return "";
        },
        [](const Scenario& s) { return s.name; }}},
      {"seed", int_field<std::uint64_t>(&Scenario::seed, 0, UINT64_MAX)},
      {"torrents", int_field(&Scenario::torrents, 1, 16)},
      {"content_bytes", int_field<std::int64_t>(&Scenario::content_bytes, 16384, std::int64_t{1} << 30)},
      {"piece_size", int_field(&Scenario::piece_size, 16384, 4 << 20)},
      {"seeds", int_field(&Scenario::seeds, 0, 64)},
      {"leechers", int_field(&Scenario::leechers, 0, 512)},
      {"leecher_rate_limit", int_field(&Scenario::leecher_rate_limit, 1024, 100 << 20)},
      {"utp_only_leechers", int_field(&Scenario::utp_only_leechers, 0, 512)},
      {"opentracker", yes_no_field(&Scenario::opentracker)},
      {"lab_trackers", int_field(&Scenario::lab_trackers, 0, 8)},
      {"poisoned_trackers", int_field(&Scenario::poisoned_trackers, 0, 8)},
      {"lite_peers", int_field(&Scenario::lite_peers, 0, 20000)},
      {"mirrored_pairs", int_field(&Scenario::mirrored_pairs, 0, 64)},
      {"dht_nodes", int_field(&Scenario::dht_nodes, 0, 50000)},
      {"libtorrent_dht", yes_no_field(&Scenario::libtorrent_dht)},
      {"dht_fake_values", int_field(&Scenario::dht_fake_values, 0, 64)},
      {"dht_phantom", int_field(&Scenario::dht_phantom, 0, 64)},
      {"dht_sybil_hosts", int_field(&Scenario::dht_sybil_hosts, 0, 64)},
      {"dht_sybil_ids", int_field(&Scenario::dht_sybil_ids, 2, 64)},
      {"dht_sybil_near", int_field(&Scenario::dht_sybil_near, 0, 64)},
      {"anti_p2p_farms", int_field(&Scenario::anti_p2p_farms, 0, 16)},
      {"anti_p2p_per_farm", int_field(&Scenario::anti_p2p_per_farm, 1, 64)},
      {"anti_p2p_fakes", int_field(&Scenario::anti_p2p_fakes, 0, 600)},
      {"anti_p2p_utp_only", int_field(&Scenario::anti_p2p_utp_only, 0, 64)},
      {"byte_order_peers", int_field(&Scenario::byte_order_peers, 0, 64)},
      {"byte_order_utp_only", int_field(&Scenario::byte_order_utp_only, 0, 64)},
      {"propagators", int_field(&Scenario::propagators, 0, 16)},
      {"bogus_unroutable", int_field(&Scenario::bogus_unroutable, 0, 256)},
      {"bogus_dead", int_field(&Scenario::bogus_dead, 0, 256)},
      {"bogus_open_port", int_field(&Scenario::bogus_open_port, 0, 256)},
      {"lite_peers_v6", int_field(&Scenario::lite_peers_v6, 0, 20000)},
      {"byte_order_v6_peers", int_field(&Scenario::byte_order_v6_peers, 0, 64)},
      {"dht_nodes_v6", int_field(&Scenario::dht_nodes_v6, 0, 50000)},
      {"anti_p2p_v6_members", int_field(&Scenario::anti_p2p_v6_members, 0, 64)},
      {"anti_p2p_v6_fakes", int_field(&Scenario::anti_p2p_v6_fakes, 0, 600)},
      {"libtorrent_v6_leechers", int_field(&Scenario::libtorrent_v6_leechers, 0, 256)},
      {"pex_interval", int_field(&Scenario::pex_interval, 1, 3600)},
      {"tracker_min_interval", int_field(&Scenario::tracker_min_interval, 1, 3600)},
      {"byte_order_neighbours", int_field(&Scenario::byte_order_neighbours, 0, 100000)},
      {"libtorrent_dial_lite_peers", yes_no_field(&Scenario::libtorrent_dial_lite_peers)},
      {"ed2k_servers", int_field(&Scenario::ed2k_servers, 0, 8)},
      {"poisoned_ed2k_servers", int_field(&Scenario::poisoned_ed2k_servers, 0, 8)},
      {"ed2k_files", int_field(&Scenario::ed2k_files, 0, 64)},
      {"emule_peers", int_field(&Scenario::emule_peers, 0, 5000)},
      {"emule_low_ids", int_field(&Scenario::emule_low_ids, 0, 1000)},
      {"kad_nodes", int_field(&Scenario::kad_nodes, 0, 20000)},
      {"emule_byte_order_peers", int_field(&Scenario::emule_byte_order_peers, 0, 64)},
      {"emule_anti_p2p", int_field(&Scenario::emule_anti_p2p, 0, 200)},
      {"emule_anti_p2p_fakes", int_field(&Scenario::emule_anti_p2p_fakes, 0, 150)},
      {"amule_seeders", int_field(&Scenario::amule_seeders, 0, 4)},
      {"amule_downloaders", int_field(&Scenario::amule_downloaders, 0, 8)},
      {"amule_file_bytes", int_field<std::int64_t>(&Scenario::amule_file_bytes, 1, std::int64_t{1} << 30)},
      {"amule_kad", int_field(&Scenario::amule_kad, 0, 1)},
  };
  return f;
}

const Field* find_field(std::string_view key) {
  for (const auto& [name, f] : fields()) {
    if (name == key) return &f;
  }
  return nullptr;
}

Result<Scenario> fail(ScenarioError* err, int line, std::string field, std::string message) {
  if (err) *err = ScenarioError{line, std::move(field), std::move(message)};
  return errc::bad_value;
}

}  // namespace

std::string ScenarioError::to_string() const {
  std::string s;
  if (line > 0) s += "line " + std::to_string(line) + ", ";
  if (!field.empty()) s += "field \"" + field + "\": ";
  return s + message;
}

Result<Scenario> parse_scenario(std::string_view text, ScenarioError* err) {
  if (text.size() > (1 << 20)) return fail(err, 0, "", "scenario file larger than 1 MiB");
  Scenario s;
  std::map<std::string, int, std::less<>> seen;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail(err, line_no, "", "expected \"field = value\"");
    auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    const Field* f = find_field(key);
    if (!f) return fail(err, line_no, std::string(key), "unknown field");
    if (auto prev = seen.find(key); prev != seen.end())
      return fail(err, line_no, std::string(key), "set twice (first on line " + std::to_string(prev->second) + ")");
    seen.emplace(std::string(key), line_no);
    if (auto why = f->read(s, value); !why.empty())
      return fail(err, line_no, std::string(key), why + ", got \"" + std::string(value) + "\"");
  }
  if (s.name.empty()) return fail(err, 0, "name", "missing; every scenario needs a name");
  if (s.content_bytes < s.piece_size) return fail(err, seen["content_bytes"], "content_bytes", "smaller than piece_size");
  if ((s.piece_size & (s.piece_size - 1)) != 0)
    return fail(err, seen["piece_size"], "piece_size", "must be a power of two");
  if (s.poisoned_trackers > s.lab_trackers)
    return fail(err, seen["poisoned_trackers"], "poisoned_trackers", "more than lab_trackers");
  if (s.utp_only_leechers > s.leechers)
    return fail(err, seen["utp_only_leechers"], "utp_only_leechers", "more than leechers");
  if (s.byte_order_utp_only > s.byte_order_peers)
    return fail(err, seen["byte_order_utp_only"], "byte_order_utp_only", "more than byte_order_peers");
  if (s.anti_p2p_utp_only > (s.anti_p2p_farms > 0 ? s.anti_p2p_per_farm : 0))
    return fail(err, seen["anti_p2p_utp_only"], "anti_p2p_utp_only", "more than farm 0's anti_p2p_per_farm members");
  if (s.anti_p2p_v6_fakes > 0 && s.anti_p2p_v6_members == 0)
    return fail(err, seen["anti_p2p_v6_fakes"], "anti_p2p_v6_fakes", "needs anti_p2p_v6_members to hand them out");
  if (s.mirrored_pairs * 2 > s.lite_peers)
    return fail(err, seen["mirrored_pairs"], "mirrored_pairs", "needs two lite_peers per pair");
  bool bittorrent = s.seeds + s.leechers + s.lite_peers > 0;
  if (bittorrent && !s.opentracker && s.lab_trackers == 0 && s.dht_nodes == 0)
    return fail(err, 0, "lab_trackers", "the lab needs a tracker or DHT nodes for peers to find each other");
  if (s.dht_fake_values + s.dht_phantom + s.dht_sybil_hosts + s.dht_sybil_near > 0 && s.dht_nodes < 8)
    return fail(err, seen["dht_nodes"], "dht_nodes", "bogus DHT nodes need at least 8 honest dht_nodes around them");
  if (s.leechers + s.lite_peers + s.libtorrent_v6_leechers > 0 && s.seeds == 0)
    return fail(err, seen["seeds"], "seeds", "BitTorrent leechers need at least one seed");
  if (s.poisoned_ed2k_servers > s.ed2k_servers)
    return fail(err, seen["poisoned_ed2k_servers"], "poisoned_ed2k_servers", "more than ed2k_servers");
  bool scripted = s.emule_peers + s.emule_byte_order_peers + s.emule_anti_p2p + s.emule_low_ids > 0;
  if (scripted && s.ed2k_files == 0)
    return fail(err, 0, "ed2k_files", "the scripted eMule peers need files to share");
  if ((scripted || s.amule_seeders + s.amule_downloaders > 0) && s.ed2k_servers == 0)
    return fail(err, 0, "ed2k_servers", "the lab's eMule peers need an index server to be found through");
  if (s.amule_downloaders > 0 && s.amule_seeders == 0)
    return fail(err, seen["amule_downloaders"], "amule_downloaders", "aMule downloaders need an aMule seeder");
  if (s.emule_byte_order_peers > 0 && s.emule_peers < 2)
    return fail(err, seen["emule_byte_order_peers"], "emule_byte_order_peers",
                "needs two honest emule_peers (an aMule and an eMule) whose sources it garbles");
  if (!bittorrent && s.ed2k_servers == 0 && s.kad_nodes == 0)
    return fail(err, 0, "seeds", "the scenario has neither BitTorrent nor eMule peers");
  return s;
}

Result<Scenario> load_scenario_file(const std::filesystem::path& path, ScenarioError* err) {
  std::ifstream f(path);
  if (!f) {
    if (err) *err = ScenarioError{0, "", "cannot read " + path.string()};
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  std::stringstream text;
  text << f.rdbuf();
  return parse_scenario(text.str(), err);
}

std::string format_scenario(const Scenario& s) {
  std::string out;
  for (const auto& [name, f] : fields()) out += name + " = " + f.write(s) + "\n";
  return out;
}

Result<std::string_view> builtin_scenario(std::string_view name) {
  for (const auto& [n, text] : kBuiltinScenarios) {
    if (n == name) return text;
  }
  return errc::bad_value;
}

}  // namespace p2pscope::lab
