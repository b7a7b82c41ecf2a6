// Kademlia 2 as eMule and aMule speak it: 128-bit ids in their wire order,
// contacts, and the messages a source crawler needs (bootstrap, hello,
// find-node, search-source and its results, ping), plus nodes.dat in its
// three editions. Pure: bytes in, typed values or an error code out. A
// message's payload is what follows <0xE4><opcode> (ed2k::decode_udp_frame
// splits that off and inflates 0xE5).
//
// Facts from aMule 2.3.3 (kademlia/net/KademliaUDPListener.cpp,
// routing/RoutingZone.cpp) in the project's research notes, emule.md §4.
// Every function is safe to call from any thread on its own values.
#pragma once

#include "core/ed2k.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope::kad {

// A KAD id is a 128-bit number. `bytes` holds it most significant byte
// first, which is also how a file's MD4 hash becomes its KAD target (the
// hash read as a big-endian number). On the wire it is four u32, each
// little-endian, most significant first: bytes 3 2 1 0 7 6 5 4 ...
struct KadId {
  std::array<std::uint8_t, 16> bytes{};
  static KadId of(const ed2k::Md4& h) noexcept { return KadId{h.bytes}; }
  std::string hex() const;
  friend auto operator<=>(const KadId&, const KadId&) = default;
};
KadId distance(const KadId& a, const KadId& b) noexcept;
// The top 32 bits of the XOR distance: nodes index a file only when this is
// at most kSearchTolerance (about the first 8 bits shared).
std::uint32_t distance_prefix(const KadId& a, const KadId& b) noexcept;
inline constexpr std::uint32_t kSearchTolerance = 1u << 24;

// <id 16><ip u32, hybrid form><udp u16><tcp u16><version u8>: 25 bytes.
struct Contact {
  KadId id;
  std::uint32_t ip = 0;  // hybrid form: ed2k::ip_of_hybrid_id gives the address
  std::uint16_t udp_port = 0;
  std::uint16_t tcp_port = 0;
  std::uint8_t version = 0;
  IpAddress address() const noexcept { return ed2k::ip_of_hybrid_id(ip); }
  friend bool operator==(const Contact&, const Contact&) = default;
};

namespace op {
inline constexpr std::uint8_t bootstrap_req = 0x01, bootstrap_res = 0x09, hello_req = 0x11, hello_res = 0x19,
                              req = 0x21, res = 0x29, search_source_req = 0x34, search_res = 0x3B,
                              publish_source_req = 0x44, publish_res = 0x4B, ping = 0x60, pong = 0x61;
}  // namespace op

struct Limits {
  std::size_t max_contacts = 256;  // in one bootstrap or find-node answer (aMule sends at most 20)
  std::size_t max_results = 300;   // in one search answer (aMule sends at most 50 per datagram)
  std::size_t max_nodes = 1u << 16;  // in nodes.dat
  ed2k::Limits tags;
};

// BOOTSTRAP_RES (0x09): the answering node and up to 20 of its contacts.
struct BootstrapResponse {
  KadId id;
  std::uint16_t tcp_port = 0;
  std::uint8_t version = 0;
  std::vector<Contact> contacts;
  friend bool operator==(const BootstrapResponse&, const BootstrapResponse&) = default;
};
Result<BootstrapResponse> decode_bootstrap_response(std::string_view payload, const Limits& lim = {});
std::string encode_bootstrap_response(const BootstrapResponse& r);

// HELLO_REQ (0x11) and HELLO_RES (0x19) share a layout; tags 0xFC (UDP port)
// and 0xF2 (firewall bits) in the KAD tag form.
struct Hello {
  KadId id;
  std::uint16_t tcp_port = 0;
  std::uint8_t version = 0;
  std::vector<ed2k::Tag> tags;
  friend bool operator==(const Hello&, const Hello&) = default;
};
Result<Hello> decode_hello(std::string_view payload, const Limits& lim = {});
std::string encode_hello(const Hello& h);

// KADEMLIA2_REQ (0x21). The low five bits of the first byte say how many
// contacts are wanted, which also names the lookup (2 find-value, 4 store,
// 11 find-node). A node answers only when `receiver` is its own id.
enum class Lookup : std::uint8_t { find_value = 2, store = 4, find_node = 0x0B };
struct NodeRequest {
  std::uint8_t wanted = static_cast<std::uint8_t>(Lookup::find_node);
  KadId target;
  KadId receiver;
  friend bool operator==(const NodeRequest&, const NodeRequest&) = default;
};
// errc::bad_value when the count is 0 (aMule drops such a request).
Result<NodeRequest> decode_node_request(std::string_view payload);
std::string encode_node_request(const NodeRequest& r);

// KADEMLIA2_RES (0x29): <target><count u8><contacts>.
struct NodeResponse {
  KadId target;
  std::vector<Contact> contacts;
  friend bool operator==(const NodeResponse&, const NodeResponse&) = default;
};
Result<NodeResponse> decode_node_response(std::string_view payload, const Limits& lim = {});
std::string encode_node_response(const NodeResponse& r);

// KADEMLIA2_PUBLISH_SOURCE_REQ (0x44): a node offering itself as a source
// of `file`, to an indexing node near it: <file><source's user hash><KAD
// tags>. The tags carry the source type (0xFF), TCP port (0xFD), UDP port
// (0xFC), file size (0x02) and connect options (0xF3); not its address: the
// indexing node stamps the UDP sender's (aMule's Process2PublishSourceRequest).
struct SourcePublish {
  KadId file;
  KadId source;
  std::vector<ed2k::Tag> tags;
  friend bool operator==(const SourcePublish&, const SourcePublish&) = default;
};
Result<SourcePublish> decode_source_publish(std::string_view payload, const Limits& lim = {});
std::string encode_source_publish(const SourcePublish& p);
// KADEMLIA2_PUBLISH_RES (0x4B): <file><load u8>, the indexing node's load in percent.
std::string encode_publish_response(const KadId& file, std::uint8_t load);

// SEARCH_SOURCE_REQ (0x34). A file size of 0 matches every entry.
struct SourceSearch {
  KadId target;
  std::uint16_t start = 0;  // the wire keeps 15 bits
  std::uint64_t file_size = 0;
  friend bool operator==(const SourceSearch&, const SourceSearch&) = default;
};
Result<SourceSearch> decode_source_search(std::string_view payload);
std::string encode_source_search(const SourceSearch& s);

// SEARCH_RES (0x3B): <sender id><target><count u16>(<answer 16><tags>)*.
// For a source search `answer` is the source's user hash.
struct SearchResult {
  KadId answer;
  std::vector<ed2k::Tag> tags;
  friend bool operator==(const SearchResult&, const SearchResult&) = default;
};
struct SearchResponse {
  KadId sender;
  KadId target;
  std::vector<SearchResult> results;
  friend bool operator==(const SearchResponse&, const SearchResponse&) = default;
};
Result<SearchResponse> decode_search_response(std::string_view payload, const Limits& lim = {});

// The target a KADEMLIA2_RES or KADEMLIA2_SEARCH_RES payload answers for,
// read from its head without decoding the rest (a crawler with several
// lookups in flight routes answers by it); nullopt for another opcode or a
// payload too short to hold it.
std::optional<KadId> answer_target(std::uint8_t opcode, std::string_view payload) noexcept;
std::string encode_search_response(const SearchResponse& r);

// The typed view of one source result. Types (tag 0xFF): 1 HighID, 3
// firewalled with a buddy, 4 HighID of a file of 4 GiB or more, 5 firewalled
// of such a file, 6 direct callback.
struct SourceEntry {
  KadId user_hash;
  std::uint8_t type = 0;
  std::uint32_t ip = 0;  // tag 0xFE, hybrid form, as the indexing node saw it
  std::uint16_t tcp_port = 0;
  std::uint16_t udp_port = 0;
  std::optional<std::uint32_t> buddy_ip;  // hybrid form
  std::optional<std::uint16_t> buddy_port;
  std::uint8_t crypt = 0;                // tag 0xF3
  std::optional<std::uint64_t> file_size;  // tag 0x02
  IpAddress address() const noexcept { return ed2k::ip_of_hybrid_id(ip); }
  friend bool operator==(const SourceEntry&, const SourceEntry&) = default;
};
// errc::missing_key without a type, an IP or a TCP port.
Result<SourceEntry> source_entry(const SearchResult& r);
SearchResult search_result_of(const SourceEntry& e);

// The entry an indexing node keeps for a publication that came from
// `from`, as aMule's Process2PublishSourceRequest: the address is the UDP
// sender's (any address tag is ignored), the UDP port the tag's or else the
// sender's. errc::missing_key without a source type or TCP port (aMule
// keeps nothing); errc::bad_value for a sender that is not IPv4.
Result<SourceEntry> published_entry(const SourcePublish& p, const Endpoint& from);

// PONG (0x61): the UDP port the node saw the ping come from.
Result<std::uint16_t> decode_pong(std::string_view payload);

// nodes.dat. Version 1 and 2 files start <0 u32><version u32><count u32>;
// version 2 entries add <udp key u32><key ip u32><verified u8> to the
// contact. The bootstrap edition is <0><3><1><count> then bare contacts.
// A file that starts with a non-zero count is version 0 (KAD1 contacts),
// which aMule ignores: errc::unknown_message_type.
enum class NodesEdition : std::uint8_t { v1, v2, bootstrap };
struct NodesFile {
  NodesEdition edition = NodesEdition::v2;
  std::vector<Contact> contacts;
  friend bool operator==(const NodesFile&, const NodesFile&) = default;
};
Result<NodesFile> decode_nodes_dat(std::string_view file, const Limits& lim = {});
// Version 2 entries are written with key 0 and "not verified".
std::string encode_nodes_dat(const NodesFile& f);

}  // namespace p2pscope::kad
