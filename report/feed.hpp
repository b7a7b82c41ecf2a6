// What `p2pscope serve` serves, as pure functions: a Feed is one snapshot
// of the diagnosis (the blocklists in three formats and gzipped, the report
// page, the explanations), and answer() turns one HTTP request into one
// response from it. No I/O: the server (net/http_server.hpp) moves bytes,
// cli/serve.cpp rebuilds the snapshot every --refresh seconds.
//
// Paths: /blocklist.p2p, /blocklist.dat, /blocklist.cidr (each also .gz),
// /report (the HTML page), /explain/IP[:PORT] (text; ?format=json for JSON),
// /health (JSON), / (an index). GET and HEAD only. Every file carries a
// strong ETag (its SHA-256) and Last-Modified (when its bytes last changed);
// If-None-Match and If-Modified-Since get 304. A HEAD answer carries the
// body a GET would get: the server sends only its length.
//
// A Feed owns everything it serves; it is immutable once built and may be
// read from any thread.
#pragma once

#include "core/records.hpp"
#include "net/http_types.hpp"
#include "probes/diagnose.hpp"
#include "report/explain.hpp"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace p2pscope::report {

struct FeedFile {
  std::string body, content_type, etag;  // etag with its quotes
  Timestamp last_modified{};
};

struct FeedConfig {
  std::set<VerdictKind> classes{VerdictKind::anti_p2p};  // what the blocklists hold
  double min_confidence = 0;
  std::string name = "p2pscope";  // the blocklists' label
};

// Inputs the Feed copies: it keeps them, so the caller's may go.
struct FeedInputs {
  std::vector<Observation> observations;
  std::vector<EmuleObservation> emule_observations;
  std::vector<ProbeResult> probes;
  std::vector<DhtNodeSeen> dht_nodes;
  probes::Diagnosis diagnosis;
  std::string report_html;  // the page at /report ("" : 404)
  std::string source;       // what was read, for /health
};

class Feed {
 public:
  // now: the snapshot's time. previous (may be null): a file whose bytes did
  // not change keeps its Last-Modified.
  static std::shared_ptr<const Feed> build(FeedInputs in, const FeedConfig& cfg, Timestamp now, const Feed* previous);

  const FeedFile* file(std::string_view path) const;
  const std::map<std::string, std::size_t, std::less<>>& rules() const { return rules_; }  // by format name
  Timestamp built() const { return built_; }
  const FeedInputs& inputs() const { return in_; }
  const Explainer& explainer() const { return *explainer_; }

 private:
  Feed() = default;
  FeedInputs in_;
  std::unique_ptr<Explainer> explainer_;
  std::map<std::string, FeedFile, std::less<>> files_;
  std::map<std::string, std::size_t, std::less<>> rules_;
  Timestamp built_{};
};

using net::HttpAnswer;
using net::HttpAsk;

// now: for /health's age.
HttpAnswer answer(const Feed& feed, const HttpAsk& ask, Timestamp now);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and back; errc::bad_value.
std::string http_date(Timestamp t);
Result<Timestamp> parse_http_date(std::string_view text);

}  // namespace p2pscope::report
