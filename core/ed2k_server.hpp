// The eDonkey index-server protocol beyond GETSOURCES/FOUNDSOURCES (which
// ed2k.hpp holds): login and the ID it assigns, server messages and status,
// the server list, the UDP status, description and global get-sources
// exchanges, and server.met. Pure: bytes in, typed values or an error code
// out. A payload is what follows the frame header.
//
// Facts from aMule 2.3.3 (emule.md §1, §7). Every function is safe to call
// from any thread on its own values.
#pragma once

#include "core/ed2k.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope::ed2k {

namespace op {
// TCP, 0xE3
inline constexpr std::uint8_t get_server_list = 0x14, offer_files = 0x15, server_list = 0x32, reject = 0x05;
// UDP, 0xE3
inline constexpr std::uint8_t glob_get_sources2 = 0x94, glob_serv_stat_req = 0x96, glob_serv_stat_res = 0x97,
                              glob_get_sources = 0x9A, glob_found_sources = 0x9B, server_desc_req = 0xA2,
                              server_desc_res = 0xA3;
}  // namespace op

// Flags a client sets in its login (tag 0x20) and a server in IDCHANGE.
namespace server_flag {
inline constexpr std::uint32_t zlib = 0x1, aux_port = 0x4, new_tags = 0x8, unicode = 0x10, type_tag_integer = 0x80,
                               large_files = 0x100, crypt_supported = 0x200, crypt_requested = 0x400,
                               crypt_required = 0x800;
}
// Flags in the UDP status answer.
namespace udp_flag {
inline constexpr std::uint32_t get_sources = 0x1, get_files = 0x2, new_tags = 0x8, unicode = 0x10,
                               get_sources2 = 0x20, large_files = 0x100, udp_obfuscation = 0x200,
                               tcp_obfuscation = 0x400;
}

// LOGINREQUEST (0x01): <user hash><client id u32><tcp port u16><tags>.
struct Login {
  Md4 user_hash;
  std::uint32_t client_id = 0;
  std::uint16_t tcp_port = 0;
  std::vector<Tag> tags;
  friend bool operator==(const Login&, const Login&) = default;
};
Result<Login> decode_login(std::string_view payload, const Limits& lim = {});
std::string encode_login(const Login& l);
// The tags p2pscope logs in with: a name, version 0x3C, and `flags`.
std::vector<Tag> crawler_login_tags(std::string_view name, std::uint32_t flags);

// OFFERFILES (0x15): <count u32>(<hash><id u32><port u16><tags>)*. To a
// server that announced compression, clients write id/port 0xFBFBFBFB/0xFBFB
// for a complete file and 0xFCFCFCFC/0xFCFC for a partial one, meaning
// "the sender itself".
struct OfferedFile {
  Md4 file;
  std::uint32_t id = 0;
  std::uint16_t port = 0;
  std::vector<Tag> tags;  // 0x01 name, 0x02 size (0x3A its high half), 0x03 type
  bool complete_marker() const noexcept { return id == 0xFBFBFBFBu && port == 0xFBFB; }
  bool partial_marker() const noexcept { return id == 0xFCFCFCFCu && port == 0xFCFC; }
  friend bool operator==(const OfferedFile&, const OfferedFile&) = default;
};
struct OfferLimits {
  std::size_t max_files = 1u << 16;
  Limits tags;
};
Result<std::vector<OfferedFile>> decode_offer_files(std::string_view payload, const OfferLimits& lim = {});
std::string encode_offer_files(const std::vector<OfferedFile>& files);

// IDCHANGE (0x40): <id u32>[<tcp flags u32>[<aux port u32>[<reported ip
// u32><obfuscated port u32>]]]; older servers stop early, and bytes after
// the last field known here are ignored.
struct IdChange {
  std::uint32_t id = 0;  // ED2K form; a LowID when below 2^24
  std::optional<std::uint32_t> flags;
  std::optional<std::uint32_t> aux_port;
  std::optional<std::uint32_t> reported_ip;
  std::optional<std::uint32_t> obfuscated_port;
  friend bool operator==(const IdChange&, const IdChange&) = default;
};
Result<IdChange> decode_id_change(std::string_view payload);
// Writes the optional fields up to the first one missing.
std::string encode_id_change(const IdChange& c);

// SERVERMESSAGE (0x38): <len u16><text>, lines separated by \r\n.
Result<std::string> decode_server_message(std::string_view payload);
std::string encode_server_message(std::string_view text);

// SERVERSTATUS (0x34): <users u32><files u32>.
struct ServerStatus {
  std::uint32_t users = 0;
  std::uint32_t files = 0;
  friend bool operator==(const ServerStatus&, const ServerStatus&) = default;
};
Result<ServerStatus> decode_server_status(std::string_view payload);
std::string encode_server_status(const ServerStatus& s);

// SERVERLIST (0x32): <count u8>(<ip u32, ED2K form><port u16>)*.
struct ServerAddress {
  std::uint32_t ip = 0;
  std::uint16_t port = 0;
  friend bool operator==(const ServerAddress&, const ServerAddress&) = default;
};
Result<std::vector<ServerAddress>> decode_server_list(std::string_view payload);
std::string encode_server_list(const std::vector<ServerAddress>& servers);

// UDP GLOBSERVSTATREQ (0x96) and SERVER_DESC_REQ (0xA2) carry a challenge.
// A status challenge is 0x55AA0000 | random16; a description challenge's
// low 16 bits are 0xF0FF.
Result<std::uint32_t> decode_challenge(std::string_view payload);
std::string encode_challenge(std::uint32_t challenge);

// GLOBSERVSTATRES (0x97): the challenge, users and files, then optional
// fields that newer servers add in this order (bytes after the last one
// known here are ignored).
struct UdpStatus {
  std::uint32_t challenge = 0;
  std::uint32_t users = 0;
  std::uint32_t files = 0;
  std::optional<std::uint32_t> max_users;
  std::optional<std::uint32_t> soft_files, hard_files;
  std::optional<std::uint32_t> udp_flags;
  std::optional<std::uint32_t> low_id_users;
  std::optional<std::uint16_t> udp_obfuscation_port, tcp_obfuscation_port;
  std::optional<std::uint32_t> udp_key;
  friend bool operator==(const UdpStatus&, const UdpStatus&) = default;
};
Result<UdpStatus> decode_udp_status(std::string_view payload);
std::string encode_udp_status(const UdpStatus& s);

// SERVER_DESC_RES (0xA3): <challenge><tags (0x01 name, 0x0B description)>,
// or the old two-string form to a request without a challenge.
struct ServerDescription {
  std::optional<std::uint32_t> challenge;  // absent: the old form
  std::string name;
  std::string description;
  std::vector<Tag> tags;  // all tags, the two above included
  friend bool operator==(const ServerDescription&, const ServerDescription&) = default;
};
Result<ServerDescription> decode_server_description(std::string_view payload, const Limits& lim = {});
std::string encode_server_description(const ServerDescription& d);

// GLOBGETSOURCES (0x9A): bare hashes. GLOBGETSOURCES2 (0x94) has the
// GETSOURCES layout (decode_get_sources).
Result<std::vector<Md4>> decode_glob_get_sources(std::string_view payload, const Limits& lim = {});
std::string encode_glob_get_sources(const std::vector<Md4>& files);

// GLOBFOUNDSOURCES (0x9B): a FOUNDSOURCES list, and more `E3 9B <list>`
// blocks may follow in the same datagram.
Result<std::vector<FoundSources>> decode_glob_found_sources(std::string_view payload, const Limits& lim = {});
std::string encode_glob_found_sources(const std::vector<FoundSources>& lists);

// server.met: <0xE0 (or 0x0E)><count u32>(<ip u32, ED2K form><port u16>
// <tags, ED2K form>)*. Tags name the server (0x01), describe it (0x0B), ...
struct ServerEntry {
  ServerAddress address;
  std::vector<Tag> tags;
  std::string name() const;
  friend bool operator==(const ServerEntry&, const ServerEntry&) = default;
};
struct ServerMetLimits {
  std::size_t max_servers = 1u << 16;
  Limits tags;
};
// Whether a file starts like server.met: its magic, and a count whose
// entries (10 bytes at least) could fit in it.
bool looks_like_server_met(std::string_view file) noexcept;
Result<std::vector<ServerEntry>> decode_server_met(std::string_view file, const ServerMetLimits& lim = {});
std::string encode_server_met(const std::vector<ServerEntry>& servers);

}  // namespace p2pscope::ed2k
