#include "probes/diagnose.hpp"
#include "report/feed.hpp"
#include "tests/fuzz/fuzz_util.hpp"

#include <string>

using namespace p2pscope;

namespace {

// A feed over one anti-P2P peer, built once.
const report::Feed& feed() {
  static auto f = [] {
    report::FeedInputs in;
    Observation o;
    o.info_hash = InfoHash::from_bytes(std::string(20, 'h')).value();
    o.peer = Endpoint::parse("45.0.0.1:6881").value();
    o.via = Via::tracker_udp;
    o.source_url = "udp://t:1/a";
    in.observations.push_back(o);
    ProbeResult p;
    p.peer = o.peer;
    p.info_hash = o.info_hash;
    p.probe = ProbeKind::fake_infohash;
    p.outcome = ProbeOutcome::positive;
    in.probes.push_back(p);
    probes::DiagnoseInputs di;
    di.observations = in.observations;
    di.probes = in.probes;
    in.diagnosis = probes::diagnose(di);
    in.report_html = "<html></html>";
    return report::Feed::build(std::move(in), {}, Timestamp{std::chrono::seconds(1'800'000'000)}, nullptr);
  }();
  return *f;
}

}  // namespace

// Any request line and validators get an answer with a real status, never a
// crash; a 304 carries no body; a 200 for a file carries its ETag.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = fuzz::as_view(data, size);
  auto parts = std::string(text);
  auto cut = [&parts]() {
    auto at = parts.find('\n');
    std::string head = parts.substr(0, at);
    parts = at == std::string::npos ? std::string() : parts.substr(at + 1);
    return head;
  };
  net::HttpAsk ask;
  ask.method = cut();
  ask.target = cut();
  ask.if_none_match = cut();
  ask.if_modified_since = cut();
  auto a = report::answer(feed(), ask, Timestamp{std::chrono::seconds(1'800'000'100)});
  if (a.status < 200 || a.status > 599) fuzz::property_failed("feed answer status");
  if (a.status == 304 && !a.body.empty()) fuzz::property_failed("304 with a body");
  (void)report::parse_http_date(text);
  (void)report::parse_subject(text);
  return 0;
}
