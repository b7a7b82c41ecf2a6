#include "core/vuze_dht.hpp"

#include "core/bytes.hpp"

#include <charconv>

namespace p2pscope {
namespace {

// Protocol versions at which fields appear (DHTTransportUDP).
constexpr std::uint8_t kAntiSpoof = 7, kFixOriginator = 9, kNetworks = 9, kVivaldi = 10, kRemoveDistAddVer = 11,
                       kXferStatus = 12, kSizeEstimate = 13, kVendorId = 14, kGenericNetpos = 15,
                       kVivaldiFindValue = 16, kMoreNodeStatus = 22, kLongerLife = 23, kReplicationControl = 24,
                       kPacketFlags = 51, kAltContacts = 52, kPacketFlags2 = 53, kProcTime = 54;
constexpr std::uint8_t kDivAndCont = 6;
constexpr std::uint8_t kContactUdp = 1;
constexpr std::size_t kMaxKeysPerStore = 255;

// A reader that remembers the first failure; decoders check it once at the end.
struct Reader {
  ByteReader r;
  std::optional<errc> error;
  void fail(errc e) {
    if (!error) error = e;
  }
  // DHTUDPUtils.deserialiseLength: a byte, short or int by the maximum.
  std::size_t length(std::size_t max) {
    std::size_t n = max < 256 ? r.u8() : max < 65536 ? r.u16() : r.u32();
    if (n > max) fail(errc::bad_length);
    return n;
  }
  std::string bytes(std::size_t max) {
    auto n = length(max);
    return std::string(r.bytes(error ? 0 : n));
  }
  std::optional<Endpoint> address() {
    auto n = length(16);
    auto raw = r.bytes(n);
    auto port = r.u16();
    if (r.failed() || error) return std::nullopt;
    if (n != 4 && n != 16) {
      fail(errc::bad_address);
      return std::nullopt;
    }
    auto ip = IpAddress::from_bytes(raw);
    if (!ip) {
      fail(errc::bad_address);
      return std::nullopt;
    }
    return Endpoint{ip.value(), port};
  }
  std::optional<VuzeContact> contact() {
    auto type = r.u8();
    auto version = r.u8();
    if (!r.failed() && type != kContactUdp) fail(errc::bad_value);
    auto at = address();
    if (!at) return std::nullopt;
    return VuzeContact{version, *at};
  }
};

// DHTUDPUtils.deserialiseVivaldi: network positions, each skipped by its size.
void skip_positions(Reader& in, std::uint8_t version) {
  if (version < kGenericNetpos) {
    in.r.bytes(16);  // one Vivaldi V1 position: four floats
    return;
  }
  auto entries = in.r.u8();
  for (int i = 0; i < entries && !in.r.failed(); ++i) {
    in.r.u8();  // type
    in.r.bytes(in.r.u8());
  }
}

void read_contacts(Reader& in, const VuzeDhtLimits& lim, std::vector<VuzeContact>& out) {
  auto n = in.length(65535);
  if (n > lim.max_contacts) return in.fail(errc::too_many_items);
  for (std::size_t i = 0; i < n && !in.error && !in.r.failed(); ++i)
    if (auto c = in.contact()) out.push_back(*c);
}

void read_values(Reader& in, std::uint8_t version, const VuzeDhtLimits& lim, std::vector<VuzeValue>& out) {
  auto n = in.length(65535);
  if (n + out.size() > lim.max_values) return in.fail(errc::too_many_items);
  for (std::size_t i = 0; i < n && !in.error && !in.r.failed(); ++i) {
    VuzeValue v;
    v.version = version >= kRemoveDistAddVer ? static_cast<std::int32_t>(in.r.u32()) : -1;
    v.created = static_cast<std::int64_t>(in.r.u64());
    v.bytes = in.bytes(512);  // DHT.MAX_VALUE_SIZE
    auto c = in.contact();
    if (!c) return;
    v.originator = *c;
    v.flags = in.r.u8();
    if (version >= kLongerLife) in.r.u8();          // life in hours
    if (version >= kReplicationControl) in.r.u8();  // replication control
    out.push_back(std::move(v));
  }
}

void read_request_body(Reader& in, VuzeDhtPacket& p, const VuzeDhtLimits& lim) {
  auto v = p.protocol_version;
  switch (p.action) {
    case VuzeAction::ping_request:
      if (v >= kAltContacts) in.r.bytes(2 * in.length(16));  // (network, count) asks
      break;
    case VuzeAction::find_node_request:
      p.key = in.bytes(64);
      if (v >= kMoreNodeStatus) in.r.bytes(8);  // node status, estimated DHT size
      break;
    case VuzeAction::find_value_request:
      p.key = in.bytes(64);
      in.r.bytes(2);  // flags, most values wanted
      break;
    case VuzeAction::store_request: {
      if (v >= kAntiSpoof) in.r.u32();  // random id
      auto keys = in.length(kMaxKeysPerStore);
      for (std::size_t i = 0; i < keys && !in.error && !in.r.failed(); ++i) p.store_keys.push_back(in.bytes(kMaxKeysPerStore));
      auto sets = in.length(kMaxKeysPerStore);
      for (std::size_t i = 0; i < sets && !in.error && !in.r.failed(); ++i) read_values(in, v, lim, p.values);
      break;
    }
    default: break;
  }
}

void read_reply_body(Reader& in, VuzeDhtPacket& p, const VuzeDhtLimits& lim) {
  auto v = p.protocol_version;
  switch (p.action) {
    case VuzeAction::ping_reply:
      if (v >= kVivaldi) skip_positions(in, v);
      if (v >= kAltContacts) {
        auto n = in.length(64);
        for (std::size_t i = 0; i < n && !in.r.failed() && !in.error; ++i) {
          in.r.bytes(4);  // network type, version, age
          in.bytes(65535);
        }
      }
      break;
    case VuzeAction::find_node_reply:
      if (v >= kAntiSpoof) in.r.u32();        // random id
      if (v >= kXferStatus) in.r.u32();       // node status
      if (v >= kSizeEstimate) in.r.u32();     // estimated DHT size
      if (v >= kVivaldi) skip_positions(in, v);
      read_contacts(in, lim, p.contacts);
      break;
    case VuzeAction::find_value_reply: {
      if (v >= kDivAndCont) in.r.u8();  // has continuation
      bool values = in.r.u8() != 0;
      if (values) {
        if (v >= kDivAndCont) in.r.u8();  // diversification type
        read_values(in, v, lim, p.values);
      } else {
        read_contacts(in, lim, p.contacts);
        if (v >= kVivaldiFindValue) skip_positions(in, v);
      }
      break;
    }
    case VuzeAction::error_reply:
      p.error_type = in.r.u32();
      if (p.error_type == kVuzeErrorWrongAddress) p.error_address = in.address();
      break;
    default: break;
  }
}

std::optional<VuzeAction> action_of(std::uint32_t raw) {
  if (raw < 1024 || raw > 1039) return std::nullopt;
  return static_cast<VuzeAction>(raw);
}

}  // namespace

bool is_request(VuzeAction a) noexcept {
  switch (a) {
    case VuzeAction::ping_request:
    case VuzeAction::store_request:
    case VuzeAction::find_node_request:
    case VuzeAction::find_value_request:
    case VuzeAction::stats_request:
    case VuzeAction::key_block_request:
    case VuzeAction::query_store_request:
    case VuzeAction::data: return true;
    default: return false;
  }
}

std::optional<Endpoint> VuzeValue::peer() const {
  auto text = std::string_view(bytes).substr(0, bytes.find(';'));
  unsigned port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty() || port == 0 || port > 65535)
    return std::nullopt;
  return Endpoint{originator.endpoint.address, static_cast<std::uint16_t>(port)};
}

Result<VuzeDhtPacket> decode_vuze_dht(std::string_view d, const VuzeDhtLimits& lim) {
  if (d.size() > lim.max_datagram) return errc::oversized;
  Reader in{ByteReader(d), std::nullopt};
  VuzeDhtPacket p;
  // A request's connection id has its top bit set; a reply opens with its action.
  bool request = !d.empty() && (static_cast<std::uint8_t>(d[0]) & 0x80);
  if (request) p.connection_id = in.r.u64();
  auto action = action_of(in.r.u32());
  p.transaction_id = in.r.u32();
  if (!request) p.connection_id = in.r.u64();
  if (in.r.failed() || !action || is_request(*action) != request || !(p.connection_id >> 63))
    return errc::unknown_message_type;
  p.action = *action;
  p.protocol_version = in.r.u8();
  if (p.protocol_version < kVuzeMinVersion || p.protocol_version > kVuzeMaxVersion) return errc::unknown_message_type;
  auto v = p.protocol_version;
  if (v >= kVendorId) p.vendor = in.r.u8();
  if (v >= kNetworks) p.network = in.r.u32();
  if (request) {
    if (v >= kFixOriginator) p.originator_version = in.r.u8();
    p.originator = in.address();
    p.instance_id = in.r.u32();
    p.time = static_cast<std::int64_t>(in.r.u64());
    if (v >= kPacketFlags) in.r.u8();
    if (v >= kPacketFlags2) in.r.u8();
    read_request_body(in, p, lim);
  } else {
    p.instance_id = in.r.u32();
    if (v >= kPacketFlags) in.r.u8();
    if (v >= kPacketFlags2) in.r.u8();
    if (v >= kProcTime) in.r.u16();  // processing time
    read_reply_body(in, p, lim);
  }
  if (in.error) return *in.error;
  if (in.r.failed()) return errc::truncated;
  p.unread = in.r.remaining();
  return p;
}

namespace {

void put_address(std::string& out, const Endpoint& e) {
  auto raw = e.address.raw();
  put_u8(out, static_cast<std::uint8_t>(raw.size()));
  out += raw;
  put_u16(out, e.port);
}

void put_contact(std::string& out, const VuzeContact& c) {
  put_u8(out, kContactUdp);
  put_u8(out, c.version);
  put_address(out, c.endpoint);
}

void put_values(std::string& out, std::uint8_t v, const std::vector<VuzeValue>& values) {
  put_u16(out, static_cast<std::uint16_t>(values.size()));
  for (const auto& x : values) {
    if (v >= kRemoveDistAddVer) put_u32(out, static_cast<std::uint32_t>(x.version));
    put_u64(out, static_cast<std::uint64_t>(x.created));
    put_u16(out, static_cast<std::uint16_t>(x.bytes.size()));
    out += x.bytes;
    put_contact(out, x.originator);
    put_u8(out, x.flags);
    if (v >= kLongerLife) put_u8(out, 0);
    if (v >= kReplicationControl) put_u8(out, 0xff);
  }
}

void put_contacts(std::string& out, const std::vector<VuzeContact>& contacts) {
  put_u16(out, static_cast<std::uint16_t>(contacts.size()));
  for (const auto& c : contacts) put_contact(out, c);
}

void put_request_body(std::string& out, const VuzeDhtPacket& p) {
  auto v = p.protocol_version;
  switch (p.action) {
    case VuzeAction::ping_request:
      if (v >= kAltContacts) put_u8(out, 0);
      break;
    case VuzeAction::find_node_request:
      put_u8(out, static_cast<std::uint8_t>(p.key.size()));
      out += p.key;
      if (v >= kMoreNodeStatus) put_u64(out, 0);
      break;
    case VuzeAction::find_value_request:
      put_u8(out, static_cast<std::uint8_t>(p.key.size()));
      out += p.key;
      put_u8(out, 0);
      put_u8(out, 16);
      break;
    case VuzeAction::store_request:
      if (v >= kAntiSpoof) put_u32(out, 0x5eed);
      put_u8(out, static_cast<std::uint8_t>(p.store_keys.size()));
      for (const auto& k : p.store_keys) {
        put_u8(out, static_cast<std::uint8_t>(k.size()));
        out += k;
      }
      // Every value under the first key; no values, no sets.
      put_u8(out, p.values.empty() ? 0 : 1);
      if (!p.values.empty()) put_values(out, v, p.values);
      break;
    default: break;
  }
}

void put_reply_body(std::string& out, const VuzeDhtPacket& p) {
  auto v = p.protocol_version;
  auto no_positions = [&] {
    if (v >= kGenericNetpos) put_u8(out, 0);
    else if (v >= kVivaldi) out.append(16, '\0');
  };
  switch (p.action) {
    case VuzeAction::ping_reply:
      no_positions();
      if (v >= kAltContacts) put_u8(out, 0);
      break;
    case VuzeAction::find_node_reply:
      if (v >= kAntiSpoof) put_u32(out, 0x5eed);
      if (v >= kXferStatus) put_u32(out, 1);
      if (v >= kSizeEstimate) put_u32(out, 1000);
      no_positions();
      put_contacts(out, p.contacts);
      break;
    case VuzeAction::find_value_reply:
      if (v >= kDivAndCont) put_u8(out, 0);
      put_u8(out, p.values.empty() ? 0 : 1);
      if (!p.values.empty()) {
        if (v >= kDivAndCont) put_u8(out, 0);
        put_values(out, v, p.values);
      } else {
        put_contacts(out, p.contacts);
        if (v >= kVivaldiFindValue) no_positions();
      }
      break;
    case VuzeAction::error_reply:
      put_u32(out, p.error_type.value_or(0));
      if (p.error_type == kVuzeErrorWrongAddress && p.error_address) put_address(out, *p.error_address);
      break;
    default: break;
  }
}

}  // namespace

std::string encode_vuze_dht(const VuzeDhtPacket& p) {
  std::string out;
  bool request = is_request(p.action);
  if (request) put_u64(out, p.connection_id);
  put_u32(out, static_cast<std::uint32_t>(p.action));
  put_u32(out, p.transaction_id);
  if (!request) put_u64(out, p.connection_id);
  auto v = p.protocol_version;
  put_u8(out, v);
  if (v >= kVendorId) put_u8(out, p.vendor);
  if (v >= kNetworks) put_u32(out, p.network);
  if (request) {
    if (v >= kFixOriginator) put_u8(out, p.originator_version.value_or(v));
    put_address(out, p.originator.value_or(Endpoint{IpAddress::v4(0), 0}));
    put_u32(out, p.instance_id);
    put_u64(out, static_cast<std::uint64_t>(p.time.value_or(0)));
    if (v >= kPacketFlags) put_u8(out, 0);
    if (v >= kPacketFlags2) put_u8(out, 0);
    put_request_body(out, p);
  } else {
    put_u32(out, p.instance_id);
    if (v >= kPacketFlags) put_u8(out, 0);
    if (v >= kPacketFlags2) put_u8(out, 0);
    if (v >= kProcTime) put_u16(out, 1);
    put_reply_body(out, p);
  }
  return out;
}

}  // namespace p2pscope
