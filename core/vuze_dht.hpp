// The Vuze DHT (Azureus's own Kademlia, spoken by Vuze and BiglyBT) over
// UDP, as com.biglybt.core.dht.transport.udp.impl writes it: big-endian,
// fields added by protocol version. A request opens with an 8-byte
// connection id whose top bit is set, then its action and transaction id; a
// reply opens with its action and transaction id, then the request's
// connection id. Bodies:
//   ping         request: alternative-contact asks; reply: network
//                positions, alternative contacts
//   find_node    request: the id sought; reply: contacts
//   find_value   request: the key, flags, most values wanted; reply: values
//                (each with its originator contact) or contacts
//   store        request: keys and one value list per key
//   error        reply: its type; "originator address wrong" carries the
//                address the replier saw
// A contact is type 1 (UDP), its protocol version, and an address (length
// byte, 4 or 16 bytes, port). Anything after the fields a version defines
// (BiglyBT's upload statistics, the stats and key-block bodies) is counted,
// not read.
//
// Pure: bytes in, a typed packet or an errc out; values are copied out.
#pragma once

#include "core/error.hpp"
#include "core/ip.hpp"
#include "core/names.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope {

enum class VuzeAction : std::uint16_t {
  ping_request = 1024, ping_reply = 1025, store_request = 1026, store_reply = 1027,
  find_node_request = 1028, find_node_reply = 1029, find_value_request = 1030, find_value_reply = 1031,
  error_reply = 1032, stats_reply = 1033, stats_request = 1034, data = 1035,
  key_block_request = 1036, key_block_reply = 1037, query_store_request = 1038, query_store_reply = 1039,
};
constexpr auto enum_names(VuzeAction) noexcept {
  return std::to_array<std::pair<VuzeAction, std::string_view>>({
      {VuzeAction::ping_request, "ping_request"}, {VuzeAction::ping_reply, "ping_reply"},
      {VuzeAction::store_request, "store_request"}, {VuzeAction::store_reply, "store_reply"},
      {VuzeAction::find_node_request, "find_node_request"}, {VuzeAction::find_node_reply, "find_node_reply"},
      {VuzeAction::find_value_request, "find_value_request"}, {VuzeAction::find_value_reply, "find_value_reply"},
      {VuzeAction::error_reply, "error_reply"}, {VuzeAction::stats_reply, "stats_reply"},
      {VuzeAction::stats_request, "stats_request"}, {VuzeAction::data, "data"},
      {VuzeAction::key_block_request, "key_block_request"}, {VuzeAction::key_block_reply, "key_block_reply"},
      {VuzeAction::query_store_request, "query_store_request"}, {VuzeAction::query_store_reply, "query_store_reply"}});
}
bool is_request(VuzeAction a) noexcept;

// Error reply types (DHTUDPPacketReplyError).
inline constexpr std::uint32_t kVuzeErrorWrongAddress = 1, kVuzeErrorKeyBlocked = 2;

struct VuzeContact {
  std::uint8_t version = 0;  // the contact's protocol version
  Endpoint endpoint;         // its DHT address (UDP)
  friend bool operator==(const VuzeContact&, const VuzeContact&) = default;
};

struct VuzeValue {
  std::int32_t version = 0;  // -1 before protocol version 11, which did not carry it
  std::int64_t created = 0;  // ms since the epoch, the sender's clock
  std::string bytes;
  VuzeContact originator;
  std::uint8_t flags = 0;
  // The peer it announces, when it is a DHT tracker value: the bytes are a
  // TCP port ("6881", "6881;C", ...) at the originator's address.
  std::optional<Endpoint> peer() const;
  friend bool operator==(const VuzeValue&, const VuzeValue&) = default;
};

struct VuzeDhtPacket {
  VuzeAction action = VuzeAction::ping_request;
  std::uint32_t transaction_id = 0;
  std::uint64_t connection_id = 0;
  std::uint8_t protocol_version = 0;
  std::uint8_t vendor = 0;      // 0 Azureus, 1 ShareNet, 3 BiglyBT ... (from version 14)
  std::uint32_t network = 0;    // 0 the main DHT, 1 CVS, 3 main IPv6, 4 BiglyBT (from version 9)
  std::uint32_t instance_id = 0;  // requests: the sender's; replies: the replier's
  // Requests: the sender's own view of itself.
  std::optional<std::uint8_t> originator_version;
  std::optional<Endpoint> originator;
  std::optional<std::int64_t> time;  // ms since the epoch, the sender's clock
  std::string key;                   // find_node id, find_value key (raw)
  std::vector<std::string> store_keys;
  std::vector<VuzeContact> contacts;  // find_node and find_value replies
  std::vector<VuzeValue> values;      // find_value replies, store requests (every key's in order)
  std::optional<std::uint32_t> error_type;
  std::optional<Endpoint> error_address;  // kVuzeErrorWrongAddress: how the replier saw the asker
  std::size_t unread = 0;  // bytes after the fields this decoder reads
};

struct VuzeDhtLimits {
  std::size_t max_datagram = 64 * 1024;
  std::size_t max_contacts = 512;  // per list
  std::size_t max_values = 512;    // per packet
};

// The lowest and highest protocol versions taken for the Vuze DHT: every
// version the code still reads, and room above BiglyBT's (55).
inline constexpr std::uint8_t kVuzeMinVersion = 6, kVuzeMaxVersion = 80;

// errc::unknown_message_type when the datagram is not a Vuze DHT request
// or reply (no such action, no connection id of the right form, a version
// out of range): the cheap test that runs first; errc::truncated,
// bad_address, too_many_items when one is but a field does not decode.
Result<VuzeDhtPacket> decode_vuze_dht(std::string_view datagram, const VuzeDhtLimits& lim = {});

// For tests and fuzzing: writes a packet as its version would, for the
// actions decode reads (ping, find_node, find_value, store, error).
std::string encode_vuze_dht(const VuzeDhtPacket& p);

}  // namespace p2pscope
