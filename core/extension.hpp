// BEP 10 extended handshake and BEP 11 ut_pex bodies (the bencoded part after
// the extension id byte). Pure; decoded strings are copied out, so results do
// not borrow the input.
#pragma once

#include "core/bencode.hpp"
#include "core/flags.hpp"
#include "core/ip.hpp"

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope {

struct ExtendedHandshake {
  std::map<std::string, std::uint8_t> m;  // extension name -> id the sender wants; 0 = disabled
  std::optional<std::string> v;           // client name and version
  std::optional<std::uint16_t> p;         // the sender's listen port
  std::optional<IpAddress> yourip;        // how the sender sees us
  std::optional<IpAddress> ipv4;          // the sender's own IPv4 address
  std::optional<IpAddress> ipv6;          // the sender's own IPv6 address
  std::optional<std::int64_t> reqq;       // outstanding request queue size
  std::optional<std::int64_t> metadata_size;  // BEP 9

  std::optional<std::uint8_t> extension_id(std::string_view name) const;
  friend bool operator==(const ExtendedHandshake&, const ExtendedHandshake&) = default;
};

struct ExtensionLimits {
  BencodeLimits bencode{.max_size = 1 << 20, .max_depth = 8, .max_tokens = 20000};
  std::size_t max_extensions = 128;  // entries in "m"
  std::size_t max_text = 256;        // bytes of "v" and of each "m" name
  std::size_t max_pex_peers = 1024;  // per list; BEP 11 says at most 50 added per message
};

Result<ExtendedHandshake> decode_extended_handshake(std::string_view body, const ExtensionLimits& lim = {});

// What a passive observer keeps of an extended handshake: the id one named
// extension is wanted with, and views into the body (valid while it is).
struct ExtendedHandshakeSummary {
  std::optional<std::uint8_t> extension_id;  // as ExtendedHandshake::extension_id(name)
  std::optional<std::string_view> v;
  std::optional<std::uint16_t> p;
  std::optional<IpAddress> yourip;
};

// Accepts and rejects exactly the bodies decode_extended_handshake does,
// with the same errors, but copies nothing and builds no map (the hot path
// of `p2pscope passive`).
Result<ExtendedHandshakeSummary> summarize_extended_handshake(std::string_view body, std::string_view extension,
                                                              const ExtensionLimits& lim = {});
std::string encode_extended_handshake(const ExtendedHandshake& h);

// ut_pex per-peer flags (BEP 11).
enum class PexFlag : std::uint8_t {
  prefers_encryption = 0x01,
  seed = 0x02,
  supports_utp = 0x04,
  supports_holepunch = 0x08,
  reachable = 0x10,  // the sender made an outgoing connection to this peer
};
using PexFlags = FlagSet<PexFlag>;

enum class PexAnomaly : std::uint8_t {
  added_flags_mismatch = 1,   // added.f missing or not one byte per added peer
  added6_flags_mismatch = 2,  // likewise for added6.f
};
using PexAnomalies = FlagSet<PexAnomaly>;

struct PexPeer {
  Endpoint endpoint;
  std::optional<PexFlags> flags;  // absent when the sender's flag list did not line up
  friend bool operator==(const PexPeer&, const PexPeer&) = default;
};

// Which peer exchange carried a PexMessage: BEP 11's ut_pex, or Azureus's
// own AZ_PEER_EXCHANGE between two Azureus-line peers (core/az_message.hpp).
enum class PexDialect : std::uint8_t { ut_pex, az_pex };
constexpr auto enum_names(PexDialect) noexcept {
  return std::to_array<std::pair<PexDialect, std::string_view>>(
      {{PexDialect::ut_pex, "ut_pex"}, {PexDialect::az_pex, "az_pex"}});
}

struct PexMessage {
  std::vector<PexPeer> added;     // "added" (IPv4) then "added6"
  std::vector<Endpoint> dropped;  // "dropped" then "dropped6"
  // A flag list that does not line up with its peers is kept as an anomaly,
  // not an error: the peers are still what the sender advertised.
  PexAnomalies anomalies;
  friend bool operator==(const PexMessage&, const PexMessage&) = default;
};

Result<PexMessage> decode_pex(std::string_view body, const ExtensionLimits& lim = {});
// Splits peers by family; writes added.f / added6.f when every peer of that
// family has flags.
std::string encode_pex(const PexMessage& m);

}  // namespace p2pscope
