#include "core/vuze_dht.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

// One UDP datagram as the Vuze DHT: whatever decodes re-encodes to a packet
// that decodes to the same contacts, values, keys and addresses.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto d = decode_vuze_dht(fuzz::as_view(data, size));
  if (!d) return 0;
  const auto& p = d.value();
  if (p.unread > size) fuzz::property_failed("unread past the datagram");
  for (const auto& v : p.values) {
    if (auto peer = v.peer(); peer && peer->address != v.originator.endpoint.address)
      fuzz::property_failed("a value's peer is at its originator");
  }
  // The encoder writes one store key's values; several keys do not re-encode.
  if (p.store_keys.size() > 1) return 0;
  auto again = decode_vuze_dht(encode_vuze_dht(p));
  if (!again) fuzz::property_failed("a decoded packet re-encodes");
  const auto& q = again.value();
  if (q.action != p.action || q.contacts != p.contacts || q.values != p.values || q.key != p.key ||
      q.store_keys != p.store_keys || q.originator != p.originator || q.error_address != p.error_address ||
      q.transaction_id != p.transaction_id || q.connection_id != p.connection_id)
    fuzz::property_failed("a re-encoded packet decodes to the same fields");
  return 0;
}
