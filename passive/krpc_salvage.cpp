#include "passive/krpc_salvage.hpp"

#include "core/compact.hpp"

#include <string>

namespace p2pscope::passive {
namespace {

using Node = lt::bdecode_node;

// Collects what was read, and the first defect met.
struct Salvage {
  KrpcEvent e;
  const KrpcLimits& lim;

  void defect(std::string what) {
    if (e.defect.empty()) e.defect = std::move(what);
  }
  std::optional<std::string_view> text(const Node& dict, std::string_view key) {
    auto s = opt_string(dict, key);
    if (!s) defect(std::string(key) + " is not a string");
    return s ? s.value() : std::nullopt;
  }
  template <class Hash>
  std::optional<Hash> hash(const Node& dict, std::string_view key) {
    auto s = text(dict, key);
    if (!s) return std::nullopt;
    if (s->size() != 20) {
      defect(std::string(key) + " is " + std::to_string(s->size()) + " bytes, not 20");
      return std::nullopt;
    }
    return Hash::from_bytes(*s).value();
  }
  // A compact list: the whole entries, and a defect when the last is torn.
  template <class Decode>
  void compact(const Node& dict, std::string_view key, std::size_t stride, Decode decode) {
    auto s = text(dict, key);
    if (!s) return;
    if (s->size() % stride != 0)
      defect(std::string(key) + " is " + std::to_string(s->size()) + " bytes, not a multiple of " + std::to_string(stride));
    decode(s->substr(0, s->size() - s->size() % stride));
  }

  void query(const Node& root) {
    if (auto q = text(root, "q")) e.method = std::string(*q);
    else defect("query without a method (q)");
    auto a = opt_dict(root, "a");
    if (!a || !a.value()) return defect(a ? "query without arguments (a)" : "a is not a dictionary");
    const Node& args = *a.value();
    e.node_id = hash<NodeId>(args, "id");
    if (!e.node_id && !args.dict_find("id")) defect("query without the asking node's id");
    e.info_hash = hash<InfoHash>(args, "info_hash");
    e.target = hash<NodeId>(args, "target");
    if (auto t = text(args, "token")) e.token = std::string(t->substr(0, lim.max_token));
    if (auto p = opt_int(args, "port"); p && p.value()) {
      if (*p.value() >= 1 && *p.value() <= 65535) e.port = static_cast<std::uint16_t>(*p.value());
      else defect("port " + std::to_string(*p.value()) + " is out of range");
    }
    if (auto ip = opt_int(args, "implied_port"); ip && ip.value()) e.implied_port = *ip.value() != 0;
  }

  void nodes(const Node& body, const char* key, Family family, std::size_t stride) {
    compact(body, key, stride, [&](std::string_view whole) {
      if (auto n = decode_compact_nodes(whole, family, lim.max_nodes)) e.nodes.insert(e.nodes.end(), n.value().begin(), n.value().end());
      else defect(std::string(key) + ": " + n.error().message());
    });
  }

  void response(const Node& root) {
    auto r = opt_dict(root, "r");
    if (!r || !r.value()) return defect(r ? "response without a body (r)" : "r is not a dictionary");
    const Node& body = *r.value();
    e.node_id = hash<NodeId>(body, "id");
    if (!e.node_id && !body.dict_find("id")) defect("response without the answering node's id");
    nodes(body, "nodes", Family::v4, 26);
    nodes(body, "nodes6", Family::v6, 38);
    compact(body, "samples", 20, [&](std::string_view whole) {
      for (std::size_t i = 0; i < whole.size() && e.samples.size() < lim.max_samples; i += 20)
        e.samples.push_back(InfoHash::from_bytes(whole.substr(i, 20)).value());
    });
    if (auto t = text(body, "token")) e.token = std::string(t->substr(0, lim.max_token));
    auto values = opt_list(body, "values");
    if (!values) return defect("values is not a list");
    if (!values.value()) return;
    for (int i = 0; i < values.value()->list_size() && e.values.size() < lim.max_values; ++i) {
      auto item = values.value()->list_at(i);
      auto peer = item.type() == Node::string_t ? decode_compact_peer(view(item.string_value())) : Result<Endpoint>(errc::wrong_type);
      if (peer) e.values.push_back(peer.value());
      else defect("values entry " + std::to_string(i + 1) + " is not a 6- or 18-byte peer");
    }
  }

  void error(const Node& root) {
    auto list = opt_list(root, "e");
    if (!list || !list.value() || list.value()->list_size() < 2) return defect("error without [code, message] (e)");
    auto code = list.value()->list_at(0), message = list.value()->list_at(1);
    if (code.type() == Node::int_t) {
      if (auto c = checked_int(code)) e.error_code = c.value();
    } else {
      defect("the error code is not an integer");
    }
    if (message.type() == Node::string_t) e.error_message = std::string(view(message.string_value()).substr(0, 1024));
    else defect("the error message is not a string");
  }
};

}  // namespace

std::optional<KrpcEvent> salvage_krpc(const Hop& hop, std::string_view bytes, std::error_code refused,
                                      const KrpcLimits& limits) {
  auto root = decode_bencode(bytes, limits.bencode, Trailing::allow);
  if (!root || root.value().type() != Node::dict_t) return std::nullopt;
  auto y = opt_string(root.value(), "y");
  if (!y || !y.value() || y.value()->size() != 1 || std::string_view("qre").find(y.value()->front()) == std::string_view::npos)
    return std::nullopt;
  Salvage s{KrpcEvent{}, limits};
  s.e.hop = hop;
  if (refused == errc::trailing_bytes) s.defect("bytes after the message");
  if (auto t = s.text(root.value(), "t")) s.e.transaction_id = std::string(t->substr(0, limits.max_transaction_id));
  else if (!root.value().dict_find("t")) s.defect("no transaction id (t)");
  if (auto v = s.text(root.value(), "v")) s.e.version = std::string(v->substr(0, limits.max_version));
  switch (y.value()->front()) {
    case 'q': s.e.kind = KrpcKind::query; s.query(root.value()); break;
    case 'r': s.e.kind = KrpcKind::response; s.response(root.value()); break;
    default: s.e.kind = KrpcKind::error; s.error(root.value()); break;
  }
  if (s.e.defect.empty()) s.e.defect = refused.message();
  return std::move(s.e);
}

}  // namespace p2pscope::passive
