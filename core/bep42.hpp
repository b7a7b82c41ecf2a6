// BEP 42 (DHT security extension): node ids tied to the node's address, so
// that one machine cannot pick ids next to any infohash it likes. Values
// only; thread-safe.
#pragma once

#include "core/hash.hpp"
#include "core/ip.hpp"

#include <string_view>

namespace p2pscope {

// A BEP 42 node id for ip (IPv4 or IPv6): the top 21 bits follow from
// crc32c of the masked address and r; the last byte is r; the rest comes
// from rest (16 bytes or more are used).
NodeId bep42_node_id(const IpAddress& ip, std::uint8_t r, std::string_view rest);
// True when id is a valid BEP 42 id for ip.
bool bep42_valid(const NodeId& id, const IpAddress& ip);
// Whether BEP 42 applies to ip at all: it exempts loopback, private and
// link-local addresses (BEP 42's list: 10/8, 172.16/12, 192.168/16,
// 169.254/16, 127/8, and their IPv6 kin), where ids cannot follow from an
// address other nodes see.
bool bep42_applies(const IpAddress& ip);

}  // namespace p2pscope
