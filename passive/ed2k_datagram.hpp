// One UDP datagram of the eDonkey family (index server UDP 0xE3/0xC5, KAD
// 0xE4 and packed 0xE5), turned into the passive events that matter for
// bogus peers: a server asked for a file's sources (GLOBGETSOURCES 0x9A,
// GLOBGETSOURCES2 0x94) and its answer (GLOBFOUNDSOURCES 0x9B, every list
// in the datagram), a KAD source search (SEARCH_SOURCE_REQ 0x34) and the
// sources in a KAD search answer (SEARCH_RES 0x3B; keyword and note
// results name no source and are left out).
//
// Pure: bytes in, events to the sink. Obfuscated datagrams (random first
// byte) are not recognised. Not thread-safe only in that the sinks are the
// caller's.
#pragma once

#include "passive/events.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace p2pscope::passive {

struct Ed2kDatagramSinks {
  std::function<void(const Event&)> event;
  std::function<void(const std::string&)> count;  // an anomaly, by name
};

// False when `payload` is not an eDonkey-family datagram (no such protocol
// byte, or it does not frame); true when it is, with or without events. A
// datagram that frames but whose message does not decode is counted
// ("ed2k_udp_malformed").
bool ed2k_datagram(const Hop& hop, std::string_view payload, const Ed2kDatagramSinks& sinks);

}  // namespace p2pscope::passive
