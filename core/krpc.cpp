#include "core/krpc.hpp"

namespace p2pscope {
namespace {

using Node = lt::bdecode_node;

template <class H>
Result<std::optional<H>> opt_hash(const Node& dict, std::string_view key) {
  P2PSCOPE_TRY(s, opt_string(dict, key));
  if (!s) return std::optional<H>{};
  P2PSCOPE_TRY(h, H::from_bytes(*s));
  return std::optional<H>{h};
}

template <class H>
Result<H> req_hash(const Node& dict, std::string_view key) {
  P2PSCOPE_TRY(h, opt_hash<H>(dict, key));
  if (!h) return errc::missing_key;
  return *h;
}

Result<std::optional<std::string>> opt_bounded(const Node& dict, std::string_view key, std::size_t max) {
  P2PSCOPE_TRY(s, opt_string(dict, key));
  if (!s) return std::optional<std::string>{};
  if (s->size() > max) return errc::too_many_items;
  return std::optional<std::string>{std::string(*s)};
}

Result<WantFlags> decode_want(const Node& args) {
  P2PSCOPE_TRY(list, opt_list(args, "want"));
  WantFlags want;
  if (!list) return want;
  for (int i = 0; i < list->list_size(); ++i) {
    auto item = list->list_at(i);
    if (item.type() != Node::string_t) return errc::wrong_type;
    auto s = view(item.string_value());
    if (s == "n4") want.set(Want::n4);
    if (s == "n6") want.set(Want::n6);  // other entries are reserved for future families
  }
  return want;
}

Result<KrpcQuery> decode_query(const Node& root, KrpcQuery q, const KrpcLimits& lim) {
  P2PSCOPE_TRY(name, req_string(root, "q"));
  P2PSCOPE_TRY(args, req_dict(root, "a"));
  q.method_name = std::string(name);
  P2PSCOPE_TRY(id, req_hash<NodeId>(args, "id"));
  q.id = id;
  P2PSCOPE_TRY(want, decode_want(args));
  q.want = want;
  P2PSCOPE_TRY(ro, opt_int(root, "ro"));
  q.read_only = ro.value_or(0) != 0;
  switch (q.method()) {
    case KrpcMethod::find_node:
    case KrpcMethod::sample_infohashes: {
      P2PSCOPE_TRY(target, req_hash<NodeId>(args, "target"));
      q.target = target;
      break;
    }
    case KrpcMethod::get_peers: {
      P2PSCOPE_TRY(ih, req_hash<InfoHash>(args, "info_hash"));
      q.info_hash = ih;
      break;
    }
    case KrpcMethod::announce_peer: {
      P2PSCOPE_TRY(ih, req_hash<InfoHash>(args, "info_hash"));
      P2PSCOPE_TRY(port, opt_int_in(args, "port", 0, 65535));
      P2PSCOPE_TRY(implied, opt_int(args, "implied_port"));
      P2PSCOPE_TRY(token, opt_bounded(args, "token", lim.max_token));
      if (!token) return errc::missing_key;
      q.implied_port = implied.value_or(0) != 0;
      if (!port && !q.implied_port) return errc::missing_key;
      q.info_hash = ih;
      if (port) q.port = static_cast<std::uint16_t>(*port);
      q.token = std::move(token);
      break;
    }
    case KrpcMethod::ping:
    case KrpcMethod::unknown: break;
  }
  return q;
}

Result<std::vector<NodeEntry>> decode_nodes(const Node& r, std::string_view key, Family f, std::size_t max) {
  P2PSCOPE_TRY(s, opt_string(r, key));
  if (!s) return std::vector<NodeEntry>{};
  return decode_compact_nodes(*s, f, max);
}

Result<std::vector<Endpoint>> decode_values(const Node& r, std::size_t max) {
  P2PSCOPE_TRY(list, opt_list(r, "values"));
  std::vector<Endpoint> out;
  if (!list) return out;
  if (static_cast<std::size_t>(list->list_size()) > max) return errc::too_many_items;
  for (int i = 0; i < list->list_size(); ++i) {
    auto item = list->list_at(i);
    if (item.type() != Node::string_t) return errc::wrong_type;
    P2PSCOPE_TRY(ep, decode_compact_peer(view(item.string_value())));
    out.push_back(ep);
  }
  return out;
}

Result<std::optional<std::vector<InfoHash>>> decode_samples(const Node& r, std::size_t max) {
  P2PSCOPE_TRY(s, opt_string(r, "samples"));
  if (!s) return std::optional<std::vector<InfoHash>>{};
  if (s->size() % 20 != 0) return errc::not_multiple;
  if (s->size() / 20 > max) return errc::too_many_items;
  std::vector<InfoHash> out;
  for (std::size_t i = 0; i < s->size(); i += 20) out.push_back(InfoHash::from_bytes(s->substr(i, 20)).value());
  return std::optional<std::vector<InfoHash>>{std::move(out)};
}

Result<KrpcResponse> decode_response(const Node& root, KrpcResponse m, const KrpcLimits& lim) {
  P2PSCOPE_TRY(r, req_dict(root, "r"));
  P2PSCOPE_TRY(id, req_hash<NodeId>(r, "id"));
  m.id = id;
  P2PSCOPE_TRY(nodes, decode_nodes(r, "nodes", Family::v4, lim.max_nodes));
  P2PSCOPE_TRY(nodes6, decode_nodes(r, "nodes6", Family::v6, lim.max_nodes));
  P2PSCOPE_TRY(values, decode_values(r, lim.max_values));
  P2PSCOPE_TRY(token, opt_bounded(r, "token", lim.max_token));
  P2PSCOPE_TRY(samples, decode_samples(r, lim.max_samples));
  P2PSCOPE_TRY(interval, opt_int_in(r, "interval", 0, INT32_MAX));
  P2PSCOPE_TRY(num, opt_int_in(r, "num", 0, INT64_MAX));
  P2PSCOPE_TRY(ip, opt_string(root, "ip"));
  m.nodes = std::move(nodes);
  m.nodes6 = std::move(nodes6);
  m.values = std::move(values);
  m.token = std::move(token);
  m.samples = std::move(samples);
  m.interval = interval;
  m.num = num;
  if (ip) {
    P2PSCOPE_TRY(requester, decode_compact_peer(*ip));
    m.requester = requester;
  }
  return m;
}

Result<KrpcError> decode_error(const Node& root, KrpcError m) {
  P2PSCOPE_TRY(e, opt_list(root, "e"));
  if (!e) return errc::missing_key;
  if (e->list_size() < 2) return errc::bad_length;
  auto code = e->list_at(0);
  auto msg = e->list_at(1);
  if (msg.type() != Node::string_t) return errc::wrong_type;
  P2PSCOPE_TRY(value, checked_int(code));
  m.code = value;
  m.message = std::string(view(msg.string_value()));
  return m;
}

lt::entry want_entry(WantFlags want) {
  lt::entry::list_type l;
  if (want.has(Want::n4)) l.emplace_back("n4");
  if (want.has(Want::n6)) l.emplace_back("n6");
  return l;
}

void encode_query(lt::entry& root, const KrpcQuery& q) {
  root["y"] = "q";
  root["q"] = q.method_name;
  if (q.read_only) root["ro"] = 1;
  auto& a = root["a"];
  a = lt::entry::dictionary_type{};
  a["id"] = std::string(q.id.raw());
  if (q.target) a["target"] = std::string(q.target->raw());
  if (q.info_hash) a["info_hash"] = std::string(q.info_hash->raw());
  if (q.port) a["port"] = *q.port;
  if (q.implied_port) a["implied_port"] = 1;
  if (q.token) a["token"] = *q.token;
  if (!q.want.empty()) a["want"] = want_entry(q.want);
}

void encode_response(lt::entry& root, const KrpcResponse& m) {
  root["y"] = "r";
  if (m.requester) root["ip"] = encode_compact_peer(*m.requester);
  auto& r = root["r"];
  r = lt::entry::dictionary_type{};
  r["id"] = std::string(m.id.raw());
  if (!m.nodes.empty()) r["nodes"] = encode_compact_nodes(m.nodes);
  if (!m.nodes6.empty()) r["nodes6"] = encode_compact_nodes(m.nodes6);
  if (!m.values.empty()) {
    lt::entry::list_type values;
    for (const auto& v : m.values) values.emplace_back(encode_compact_peer(v));
    r["values"] = std::move(values);
  }
  if (m.token) r["token"] = *m.token;
  if (m.samples) {
    std::string s;
    for (const auto& h : *m.samples) s.append(h.raw());
    r["samples"] = std::move(s);
  }
  if (m.interval) r["interval"] = *m.interval;
  if (m.num) r["num"] = *m.num;
}

}  // namespace

std::string_view to_string(KrpcMethod m) noexcept { return name_of(m); }

namespace {
KrpcQuery query_of(KrpcMethod m, const NodeId& id) {
  KrpcQuery q;
  q.method_name = std::string(to_string(m));
  q.id = id;
  return q;
}
}  // namespace

KrpcQuery KrpcQuery::ping(const NodeId& id) { return query_of(KrpcMethod::ping, id); }

KrpcQuery KrpcQuery::find_node(const NodeId& id, const NodeId& target) {
  auto q = query_of(KrpcMethod::find_node, id);
  q.target = target;
  return q;
}

KrpcQuery KrpcQuery::get_peers(const NodeId& id, const InfoHash& info_hash) {
  auto q = query_of(KrpcMethod::get_peers, id);
  q.info_hash = info_hash;
  return q;
}

KrpcQuery KrpcQuery::announce_peer(const NodeId& id, const InfoHash& info_hash, std::uint16_t port, std::string token) {
  auto q = query_of(KrpcMethod::announce_peer, id);
  q.info_hash = info_hash;
  q.port = port;
  q.token = std::move(token);
  return q;
}

KrpcQuery KrpcQuery::sample_infohashes(const NodeId& id, const NodeId& target) {
  auto q = query_of(KrpcMethod::sample_infohashes, id);
  q.target = target;
  return q;
}

KrpcMethod krpc_method_from(std::string_view name) noexcept {
  auto m = from_name<KrpcMethod>(name);
  return m ? m.value() : KrpcMethod::unknown;
}

Result<KrpcMessage> decode_krpc(std::string_view buf, const KrpcLimits& lim) {
  P2PSCOPE_TRY(root, decode_bencode(buf, lim.bencode));
  if (root.type() != Node::dict_t) return errc::wrong_type;
  P2PSCOPE_TRY(tid, req_string(root, "t"));
  if (tid.size() > lim.max_transaction_id) return errc::too_many_items;
  P2PSCOPE_TRY(y, req_string(root, "y"));
  P2PSCOPE_TRY(version, opt_bounded(root, "v", lim.max_version));
  if (y == "q") {
    KrpcQuery q;
    q.transaction_id = std::string(tid);
    q.version = std::move(version);
    P2PSCOPE_TRY(m, decode_query(root, std::move(q), lim));
    return KrpcMessage{std::move(m)};
  }
  if (y == "r") {
    KrpcResponse r;
    r.transaction_id = std::string(tid);
    r.version = std::move(version);
    P2PSCOPE_TRY(m, decode_response(root, std::move(r), lim));
    return KrpcMessage{std::move(m)};
  }
  if (y == "e") {
    KrpcError e;
    e.transaction_id = std::string(tid);
    e.version = std::move(version);
    P2PSCOPE_TRY(m, decode_error(root, std::move(e)));
    return KrpcMessage{std::move(m)};
  }
  return errc::unknown_message_type;
}

std::string encode_krpc(const KrpcMessage& m) {
  lt::entry root(lt::entry::dictionary_t);
  std::visit(
      [&](const auto& msg) {
        root["t"] = msg.transaction_id;
        if (msg.version) root["v"] = *msg.version;
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, KrpcQuery>) {
          encode_query(root, msg);
        } else if constexpr (std::is_same_v<T, KrpcResponse>) {
          encode_response(root, msg);
        } else {
          root["y"] = "e";
          root["e"] = lt::entry::list_type{lt::entry(msg.code), lt::entry(msg.message)};
        }
      },
      m);
  return encode_bencode(root);
}

}  // namespace p2pscope
