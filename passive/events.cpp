#include "passive/events.hpp"

#include "core/bytes.hpp"
#include "core/decimal.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <charconv>

namespace p2pscope::passive {
namespace {

using nlohmann::json;

// Bytes off the wire that are not text (a transaction id, a token), as hex.
std::string bytes_hex(std::string_view b) {
  return detail::to_hex(reinterpret_cast<const std::uint8_t*>(b.data()), b.size());
}

// A number as hex of its `width` big-endian bytes, as it was on the wire
// (Vuze DHT transaction and connection ids).
std::string number_hex(std::uint64_t v, int width) {
  std::string be;
  put_be(be, v, width);
  return bytes_hex(be);
}

json hop_json(const char* type, const Hop& h) {
  return {{"type", type}, {"t", h.t}, {"from", h.from.to_string()}, {"to", h.to.to_string()},
          {"carrier", to_string(h.carrier)}};
}

// A source's ID as both forms read it: the route's own, and the other one
// (the byte-order defect's signature). LowIDs name no address.
bool is_low(std::uint32_t id) { return ed2k::is_low_id(id); }
IpAddress id_address(std::uint32_t id, ed2k::IdForm form) {
  return form == ed2k::IdForm::ed2k ? ed2k::ip_of_ed2k_id(id) : ed2k::ip_of_hybrid_id(id);
}
ed2k::IdForm other(ed2k::IdForm f) { return f == ed2k::IdForm::ed2k ? ed2k::IdForm::hybrid : ed2k::IdForm::ed2k; }

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
    if (e.dialect != PexDialect::ut_pex) j["dialect"] = name_of(e.dialect);
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
    if (!e.transaction_id.empty()) j["tid"] = bytes_hex(e.transaction_id);
    if (e.node_id) j["id"] = e.node_id->hex();
    if (e.target) j["target"] = e.target->hex();
    if (e.token) j["token"] = bytes_hex(*e.token);
    if (e.port) j["port"] = *e.port;
    if (e.implied_port) j["implied_port"] = true;
    if (e.error_code) j["error_code"] = *e.error_code;
    if (e.kind == KrpcKind::error) j["error_message"] = printable(e.error_message);
    if (!e.defect.empty()) j["defect"] = printable(e.defect);
    return j;
  }
  json operator()(const VuzeDhtEvent& e) const {
    const auto& p = e.packet;
    auto j = hop_json("passive_vuze_dht", e.hop);
    j["action"] = name_of(p.action);
    j["kind"] = is_request(p.action) ? "request" : "reply";
    j["tid"] = number_hex(p.transaction_id, 4);
    j["connection_id"] = number_hex(p.connection_id, 8);
    j["protocol_version"] = p.protocol_version;
    j["vendor"] = p.vendor;
    j["network"] = p.network;
    j["instance_id"] = p.instance_id;
    if (p.originator) j["originator"] = p.originator->to_string();
    if (!p.key.empty()) j["key"] = bytes_hex(p.key);
    if (!p.store_keys.empty()) {
      j["store_keys"] = json::array();
      for (const auto& k : p.store_keys) j["store_keys"].push_back(bytes_hex(k));
    }
    if (!p.contacts.empty()) {
      std::vector<Endpoint> at;
      for (const auto& c : p.contacts) at.push_back(c.endpoint);
      j["contacts"] = endpoints(at);
    }
    if (!p.values.empty()) j["values"] = p.values.size();
    if (auto peers = e.peers(); !peers.empty()) j["peers"] = endpoints(peers);
    if (p.error_type) j["error_type"] = *p.error_type;
    if (p.error_address) j["error_address"] = p.error_address->to_string();
    if (p.unread) j["unread"] = p.unread;
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
  json operator()(const Ed2kHelloEvent& e) const {
    auto j = hop_json("passive_ed2k_hello", e.hop);
    j["kind"] = name_of(e.kind);
    j["user_hash"] = e.user_hash.hex();
    j["client_id"] = e.client_id;
    if (!is_low(e.client_id)) j["id_address"] = ed2k::ip_of_ed2k_id(e.client_id).to_string();
    j["port"] = e.port;
    j["name"] = printable(e.name);
    if (!e.software.empty()) j["software"] = e.software;
    j["sx1"] = e.sx1_version;
    j["sx2"] = e.sx2;
    j["crypt"] = e.crypt;
    return j;
  }
  json operator()(const Ed2kFileEvent& e) const {
    auto j = hop_json("passive_ed2k_file", e.hop);
    j["message"] = e.message;
    j["file"] = e.file.hex();
    if (e.size) j["size"] = e.size;
    return j;
  }
  json operator()(const Ed2kSourcesEvent& e) const {
    auto j = hop_json("passive_ed2k_sources", e.hop);
    j["route"] = name_of(e.route);
    j["file"] = e.file.hex();
    j["form"] = name_of(e.form());
    if (e.route == Ed2kRoute::sx) j["sx_version"] = e.sx_version;
    json sources = json::array();
    for (const auto& s : e.sources) {
      json x{{"id", s.id}, {"port", s.port}};
      if (is_low(s.id)) {
        x["low_id"] = true;
      } else {
        x["address"] = id_address(s.id, e.form()).to_string();
        x["other_form"] = id_address(s.id, other(e.form())).to_string();
      }
      x["crypt"] = s.crypt;
      if (s.user_hash) x["user_hash"] = s.user_hash->hex();
      sources.push_back(x);
    }
    j["sources"] = sources;
    return j;
  }
};

}  // namespace

std::string_view to_string(Carrier c) noexcept { return name_of(c); }

std::vector<Endpoint> VuzeDhtEvent::peers() const {
  std::vector<Endpoint> out;
  for (const auto& v : packet.values)
    if (auto p = v.peer()) out.push_back(*p);
  return out;
}

bool Ed2kFileEvent::is_answer() const noexcept {
  return message == "no_such_file" || message == "file_status" || message == "filename_answer" ||
         message == "multipacket_answer";
}

ed2k::IdForm Ed2kSourcesEvent::form() const noexcept {
  if (route == Ed2kRoute::kad) return ed2k::IdForm::hybrid;
  if (route == Ed2kRoute::sx) return ed2k::id_form_of_sx(sx_version);
  return ed2k::IdForm::ed2k;
}

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
  void signed_num(std::string_view k, std::int64_t v) {
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
  void address(std::string_view k, const IpAddress& a) {
    plain(k, [&a](std::string& o) { a.append_to(o); });
  }
  void md4(std::string_view k, const ed2k::Md4& m) {
    plain(k, [&m](std::string& o) { o += m.hex(); });
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
  template <class Int>
  void digits(Int v) {
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
    if (e.dialect != PexDialect::ut_pex) w.str("dialect", name_of(e.dialect));
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
    if (!e.transaction_id.empty()) w.plain("tid", [&e](std::string& o) { o += bytes_hex(e.transaction_id); });
    if (e.node_id) w.hex("id", *e.node_id);
    if (e.target) w.hex("target", *e.target);
    if (e.token) w.plain("token", [&e](std::string& o) { o += bytes_hex(*e.token); });
    if (e.port) w.num("port", *e.port);
    if (e.implied_port) w.boolean("implied_port", true);
    if (e.error_code) w.signed_num("error_code", *e.error_code);
    if (e.kind == KrpcKind::error) w.printable_text("error_message", e.error_message);
    if (!e.defect.empty()) w.printable_text("defect", e.defect);
  }
  void operator()(const VuzeDhtEvent& e) const {
    const auto& p = e.packet;
    Writer w(out);
    w.hop("passive_vuze_dht", e.hop);
    w.name("action", name_of(p.action));
    w.name("kind", is_request(p.action) ? "request" : "reply");
    w.plain("tid", [&p](std::string& o) { o += number_hex(p.transaction_id, 4); });
    w.plain("connection_id", [&p](std::string& o) { o += number_hex(p.connection_id, 8); });
    w.num("protocol_version", p.protocol_version);
    w.num("vendor", p.vendor);
    w.num("network", p.network);
    w.num("instance_id", p.instance_id);
    if (p.originator) w.endpoint("originator", *p.originator);
    if (!p.key.empty()) w.plain("key", [&p](std::string& o) { o += bytes_hex(p.key); });
    if (!p.store_keys.empty())
      w.plain_array("store_keys", p.store_keys, [](std::string& o, const std::string& k) { o += bytes_hex(k); });
    if (!p.contacts.empty())
      w.plain_array("contacts", p.contacts, [](std::string& o, const VuzeContact& c) { c.endpoint.append_to(o); });
    if (!p.values.empty()) w.num("values", p.values.size());
    if (auto peers = e.peers(); !peers.empty()) w.endpoints("peers", peers);
    if (p.error_type) w.num("error_type", *p.error_type);
    if (p.error_address) w.endpoint("error_address", *p.error_address);
    if (p.unread) w.num("unread", p.unread);
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
  void operator()(const Ed2kHelloEvent& e) const {
    Writer w(out);
    w.hop("passive_ed2k_hello", e.hop);
    w.name("kind", name_of(e.kind));
    w.md4("user_hash", e.user_hash);
    w.num("client_id", e.client_id);
    if (!is_low(e.client_id)) w.address("id_address", ed2k::ip_of_ed2k_id(e.client_id));
    w.num("port", e.port);
    w.printable_text("name", e.name);
    if (!e.software.empty()) w.str("software", e.software);
    w.num("sx1", e.sx1_version);
    w.boolean("sx2", e.sx2);
    w.num("crypt", e.crypt);
  }
  void operator()(const Ed2kFileEvent& e) const {
    Writer w(out);
    w.hop("passive_ed2k_file", e.hop);
    w.str("message", e.message);
    w.md4("file", e.file);
    if (e.size) w.num("size", e.size);
  }
  void operator()(const Ed2kSourcesEvent& e) const {
    Writer w(out);
    w.hop("passive_ed2k_sources", e.hop);
    w.name("route", name_of(e.route));
    w.md4("file", e.file);
    const auto form = e.form();
    w.name("form", name_of(form));
    if (e.route == Ed2kRoute::sx) w.num("sx_version", e.sx_version);
    w.objects("sources", e.sources, [form](Writer& x, const Ed2kSeenSource& s) {
      x.num("id", s.id);
      x.num("port", s.port);
      if (is_low(s.id)) {
        x.boolean("low_id", true);
      } else {
        x.address("address", id_address(s.id, form));
        x.address("other_form", id_address(s.id, other(form)));
      }
      x.num("crypt", s.crypt);
      if (s.user_hash) x.md4("user_hash", *s.user_hash);
    });
  }
};

}  // namespace

void append_json(const Event& e, std::string& out) { std::visit(Append{out}, e); }

std::string_view record_type(const Event& e) noexcept {
  static constexpr std::string_view kTypes[] = {"passive_handshake",        "passive_extended_handshake",
                                                "passive_pex",              "passive_krpc",
                                                "passive_tracker_announce", "passive_tracker_peers",
                                                "passive_ed2k_hello",       "passive_ed2k_file",
                                                "passive_ed2k_sources",     "passive_vuze_dht"};
  static_assert(std::variant_size_v<Event> == std::size(kTypes));
  return kTypes[e.index()];
}

}  // namespace p2pscope::passive
