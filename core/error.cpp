#include "core/error.hpp"

#include <ostream>

namespace p2pscope {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "p2pscope"; }

  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::ok: return "success";
      case errc::truncated: return "input truncated";
      case errc::oversized: return "input exceeds size limit";
      case errc::trailing_bytes: return "unexpected trailing bytes";
      case errc::bad_length: return "field has wrong length";
      case errc::not_multiple: return "compact list length is not a multiple of the entry size";
      case errc::too_many_items: return "more items than the limit allows";
      case errc::bencode_malformed: return "malformed bencode";
      case errc::too_deep: return "nesting exceeds depth limit";
      case errc::bencode_too_many_tokens: return "bencode exceeds token limit";
      case errc::wrong_type: return "key has the wrong bencode type";
      case errc::missing_key: return "required key missing";
      case errc::bad_value: return "value out of range";
      case errc::bad_address: return "malformed IP address";
      case errc::bad_hash: return "malformed 20-byte hash";
      case errc::bad_protocol_string: return "not a BitTorrent handshake";
      case errc::unknown_message_type: return "unknown message type";
      case errc::bad_protocol_id: return "BEP 15 protocol id mismatch";
      case errc::bad_magnet: return "malformed magnet link";
      case errc::bad_torrent: return "malformed .torrent file";
      case errc::remote_error: return "the remote answered with an error";
      case errc::malformed_line: return "a line is not in the file's format";
      case errc::bad_compression: return "corrupt or truncated gzip data";
      case errc::no_data: return "holds nothing usable";
    }
    return "unknown p2pscope error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& category() noexcept {
  static const Category instance;
  return instance;
}

Error Error::within(std::string_view outer) const {
  std::string m(outer);
  m += ": ";
  m += message();
  return {code_, std::move(m)};
}

std::ostream& operator<<(std::ostream& os, const Error& e) { return os << e.message(); }

}  // namespace p2pscope
