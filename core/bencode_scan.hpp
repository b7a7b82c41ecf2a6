// A flat scan of one bencoded value that accepts, and rejects with the same
// errors, exactly what decode_bencode(buf, limits, Trailing::reject) does:
// it follows libtorrent's bdecode loop check for check (limits, then the
// grammar, then trailing bytes), but fills a token vector the caller keeps
// instead of building a fresh lt::bdecode_node. It exists for one hot path:
// `p2pscope passive` reads a few keys of every BEP 10 extended handshake,
// and lt::bdecode cost about 6,000 instructions on each (its token vector
// grows afresh per call), a tenth of the analysis thread
// (bench/README.md). Everything else decodes through libtorrent. The
// fuzz_extension target checks the two against each other.
//
// Lifetime: tokens point into the scanned buffer. Not thread-safe; reuse
// one BencodeScan per thread so its vectors keep their capacity.
#pragma once

#include "core/bencode.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace p2pscope {

struct ScanToken {
  enum class Kind : std::uint8_t { dict, list, string, integer };
  Kind kind = Kind::string;
  std::uint32_t end = 0;   // index of the first token after this one and everything inside it
  std::string_view text;   // string: its bytes; integer: the digits between 'i' and 'e'
};

class BencodeScan {
 public:
  // Tokens in document order, token 0 the root.
  Result<void> scan(std::string_view buf, const BencodeLimits& limits);
  const std::vector<ScanToken>& tokens() const noexcept { return tokens_; }

 private:
  struct Frame {
    std::uint32_t token;
    bool dict;
    bool want_value;  // a dictionary between a key and its value
  };
  std::vector<ScanToken> tokens_;
  std::vector<Frame> stack_;
};

// The value of an integer token as checked_int gives it for the same node.
Result<std::int64_t> scan_int(const ScanToken& t);

}  // namespace p2pscope
