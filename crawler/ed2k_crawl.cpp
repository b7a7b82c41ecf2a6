#include "crawler/ed2k_crawl.hpp"

#include "crawler/utc_now.hpp"
#include "core/ed2k_link.hpp"
#include "core/special_ranges.hpp"
#include "core/text.hpp"
#include "crawler/dht_crawl.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

namespace p2pscope::crawler {
namespace {

using namespace net;

constexpr std::size_t kMaxInputFile = 64 << 20;

StatusOr<std::string> slurp(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail(ec, printable(path) + ": " + ec.message());
  if (size > kMaxInputFile) return fail(errc::oversized, printable(path) + ": over 64 MiB");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof()) return fail(std::errc::io_error, printable(path) + ": read error");
  return ss.str();
}

class Collector {
 public:
  Status add_link(std::string_view text, const std::string& where) {
    auto link = ed2k::parse_link(text);
    if (!link) return link.error().within(where);
    if (const auto* f = std::get_if<ed2k::FileLink>(&link.value())) {
      if (seen_files_.insert(f->hash).second) out_.files.push_back(Ed2kFile{f->hash, f->size});
      return success();
    }
    if (const auto* s = std::get_if<ed2k::ServerLink>(&link.value())) {
      add_server(s->host + ":" + std::to_string(s->port));
      return success();
    }
    return fail(errc::bad_value, where + ": a server-list link names a list to download; give the server.met file");
  }
  void add_nodes(const std::vector<kad::Contact>& nodes) {
    out_.kad_nodes.insert(out_.kad_nodes.end(), nodes.begin(), nodes.end());
  }
  void add_server(std::string hostport) {
    if (seen_servers_.insert(hostport).second) out_.servers.push_back(std::move(hostport));
  }
  Ed2kInputs take() { return std::move(out_); }

 private:
  Ed2kInputs out_;
  std::set<ed2k::Md4> seen_files_;
  std::set<std::string> seen_servers_;
};

Status read_input_file(const std::string& path, Collector& c) {
  P2PSCOPE_TRY(contents, slurp(path));
  if (ed2k::looks_like_server_met(contents)) {
    auto servers = ed2k::decode_server_met(contents);
    if (!servers) return fail(servers.error(), printable(path) + ": not a server.met: " + servers.error().message());
    for (const auto& s : servers.value())
      c.add_server(ed2k::ip_of_ed2k_id(s.address.ip).to_string() + ":" + std::to_string(s.address.port));
    return success();
  }
  if (contents.starts_with(std::string_view("\0\0\0\0", 4))) {  // nodes.dat (version 0, KAD1, is refused)
    auto nodes = kad::decode_nodes_dat(contents);
    if (!nodes) return fail(nodes.error(), printable(path) + ": not a KAD 2 nodes.dat: " + nodes.error().message());
    c.add_nodes(nodes.value().contacts);
    return success();
  }
  if (contents.starts_with('d')) return success();  // a .torrent: BitTorrent's
  std::size_t line_no = 0;
  for (auto line : split(contents, '\n')) {
    ++line_no;
    line = trim(line);
    if (!ed2k::looks_like_link(line)) continue;  // blank, a comment, or a BitTorrent input
    P2PSCOPE_CHECK(c.add_link(line, printable(path) + ":" + std::to_string(line_no)));
  }
  return success();
}

using SeenKey = std::tuple<Via, Endpoint, ed2k::Md4, std::uint32_t, std::uint16_t>;

// Writes what servers, nodes and peers said; counts into the round; queues
// every new contactable source for source exchange.
struct Recorder {
  const std::string& run;
  RecordSink& sink;
  Ed2kRound& round;
  std::set<SeenKey>& seen;
  StopSignal* stop;
  bool contact_special = false;
  std::set<std::pair<ed2k::Md4, Endpoint>> queued{};
  std::vector<std::pair<Ed2kFile, Endpoint>> to_ask{};
  std::map<ed2k::Md4, std::uint64_t> sizes{};

  void queue(const EmuleObservation& o) {
    auto peer = o.peer();
    if (!peer || peer->port == 0 || !peer->address.is_v4()) return;
    if (!contact_special && classify(peer->address) != nullptr) return;
    if (queued.insert({o.file, *peer}).second) to_ask.emplace_back(Ed2kFile{o.file, sizes[o.file]}, *peer);
  }

  void write(const Record& r) {
    if (round.sink_error) return;
    if (auto st = sink.write(r); !st) {
      round.sink_error = st.error();
      if (stop) stop->request("the record sink failed: " + st.error().message());
    }
  }
  Ed2kEvents events(Via via, const Endpoint& server) {
    Ed2kEvents ev;
    ev.on_source = [this](EmuleObservation o) {
      ++round.handed_out;
      round.low_ids += o.low_id() ? 1 : 0;
      queue(o);  // asked again each round, written once
      if (!seen.insert({o.via, o.source, o.file, o.raw_id, o.peer_port}).second) return;
      o.run = run;
      ++round.observations;
      write(std::move(o));
    };
    ev.on_anomaly = [this, via, server](AnomalyKind kind, std::string detail) { anomaly(via, server, kind, std::move(detail)); };
    return ev;
  }
  KadEvents kad_events() {
    KadEvents ev;
    ev.on_source = events(Via::kad, {}).on_source;
    ev.on_anomaly = [this](const Endpoint& from, AnomalyKind kind, std::string detail) {
      anomaly(Via::kad, from, kind, std::move(detail));
    };
    return ev;
  }
  void anomaly(Via via, const Endpoint& from, AnomalyKind kind, std::string detail) {
    ++round.anomalies;
    write(Anomaly{utc_now(), run, via, {}, from, {}, {}, kind, std::move(detail), 1});
  }
};

awaitable<void> exchange(Ed2kFile file, Endpoint peer, const SxConfig& cfg, RateGate& gate, Recorder& rec,
                         StopSignal* stop) {
  auto ev = rec.events(Via::sx, peer);
  auto out = co_await sx_session(peer, file, cfg, gate, ev, stop);
  ++rec.round.sx_ends[std::string(name_of(out.end))];
}

awaitable<void> ask_one(Endpoint server, const std::vector<Ed2kFile>& files, const Ed2kAskConfig& cfg,
                        RateGate& gate, Recorder& rec, StopSignal* stop) {
  auto tcp_events = rec.events(Via::ed2k_server, server);
  auto tcp = co_await ask_server_tcp(server, files, cfg, gate, tcp_events, stop);
  if (!tcp) rec.round.failures[server.to_string()] = tcp.error().message();
  if (stop && stop->requested()) co_return;
  Endpoint udp_server{server.address, static_cast<std::uint16_t>(server.port + 4)};
  auto udp_events = rec.events(Via::ed2k_server_udp, udp_server);
  auto udp = co_await ask_server_udp(udp_server, files, cfg, gate, udp_events);
  if (tcp || (udp && udp.value().status)) ++rec.round.servers_answered;
}

}  // namespace

StatusOr<Ed2kInputs> load_ed2k_inputs(const std::vector<std::string>& inputs) {
  Collector c;
  for (const auto& input : inputs) {
    if (ed2k::looks_like_link(input)) {
      P2PSCOPE_CHECK(c.add_link(input, "'" + printable(input.substr(0, 60)) + "'"));
      continue;
    }
    std::error_code ec;
    if (std::filesystem::is_regular_file(input, ec)) P2PSCOPE_CHECK(read_input_file(input, c));
  }
  return c.take();
}

ed2k::Md4 crawler_user_hash(const IpAddress& local) {
  std::error_code ec;
  std::string host;
  std::ifstream("/etc/hostname") >> host;
  auto h = ed2k::md4_of("p2pscope eMule user hash\n" + host + "\n" + local.to_string());
  h.bytes[5] = 14;
  h.bytes[14] = 111;
  return h;
}

awaitable<std::vector<Endpoint>> resolve_servers(const std::vector<std::string>& servers,
                                                 std::vector<std::string>& failed) {
  std::vector<Endpoint> out;
  for (const auto& n : co_await resolve_bootstrap(servers, failed)) out.push_back(n.endpoint);
  co_return out;
}

awaitable<Ed2kRound> crawl_emule_round(std::vector<Endpoint> servers, std::vector<kad::Contact> kad_seeds,
                                       std::vector<Ed2kFile> files, const EmuleRoundConfig& cfg, RateGate& gate,
                                       RecordSink& sink, StopSignal* stop, EmuleMemory* memory) {
  Ed2kRound round;
  round.servers = servers.size();
  EmuleMemory alone;
  auto& seen = (memory ? *memory : alone).written;
  Recorder rec{cfg.run_id, sink, round, seen, stop, cfg.contact_special};
  for (const auto& f : files) rec.sizes[f.hash] = f.size;
  const std::size_t parallel = cfg.parallel;
  auto ex = co_await asio::this_coro::executor;
  std::size_t next = 0, running = 0;
  Wakeup done(ex);
  // Up to `parallel` servers at a time; each one that finishes starts the next.
  std::function<void()> start = [&] {
    while (running < std::max<std::size_t>(parallel, 1) && next < servers.size() && !(stop && stop->requested())) {
      ++running;
      asio::co_spawn(ex, ask_one(servers[next++], files, cfg.servers, gate, rec, stop), [&](std::exception_ptr) {
        --running;
        start();
        done.notify();
      });
    }
  };
  start();
  while (running > 0) co_await done.wait();
  if (!kad_seeds.empty() && !(stop && stop->requested())) {
    auto events = rec.kad_events();
    auto kad = co_await crawl_kad(std::move(kad_seeds), files, cfg.kad, gate, events, stop);
    if (kad) round.kad = kad.value();
    else round.failures["KAD"] = kad.error().message();
  }
  // Source exchange, backtracking: what one peer names is asked in turn.
  std::size_t asked = 0;
  std::function<void()> more = [&] {
    while (running < std::max<std::size_t>(cfg.sx_parallel, 1) && asked < rec.to_ask.size() && asked < cfg.sx_max &&
           !(stop && stop->requested())) {
      auto [file, peer] = rec.to_ask[asked++];
      ++running;
      asio::co_spawn(ex, exchange(file, peer, cfg.sx, gate, rec, stop), [&](std::exception_ptr) {
        --running;
        more();
        done.notify();
      });
    }
  };
  more();
  while (running > 0) co_await done.wait();
  co_return round;
}

awaitable<EmuleCrawl> crawl_emule(std::vector<Endpoint> servers, std::vector<kad::Contact> kad_seeds,
                                  std::vector<Ed2kFile> files, const EmuleRoundConfig& cfg, const EmuleSchedule& schedule,
                                  RateGate& gate, RecordSink& sink, StopSignal* stop,
                                  std::function<void(const Ed2kRound&)> on_round) {
  EmuleCrawl crawl;
  EmuleMemory memory;
  const auto start = std::chrono::steady_clock::now();
  auto ex = co_await asio::this_coro::executor;
  Wakeup woken(ex);
  StopSignal::Hook hook;
  if (stop) hook = stop->on_request([&woken] { woken.notify(); });
  for (;;) {
    auto round_start = std::chrono::steady_clock::now();
    crawl.rounds.push_back(co_await crawl_emule_round(servers, kad_seeds, files, cfg, gate, sink, stop, &memory));
    const auto& r = crawl.rounds.back();
    if (on_round) on_round(r);
    auto took = std::chrono::steady_clock::now() - round_start;
    if (r.sink_error) crawl.stop_reason = "the record sink failed";
    else if (stop && stop->requested()) crawl.stop_reason = "stopped";
    else if (r.observations == 0) crawl.stop_reason = "nothing new";
    else if (schedule.max_rounds && crawl.rounds.size() >= schedule.max_rounds) crawl.stop_reason = "max_rounds";
    else if (schedule.max_duration.count() > 0 &&
             std::chrono::steady_clock::now() + schedule.requery + took > start + schedule.max_duration)
      crawl.stop_reason = "max_duration";
    if (!crawl.stop_reason.empty()) break;
    co_await woken.wait_until(round_start + schedule.requery);
    if (stop && stop->requested()) {
      crawl.stop_reason = "stopped";
      break;
    }
  }
  co_return crawl;
}

}  // namespace p2pscope::crawler
