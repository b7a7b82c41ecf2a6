#include "core/http_tracker.hpp"

#include "core/compact.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace p2pscope {
namespace {

using Node = lt::bdecode_node;

Result<std::optional<std::string>> opt_text(const Node& d, std::string_view key, std::size_t max) {
  P2PSCOPE_TRY(s, opt_string(d, key));
  if (!s) return std::optional<std::string>{};
  if (s->size() > max) return errc::oversized;
  return std::optional<std::string>{std::string(*s)};
}

Result<std::optional<std::int64_t>> opt_count(const Node& d, std::string_view key) {
  return opt_int_in(d, key, 0, std::numeric_limits<std::int64_t>::max());
}

Result<std::optional<PeerId>> opt_peer_id(const Node& d) {
  P2PSCOPE_TRY(s, opt_string(d, "peer id"));
  if (!s) return std::optional<PeerId>{};
  P2PSCOPE_TRY(id, PeerId::from_bytes(*s));
  return std::optional<PeerId>{id};
}

Result<void> decode_dict_peer(const Node& item, HttpAnnounceResponse& out, const HttpTrackerLimits& lim) {
  if (item.type() != Node::dict_t) return errc::wrong_type;
  P2PSCOPE_TRY(ip, req_string(item, "ip"));
  P2PSCOPE_TRY(port, opt_int_in(item, "port", 0, 65535));
  if (!port) return errc::missing_key;
  P2PSCOPE_TRY(id, opt_peer_id(item));
  auto p = static_cast<std::uint16_t>(*port);
  if (auto addr = IpAddress::parse(ip)) {
    out.peers.push_back(TrackerPeer{Endpoint{addr.value(), p}, id});
    return success();
  }
  if (ip.empty() || ip.size() > lim.max_text) return errc::bad_address;
  out.named_peers.push_back(NamedPeer{std::string(ip), p, id});
  return success();
}

Result<void> decode_peers(const Node& root, HttpAnnounceResponse& out, const HttpTrackerLimits& lim) {
  auto peers = root.dict_find("peers");
  if (peers.type() == Node::string_t) {
    P2PSCOPE_TRY(list, decode_compact_peers(view(peers.string_value()), Family::v4, lim.max_peers));
    for (const auto& ep : list) out.peers.push_back(TrackerPeer{ep, std::nullopt});
  } else if (peers.type() == Node::list_t) {
    if (static_cast<std::size_t>(peers.list_size()) > lim.max_peers) return errc::too_many_items;
    for (int i = 0; i < peers.list_size(); ++i) {
      P2PSCOPE_CHECK(decode_dict_peer(peers.list_at(i), out, lim));
    }
  } else if (peers) {
    return errc::wrong_type;
  }
  P2PSCOPE_TRY(peers6, opt_string(root, "peers6"));
  if (peers6) {
    P2PSCOPE_TRY(list, decode_compact_peers(*peers6, Family::v6, lim.max_peers));
    for (const auto& ep : list) out.peers.push_back(TrackerPeer{ep, std::nullopt});
  }
  if (out.peers.size() + out.named_peers.size() > lim.max_peers) return errc::too_many_items;
  return success();
}

Result<ScrapeFile> decode_scrape_file(std::string_view key, const Node& v, const HttpTrackerLimits& lim) {
  P2PSCOPE_TRY(ih, InfoHash::from_bytes(key));
  if (v.type() != Node::dict_t) return errc::wrong_type;
  P2PSCOPE_TRY(complete, opt_count(v, "complete"));
  P2PSCOPE_TRY(downloaded, opt_count(v, "downloaded"));
  P2PSCOPE_TRY(incomplete, opt_count(v, "incomplete"));
  P2PSCOPE_TRY(name, opt_text(v, "name", lim.max_text));
  return ScrapeFile{ih, complete.value_or(0), downloaded.value_or(0), incomplete.value_or(0), std::move(name)};
}

lt::entry dict_peer_entry(const std::string& ip, std::uint16_t port, const std::optional<PeerId>& id) {
  lt::entry e(lt::entry::dictionary_t);
  e["ip"] = ip;
  e["port"] = port;
  if (id) e["peer id"] = std::string(id->raw());
  return e;
}

void encode_peers(lt::entry& root, const HttpAnnounceResponse& r, PeerEncoding enc) {
  if (enc == PeerEncoding::dictionary) {
    lt::entry::list_type list;
    for (const auto& p : r.peers)
      list.push_back(dict_peer_entry(p.endpoint.address.to_string(), p.endpoint.port, p.peer_id));
    for (const auto& n : r.named_peers) list.push_back(dict_peer_entry(n.host, n.port, n.peer_id));
    root["peers"] = std::move(list);
    return;
  }
  std::string v4, v6;
  for (const auto& p : r.peers) append_compact_peer(p.endpoint.address.is_v4() ? v4 : v6, p.endpoint);
  root["peers"] = v4;
  if (!v6.empty()) root["peers6"] = v6;
}

bool unreserved(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
         c == '_' || c == '~';
}

}  // namespace

Result<HttpAnnounceResponse> decode_http_announce(std::string_view body, const HttpTrackerLimits& lim) {
  P2PSCOPE_TRY(root, decode_bencode(body, lim.bencode, Trailing::allow));
  if (root.type() != Node::dict_t) return errc::wrong_type;
  HttpAnnounceResponse r;
  P2PSCOPE_TRY(failure, opt_text(root, "failure reason", lim.max_text));
  P2PSCOPE_TRY(warning, opt_text(root, "warning message", lim.max_text));
  P2PSCOPE_TRY(interval, opt_count(root, "interval"));
  P2PSCOPE_TRY(min_interval, opt_count(root, "min interval"));
  P2PSCOPE_TRY(complete, opt_count(root, "complete"));
  P2PSCOPE_TRY(incomplete, opt_count(root, "incomplete"));
  P2PSCOPE_TRY(tracker_id, opt_text(root, "tracker id", lim.max_text));
  P2PSCOPE_TRY(external, opt_string(root, "external ip"));
  r.failure_reason = std::move(failure);
  r.warning_message = std::move(warning);
  r.interval = interval;
  r.min_interval = min_interval;
  r.complete = complete;
  r.incomplete = incomplete;
  r.tracker_id = std::move(tracker_id);
  if (external) {
    P2PSCOPE_TRY(ip, IpAddress::from_bytes(*external));
    r.external_ip = ip;
  }
  P2PSCOPE_CHECK(decode_peers(root, r, lim));
  return r;
}

Result<HttpScrapeResponse> decode_http_scrape(std::string_view body, const HttpTrackerLimits& lim) {
  P2PSCOPE_TRY(root, decode_bencode(body, lim.bencode, Trailing::allow));
  if (root.type() != Node::dict_t) return errc::wrong_type;
  HttpScrapeResponse r;
  P2PSCOPE_TRY(failure, opt_text(root, "failure reason", lim.max_text));
  r.failure_reason = std::move(failure);
  P2PSCOPE_TRY(flags, opt_dict(root, "flags"));
  if (flags) {
    P2PSCOPE_TRY(mri, opt_count(*flags, "min_request_interval"));
    r.min_request_interval = mri;
  }
  P2PSCOPE_TRY(files, opt_dict(root, "files"));
  if (!files) return r;
  if (static_cast<std::size_t>(files->dict_size()) > lim.max_files) return errc::too_many_items;
  for (int i = 0; i < files->dict_size(); ++i) {
    auto [key, value] = files->dict_at(i);
    P2PSCOPE_TRY(file, decode_scrape_file(view(key), value, lim));
    r.files.push_back(std::move(file));
  }
  return r;
}

std::string encode_http_announce(const HttpAnnounceResponse& r, PeerEncoding enc) {
  lt::entry root(lt::entry::dictionary_t);
  if (r.failure_reason) root["failure reason"] = *r.failure_reason;
  if (r.warning_message) root["warning message"] = *r.warning_message;
  if (r.interval) root["interval"] = *r.interval;
  if (r.min_interval) root["min interval"] = *r.min_interval;
  if (r.complete) root["complete"] = *r.complete;
  if (r.incomplete) root["incomplete"] = *r.incomplete;
  if (r.tracker_id) root["tracker id"] = *r.tracker_id;
  if (r.external_ip) root["external ip"] = std::string(r.external_ip->raw());
  if (!r.failure_reason) encode_peers(root, r, enc);
  return encode_bencode(root);
}

std::string encode_http_scrape(const HttpScrapeResponse& r) {
  lt::entry root(lt::entry::dictionary_t);
  if (r.failure_reason) root["failure reason"] = *r.failure_reason;
  if (r.min_request_interval) root["flags"]["min_request_interval"] = *r.min_request_interval;
  auto& files = root["files"];
  files = lt::entry::dictionary_type{};
  for (const auto& f : r.files) {
    auto& e = files[std::string(f.info_hash.raw())];
    e["complete"] = f.complete;
    e["downloaded"] = f.downloaded;
    e["incomplete"] = f.incomplete;
    if (f.name) e["name"] = *f.name;
  }
  return encode_bencode(root);
}

std::string url_escape(std::string_view bytes) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (unsigned char c : bytes) {
    if (unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

std::string announce_url(std::string_view announce, const HttpAnnounceParams& p) {
  std::string url(announce);
  url += announce.find('?') == std::string_view::npos ? '?' : '&';
  url += "info_hash=" + url_escape(p.info_hash.raw());
  url += "&peer_id=" + url_escape(p.peer_id.raw());
  url += "&port=" + std::to_string(p.port);
  url += "&uploaded=" + std::to_string(p.uploaded);
  url += "&downloaded=" + std::to_string(p.downloaded);
  url += "&left=" + std::to_string(p.left);
  url += "&compact=1";
  static constexpr const char* events[] = {"", "completed", "started", "stopped"};
  if (p.event != AnnounceEvent::none) url += std::string("&event=") + events[static_cast<int>(p.event)];
  if (p.numwant) url += "&numwant=" + std::to_string(*p.numwant);
  if (p.key) url += "&key=" + std::to_string(*p.key);
  if (p.ip) url += "&ip=" + url_escape(*p.ip);
  if (p.ipv4) url += "&ipv4=" + url_escape(*p.ipv4);
  if (p.ipv6) url += "&ipv6=" + url_escape(*p.ipv6);
  return url;
}

Result<Endpoint> bep7_endpoint(std::string_view value, Family f, std::uint16_t port) {
  // A bare address (an IPv6 one may be bracketed) takes the announce's port.
  bool bracketed = f == Family::v6 && value.size() > 1 && value.front() == '[' && value.back() == ']';
  if (auto a = IpAddress::parse(bracketed ? value.substr(1, value.size() - 2) : value)) {
    if (a.value().family() != f) return errc::bad_address;
    return Endpoint{a.value(), port};
  }
  if (f == Family::v4 && value.starts_with('[')) return errc::bad_address;  // brackets are IPv6's (RFC 2732)
  P2PSCOPE_TRY(parts, split_host_port(value));
  auto a = IpAddress::parse(parts.host);
  if (!a || a.value().family() != f) return errc::bad_address;
  P2PSCOPE_TRY(given, parse_port(parts.port));
  if (given == 0) return errc::bad_value;
  return Endpoint{a.value(), given};
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> url_unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] != '%') {
      out.push_back(s[i]);
    } else {
      if (i + 2 >= s.size()) return errc::bad_value;
      int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return errc::bad_value;
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    }
  }
  return out;
}

template <class T>
Result<void> parse_decimal(std::string_view v, T& out) {
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || end != v.data() + v.size() || v.empty()) return errc::bad_value;
  return success();
}

// Marks a required key as seen; a second copy is an error, not an override.
Result<void> see(unsigned& seen, unsigned bit) {
  if (seen & bit) return errc::bad_value;
  seen |= bit;
  return success();
}

Result<void> set_announce_field(HttpAnnounceParams& p, std::string_view key, std::string value, unsigned& seen) {
  if (key == "info_hash" || key == "peer_id") {
    P2PSCOPE_CHECK(see(seen, key == "info_hash" ? 1u : 2u));
    if (key == "info_hash") {
      P2PSCOPE_TRY(h, InfoHash::from_bytes(value));
      p.info_hash = h;
    } else {
      P2PSCOPE_TRY(h, PeerId::from_bytes(value));
      p.peer_id = h;
    }
    return success();
  }
  if (key == "port") {
    P2PSCOPE_CHECK(see(seen, 4u));
    return parse_decimal(value, p.port);
  }
  if (key == "uploaded") return parse_decimal(value, p.uploaded);
  if (key == "downloaded") return parse_decimal(value, p.downloaded);
  if (key == "left") return parse_decimal(value, p.left);
  if (key == "numwant") return parse_decimal(value, p.numwant.emplace());
  if (key == "key") {
    // Clients send the key in decimal or in hex; only the decimal form is a number.
    std::uint32_t k = 0;
    if (parse_decimal(value, k)) p.key = k;
    return success();
  }
  if (key == "ip" || key == "ipv4" || key == "ipv6") {
    if (value.size() > 255) return errc::oversized;
    (key == "ip" ? p.ip : key == "ipv4" ? p.ipv4 : p.ipv6) = std::move(value);
    return success();
  }
  if (key == "event") {
    static constexpr std::pair<std::string_view, AnnounceEvent> events[] = {
        {"", AnnounceEvent::none}, {"empty", AnnounceEvent::none}, {"completed", AnnounceEvent::completed},
        {"started", AnnounceEvent::started}, {"stopped", AnnounceEvent::stopped}};
    for (auto [name, e] : events) {
      if (value == name) {
        p.event = e;
        return success();
      }
    }
    return errc::bad_value;
  }
  return success();
}

}  // namespace

Result<std::vector<InfoHash>> decode_scrape_query(std::string_view query, std::size_t max_hashes,
                                                  std::size_t max_query) {
  if (query.size() > max_query) return errc::oversized;
  std::vector<InfoHash> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.substr(0, 10) != "info_hash=") continue;
    if (out.size() == max_hashes) return errc::too_many_items;
    P2PSCOPE_TRY(raw, url_unescape(pair.substr(10)));
    P2PSCOPE_TRY(ih, InfoHash::from_bytes(raw));
    out.push_back(ih);
  }
  if (out.empty()) return errc::missing_key;
  return out;
}

Result<HttpAnnounceParams> decode_announce_query(std::string_view query, std::size_t max_query) {
  if (query.size() > max_query) return errc::oversized;
  HttpAnnounceParams p;
  unsigned seen = 0;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = pair.substr(0, eq);
    P2PSCOPE_TRY(value, url_unescape(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1)));
    P2PSCOPE_CHECK(set_announce_field(p, key, std::move(value), seen));
  }
  if (seen != 7u) return errc::missing_key;
  return p;
}

Result<std::string> scrape_url(std::string_view announce) {
  auto query = announce.find('?');
  auto path = announce.substr(0, query);
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos || path.substr(slash + 1, 8) != "announce") return errc::bad_value;
  std::string out(announce.substr(0, slash + 1));
  out += "scrape";
  out += announce.substr(slash + 1 + 8);
  return out;
}

std::optional<std::string> http_header_value(std::string_view head, std::string_view name) {
  auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  };
  for (auto pos = head.find("\r\n"); pos != std::string_view::npos && pos + 2 < head.size();) {
    auto start = pos + 2;
    pos = head.find("\r\n", start);
    auto line = head.substr(start, (pos == std::string_view::npos ? head.size() : pos) - start);
    if (line.size() <= name.size() || line[name.size()] != ':') continue;
    if (!std::equal(name.begin(), name.end(), line.begin(), same)) continue;
    auto v = line.substr(name.size() + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    return std::string(v);
  }
  return std::nullopt;
}

}  // namespace p2pscope
