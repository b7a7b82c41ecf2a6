// `p2pscope inspect ed2k`: what an ed2k link says, and the link of a local
// file (its MD4 hash set, as aMule's alcc and eMule compute it).
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "core/ed2k_link.hpp"
#include "core/text.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace p2pscope::cli {
namespace {

using json = nlohmann::json;
using ed2k::FileLink;
using ed2k::ServerLink;
using ed2k::ServerListLink;

json link_json(const ed2k::Link& link) {
  if (const auto* f = std::get_if<FileLink>(&link)) {
    json parts = json::array();
    for (const auto& p : f->parts) parts.push_back(p.hex());
    json j{{"type", "file"}, {"name", f->name}, {"size", f->size}, {"hash", f->hash.hex()},
           {"parts", ed2k::part_hash_count(f->size)}, {"part_hashes", parts}, {"sources", f->sources}};
    if (f->aich) j["aich"] = *f->aich;
    j["link"] = ed2k::format_link(*f);
    return j;
  }
  if (const auto* s = std::get_if<ServerLink>(&link)) return json{{"type", "server"}, {"host", s->host}, {"port", s->port}};
  return json{{"type", "serverlist"}, {"url", std::get<ServerListLink>(link).url}};
}

void print_link(const ed2k::Link& link) {
  if (const auto* f = std::get_if<FileLink>(&link)) {
    std::cout << f->hash.hex() << "  " << f->size << " bytes  " << printable(f->name) << "\n";
    std::cout << "  parts: " << ed2k::part_hash_count(f->size) << " part hashes"
              << (f->parts.empty() ? " (not in the link)" : " (in the link)") << "\n";
    if (f->aich) std::cout << "  AICH: " << *f->aich << "\n";
    for (const auto& s : f->sources) std::cout << "  source: " << printable(s) << "\n";
    return;
  }
  if (const auto* s = std::get_if<ServerLink>(&link)) {
    std::cout << "server " << printable(s->host) << ":" << s->port << "\n";
    return;
  }
  std::cout << "server list " << printable(std::get<ServerListLink>(link).url) << "\n";
}

// Reads in 1 MiB pieces; on a terminal, says how far it got every 256 MiB.
StatusOr<ed2k::HashSet> hash_file(const std::string& path) {
  std::error_code kind;
  if (std::filesystem::is_directory(path, kind)) return fail(std::errc::is_a_directory, path + ": is a directory");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    auto why = std::error_code(errno != 0 ? errno : ENOENT, std::generic_category());
    return fail(why, path + ": cannot open: " + why.message());
  }
  ed2k::FileHasher hasher;
  std::string buf(1 << 20, '\0');
  const bool tty = isatty(STDERR_FILENO) != 0;
  std::uint64_t done = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto got = static_cast<std::size_t>(in.gcount());
    hasher.update(std::string_view(buf).substr(0, got));
    done += got;
    if (tty && got > 0 && done % (256u << 20) == 0) std::cerr << "  " << path << ": " << (done >> 20) << " MiB hashed\r";
  }
  if (in.bad()) return fail(std::errc::io_error, path + ": read error after " + std::to_string(done) + " bytes");
  if (done == 0) return fail(errc::no_data, path + ": empty (eMule shares no empty file)");
  if (done > ed2k::kMaxFileSize) return fail(errc::oversized, path + ": larger than eMule's 256 GiB limit");
  return std::move(hasher).finish();
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

int run_links(const std::vector<std::string>& inputs, bool as_json) {
  int rc = kOk;
  for (const auto& input : inputs) {
    auto link = ed2k::parse_link(input);
    if (!link) {
      std::cerr << "p2pscope inspect ed2k: " << link.error().message() << "\n";
      rc = kBadInput;
      continue;
    }
    if (as_json) std::cout << link_json(link.value()).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    else print_link(link.value());
  }
  return rc;
}

int run_files(const std::vector<std::string>& paths, bool as_json, bool with_parts) {
  int rc = kOk;
  for (const auto& path : paths) {
    auto set = hash_file(path);
    if (!set) {
      std::cerr << "p2pscope inspect ed2k: " << set.error().message() << "\n";
      rc = kBadInput;
      continue;
    }
    FileLink link{base_name(path), set.value().size, set.value().file, {}, {}, {}};
    if (with_parts) link.parts = set.value().parts;
    if (as_json) std::cout << link_json(ed2k::Link{link}).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    else std::cout << ed2k::format_link(link) << "\n";
  }
  return rc;
}

}  // namespace

void add_inspect_ed2k(CLI::App& inspect, int* exit_code) {
  auto* cmd = inspect.add_subcommand(
      "ed2k", "Show what ed2k:// links say, or (--file) compute the ed2k link of local files");
  auto args = std::make_shared<std::vector<std::string>>();
  auto as_json = std::make_shared<bool>(false);
  auto files = std::make_shared<bool>(false);
  auto parts = std::make_shared<bool>(false);
  cmd->add_option("INPUT", *args, "ed2k:// file, server or server-list link; with --file, a path")->required();
  cmd->add_flag("--file", *files, "INPUTs are local files: print each one's ed2k link (MD4 hash set)");
  cmd->add_flag("--parts", *parts, "With --file: put the part hashes in the link (p=...)");
  cmd->add_flag("--json", *as_json, "One JSON object per input");
  cmd->callback([=] { *exit_code = *files ? run_files(*args, *as_json, *parts) : run_links(*args, *as_json); });
}

}  // namespace p2pscope::cli
