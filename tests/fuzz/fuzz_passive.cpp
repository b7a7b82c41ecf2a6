#include "passive/analyses.hpp"
#include "passive/peer_wire_parser.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

// The input is a run of frames, each a 2-byte big-endian length then raw IP
// bytes, all handed to one set of analyses: flows, reassembly, peer-wire,
// HTTP and KRPC recognisers, the honeynet analyzer (half the IPv4 space is
// dark, intervals of 5 ms so events open and close) and the scan labeler
// see hostile packet sequences. Every record must turn into JSON (printable
// strings only).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto raw = fuzz::as_view(data, size);
  // The mid-stream resync on the raw bytes as well: a boundary it names
  // starts an extended message that fits the input.
  if (auto at = passive::find_message_boundary(raw, WireLimits{1 << 16})) {
    if (*at + 7 > raw.size() || raw[*at + 4] != 20) fuzz::property_failed("message boundary");
  }
  passive::AnalysisOptions opt;
  opt.max_samples = 8;
  opt.limits.max_flows = 16;
  opt.limits.reassembly.max_held = 4096;
  opt.limits.max_http_body = 8192;
  opt.honeynet.emplace();
  opt.honeynet->honeynet.push_back(parse_cidr("0.0.0.0/1").value());
  opt.honeynet->interval = 0.005;
  opt.honeynet->min_sources = 1;
  opt.honeynet->max_targets = 64;
  opt.scan.emplace();
  opt.scan->attempt_timeout = 0.01;
  opt.scan->address_threshold = 3;
  opt.scan->max_hosts = 64;
  // Every line must parse: the direct writer has to produce valid JSON.
  passive::Analyses x(opt, [](std::string_view, std::string_view line) { (void)nlohmann::json::parse(line); });
  double t = 0;
  while (raw.size() >= 2) {
    auto len = static_cast<std::size_t>(static_cast<std::uint8_t>(raw[0]) << 8 | static_cast<std::uint8_t>(raw[1]));
    raw.remove_prefix(2);
    auto frame = raw.substr(0, len);
    raw.remove_prefix(frame.size());
    if (auto p = decode_ip(frame)) x.packet(t += 0.001, p.value());
  }
  auto r = x.finish();
  for (const auto& e : r.events) {
    (void)passive::to_json(e).dump();
    for (const auto& j : passive::suspect_records(e)) (void)j.dump();
  }
  for (const auto& h : r.hosts) (void)passive::to_json(h).dump();
  return 0;
}
