#include "taint-harness/buggy_pex.hpp"

#include "core/extension.hpp"
#include "net/asio.hpp"

#include <libtorrent/bdecode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/peer_connection_handle.hpp>

#include <chrono>
#include <set>

namespace p2pscope::harness {
namespace {

constexpr int kOurPexId = 1;
constexpr auto kInterval = std::chrono::seconds(10);
constexpr std::size_t kMaxPerMessage = 50;

struct TorrentPeers {
  PexBug bug;
  std::vector<Endpoint> misread;  // PexBug::misread: listed besides the handshaken
  std::set<Endpoint> handshaken;  // outgoing connections that completed the BitTorrent handshake
  std::set<Endpoint> heard;       // every peer added to the torrent, from any source

  std::vector<PexPeer> advertise() const {
    std::vector<PexPeer> out;
    auto from = bug == PexBug::unchecked ? heard : handshaken;
    if (bug == PexBug::misread) from.insert(misread.begin(), misread.end());
    for (const auto& ep : from) {
      if (out.size() == kMaxPerMessage) break;
      Endpoint e = ep;
      if (bug == PexBug::reverse_address)
        e.address = e.address.is_v4() ? reverse_v4(e.address) : reverse_v6_whole(e.address);
      if (bug == PexBug::port_swapped) e.port = static_cast<std::uint16_t>(e.port << 8 | e.port >> 8);
      out.push_back({e, PexFlags{}});
    }
    return out;
  }
};

class PexPeerPlugin final : public lt::peer_plugin {
 public:
  PexPeerPlugin(std::shared_ptr<TorrentPeers> t, lt::peer_connection_handle pc) : t_(std::move(t)), pc_(std::move(pc)) {}

  lt::string_view type() const override { return "ut_pex"; }
  void add_handshake(lt::entry& h) override { h["m"]["ut_pex"] = kOurPexId; }

  bool on_extension_handshake(lt::bdecode_node const& h) override {
    auto m = h.dict_find_dict("m");
    if (m) their_id_ = static_cast<int>(m.dict_find_int_value("ut_pex", 0));
    return true;
  }

  bool on_handshake(lt::span<char const>) override {
    if (pc_.is_outgoing()) {
      self_ = net::from_asio(pc_.remote());
      t_->handshaken.insert(*self_);
    }
    return true;
  }

  void on_disconnect(lt::error_code const&) override {
    if (self_) t_->handshaken.erase(*self_);
  }

  bool on_extended(int length, int msg, lt::span<char const> body) override {
    if (msg != kOurPexId) return false;
    if (body.size() < length) return true;  // wait for the whole message
    if (auto pex = decode_pex(std::string_view(body.data(), static_cast<std::size_t>(body.size())))) {
      for (const auto& p : pex.value().added) t_->heard.insert(p.endpoint);
    }
    return true;
  }

  void tick() override {
    auto now = std::chrono::steady_clock::now();
    if (their_id_ == 0 || now - last_ < kInterval) return;
    last_ = now;
    PexMessage m;
    m.added = t_->advertise();
    if (self_) std::erase_if(m.added, [&](const PexPeer& p) { return p.endpoint == *self_; });
    auto body = encode_pex(m);
    auto len = static_cast<std::uint32_t>(body.size() + 2);
    std::string msg{static_cast<char>(len >> 24), static_cast<char>(len >> 16), static_cast<char>(len >> 8),
                    static_cast<char>(len), 20, static_cast<char>(their_id_)};
    msg += body;
    pc_.send_buffer(msg.data(), static_cast<int>(msg.size()));
  }

 private:
  std::shared_ptr<TorrentPeers> t_;
  lt::peer_connection_handle pc_;
  std::optional<Endpoint> self_;
  int their_id_ = 0;
  std::chrono::steady_clock::time_point last_{};
};

class PexTorrentPlugin final : public lt::torrent_plugin {
 public:
  PexTorrentPlugin(PexBug bug, std::vector<Endpoint> misread)
      : t_(std::make_shared<TorrentPeers>(TorrentPeers{bug, std::move(misread), {}, {}})) {}

  std::shared_ptr<lt::peer_plugin> new_connection(lt::peer_connection_handle const& pc) override {
    if (pc.type() != lt::connection_type::bittorrent) return {};
    return std::make_shared<PexPeerPlugin>(t_, pc);
  }

  void on_add_peer(lt::tcp::endpoint const& ep, lt::peer_source_flags_t, lt::add_peer_flags_t) override {
    t_->heard.insert(net::from_asio(ep));
  }

 private:
  std::shared_ptr<TorrentPeers> t_;
};

class PexPlugin final : public lt::plugin {
 public:
  PexPlugin(PexBug bug, std::vector<Endpoint> misread) : bug_(bug), misread_(std::move(misread)) {}
  std::shared_ptr<lt::torrent_plugin> new_torrent(lt::torrent_handle const&, lt::client_data_t) override {
    return std::make_shared<PexTorrentPlugin>(bug_, misread_);
  }

 private:
  PexBug bug_;
  std::vector<Endpoint> misread_;
};

}  // namespace

std::shared_ptr<lt::plugin> make_buggy_pex_plugin(PexBug bug, std::vector<Endpoint> misread) {
  return std::make_shared<PexPlugin>(bug, std::move(misread));
}

}  // namespace p2pscope::harness
