// p2pscope routing fetch / status: the routability data diagnose needs,
// downloaded into a cache, checked by loading it as diagnose would, and
// dated. CAIDA's prefix-to-AS files are found through their creation logs;
// any other URL is taken as it is (pfx2as, `bgpdump -m` text, an ASN .mmdb,
// or an MRT RIB dump, which is turned into text through bgpdump).
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/http_fetch.hpp"
#include "core/text.hpp"
#include "probes/routing_age.hpp"
#include "probes/routing_data.hpp"

#include <libtorrent/hasher.hpp>
#include <libtorrent/hex.hpp>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

namespace p2pscope::cli {
namespace {

namespace fs = std::filesystem;

struct RoutingArgs {
  std::vector<std::string> urls, caida_logs{
      "https://publicdata.caida.org/datasets/routing/routeviews-prefix2as/pfx2as-creation.log",
      "https://publicdata.caida.org/datasets/routing/routeviews6-prefix2as/pfx2as-creation.log"};
  std::string cache_dir;
  std::uint64_t max_mib = 4096;
  int timeout_s = 600;
};

fs::path default_cache() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "p2pscope" / "routing";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "p2pscope" / "routing";
  return fs::temp_directory_path() / "p2pscope-routing";
}

std::string sha256_of(const fs::path& file) {
  lt::hasher256 h;
  std::ifstream in(file, std::ios::binary);
  std::string buf(1 << 16, '\0');
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0)
    h.update(buf.data(), static_cast<int>(in.gcount()));
  return lt::aux::to_hex(h.final());
}

std::string name_in(const std::string& url) {
  auto path = url.substr(0, url.find_first_of("?#"));
  auto name = path.substr(path.find_last_of('/') + 1);
  return name.empty() || name == "." || name == ".." ? "routing-data" : name;
}

// bgpdump -m into `text`; false after saying why.
bool mrt_to_text(const fs::path& mrt, const fs::path& text) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execlp("bgpdump", "bgpdump", "-m", "-O", text.c_str(), mrt.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "p2pscope routing fetch: " << mrt.filename().string() << " is not routing data as text or .mmdb, and "
              << (WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "bgpdump is not installed (scripts/setup.sh)"
                                                                 : "bgpdump could not read it as MRT")
              << "\n";
    return false;
  }
  return true;
}

std::string days_old(probes::DataTime when) {
  auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() - when).count();
  auto ymd = std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(when));
  char buf[64];
  std::snprintf(buf, sizeof buf, "data of %04d-%02u-%02u, %lld day(s) old", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<long long>(days));
  return buf;
}

// Downloads url into the cache, checks it, dates it; the cached path, or
// nothing after saying why (the cache keeps what it had).
std::optional<fs::path> fetch_one(const RoutingArgs& a, const fs::path& cache, const std::string& url) {
  auto name = name_in(url);
  auto partial = cache / (".partial-" + name);
  std::cerr << "p2pscope routing fetch: " << url << " ...\n";
  auto r = download(url, partial, a.max_mib << 20, a.timeout_s);
  if (!r.error.empty()) {
    std::cerr << "p2pscope routing fetch: " << url << ": " << r.error << "\n";
    fs::remove(partial);
    return std::nullopt;
  }
  auto kept = partial;
  probes::PrefixTable table;
  auto load = probes::load_routing(partial, probes::RoutingFormat::automatic, table, {});
  if (!load) {  // not text or .mmdb: perhaps an MRT dump
    auto text = cache / (".partial-" + name + ".bgpdump");
    if (!mrt_to_text(partial, text)) return fs::remove(partial), std::nullopt;
    load = probes::load_routing(text, probes::RoutingFormat::bgpdump, table, {});
    fs::remove(partial);
    kept = text;
    name += ".bgpdump";
    if (!load) {
      std::cerr << "p2pscope routing fetch: " << url << " is not routing data: not text or .mmdb this reads, and "
                << "through bgpdump: " << load.error() << "\n";
      fs::remove(text);
      return std::nullopt;
    }
  }
  auto when = probes::date_in_name(name_in(url));
  if (!when && r.server_time >= 0) when = probes::DataTime(std::chrono::seconds(r.server_time));
  if (!when) when = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto final_path = cache / name;
  nlohmann::json meta{{"url", url},
                      {"fetched", std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()).time_since_epoch().count()},
                      {"data_time", when->time_since_epoch().count()},
                      {"server_time", r.server_time},
                      {"format", to_string(load.value().format)},
                      {"prefixes", load.value().prefixes},
                      {"sha256", sha256_of(kept)}};
  std::ofstream(probes::meta_path_of(final_path)) << meta.dump(2) << "\n";
  fs::rename(kept, final_path);
  std::cerr << "p2pscope routing fetch: " << final_path.string() << ": " << load.value().prefixes << " announcements ("
            << to_string(load.value().format) << "), " << days_old(*when) << "\n";
  return final_path;
}

// The file CAIDA's creation log names last, as a URL beside the log.
std::optional<std::string> newest_caida(const RoutingArgs& a, const std::string& log_url) {
  auto r = request(log_url, std::nullopt, {}, nullptr, std::min(a.timeout_s, 120));
  if (!r.error.empty() || r.status >= 400) {
    std::cerr << "p2pscope routing fetch: " << log_url << ": " << (r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error)
              << "\n";
    return std::nullopt;
  }
  auto newest = probes::newest_in_creation_log(r.body);
  if (!newest) {
    std::cerr << "p2pscope routing fetch: " << log_url << " lists no file\n";
    return std::nullopt;
  }
  return log_url.substr(0, log_url.find_last_of('/') + 1) + *newest;
}

int run_fetch(const RoutingArgs& a) {
  fs::path cache = a.cache_dir.empty() ? default_cache() : fs::path(a.cache_dir);
  std::error_code ec;
  fs::create_directories(cache, ec);
  if (ec) {
    std::cerr << "p2pscope routing fetch: cannot create " << cache.string() << ": " << ec.message() << "\n";
    return kFailure;
  }
  http_init();
  std::vector<std::string> urls = a.urls;
  bool all_found = true;
  if (urls.empty())
    for (const auto& log : a.caida_logs) {
      auto u = newest_caida(a, log);
      if (u) urls.push_back(*u);
      all_found = all_found && u;
    }
  std::vector<fs::path> got;
  for (const auto& u : urls)
    if (auto p = fetch_one(a, cache, u)) got.push_back(*p);
  if (got.empty()) return kFailure;
  std::cout << "diagnose";
  for (const auto& p : got) std::cout << " --routing " << p.string();
  std::cout << "\n";
  return got.size() == urls.size() && all_found ? kOk : kFailure;
}

int run_status(const RoutingArgs& a) {
  fs::path cache = a.cache_dir.empty() ? default_cache() : fs::path(a.cache_dir);
  std::error_code ec;
  std::size_t shown = 0;
  for (const auto& e : fs::directory_iterator(cache, ec)) {
    auto name = e.path().filename().string();
    if (name.starts_with(".") || name.ends_with(".meta.json")) continue;
    auto age = probes::routing_data_time(e.path());
    std::ifstream meta(probes::meta_path_of(e.path()));
    auto j = nlohmann::json::parse(meta, nullptr, false);
    std::cout << e.path().string() << ": " << (age ? days_old(age.value().when) : "age unknown");
    if (!j.is_discarded() && j.is_object()) std::cout << ", " << j.value("prefixes", 0) << " announcements from " << j.value("url", "?");
    std::cout << "\n";
    ++shown;
  }
  if (!shown) std::cerr << "p2pscope routing status: nothing cached in " << cache.string() << " (p2pscope routing fetch)\n";
  return kOk;
}

}  // namespace

void add_routing(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<RoutingArgs>();
  auto* r = app.add_subcommand("routing", "Routability data for diagnose: fetch it into a cache, or list what is cached");
  r->require_subcommand(1);
  auto* f = r->add_subcommand("fetch", "Download, check and date routing data (default: CAIDA's newest IPv4 and IPv6 "
                                       "prefix-to-AS files); prints the diagnose options that use it");
  f->add_option("--url", a->urls, "A file to fetch as it is: pfx2as, bgpdump -m text, an ASN .mmdb or an MRT RIB dump "
                                  "(through bgpdump); plain or .gz; repeatable (replaces the CAIDA default)");
  f->add_option("--caida-log", a->caida_logs, "A CAIDA pfx2as-creation.log whose newest file to fetch; repeatable")
      ->capture_default_str();
  f->add_option("--cache-dir", a->cache_dir, "Where the files go (default $XDG_CACHE_HOME/p2pscope/routing)");
  f->add_option("--max-mib", a->max_mib, "Refuse a download larger than this")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  f->add_option("--timeout", a->timeout_s, "Seconds per download")->check(CLI::Range(1, 86400))->capture_default_str();
  f->callback([a, exit_code] { *exit_code = run_fetch(*a); });
  auto* s = r->add_subcommand("status", "List the cached routing data with its age");
  s->add_option("--cache-dir", a->cache_dir, "The cache (default $XDG_CACHE_HOME/p2pscope/routing)");
  s->callback([a, exit_code] { *exit_code = run_status(*a); });
}

}  // namespace p2pscope::cli
