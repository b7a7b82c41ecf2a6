// The positive control: a ut_pex (BEP 11) implementation for the reference
// client with deliberate defects, switched on only by its --bug option. It
// replaces libtorrent's own ut_pex plugin, so the harness can prove it
// catches what it claims to catch:
//   reverse_address  lists the peers it completed a handshake with, each
//                 address byte-reversed: IPv4 (the KTorrent PEX bug) and
//                 IPv6 (all 16 bytes, in added6)
//   unchecked     lists every peer the torrent heard of (tracker, DHT, PEX)
//                 without ever connecting to it
//   port_swapped  lists the peers it completed a handshake with, each port
//                 written in little-endian (host) byte order (6881 goes out
//                 as 57626): a historical bug of a C++ client library
//   misread       lists the peers it completed a handshake with and the
//                 `misread` ones the caller gives (the reference client's
//                 IPv6 tracker reply read as IPv4), unchecked
//
// Threads: libtorrent calls plugins on its network thread only.
#pragma once

#include "core/ip.hpp"

#include <libtorrent/extensions.hpp>

#include <memory>
#include <vector>

namespace p2pscope::harness {

enum class PexBug : std::uint8_t { reverse_address, unchecked, port_swapped, misread };

std::shared_ptr<lt::plugin> make_buggy_pex_plugin(PexBug bug, std::vector<Endpoint> misread = {});

}  // namespace p2pscope::harness
