// Which eMule peers `p2pscope probe` contacts, and the records it makes of
// what they said. Pure: no I/O; the caller runs the contacts
// (contact_emule_peer) and hands back what each saw.
//
// Every address is contacted once, however many files and sources named
// it: the hello answers for the peer, not for a file, and one session per
// peer keeps the unknown-hash requests within the clients' budget.
//   forward  every peer a source named by a HighID: hello, then (unless
//            fake probes are off) one random file hash.
//   reverse  the address the same ID names in the other byte order, on the
//            same port (unless reverse probes are off): hello only. An
//            address that is both is contacted once, as a forward one.
// LowIDs name no address and are not contacted.
#pragma once

#include "core/flags.hpp"
#include "core/records.hpp"
#include "probes/emule_probe.hpp"

#include <map>
#include <span>

namespace p2pscope::probes {

enum class EmulePlanFlag : std::uint8_t { no_fake = 1, no_reverse = 2 };
using EmulePlanFlags = FlagSet<EmulePlanFlag>;

struct EmulePeerContact {
  Endpoint at;
  ed2k::Md4 file;                         // the first file it was named for: the records' subject
  bool forward = false;                   // a handed-out peer (else only some peer's reverse)
  bool ask_fake = false;                  // send one random hash after the hello
  CryptRequired crypt = CryptRequired::no;  // a source said it takes only obfuscated connections
};

struct EmuleReverseCheck {
  Endpoint peer;      // as handed out
  Endpoint reversed;  // the other byte order of its ID, same port
  ed2k::Md4 file;
};

struct EmuleProbePlan {
  std::vector<EmulePeerContact> contacts;  // sorted by address, each once
  std::vector<EmuleReverseCheck> reverses;
  std::size_t low_ids = 0;                 // observations that name no address
};

EmuleProbePlan plan_emule_probes(std::span<const EmuleObservation> seen, EmulePlanFlags flags = {});

// What the contacts saw, by address, with the fake hash each was asked for.
struct EmuleSeen {
  EmuleContact contact;
  std::optional<ed2k::Md4> fake;
};

// The records: liveness (and the fake-hash result) for every forward
// contact, and one reverse_byte_order result per reverse check. A contact
// missing from `seen` (an interrupted run) gives no record.
std::vector<ProbeResult> emule_probe_results(const EmuleProbePlan& plan, const std::map<Endpoint, EmuleSeen>& seen);

}  // namespace p2pscope::probes
