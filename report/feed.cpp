#include "report/feed.hpp"

#include "core/inflate.hpp"
#include "core/ip_range.hpp"
#include "probes/blocklist.hpp"
#include "report/svg.hpp"
#include "store/record_json.hpp"

#include <libtorrent/hasher.hpp>
#include <libtorrent/hex.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <ctime>

namespace p2pscope::report {
namespace {

using nlohmann::json;

std::string etag_of(std::string_view body) {
  lt::hasher256 h;
  h.update(body.data(), static_cast<int>(body.size()));
  return "\"" + lt::aux::to_hex(h.final()) + "\"";
}

Timestamp whole_seconds(Timestamp t) { return std::chrono::floor<std::chrono::seconds>(t); }

std::string percent_decoded(std::string_view s) {
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) && hex(s[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

HttpAnswer text(int status, std::string body, std::string type = "text/plain; charset=utf-8") {
  HttpAnswer a;
  a.status = status;
  a.headers = {{"Content-Type", std::move(type)}, {"Cache-Control", "no-store"}};
  a.body = std::move(body);
  return a;
}

// A weak validator (W/"...") matches too: If-None-Match compares weakly (RFC 9110 13.1.2).
bool etag_listed(std::string_view header, std::string_view etag) {
  return header.find('*') != std::string_view::npos || header.find(etag) != std::string_view::npos;
}

bool not_modified(const FeedFile& f, const HttpAsk& ask) {
  if (!ask.if_none_match.empty()) return etag_listed(ask.if_none_match, f.etag);  // it takes precedence
  if (ask.if_modified_since.empty()) return false;
  auto since = parse_http_date(ask.if_modified_since);
  return since && whole_seconds(f.last_modified) <= since.value();
}

HttpAnswer serve_file(const FeedFile& f, const HttpAsk& ask) {
  HttpAnswer a;
  a.headers = {{"Content-Type", f.content_type},
               {"ETag", f.etag},
               {"Last-Modified", http_date(f.last_modified)},
               {"Cache-Control", "no-cache"}};
  if (f.content_type.starts_with("text/html"))
    a.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
  if (not_modified(f, ask)) {
    a.status = 304;
    return a;
  }
  a.body = f.body;
  return a;
}

HttpAnswer explain_answer(const Feed& feed, std::string_view rest, std::string_view query) {
  auto subject = parse_subject(percent_decoded(rest));
  if (!subject) return text(400, "not an IP address or IP:PORT ([IPv6]:PORT): " + escape(percent_decoded(rest)) + "\n");
  auto e = feed.explainer().explain(subject.value());
  bool as_json = query.find("format=json") != std::string_view::npos;
  int status = e.empty() ? 404 : 200;
  if (as_json) return text(status, explain_json(e).dump() + "\n", "application/json");
  return text(status, explain_text(e));
}

HttpAnswer health(const Feed& feed, Timestamp now) {
  std::size_t flagged = 0;
  for (const auto& v : feed.inputs().diagnosis.verdicts) flagged += v.verdict != VerdictKind::normal;
  json rules = json::object();
  for (const auto& [k, n] : feed.rules()) rules[k] = n;
  json j{{"status", "ok"},
         {"snapshot", format_time(feed.built())},
         {"age_s", std::chrono::duration_cast<std::chrono::seconds>(now - feed.built()).count()},
         {"verdicts", feed.inputs().diagnosis.verdicts.size()},
         {"flagged", flagged},
         {"rules", rules},
         {"source", feed.inputs().source}};
  return text(200, j.dump() + "\n", "application/json");
}

std::string index_page(const Feed& feed) {
  std::string links;
  for (const char* p : {"/report", "/blocklist.p2p", "/blocklist.p2p.gz", "/blocklist.dat", "/blocklist.dat.gz",
                        "/blocklist.cidr", "/blocklist.cidr.gz", "/health"})
    if (feed.file(p) || std::string_view(p) == "/health") links += "<li><a href=\"" + std::string(p) + "\">" + p + "</a></li>";
  return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>p2pscope serve</title></head><body><h1>p2pscope "
         "serve</h1><ul>" + links + "<li>/explain/IP[:PORT] (?format=json)</li></ul></body></html>\n";
}

}  // namespace

std::shared_ptr<const Feed> Feed::build(FeedInputs in, const FeedConfig& cfg, Timestamp now, const Feed* previous) {
  std::shared_ptr<Feed> f(new Feed());  // the constructor is private: only build() makes a Feed
  f->in_ = std::move(in);
  f->built_ = now;
  f->explainer_ = std::make_unique<Explainer>(
      Records{f->in_.observations, f->in_.emule_observations, f->in_.probes, f->in_.dht_nodes}, f->in_.diagnosis);
  std::vector<IpRange> ranges;
  for (const auto& v : f->in_.diagnosis.verdicts)
    if (cfg.classes.count(v.verdict) && v.confidence >= cfg.min_confidence)
      ranges.push_back({v.peer.address, v.peer.address, "p2pscope " + std::string(to_string(v.verdict))});
  ranges = merge_ranges(std::move(ranges));
  auto add = [&](std::string path, std::string body, std::string type) {
    FeedFile file{std::move(body), std::move(type), {}, now};
    file.etag = etag_of(file.body);
    if (const FeedFile* old = previous ? previous->file(path) : nullptr; old && old->etag == file.etag)
      file.last_modified = old->last_modified;
    f->files_.emplace(std::move(path), std::move(file));
  };
  for (auto fmt : {probes::BlocklistFormat::p2p, probes::BlocklistFormat::dat, probes::BlocklistFormat::cidr}) {
    auto list = probes::format_blocklist(ranges, fmt, cfg.name);
    std::string path = "/blocklist." + std::string(probes::to_string(fmt));
    f->rules_.emplace(probes::to_string(fmt), list.rules);
    add(path + ".gz", deflate_gzip(list.text), "application/gzip");
    add(path, std::move(list.text), "text/plain; charset=utf-8");
  }
  if (!f->in_.report_html.empty()) add("/report", f->in_.report_html, "text/html; charset=utf-8");
  return f;
}

const FeedFile* Feed::file(std::string_view path) const {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

HttpAnswer answer(const Feed& feed, const HttpAsk& ask, Timestamp now) {
  if (ask.method != "GET" && ask.method != "HEAD") {
    auto a = text(405, "read-only: GET and HEAD\n");
    a.headers.emplace_back("Allow", "GET, HEAD");
    return a;
  }
  std::string_view target = ask.target, query;
  if (auto q = target.find('?'); q != std::string_view::npos) query = target.substr(q + 1), target = target.substr(0, q);
  HttpAnswer a;
  if (target == "/") a = text(200, index_page(feed), "text/html; charset=utf-8");
  else if (target == "/health") a = health(feed, now);
  else if (target.starts_with("/explain/")) a = explain_answer(feed, target.substr(9), query);
  else if (target == "/report.html") a = feed.file("/report") ? serve_file(*feed.file("/report"), ask) : text(404, "no report\n");
  else if (const FeedFile* f = feed.file(target)) a = serve_file(*f, ask);
  else a = text(404, "not found: " + escape(percent_decoded(target)) + "\n");
  a.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return a;
}

std::string http_date(Timestamp t) {
  auto secs = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

Result<Timestamp> parse_http_date(std::string_view text) {
  std::tm tm{};
  std::string s(text);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return errc::bad_value;
  auto t = timegm(&tm);
  if (t == -1) return errc::bad_value;
  return Timestamp{std::chrono::seconds(t)};
}

}  // namespace p2pscope::report
