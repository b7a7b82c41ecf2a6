#include "crawler/targets.hpp"

#include "core/ed2k_link.hpp"
#include "core/ed2k_server.hpp"
#include "core/text.hpp"
#include "crawler/tracker_client.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_set>

namespace p2pscope::crawler {
namespace {

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);  // refuse a huge file before reading any of it
  if (!ec && size > max_bytes) return errc::oversized;
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::make_error_code(std::errc::no_such_file_or_directory);
  std::string out;
  char chunk[65536];
  while (f.read(chunk, sizeof chunk) || f.gcount() > 0) {
    out.append(chunk, static_cast<std::size_t>(f.gcount()));
    if (out.size() > max_bytes) return errc::oversized;
  }
  return out;
}

bool is_file(const std::string& input) {
  std::error_code ec;
  return std::filesystem::is_regular_file(input, ec);
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> lines_of(std::string_view text) {
  if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);  // a UTF-8 byte-order mark, as Windows editors write
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) out.push_back(trim(line));
  return out;
}

class Merger {
 public:
  explicit Merger(const TargetLimits& lim) : lim_(lim) {}
  Status add(const TorrentRef& ref, const std::string& label) {
    P2PSCOPE_CHECK(add_one(ref.info_hash, ref.trackers, label));
    if (ref.v2_truncated) P2PSCOPE_CHECK(add_one(*ref.v2_truncated, ref.trackers, label));
    return success();
  }
  std::vector<Target> take() { return std::move(out_); }

 private:
  Status add_one(const InfoHash& ih, const std::vector<std::string>& trackers, const std::string& label) {
    auto [it, fresh] = index_.emplace(ih, out_.size());
    if (fresh) {
      if (out_.size() >= lim_.max_targets) return errc::too_many_items;
      out_.push_back({ih, {}, printable(label), 0});
      seen_.emplace_back();
    }
    auto& t = out_[it->second];
    auto& seen = seen_[it->second];
    for (const auto& url : trackers) {
      if (!seen.insert(url).second) continue;
      if (t.trackers.size() >= lim_.max_trackers) ++t.trackers_dropped;  // distinct ones, counted
      else t.trackers.push_back(url);
    }
    return success();
  }
  const TargetLimits& lim_;
  std::map<InfoHash, std::size_t> index_;
  std::vector<Target> out_;
  std::vector<std::unordered_set<std::string>> seen_;  // per target, its trackers
};

}  // namespace

Result<TorrentRef> load_torrent_input(const std::string& input) {
  if (!is_file(input)) return parse_torrent_text(input);
  P2PSCOPE_TRY(contents, read_file(input, 10 << 20));
  return parse_torrent_file(contents);
}

StatusOr<std::vector<Target>> load_targets(const std::vector<std::string>& inputs, const TargetLimits& lim) {
  auto report = [&](const Error& e, const std::string& where) -> StatusOr<std::vector<Target>> {
    return e.within(where);
  };
  Merger merged(lim);
  bool ed2k_seen = false;  // eMule inputs are load_ed2k_inputs' (ed2k_crawl.hpp)
  for (const auto& input : inputs) {
    if (ed2k::looks_like_link(input)) {
      ed2k_seen = true;
      continue;
    }
    if (!is_file(input)) {
      auto ref = parse_torrent_text(input);
      if (!ref) return report(ref.error(), "'" + printable(input) + "'");
      if (auto st = merged.add(ref.value(), input); !st) return report(st.error(), "'" + printable(input) + "'");
      continue;
    }
    auto contents = read_file(input, lim.max_list_bytes);
    if (!contents) return report(contents.error(), printable(input));
    if (ed2k::looks_like_server_met(contents.value()) ||
        contents.value().starts_with(std::string_view("\0\0\0\0", 4))) {  // server.met, nodes.dat
      ed2k_seen = true;
      continue;
    }
    if (contents.value().starts_with('d')) {  // a bencoded dictionary: a .torrent
      auto ref = parse_torrent_file(contents.value());
      if (!ref) return report(ref.error(), printable(input));
      if (auto st = merged.add(ref.value(), input); !st) return report(st.error(), printable(input));
      continue;
    }
    auto lines = lines_of(contents.value());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].empty() || lines[i].front() == '#') continue;
      if (ed2k::looks_like_link(lines[i])) {
        ed2k_seen = true;
        continue;
      }
      auto where = printable(input) + ":" + std::to_string(i + 1);
      auto ref = parse_torrent_text(lines[i]);
      if (!ref) return report(ref.error(), where);
      if (auto st = merged.add(ref.value(), where); !st) return report(st.error(), where);
    }
  }
  auto out = merged.take();
  if (out.empty() && !ed2k_seen) return report(make_error_code(errc::missing_key), "no infohash given");
  return out;
}

StatusOr<std::vector<std::string>> load_tracker_list(const std::string& path) {
  auto contents = read_file(path, 1 << 20);
  if (!contents) return fail(contents.error(), printable(path) + ": " + contents.error().message());
  std::vector<std::string> out;
  auto lines = lines_of(contents.value());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty() || lines[i].front() == '#') continue;
    if (auto u = parse_tracker_url(lines[i]); !u)
      return fail(u.error(), printable(path) + ":" + std::to_string(i + 1) +
                                 ": not an http, https or udp tracker URL: " + printable(lines[i]));
    out.push_back(lines[i]);
  }
  return out;
}

}  // namespace p2pscope::crawler
