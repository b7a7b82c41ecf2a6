#include "core/udp_tracker.hpp"

#include "core/bytes.hpp"
#include "core/compact.hpp"

namespace p2pscope {

std::string_view to_string(AnnounceEvent e) noexcept { return name_of(e); }

namespace {

constexpr std::size_t kAnnounceRequestSize = 98;

Result<UdpAnnounceRequest> decode_announce_request(ByteReader& r, std::uint64_t cid, std::uint32_t tid,
                                                   const UdpTrackerLimits& lim) {
  if (r.remaining() < kAnnounceRequestSize - 16) return errc::truncated;
  UdpAnnounceRequest m;
  m.connection_id = cid;
  m.transaction_id = tid;
  m.info_hash = InfoHash::from_bytes(r.bytes(20)).value();
  m.peer_id = PeerId::from_bytes(r.bytes(20)).value();
  m.downloaded = r.u64();
  m.left = r.u64();
  m.uploaded = r.u64();
  auto event = r.u32();
  if (event > 3) return errc::bad_value;
  m.event = static_cast<AnnounceEvent>(event);
  m.ip = r.u32();
  m.key = r.u32();
  m.num_want = static_cast<std::int32_t>(r.u32());
  m.port = r.u16();
  if (r.remaining() > lim.max_extensions) return errc::oversized;
  m.extensions = std::string(r.rest());
  return m;
}

Result<UdpScrapeRequest> decode_scrape_request(ByteReader& r, std::uint64_t cid, std::uint32_t tid,
                                               const UdpTrackerLimits& lim) {
  if (r.remaining() == 0) return errc::truncated;
  if (r.remaining() % 20 != 0) return errc::not_multiple;
  if (r.remaining() / 20 > lim.max_scrape) return errc::too_many_items;
  UdpScrapeRequest m{cid, tid, {}};
  while (r.remaining() > 0) m.info_hashes.push_back(InfoHash::from_bytes(r.bytes(20)).value());
  return m;
}

Result<UdpTrackerResponse> decode_announce_response(ByteReader& r, std::uint32_t tid, Family f,
                                                    const UdpTrackerLimits& lim) {
  if (r.remaining() < 12) return errc::truncated;
  UdpAnnounceResponse m;
  m.transaction_id = tid;
  m.interval = r.u32();
  m.leechers = r.u32();
  m.seeders = r.u32();
  P2PSCOPE_TRY(peers, decode_compact_peers(r.rest(), f, lim.max_peers));
  m.peers = std::move(peers);
  return UdpTrackerResponse{std::move(m)};
}

Result<UdpTrackerResponse> decode_scrape_response(ByteReader& r, std::uint32_t tid, const UdpTrackerLimits& lim) {
  if (r.remaining() % 12 != 0) return errc::not_multiple;
  if (r.remaining() / 12 > lim.max_scrape) return errc::too_many_items;
  UdpScrapeResponse m{tid, {}};
  while (r.remaining() > 0) {
    ScrapeCounts c;
    c.seeders = r.u32();
    c.completed = r.u32();
    c.leechers = r.u32();
    m.entries.push_back(c);
  }
  return UdpTrackerResponse{std::move(m)};
}

void put_header(std::string& out, UdpAction action, std::uint32_t tid) {
  put_u32(out, static_cast<std::uint32_t>(action));
  put_u32(out, tid);
}

}  // namespace

Result<UdpTrackerRequest> decode_udp_tracker_request(std::string_view buf, const UdpTrackerLimits& lim) {
  if (buf.size() > lim.max_size) return errc::oversized;
  if (buf.size() < 16) return errc::truncated;
  ByteReader r(buf);
  auto cid = r.u64();
  auto action = r.u32();
  auto tid = r.u32();
  switch (static_cast<UdpAction>(action)) {
    case UdpAction::connect:
      if (cid != kUdpTrackerProtocolId) return errc::bad_protocol_id;
      if (r.remaining() != 0) return errc::trailing_bytes;
      return UdpTrackerRequest{UdpConnectRequest{tid}};
    case UdpAction::announce: {
      P2PSCOPE_TRY(m, decode_announce_request(r, cid, tid, lim));
      return UdpTrackerRequest{std::move(m)};
    }
    case UdpAction::scrape: {
      P2PSCOPE_TRY(m, decode_scrape_request(r, cid, tid, lim));
      return UdpTrackerRequest{std::move(m)};
    }
    case UdpAction::error: break;
  }
  return errc::unknown_message_type;
}

Result<UdpTrackerResponse> decode_udp_tracker_response(std::string_view buf, Family peers,
                                                       const UdpTrackerLimits& lim) {
  if (buf.size() > lim.max_size) return errc::oversized;
  if (buf.size() < 8) return errc::truncated;
  ByteReader r(buf);
  auto action = r.u32();
  auto tid = r.u32();
  switch (static_cast<UdpAction>(action)) {
    case UdpAction::connect:
      if (r.remaining() < 8) return errc::truncated;
      if (r.remaining() > 8) return errc::trailing_bytes;
      return UdpTrackerResponse{UdpConnectResponse{tid, r.u64()}};
    case UdpAction::announce: return decode_announce_response(r, tid, peers, lim);
    case UdpAction::scrape: return decode_scrape_response(r, tid, lim);
    case UdpAction::error:
      if (r.remaining() > lim.max_error) return errc::oversized;
      return UdpTrackerResponse{UdpErrorResponse{tid, std::string(r.rest())}};
  }
  return errc::unknown_message_type;
}

std::string encode_udp_tracker(const UdpTrackerRequest& m) {
  std::string out;
  if (const auto* c = std::get_if<UdpConnectRequest>(&m)) {
    put_u64(out, kUdpTrackerProtocolId);
    put_header(out, UdpAction::connect, c->transaction_id);
  } else if (const auto* a = std::get_if<UdpAnnounceRequest>(&m)) {
    put_u64(out, a->connection_id);
    put_header(out, UdpAction::announce, a->transaction_id);
    out.append(a->info_hash.raw());
    out.append(a->peer_id.raw());
    put_u64(out, a->downloaded);
    put_u64(out, a->left);
    put_u64(out, a->uploaded);
    put_u32(out, static_cast<std::uint32_t>(a->event));
    put_u32(out, a->ip);
    put_u32(out, a->key);
    put_u32(out, static_cast<std::uint32_t>(a->num_want));
    put_u16(out, a->port);
    out.append(a->extensions);
  } else if (const auto* s = std::get_if<UdpScrapeRequest>(&m)) {
    put_u64(out, s->connection_id);
    put_header(out, UdpAction::scrape, s->transaction_id);
    for (const auto& h : s->info_hashes) out.append(h.raw());
  }
  return out;
}

std::string encode_udp_tracker(const UdpTrackerResponse& m) {
  std::string out;
  if (const auto* c = std::get_if<UdpConnectResponse>(&m)) {
    put_header(out, UdpAction::connect, c->transaction_id);
    put_u64(out, c->connection_id);
  } else if (const auto* a = std::get_if<UdpAnnounceResponse>(&m)) {
    put_header(out, UdpAction::announce, a->transaction_id);
    put_u32(out, a->interval);
    put_u32(out, a->leechers);
    put_u32(out, a->seeders);
    for (const auto& p : a->peers) append_compact_peer(out, p);
  } else if (const auto* s = std::get_if<UdpScrapeResponse>(&m)) {
    put_header(out, UdpAction::scrape, s->transaction_id);
    for (const auto& e : s->entries) {
      put_u32(out, e.seeders);
      put_u32(out, e.completed);
      put_u32(out, e.leechers);
    }
  } else if (const auto* e = std::get_if<UdpErrorResponse>(&m)) {
    put_header(out, UdpAction::error, e->transaction_id);
    out.append(e->message);
  }
  return out;
}

std::uint32_t transaction_id_of(const UdpTrackerResponse& m) noexcept {
  return std::visit([](const auto& r) { return r.transaction_id; }, m);
}

}  // namespace p2pscope
