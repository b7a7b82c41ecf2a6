// `p2pscope explain`: everything the records say about one address. Every
// observation of it (who handed it out, by which route, when), every probe
// of it with its evidence, its verdicts with their reasons and, where the
// address is itself a source, what it handed out and what the diagnosis
// makes of it as a source.
//
// Pure and single-threaded. An Explanation points into the Records and the
// Diagnosis it was made from: both must outlive it.
#pragma once

#include "core/records.hpp"
#include "probes/diagnose.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace p2pscope::report {

// The records an explanation or a report reads. Views: the caller owns them.
struct Records {
  std::span<const Observation> observations;
  std::span<const EmuleObservation> emule_observations;
  std::span<const ProbeResult> probes;
  std::span<const DhtNodeSeen> dht_nodes;
};

// What is asked about: an address, on every port, or one endpoint.
struct Subject {
  IpAddress ip;
  std::optional<std::uint16_t> port;
  bool matches(const Endpoint& e) const { return e.address == ip && (!port || e.port == *port); }
  std::string to_string() const { return port ? Endpoint{ip, *port}.to_string() : ip.to_string(); }
};
// "1.2.3.4", "1.2.3.4:6881", "2001:db8::1", "[2001:db8::1]:6881";
// errc::bad_value otherwise.
Result<Subject> parse_subject(std::string_view text);

struct Explanation {
  Subject subject;
  std::vector<const Observation*> seen;               // it was handed out, oldest first
  std::vector<const EmuleObservation*> emule_seen;    // the same in eMule
  std::vector<const ProbeResult*> probes;             // oldest first
  std::vector<const Verdict*> verdicts;
  std::vector<const probes::SourceReport*> as_source; // the diagnosis of it as a source (a peer, node or tracker)
  std::size_t handed_out = 0;                         // observations naming it as their source
  std::vector<const Observation*> handed_out_first;   // the first few of those, oldest first
  std::vector<const DhtNodeSeen*> named_as_node;      // DHT replies that named it as a node

  bool empty() const {
    return seen.empty() && emule_seen.empty() && probes.empty() && verdicts.empty() && as_source.empty() &&
           handed_out == 0 && named_as_node.empty();
  }
};

struct ExplainLimits {
  std::size_t handed_out_listed = 20;  // of what a source handed out, listed
};

// Indexes the records by address once, for many explanations (a report
// explains every flagged peer). Keeps pointers into r and d.
class Explainer {
 public:
  Explainer(const Records& r, const probes::Diagnosis& d);
  Explanation explain(const Subject& s, const ExplainLimits& lim = {}) const;

 private:
  template <class T>
  using ByAddress = std::map<IpAddress, std::vector<const T*>>;
  ByAddress<Observation> seen_, handed_out_;
  ByAddress<EmuleObservation> emule_seen_;
  ByAddress<ProbeResult> probes_;
  ByAddress<DhtNodeSeen> nodes_;
  ByAddress<Verdict> verdicts_;
  std::map<IpAddress, std::vector<std::pair<Endpoint, const probes::SourceReport*>>> sources_;
};

// One explanation: Explainer(r, d).explain(s, lim).
Explanation explain(const Subject& s, const Records& r, const probes::Diagnosis& d, const ExplainLimits& lim = {});

// The words a person reads: sections "verdict", "handed out by", "probes",
// "as a source", one line per item. Printable ASCII and UTF-8 only: text
// from records passes through printable().
std::string explain_text(const Explanation& e);
// The same as one JSON object (docs/report.md names the fields).
nlohmann::json explain_json(const Explanation& e);

// "pex from 1.2.3.4:6881", "tracker_udp from udp://t:6969/announce": a
// record's source as explain and the report print it.
std::string source_text(const Observation& o);
std::string source_text(const EmuleObservation& o);

}  // namespace p2pscope::report
