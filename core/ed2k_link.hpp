// ed2k:// links (file, server and server-list links) and the eMule file
// hash. Parsing is pure; FileHasher computes a file's hash set from bytes
// the caller reads (MD4 from nettle).
//
// Facts from aMule 2.3.3's ED2KLink.cpp and ThreadTasks.cpp (emule.md §6):
// ed2k://|file|<name>|<size>|<md4 hex>|[h=<AICH>|][p=<h1:h2:...>|]/
// [|sources,<host:port>,...|/]; ed2k://|server|<host>|<port>|/;
// ed2k://|serverlist|<url>|/.
#pragma once

#include "core/ed2k.hpp"
#include "core/ed2k_client.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace p2pscope::ed2k {

// The part size of eMule's hash set, and the largest file it shares.
inline constexpr std::uint64_t kPartSize = 9'728'000;
inline constexpr std::uint64_t kMaxFileSize = std::uint64_t{1} << 38;

struct FileLink {
  std::string name;  // percent-decoded
  std::uint64_t size = 0;
  Md4 hash;
  std::optional<std::string> aich;  // base32, as written
  std::vector<Md4> parts;           // the p= hash set, when given
  std::vector<std::string> sources;  // "host:port" hints from |sources,...|
  friend bool operator==(const FileLink&, const FileLink&) = default;
};
struct ServerLink {
  std::string host;  // an IPv4 literal or a name
  std::uint16_t port = 0;
  friend bool operator==(const ServerLink&, const ServerLink&) = default;
};
struct ServerListLink {
  std::string url;
  friend bool operator==(const ServerListLink&, const ServerListLink&) = default;
};
using Link = std::variant<FileLink, ServerLink, ServerListLink>;

// Whether `text` starts like an ed2k link (case-insensitive "ed2k://").
bool looks_like_link(std::string_view text) noexcept;
// The error says which field is wrong. A file link needs a size of 1 to
// kMaxFileSize and a 32-digit hash; a p= hash set must have the number of
// parts the size implies.
StatusOr<Link> parse_link(std::string_view text);
// Names are percent-encoded where they hold '|', '%', '/', or bytes outside
// printable ASCII; parse_link(format_link(l)) == l.
std::string format_link(const FileLink& l);
std::string format_link(const ServerLink& l);

// How many part hashes a file of `size` bytes has in its hash set: none
// below one part (the file hash is the only hash), else one per started
// part, plus one for MD4("") when the size is an exact multiple of the part
// size (aMule's and eMule's rule).
std::size_t part_hash_count(std::uint64_t size) noexcept;

// How many parts a file of `size` bytes has in a part status (aMule's and
// eMule's GetPartCount: started parts, no extra one for an exact multiple).
std::uint16_t part_count(std::uint64_t size) noexcept;
// The part status of a requester that has none of them: what a downloader
// sends, and what a complete file's owner wants to see before it names its
// upload queue through source exchange (it answers nothing to a status of
// another size, and to "no status" aMule answers nothing either).
PartStatus empty_part_status(std::uint64_t size);

struct HashSet {
  std::uint64_t size = 0;
  Md4 file;
  std::vector<Md4> parts;  // part_hash_count(size) entries
};

// Feeds a file's bytes in order, in any chunking, then finish(). Owns its
// MD4 states; movable, not copyable, one thread at a time.
class FileHasher {
 public:
  FileHasher();
  ~FileHasher();
  FileHasher(FileHasher&&) noexcept;
  FileHasher& operator=(FileHasher&&) noexcept;
  void update(std::string_view bytes);
  HashSet finish() &&;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

Md4 md4_of(std::string_view bytes);

}  // namespace p2pscope::ed2k
