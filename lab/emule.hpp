// The eMule side of the lab as data (issue 24): which files exist, who
// shares them, what each scripted peer, index server and KAD node hands out,
// and what the real amuleds are told. Pure and deterministic from the plan:
// the actor process runs it, truth.cpp explains it, lab_up() writes the
// crawler's inputs from it. Nothing here does I/O.
#pragma once

#include "core/ed2k_link.hpp"
#include "core/kad.hpp"
#include "lab/ed2k_server.hpp"
#include "lab/kad_responder.hpp"
#include "lab/plan.hpp"
#include "lab/sx_peer.hpp"

#include <optional>
#include <string>
#include <vector>

namespace p2pscope::lab {

// A file of the eMule lab. The scripted files exist only as a hash and a
// size; the real one (shared by the amuleds) has content, and its hash is
// computed from it at lab up.
struct EmuleLabFile {
  ed2k::FileLink link;
  bool real = false;
};

// The scripted files, ed2k_files of them.
std::vector<EmuleLabFile> scripted_files(const LabPlan& plan);
// The real file's content: amule_file_bytes deterministic bytes, chunk by
// chunk (offset, length) so a large file need not sit in memory.
std::string real_file_chunk(const LabPlan& plan, std::uint64_t offset, std::size_t length);
inline constexpr const char* kRealFileName = "p2pscope-lab-emule.bin";
// The real file's ed2k link, in the state directory, for the processes lab_up() starts.
inline constexpr const char* kRealFileLink = "amule/real-file.ed2k";

// A scripted party's stable user hash (eMule's marks: byte 5 = 14, byte 14 = 111).
ed2k::Md4 lab_user_hash(const LabPlan& plan, const Party& p);
// The LowIDs every lab server lists as sources of every scripted file.
std::vector<std::uint32_t> lab_low_ids(const LabPlan& plan);

// The peers the servers list for every scripted file (as if they had
// logged in and offered it): honest scripted peers, the defect actors and
// the farm.
std::vector<const Party*> ed2k_offering(const LabPlan& plan);
// A server's configuration and its listed sources; a poisoned one injects
// the farm and its made-up addresses into every answer.
Ed2kServerConfig ed2k_server_config(const LabPlan& plan, const Party& server);
void list_scripted_sources(const LabPlan& plan, Ed2kServerState& state);
// The lab's index servers as a server.met: every one for the crawler,
// the honest ones only for the aMule daemons (a real client would not stay
// on a poisoned server knowingly; the crawler meets it on its own).
enum class PoisonedServers { include, leave_out };
std::string lab_server_met(const LabPlan& plan, PoisonedServers poisoned);
// The parties run by real aMule daemons (implementation `amuled`).
std::vector<const Party*> amule_daemons(const LabPlan& plan);

// KAD: the responder's nodes (ids deterministic) and what they index: the
// honest scripted peers and the farm publish every scripted file. With the
// real file's hash, kNearRealFile of the nodes take ids within search
// tolerance of it, so the aMule daemons have nodes to publish it to (aMule
// publishes a source only to nodes that near).
inline constexpr std::size_t kNearRealFile = 3;
std::vector<KadNode> kad_nodes(const LabPlan& plan, const std::optional<ed2k::Md4>& real_file = std::nullopt);
std::vector<const Party*> kad_publishing(const LabPlan& plan);
void index_kad_sources(const LabPlan& plan, KadResponderState& state);
kad::NodesFile lab_nodes_dat(const LabPlan& plan, const std::optional<ed2k::Md4>& real_file = std::nullopt);

// Source exchange. The sources an honest scripted peer knows for every
// scripted file (every other honest scripted peer); what each scripted
// party answers with (its SxPeerConfig); and, for a v4_stored_raw actor,
// what it stored from the eMule 0.50a peer it asked (emule_teacher):
// that peer's v4 answer decoded by aMule 2.1's rule, which swaps only
// when the sender advertised SX1 == 3.
std::vector<Endpoint> honest_sources(const LabPlan& plan, const Party& except);
SxPeerConfig sx_peer_config(const LabPlan& plan, const Party& p);
// Makes cfg the aMule release with defect `d`: its version word, its SX
// versions and how it encodes its answers (v4_stored_raw encodes right:
// its defect is in what it stores, amule21_store).
void apply_defect(SxPeerConfig& cfg, EmuleDefect d);
// What eMule 0.50a's hello gives as its version word.
inline constexpr std::uint32_t kEmule050a = 0x00050A00;
const Party* emule_teacher(const LabPlan& plan);
std::vector<Endpoint> v4_stored_raw(const LabPlan& plan);
// The ID form in which the release with defect `d` (none: aMule 2.3.3)
// reads entries of SX `version` from a sender advertising SX1 `sender_sx1`
// (emule.md §3): 2.3.3 by the version alone; rc8 to 2.1.3 hybrid only from
// a sender advertising exactly 3; <= 2.0.0-rc7 never hybrid.
ed2k::IdForm stored_form(std::uint8_t version, std::uint8_t sender_sx1, std::optional<EmuleDefect> d) noexcept;
// aMule 2.1.0-2.1.3's receive rule on one answer: the addresses it stores.
std::vector<Endpoint> amule21_store(const ed2k::SourcesAnswer& received, std::uint8_t sender_sx1);

// The farm's members and its made-up addresses.
std::vector<Endpoint> emule_farm(const LabPlan& plan);
std::vector<Endpoint> emule_fakes(const LabPlan& plan);

}  // namespace p2pscope::lab
