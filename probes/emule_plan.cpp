#include "probes/emule_plan.hpp"

#include <set>

namespace p2pscope::probes {

namespace {

// Bit 2 of the crypt options, in SX v4 entries, KAD's 0xF3 tag and
// FOUNDSOURCES_OBFU alike.
constexpr std::uint8_t kCryptRequired = 0x04;

}  // namespace

EmuleProbePlan plan_emule_probes(std::span<const EmuleObservation> seen, EmulePlanFlags flags) {
  EmuleProbePlan plan;
  std::map<Endpoint, EmulePeerContact> contacts;
  std::set<std::pair<Endpoint, Endpoint>> reverses;
  for (const auto& o : seen) {
    auto peer = o.peer();
    if (!peer) {
      ++plan.low_ids;
      continue;
    }
    auto& c = contacts[*peer];
    if (!c.forward) {
      c = EmulePeerContact{*peer, o.file, true, !flags.has(EmulePlanFlag::no_fake), CryptRequired::no};
    }
    if (o.crypt && (*o.crypt & kCryptRequired)) c.crypt = CryptRequired::yes;
    if (flags.has(EmulePlanFlag::no_reverse)) continue;
    Endpoint rev{o.other_form_address(), o.peer_port};
    if (reverses.insert({*peer, rev}).second) plan.reverses.push_back({*peer, rev, o.file});
  }
  for (const auto& r : plan.reverses)
    if (!contacts.count(r.reversed)) contacts[r.reversed] = EmulePeerContact{r.reversed, r.file, false, false, CryptRequired::no};
  for (auto& [at, c] : contacts) plan.contacts.push_back(c);
  return plan;
}

std::vector<ProbeResult> emule_probe_results(const EmuleProbePlan& plan, const std::map<Endpoint, EmuleSeen>& seen) {
  std::vector<ProbeResult> out;
  for (const auto& c : plan.contacts) {
    auto it = seen.find(c.at);
    if (!c.forward || it == seen.end()) continue;
    for (auto& r : emule_liveness_results(c.at, c.file, it->second.contact, c.crypt)) out.push_back(std::move(r));
    // Without a hello answer the request was never sent: the hello's record says why.
    if (it->second.fake && it->second.contact.hello == ProbeOutcome::positive) out.push_back(fake_file_result(c.at, c.file, *it->second.fake, it->second.contact));
  }
  for (const auto& r : plan.reverses) {
    auto it = seen.find(r.reversed);
    if (it != seen.end()) out.push_back(emule_reverse_result(r.peer, r.reversed, r.file, it->second.contact));
  }
  return out;
}

}  // namespace p2pscope::probes
