// Client-to-client eDonkey/eMule messages: the hello and its answer (with
// the tags that fingerprint a client), file requests and their answers
// (including "no such file", 0x48), the multipacket and its extended form,
// and source exchange requests and answers in versions 1 to 4. Pure: bytes
// in, typed values or an error code out. A payload is what follows the
// frame header (ed2k::decode_tcp_frame).
//
// Facts from aMule 2.3.3 and eMule 0.50a (emule.md §2-3). Every function is
// safe to call from any thread on its own values.
#pragma once

#include "core/ed2k.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope::ed2k {

namespace op {
// 0xE3 space
inline constexpr std::uint8_t hello = 0x01, no_such_file = 0x48, hello_answer = 0x4C, set_req_file_id = 0x4F,
                              file_status = 0x50, hashset_request = 0x51, hashset_answer = 0x52, start_upload_req = 0x54,
                              request_filename = 0x58, req_filename_answer = 0x59;
// 0xC5 space
inline constexpr std::uint8_t emule_info = 0x01, request_sources = 0x81, answer_sources = 0x82,
                              request_sources2 = 0x83, answer_sources2 = 0x84, multipacket = 0x92,
                              multipacket_answer = 0x93, aich_file_hash_answer = 0x9D,
                              aich_file_hash_request = 0x9E, multipacket_ext = 0xA4, queue_ranking = 0x60;
}  // namespace op

// OP_HELLO (0x01) starts with the hash length, 16; OP_HELLOANSWER (0x4C)
// does not. Both then carry <user hash><client id u32><tcp port u16><tags,
// ED2K form><server ip u32><server port u16>. Bytes after that (MLDonkey
// appends a marker) are kept in `trailer`.
enum class HelloKind : std::uint8_t { hello, answer };
struct Hello {
  Md4 user_hash;
  std::uint32_t client_id = 0;  // ED2K form; 0 from a client not on a server
  std::uint16_t tcp_port = 0;
  std::vector<Tag> tags;
  std::uint32_t server_ip = 0;  // ED2K form
  std::uint16_t server_port = 0;
  std::string trailer;
  friend bool operator==(const Hello&, const Hello&) = default;
};
Result<Hello> decode_hello(std::string_view payload, HelloKind kind, const Limits& lim = {});
std::string encode_hello(const Hello& h, HelloKind kind);

// What a hello's tags say about the client (CT_* tags 0x01, 0x11, 0xF9,
// 0xFA, 0xFB, 0xFE). Fields the hello lacks stay at their defaults.
struct ClientInfo {
  std::string name;
  std::optional<std::uint32_t> emule_version;  // 0xFB: compat<<24 | major<<17 | minor<<10 | update<<7
  std::uint16_t udp_port = 0, kad_port = 0;
  std::uint8_t sx1_version = 0;    // MISCOPTIONS1 bits 12-15
  std::uint8_t ext_requests = 0;   // bits 8-11
  bool multipacket = false;        // bit 1
  bool unicode = false;            // bit 28
  bool sx2 = false;                // MISCOPTIONS2 bit 10
  bool ext_multipacket = false;    // bit 5
  bool large_files = false;        // bit 4
  std::uint8_t kad_version = 0;    // bits 0-3
  bool crypt_supported = false, crypt_requested = false, crypt_required = false;  // bits 7, 8, 9
  // "aMule 2.3.3", "eMule 0.50.0", or "compat 0x.." for a software byte not
  // known here; "" without a 0xFB tag.
  std::string software() const;
};
ClientInfo client_info(const Hello& h);
// The tags p2pscope's own hello carries: a name, version 0x3C, an eMule
// version, and options that announce SX1 `sx1_version`, extended requests 1,
// multipacket and the extended multipacket, SX2, large files.
std::vector<Tag> crawler_hello_tags(std::string_view name, std::uint8_t sx1_version);

// A part bitfield: `parts` parts, bit i of byte i/8 (least significant
// first) set when part i is complete. Zero parts means "complete file" in
// FILESTATUS and "no part information" in a request.
struct PartStatus {
  std::uint16_t parts = 0;
  std::string bits;
  friend bool operator==(const PartStatus&, const PartStatus&) = default;
};

// REQUESTFILENAME (0x58): at extended-request level >= 1 the requester
// appends its part status, and at >= 2 (with parts > 0) its complete-source
// count. aMule writes at the level the receiver advertised and reads at the
// level the requester advertised (captured: aMule 2.3.3, itself level 2,
// wrote level 1 to a peer that advertised 1), so the two agree only when
// both sides advertised the same level: p2pscope advertises 1 and reads and
// writes level 1.
struct FileNameRequest {
  Md4 file;
  std::optional<PartStatus> parts;
  std::optional<std::uint16_t> complete_sources;
  friend bool operator==(const FileNameRequest&, const FileNameRequest&) = default;
};
Result<FileNameRequest> decode_file_name_request(std::string_view payload, std::uint8_t ext_requests);
std::string encode_file_name_request(const FileNameRequest& q);

// REQFILENAMEANSWER (0x59): <hash><name u16-string>.
struct FileNameAnswer {
  Md4 file;
  std::string name;
  friend bool operator==(const FileNameAnswer&, const FileNameAnswer&) = default;
};
Result<FileNameAnswer> decode_file_name_answer(std::string_view payload);
std::string encode_file_name_answer(const FileNameAnswer& a);

// FILESTATUS (0x50): <hash><parts u16><bits>.
struct FileStatus {
  Md4 file;
  PartStatus status;
  friend bool operator==(const FileStatus&, const FileStatus&) = default;
};
Result<FileStatus> decode_file_status(std::string_view payload);
std::string encode_file_status(const FileStatus& s);

// SETREQFILEID (0x4F), FILEREQANSNOFIL (0x48, "no such file"), REQUESTSOURCES
// (0x81) and the AICH request: a bare hash.
Result<Md4> decode_hash_only(std::string_view payload);
std::string encode_hash_only(const Md4& h);

// HASHSETANSWER (0x52), the answer to HASHSETREQUEST (0x51, a bare hash):
// <file hash><count u16><part hash>*count. A downloader without the part
// hashes asks the first source that has a part for them, and aMule shares
// a part file (so answers source exchange for it) only once it has them.
// errc::too_many_items past max_parts.
struct HashSetAnswer {
  Md4 file;
  std::vector<Md4> parts;
  friend bool operator==(const HashSetAnswer&, const HashSetAnswer&) = default;
};
Result<HashSetAnswer> decode_hashset_answer(std::string_view payload, std::size_t max_parts = 4096);
std::string encode_hashset_answer(const HashSetAnswer& a);

// QUEUERANKING (0xC5 0x60), an eMule uploader's answer to STARTUPLOADREQ
// (0x54, a bare hash) when it queues the downloader: <rank u16> and ten
// zero bytes; aMule drops a connection whose frame is not 12 bytes. Until
// one arrives, aMule counts an eMule source's queue as full and never
// names it in source exchange. Rank 0 is not a place in a queue:
// errc::bad_value.
Result<std::uint16_t> decode_queue_ranking(std::string_view payload);
std::string encode_queue_ranking(std::uint16_t rank);

// MULTIPACKET (0x92) and MULTIPACKET_EXT (0xA4, which adds the file size):
// one frame carrying several requests for one file. Items: 0x58 (with the
// extended info of `ext_requests`' level, as above), 0x4F, 0x81, 0x83
// <version u8><options u16>, 0x9E.
enum class MultiKind : std::uint8_t { plain, extended };
struct MultiItem {
  std::uint8_t opcode = 0;
  std::optional<PartStatus> parts;               // 0x58 from an ext >= 1 sender
  std::optional<std::uint16_t> complete_sources;  // 0x58 from an ext >= 2 sender
  std::uint8_t sx2_version = 0;                   // 0x83
  std::uint16_t sx2_options = 0;                  // 0x83
  friend bool operator==(const MultiItem&, const MultiItem&) = default;
};
struct MultiRequest {
  Md4 file;
  std::uint64_t size = 0;  // extended form only
  std::vector<MultiItem> items;
  friend bool operator==(const MultiRequest&, const MultiRequest&) = default;
};
// errc::unknown_message_type for an item opcode not above (the receiver
// cannot know its length).
Result<MultiRequest> decode_multipacket(std::string_view payload, MultiKind kind, std::uint8_t ext_requests,
                                        const Limits& lim = {});
std::string encode_multipacket(const MultiRequest& m, MultiKind kind);

// MULTIPACKETANSWER (0x93): <hash> then 0x59 <name>, 0x50 <part status>,
// 0x9D <AICH hash, 20 bytes>.
struct MultiAnswer {
  Md4 file;
  std::optional<std::string> name;
  std::optional<PartStatus> status;
  std::optional<std::string> aich;
  friend bool operator==(const MultiAnswer&, const MultiAnswer&) = default;
};
Result<MultiAnswer> decode_multipacket_answer(std::string_view payload);
std::string encode_multipacket_answer(const MultiAnswer& a);

// REQUESTSOURCES2 (0x83): <version u8><options u16><hash>. aMule up to
// 3.0.0 drops a connection that sends it on its own; send it inside
// MULTIPACKET_EXT instead.
struct SourcesRequest2 {
  std::uint8_t version = 4;
  std::uint16_t options = 0;
  Md4 file;
  friend bool operator==(const SourcesRequest2&, const SourcesRequest2&) = default;
};
Result<SourcesRequest2> decode_sources_request2(std::string_view payload);
std::string encode_sources_request2(const SourcesRequest2& q);

// One source exchange entry. `id` is the u32 as the wire held it (its four
// raw bytes are its little-endian encoding): ED2K form in versions 1 and 2,
// hybrid form in 3 and 4 (id_form_of_sx), which is exactly what the
// byte-order bugs got wrong.
struct SxEntry {
  std::uint32_t id = 0;
  std::uint16_t port = 0;
  std::uint32_t server_ip = 0;  // ED2K form
  std::uint16_t server_port = 0;
  std::optional<Md4> user_hash;  // version >= 2
  std::uint8_t crypt = 0;        // version 4: bit 0 supported, 1 requested, 2 required
  friend bool operator==(const SxEntry&, const SxEntry&) = default;
};
// The address an entry names when its ID is read in `form`.
IpAddress sx_address(const SxEntry& e, IdForm form) noexcept;

// ANSWERSOURCES (0x82): <hash><count u16><entries>, and ANSWERSOURCES2
// (0x84): <version u8> first. `version` is the one the entries were decoded
// in: for 0x84 the packet's byte; for 0x82 the entry size decides (12 bytes
// v1, 29 bytes v4, 28 bytes v3 when the sender advertised SX1 > 2, else v2),
// as aMule 2.2.1 and later and eMule decide it.
struct SourcesAnswer {
  std::uint8_t version = 1;
  Md4 file;
  std::vector<SxEntry> entries;
  friend bool operator==(const SourcesAnswer&, const SourcesAnswer&) = default;
};
struct SxLimits {
  std::size_t max_entries = 1024;  // aMule and eMule send at most 501
};
// errc::bad_length when the entries fit no version's size; errc::bad_value
// for a 0x84 version outside 1-4; errc::too_many_items past the limit.
Result<SourcesAnswer> decode_answer_sources(std::string_view payload, std::uint8_t sender_sx1_version,
                                           const SxLimits& lim = {});
Result<SourcesAnswer> decode_answer_sources2(std::string_view payload, const SxLimits& lim = {});
// Entries are written in a.version's layout (1-4); 0x84 adds the version byte.
std::string encode_answer_sources(const SourcesAnswer& a);
std::string encode_answer_sources2(const SourcesAnswer& a);

}  // namespace p2pscope::ed2k
