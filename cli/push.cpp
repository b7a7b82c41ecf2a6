// p2pscope push: verdicts into running clients. qBittorrent gets the
// addresses banned through its WebUI API (transfer/banPeers); Transmission
// is pointed at a feed (`p2pscope serve`) and told to fetch it now
// (session-set blocklist-url, blocklist-update). Credentials come from a
// file or the environment, never the command line. Blocking libcurl calls
// with timeouts: a command run by hand or by cron.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/record_io.hpp"
#include "cli/verdicts.hpp"
#include "core/text.hpp"

#include "cli/http_fetch.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sys/stat.h>

namespace p2pscope::cli {
namespace {

struct PushArgs {
  std::vector<std::string> verdicts;
  DbIo io;
  std::string qbittorrent, transmission, feed, credentials;
  std::vector<std::string> classes{"anti_p2p"};
  double min_confidence = 0;
  int timeout_s = 20;
};

// USER:PASSWORD on the first line of the file (which others must not be able
// to read), else P2PSCOPE_PUSH_USER and P2PSCOPE_PUSH_PASSWORD.
Result<Credentials> credentials(const std::string& file) {
  Credentials c;
  if (!file.empty()) {
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077))
      std::cerr << "p2pscope push: warning: " << file << " can be read by others (chmod 600 it)\n";
    std::ifstream in(file);
    std::string line;
    if (!in || !std::getline(in, line) || line.find(':') == std::string::npos) return errc::bad_value;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // a file saved with CRLF
    c.user = line.substr(0, line.find(':'));
    c.password = line.substr(line.find(':') + 1);
    return c;
  }
  if (const char* u = std::getenv("P2PSCOPE_PUSH_USER")) c.user = u;
  if (const char* p = std::getenv("P2PSCOPE_PUSH_PASSWORD")) c.password = p;
  return c;
}

std::string trimmed_url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

int fail_with(const std::string& what, const Reply& r) {
  std::cerr << "p2pscope push: " << what << ": "
            << (r.error.empty() ? "HTTP " + std::to_string(r.status) + " " + printable(r.body.substr(0, 200)) : r.error)
            << "\n";
  return kFailure;
}

int push_qbittorrent(const PushArgs& a, const Credentials& c, const std::vector<Endpoint>& peers) {
  auto base = trimmed_url(a.qbittorrent) + "/api/v2";
  std::vector<std::string> headers;
  if (c.given()) {
    auto login = request(base + "/auth/login", "username=" + form_escaped(c.user) + "&password=" + form_escaped(c.password), {},
                         nullptr, a.timeout_s);
    if (login.status != 200 || login.body != "Ok." || login.cookie.empty()) return fail_with("qBittorrent login", login);
    headers.push_back("Cookie: " + login.cookie);
  }
  std::string list;
  for (const auto& p : peers) list += (list.empty() ? "" : "|") + p.to_string();
  auto ban = request(base + "/transfer/banPeers", "peers=" + form_escaped(list), headers, nullptr, a.timeout_s);
  if (ban.status != 200) return fail_with("qBittorrent transfer/banPeers", ban);
  auto prefs = request(base + "/app/preferences", std::nullopt, headers, nullptr, a.timeout_s);
  auto j = nlohmann::json::parse(prefs.body, nullptr, false);
  if (prefs.status != 200 || j.is_discarded() || !j.contains("banned_IPs")) return fail_with("qBittorrent app/preferences", prefs);
  std::set<std::string> banned;
  std::string all = j["banned_IPs"].get<std::string>();
  for (std::size_t at = 0; at < all.size();) {
    auto end = all.find('\n', at);
    if (end == std::string::npos) end = all.size();
    if (end > at) banned.insert(all.substr(at, end - at));
    at = end + 1;
  }
  std::size_t held = 0;
  for (const auto& p : peers) held += banned.count(p.address.to_string());
  std::cerr << "p2pscope push: qBittorrent at " << a.qbittorrent << " bans " << banned.size() << " address(es); "
            << held << " of the " << peers.size() << " pushed\n";
  return held == peers.size() ? kOk : kFailure;
}

// Transmission answers 409 with the session id to use; the request is sent again with it.
Reply transmission_rpc(const PushArgs& a, const Credentials& c, std::string& session, const nlohmann::json& body) {
  auto url = trimmed_url(a.transmission) + "/transmission/rpc";
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto r = request(url, body.dump(), {"X-Transmission-Session-Id: " + session, "Content-Type: application/json"}, &c,
                     a.timeout_s);
    if (r.status != 409) return r;
    session = r.session_id;
  }
  return Reply{409, "", "", "", "the session id did not settle"};
}

int push_transmission(const PushArgs& a, const Credentials& c) {
  std::string session;
  auto set = transmission_rpc(a, c, session,
                              {{"method", "session-set"}, {"arguments", {{"blocklist-url", a.feed}, {"blocklist-enabled", true}}}});
  auto ok = [](const Reply& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return r.status == 200 && !j.is_discarded() && j.value("result", "") == "success";
  };
  if (!ok(set)) return fail_with("Transmission session-set", set);
  auto update = transmission_rpc(a, c, session, {{"method", "blocklist-update"}});
  if (!ok(update)) return fail_with("Transmission blocklist-update (it fetches " + a.feed + " itself)", update);
  auto size = nlohmann::json::parse(update.body)["arguments"].value("blocklist-size", -1);
  std::cerr << "p2pscope push: Transmission at " << a.transmission << " fetched " << a.feed << ": " << size
            << " rule(s)\n";
  std::cout << size << "\n";
  return kOk;
}

int run_push(const PushArgs& a) {
  if (a.qbittorrent.empty() == a.transmission.empty()) {
    std::cerr << "p2pscope push: name one client: --qbittorrent URL or --transmission URL\n";
    return kBadInput;
  }
  if (!a.transmission.empty() && a.feed.empty()) {
    std::cerr << "p2pscope push: --transmission needs --feed URL (a `p2pscope serve` list Transmission can reach)\n";
    return kBadInput;
  }
  auto c = credentials(a.credentials);
  if (!c) {
    std::cerr << "p2pscope push: --credentials " << a.credentials << ": want USER:PASSWORD on its first line\n";
    return kBadInput;
  }
  http_init();
  if (!a.transmission.empty()) return push_transmission(a, c.value());
  std::set<VerdictKind> wanted;
  if (!verdict_classes(a.classes, "push", wanted)) return kBadInput;
  RecordInputs in;
  if (int code = read_inputs(a.verdicts, a.io, in, "push", Needs::verdicts); code != kOk) return code;
  std::set<Endpoint> peers;
  for (const auto& v : in.verdicts)
    if (wanted.count(v.verdict) && v.confidence >= a.min_confidence) peers.insert(v.peer);
  if (peers.empty()) {
    std::cerr << "p2pscope push: none of the " << in.verdicts.size() << " verdict(s) is in the classes asked for\n";
    return kOk;
  }
  return push_qbittorrent(a, c.value(), {peers.begin(), peers.end()});
}

}  // namespace

void add_push(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<PushArgs>();
  auto* p = app.add_subcommand("push", "Ban verdicts in a running qBittorrent (WebUI API), or make a running "
                                       "Transmission fetch a `p2pscope serve` blocklist now");
  p->add_option("VERDICTS", a->verdicts, "Verdict files (qBittorrent). With --db and none given: the database's verdicts")
      ->check(CLI::ExistingFile | CLI::IsMember({"-"}));
  add_db_io(p, a->io, "Read verdicts from", DbUse::connect);
  p->add_option("--qbittorrent", a->qbittorrent, "qBittorrent's WebUI, e.g. http://127.0.0.1:8080");
  p->add_option("--transmission", a->transmission, "Transmission's RPC, e.g. http://127.0.0.1:9091");
  p->add_option("--feed", a->feed, "The blocklist URL Transmission fetches, e.g. http://127.0.0.1:8412/blocklist.p2p.gz");
  p->add_option("--credentials", a->credentials,
                "A file with USER:PASSWORD on its first line (else P2PSCOPE_PUSH_USER and P2PSCOPE_PUSH_PASSWORD)")
      ->check(CLI::ExistingFile);
  p->add_option("--classes", a->classes, "Verdict classes to ban in qBittorrent (as blocklist --classes)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->capture_default_str();
  p->add_option("--min-confidence", a->min_confidence, "Leave out verdicts below this confidence")->check(CLI::Range(0.0, 1.0));
  p->add_option("--timeout", a->timeout_s, "Seconds per request")->check(CLI::Range(1, 600))->capture_default_str();
  p->callback([a, exit_code] { *exit_code = run_push(*a); });
}

}  // namespace p2pscope::cli
