#include "core/http_tracker.hpp"
#include "crawler/tracker_client.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

// First byte: bits 1 and 2 together select a tracker URL (the crawler's
// parse_tracker_url); bit 1 alone the tracker side (an announce query string);
// otherwise bit 0 selects announce (0) or scrape (1) response bodies.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto body = fuzz::as_view(data + 1, size - 1);
  if ((data[0] & 6) == 6) {
    // A parsed tracker URL names a host and a usable port.
    if (auto u = crawler::parse_tracker_url(body)) {
      if (u.value().host.empty() || u.value().port == 0) __builtin_trap();
    }
    return 0;
  }
  if (data[0] & 2) {
    // What the tracker decodes, announce_url() must write back to the same values.
    if (auto q = decode_announce_query(body)) {
      auto url = announce_url("http://t/announce", q.value());
      auto again = decode_announce_query(std::string_view(url).substr(url.find('?') + 1));
      if (!again || !(again.value() == q.value())) __builtin_trap();
      // A BEP 7 value read is of the family asked for, and never port 0.
      for (auto [v, f] : {std::pair{&q.value().ipv4, Family::v4}, std::pair{&q.value().ipv6, Family::v6}}) {
        if (!*v) continue;
        if (auto ep = bep7_endpoint(**v, f, 6881); ep && (ep.value().address.family() != f || ep.value().port == 0))
          __builtin_trap();
      }
    }
    return 0;
  }
  if (data[0] & 1) {
    if (auto r = decode_http_scrape(body)) {
      fuzz::check_canonical(
          r.value(), [](std::string_view b) { return decode_http_scrape(b); },
          [](const HttpScrapeResponse& x) { return encode_http_scrape(x); }, "http scrape");
    }
    return 0;
  }
  auto r = decode_http_announce(body);
  if (r && !r.value().failure_reason) {  // a failure response carries no peers when encoded
    fuzz::check_canonical(
        r.value(), [](std::string_view b) { return decode_http_announce(b); },
        [](const HttpAnnounceResponse& x) { return encode_http_announce(x, PeerEncoding::dictionary); },
        "http announce");
  }
  return 0;
}
