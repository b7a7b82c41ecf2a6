#include "passive/events.hpp"

#include "core/decimal.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <charconv>

namespace p2pscope::passive {
namespace {

using nlohmann::json;

json hop_json(const char* type, const Hop& h) {
  return {{"type", type}, {"t", h.t}, {"from", h.from.to_string()}, {"to", h.to.to_string()},
          {"carrier", to_string(h.carrier)}};
}

json endpoints(const std::vector<Endpoint>& eps) {
  json a = json::array();
  for (const auto& e : eps) a.push_back(e.to_string());
  return a;
}

struct ToJson {
  json operator()(const HandshakeEvent& e) const {
    auto j = hop_json("passive_handshake", e.hop);
    j["info_hash"] = e.info_hash.hex();
    j["peer_id"] = e.peer_id.hex();
    j["peer_id_text"] = printable(e.peer_id.raw());
    j["extension_protocol"] = e.extension_protocol;
    j["dht"] = e.dht;
    return j;
  }
  json operator()(const ExtendedHandshakeEvent& e) const {
    auto j = hop_json("passive_extended_handshake", e.hop);
    if (e.v) j["v"] = printable(*e.v);
    if (e.p) j["p"] = *e.p;
    if (e.yourip) j["yourip"] = e.yourip->to_string();
    if (e.ut_pex) j["ut_pex"] = *e.ut_pex;
    return j;
  }
  json operator()(const PexEvent& e) const {
    auto j = hop_json("passive_pex", e.hop);
    json added = json::array();
    for (const auto& a : e.pex.added) {
      json x{{"peer", a.endpoint.to_string()}};
      if (a.flags) x["flags"] = a.flags->bits();
      added.push_back(x);
    }
    j["added"] = added;
    j["dropped"] = endpoints(e.pex.dropped);
    if (e.id_inferred) j["id_inferred"] = true;
    return j;
  }
  json operator()(const KrpcEvent& e) const {
    auto j = hop_json("passive_krpc", e.hop);
    j["kind"] = name_of(e.kind);
    if (!e.method.empty()) j["method"] = printable(e.method);
    if (e.info_hash) j["info_hash"] = e.info_hash->hex();
    if (!e.values.empty()) j["values"] = endpoints(e.values);
    if (!e.nodes.empty()) {
      json nodes = json::array();
      for (const auto& n : e.nodes) nodes.push_back({{"id", n.id.hex()}, {"node", n.endpoint.to_string()}});
      j["nodes"] = nodes;
    }
    if (!e.samples.empty()) {
      json samples = json::array();
      for (const auto& h : e.samples) samples.push_back(h.hex());
      j["samples"] = samples;
    }
    if (e.version) j["v"] = printable(*e.version);
    return j;
  }
  json operator()(const TrackerAnnounceEvent& e) const {
    auto j = hop_json("passive_tracker_announce", e.hop);
    j["info_hash"] = e.info_hash.hex();
    j["peer_id"] = e.peer_id.hex();
    j["port"] = e.port;
    j["event"] = e.event;
    if (e.ip) j["ip"] = printable(*e.ip);
    return j;
  }
  json operator()(const TrackerPeersEvent& e) const {
    auto j = hop_json("passive_tracker_peers", e.hop);
    if (e.info_hash) j["info_hash"] = e.info_hash->hex();
    j["peers"] = endpoints(e.peers);
    if (e.failure) j["failure"] = printable(*e.failure);
    return j;
  }
};

}  // namespace

std::string_view to_string(Carrier c) noexcept { return name_of(c); }

json to_json(const Event& e) { return std::visit(ToJson{}, e); }

namespace {

// A JSON object written field by field onto a string.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  ~Writer() { out_ += first_ ? "{}" : "}"; }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void str(std::string_view k, std::string_view v) {
    key(k);
    quoted(v);
  }
  void num(std::string_view k, std::uint64_t v) {
    key(k);
    digits(v);
  }
  void real(std::string_view k, double v) {
    key(k);
    auto at = out_.size();
    append_fixed(v, out_);
    if (std::string_view(out_).substr(at).find('.') == std::string_view::npos) out_ += ".0";
  }
  // A value of ours (a record type, a carrier) that needs no escaping.
  void name(std::string_view k, std::string_view v) {
    plain(k, [v](std::string& o) { o += v; });
  }
  void boolean(std::string_view k, bool v) {
    key(k);
    out_ += v ? "true" : "false";
  }
  // Text that needs no escaping (hex digits, addresses), appended by
  // append(std::string&) straight onto the line.
  template <class Append>
  void plain(std::string_view k, Append append) {
    key(k);
    out_ += '"';
    append(out_);
    out_ += '"';
  }
  template <class Tag>
  void hex(std::string_view k, const Hash20<Tag>& h) {
    plain(k, [&h](std::string& o) { h.append_hex(o); });
  }
  void endpoint(std::string_view k, const Endpoint& e) {
    plain(k, [&e](std::string& o) { e.append_to(o); });
  }
  // Bytes off the wire as printable() gives them, escaped for JSON.
  void printable_text(std::string_view k, std::string_view bytes) {
    static constexpr char kUpperHex[] = "0123456789ABCDEF";
    key(k);
    out_ += '"';
    std::size_t run = 0;  // runs that need nothing done are appended whole
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      auto u = static_cast<unsigned char>(bytes[i]);
      if (u >= 0x20 && u < 0x7f && u != '%' && u != '"' && u != '\\') continue;
      out_.append(bytes.data() + run, i - run);
      run = i + 1;
      if (u == '"' || u == '\\') out_ += {'\\', bytes[i]};
      else out_ += {'%', kUpperHex[u >> 4], kUpperHex[u & 15]};
    }
    out_.append(bytes.data() + run, bytes.size() - run);
    out_ += '"';
  }
  // An array of strings, each appended by append(std::string&, element)
  // with no escaping (as plain()).
  template <class Range, class Append>
  void plain_array(std::string_view k, const Range& r, Append append) {
    key(k);
    out_ += '[';
    bool first = true;
    for (const auto& x : r) {
      out_ += first ? "\"" : ",\"";
      first = false;
      append(out_, x);
      out_ += '"';
    }
    out_ += ']';
  }
  void endpoints(std::string_view k, const std::vector<Endpoint>& eps) {
    plain_array(k, eps, [](std::string& o, const Endpoint& e) { e.append_to(o); });
  }
  // An array of objects, each written by item(Writer&, element).
  template <class Range, class Item>
  void objects(std::string_view k, const Range& r, Item item) {
    key(k);
    out_ += '[';
    bool first = true;
    for (const auto& x : r) {
      if (!first) out_ += ',';
      first = false;
      Writer w(out_);
      item(w, x);
    }
    out_ += ']';
  }
  void hop(std::string_view type, const Hop& h) {
    name("type", type);
    real("t", h.t);
    endpoint("from", h.from);
    endpoint("to", h.to);
    name("carrier", to_string(h.carrier));
  }

 private:
  void key(std::string_view k) {
    out_.append(first_ ? "{\"" : ",\"", 2);
    out_.append(k);
    out_.append("\":", 2);
    first_ = false;
  }
  void digits(std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  // Runs that need no escaping are appended whole.
  void quoted(std::string_view v) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += '"';
    std::size_t run = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      auto u = static_cast<unsigned char>(v[i]);
      if (u >= 0x20 && u < 0x7f && u != '"' && u != '\\') continue;
      out_.append(v.data() + run, i - run);
      run = i + 1;
      if (u == '"' || u == '\\') out_ += {'\\', v[i]};
      else out_ += {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 15]};  // printable() leaves none; kept valid JSON regardless
    }
    out_.append(v.data() + run, v.size() - run);
    out_ += '"';
  }
  std::string& out_;
  bool first_ = true;
};

struct Append {
  std::string& out;
  void operator()(const HandshakeEvent& e) const {
    Writer w(out);
    w.hop("passive_handshake", e.hop);
    w.hex("info_hash", e.info_hash);
    w.hex("peer_id", e.peer_id);
    w.printable_text("peer_id_text", e.peer_id.raw());
    w.boolean("extension_protocol", e.extension_protocol);
    w.boolean("dht", e.dht);
  }
  void operator()(const ExtendedHandshakeEvent& e) const {
    Writer w(out);
    w.hop("passive_extended_handshake", e.hop);
    if (e.v) w.printable_text("v", *e.v);
    if (e.p) w.num("p", *e.p);
    if (e.yourip) w.plain("yourip", [&e](std::string& o) { e.yourip->append_to(o); });
    if (e.ut_pex) w.num("ut_pex", *e.ut_pex);
  }
  void operator()(const PexEvent& e) const {
    Writer w(out);
    w.hop("passive_pex", e.hop);
    w.objects("added", e.pex.added, [](Writer& x, const PexPeer& a) {
      x.endpoint("peer", a.endpoint);
      if (a.flags) x.num("flags", a.flags->bits());
    });
    w.endpoints("dropped", e.pex.dropped);
    if (e.id_inferred) w.boolean("id_inferred", true);
  }
  void operator()(const KrpcEvent& e) const {
    Writer w(out);
    w.hop("passive_krpc", e.hop);
    w.str("kind", name_of(e.kind));
    if (!e.method.empty()) w.printable_text("method", e.method);
    if (e.info_hash) w.hex("info_hash", *e.info_hash);
    if (!e.values.empty()) w.endpoints("values", e.values);
    if (!e.nodes.empty()) {
      w.objects("nodes", e.nodes, [](Writer& x, const NodeEntry& n) {
        x.hex("id", n.id);
        x.endpoint("node", n.endpoint);
      });
    }
    if (!e.samples.empty()) w.plain_array("samples", e.samples, [](std::string& o, const InfoHash& h) { h.append_hex(o); });
    if (e.version) w.printable_text("v", *e.version);
  }
  void operator()(const TrackerAnnounceEvent& e) const {
    Writer w(out);
    w.hop("passive_tracker_announce", e.hop);
    w.hex("info_hash", e.info_hash);
    w.hex("peer_id", e.peer_id);
    w.num("port", e.port);
    w.str("event", e.event);
    if (e.ip) w.printable_text("ip", *e.ip);
  }
  void operator()(const TrackerPeersEvent& e) const {
    Writer w(out);
    w.hop("passive_tracker_peers", e.hop);
    if (e.info_hash) w.hex("info_hash", *e.info_hash);
    w.endpoints("peers", e.peers);
    if (e.failure) w.printable_text("failure", *e.failure);
  }
};

}  // namespace

void append_json(const Event& e, std::string& out) { std::visit(Append{out}, e); }

std::string_view record_type(const Event& e) noexcept {
  static constexpr std::string_view kTypes[] = {"passive_handshake", "passive_extended_handshake", "passive_pex",
                                                "passive_krpc", "passive_tracker_announce", "passive_tracker_peers"};
  static_assert(std::variant_size_v<Event> == std::size(kTypes));
  return kTypes[e.index()];
}

}  // namespace p2pscope::passive
