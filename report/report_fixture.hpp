// Test fixtures shared by the report/ tests: a small crawl with a poisoned
// tracker, an anti-P2P peer and its farm, and an honest peer whose client
// byte-swaps what it relays, diagnosed for real (probes::diagnose).
#pragma once

#include "probes/diagnose.hpp"
#include "report/explain.hpp"
#include "report/report.hpp"

#include <gtest/gtest.h>

namespace p2pscope::report::testing {

inline Endpoint ep(const char* s) { return Endpoint::parse(s).value(); }
inline bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class SmallCrawl : public ::testing::Test {
 protected:
  SmallCrawl() {
    routing_.add(parse_cidr("5.5.5.0/24").value(), 64666, "Farm Hosting");
    routing_.add(parse_cidr("20.0.0.0/8").value(), 64500);
    (void)routing_.build();
    for (auto p : {"5.5.5.1:6881", "20.0.0.1:6881", "10.0.0.1:6881"}) tracker(ep(p), 0);
    for (int i = 2; i <= 7; ++i) pex(anti_, ep(("5.5.5." + std::to_string(i) + ":6881").c_str()), i);
    pex(honest_, ep("1.0.0.20:6881"), 10);  // 20.0.0.1 byte-reversed
    pex(honest_, ep("20.0.0.9:6881"), 11);
    probe(anti_, ProbeKind::fake_infohash, ProbeOutcome::positive, "extended-handshake,have_all");
    probe(honest_, ProbeKind::handshake, ProbeOutcome::positive);
    probe(ep("20.0.0.9:6881"), ProbeKind::handshake, ProbeOutcome::positive);
  }
  void tracker(const Endpoint& peer, int second) {
    auto& o = add(peer, second);
    o.via = Via::tracker_udp;
    o.source_url = "udp://t.example:6969/announce";
    o.source_endpoint = tracker_;
  }
  void pex(const Endpoint& from, const Endpoint& peer, int second) {
    auto& o = add(peer, second);
    o.via = Via::pex;
    o.source_endpoint = from;
  }
  Observation& add(const Endpoint& peer, int second) {
    auto& o = obs_.emplace_back();
    o.time = Timestamp{std::chrono::seconds(1'800'000'000 + second)};
    o.info_hash = ih_;
    o.peer = peer;
    return o;
  }
  void probe(const Endpoint& peer, ProbeKind k, ProbeOutcome out, std::string transcript = {}) {
    ProbeResult r;
    r.peer = peer;
    r.info_hash = ih_;
    r.probe = k;
    r.outcome = out;
    if (!transcript.empty()) r.evidence["transcript"] = transcript;
    probes_.push_back(r);
  }
  const probes::Diagnosis& diagnosis() {
    probes::DiagnoseInputs in;
    in.observations = obs_;
    in.probes = probes_;
    in.routing = &routing_;
    d_ = probes::diagnose(in);
    return d_;
  }
  Records records() const { return {obs_, {}, probes_, {}}; }

  InfoHash ih_ = InfoHash::from_bytes(std::string(20, 'h')).value();
  Endpoint anti_ = ep("5.5.5.1:6881"), honest_ = ep("20.0.0.1:6881"), tracker_ = ep("30.0.0.1:6969");
  probes::PrefixTable routing_;
  std::vector<Observation> obs_;
  std::vector<ProbeResult> probes_;
  probes::Diagnosis d_;
};

// One section drawn from honeynet event and harness run records alone (no
// crawl): what the honeynet and harness section tests look at.
inline std::string draw_alone(const char* section, std::span<const nlohmann::json> events,
                              std::span<const nlohmann::json> runs) {
  static const probes::Diagnosis kNone;
  ReportInputs in;
  in.diagnosis = &kNone;
  in.honeynet_events = events;
  in.harness_runs = runs;
  return render_report(in, {.only = section});
}

}  // namespace p2pscope::report::testing
