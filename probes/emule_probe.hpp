// Active probes of one eMule peer, one TCP connection each, with a deadline
// on every step (one coroutine per probe):
//   runs eMule   a hello (OP_HELLO) with the crawler's stable user hash and
//                client ID 0; a peer that answers with a well-formed
//                OP_HELLOANSWER speaks the protocol, and its tags are its
//                fingerprint (software and version, SX versions, crypt
//                flags, user hash).
//   fake hash    on the same connection, SETREQFILEID (0x4F) for a freshly
//                random file hash. aMule and eMule answer "no such file"
//                (0x48); a peer that answers with a file status, a name, a
//                multipacket answer or sources claims a file nobody has
//                and is anti-P2P. The frames it sent are the evidence.
//                (REQUESTFILENAME for an unknown hash draws silence from
//                both clients, which proves nothing, so it is not used.)
//   reverse      the hello sent to the address the peer's ID names in the
//                other byte order, on the same port.
//
// Etiquette that real clients enforce (emule.md §2): the user hash must be
// the one the crawler uses from the same address (a changed hash gets the
// whole address banned for two hours), and a session asks for at most one
// unknown hash (eMule disconnects after six and bans a repeat; the study's
// budget is two). Every connect is paced by the RateGate. Special-purpose
// addresses are never contacted (tests on loopback lift this).
//
// Threads: one io_context thread; the config and the gate must outlive the
// coroutine.
#pragma once

#include "core/ed2k_client.hpp"
#include "core/records.hpp"
#include "net/asio.hpp"
#include "net/rate_gate.hpp"

#include <optional>
#include <random>

namespace p2pscope::probes {

struct EmuleProbeConfig {
  ed2k::Md4 user_hash;                      // crawler_user_hash(local): the crawler's hash for this address
  std::string name = "http://www.aMule.org";  // aMule's default nickname: the prober looks like a stock client
  std::uint16_t port = 4662;                // the TCP port the hello claims
  IpAddress local = IpAddress::v4(0);       // source address (eMule is IPv4 only)
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds hello_timeout{8000};
  std::chrono::milliseconds answer_timeout{8000};  // for the answer to the fake-hash request
  // A peer that took the connection but let the hello deadline pass is
  // busy, not proven dead (a single-threaded aMule under load): it is asked
  // again, on a new connection, up to this many contacts in all, after a
  // pause. No fake hash was sent on such a contact, so the budget holds.
  unsigned hello_attempts = 2;
  std::chrono::milliseconds retry_pause{3000};
  ed2k::Limits limits{.max_frame = 1 << 18, .max_unpacked = 1 << 18};
  bool contact_special_purpose = false;     // tests on loopback only: real probes never contact bogons
};

// What the peer said to the fake-hash request.
enum class FakeFileAnswer : std::uint8_t {
  not_asked,     // no request sent (no hello answer, or none wanted)
  no_such_file,  // 0x48 for our hash: what aMule and eMule say
  claimed,       // a status, a name, a multipacket answer or sources for it: anti-P2P
  silent,        // nothing before the deadline: proves nothing
  closed,        // hung up instead of answering
};
constexpr auto enum_names(FakeFileAnswer) noexcept {
  return std::to_array<std::pair<FakeFileAnswer, std::string_view>>(
      {{FakeFileAnswer::not_asked, "not_asked"}, {FakeFileAnswer::no_such_file, "no_such_file"},
       {FakeFileAnswer::claimed, "claimed"}, {FakeFileAnswer::silent, "silent"}, {FakeFileAnswer::closed, "closed"}});
}

// What one connection saw.
struct EmuleContact {
  ProbeOutcome connect = ProbeOutcome::error;  // positive: connected
  ProbeOutcome hello = ProbeOutcome::error;    // positive: a well-formed hello answer
  std::optional<double> connect_ms, hello_ms;
  std::optional<ed2k::Hello> theirs;           // its hello answer
  FakeFileAnswer fake = FakeFileAnswer::not_asked;
  std::vector<std::string> transcript;         // frames after our hello, named, in order (at most 64)
  std::string why;                             // what ended it early
  bool skipped = false;                        // never contacted: special-purpose address or port 0
  unsigned attempts = 1;                       // contacts made (EmuleProbeConfig::hello_attempts)
};

// Connects, says hello and, when fake_file is given and the peer answered
// the hello, asks for that hash with SETREQFILEID. A hello that timed out
// is tried again (hello_attempts); the last contact is returned.
net::awaitable<EmuleContact> contact_emule_peer(Endpoint peer, std::optional<ed2k::Md4> fake_file,
                                                const EmuleProbeConfig& cfg, net::RateGate& gate);

// Records from contacts; the subject is `peer` handed out for `file`. run
// and time are filled in by the caller. crypt_required: a source said the
// peer accepts only obfuscated connections, so a refused plaintext hello
// is recorded as that, not as a dead peer.
enum class CryptRequired : bool { no, yes };
std::vector<ProbeResult> emule_liveness_results(const Endpoint& peer, const ed2k::Md4& file, const EmuleContact& c,
                                                CryptRequired crypt = CryptRequired::no);
ProbeResult fake_file_result(const Endpoint& peer, const ed2k::Md4& file, const ed2k::Md4& fake, const EmuleContact& c);
// `reversed` is the address the peer's ID names in the other byte order,
// probed on the peer's port: does an eMule client answer there?
ProbeResult emule_reverse_result(const Endpoint& peer, const Endpoint& reversed, const ed2k::Md4& file,
                                 const EmuleContact& c);

// A random file hash for the fake-hash probe (draw one per probe).
ed2k::Md4 random_file_hash(std::mt19937_64& rng);

// The fingerprint of a hello answer as evidence fields: "client" (software
// and version), "name", "sx1", "sx2", "ext_requests", "crypt" (supported,
// requested, required), "user_hash", "udp_port", "kad_port".
std::map<std::string, std::string> hello_fingerprint(const ed2k::Hello& h);

}  // namespace p2pscope::probes
