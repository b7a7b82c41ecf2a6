// Decoding cost of p2pscope's typed codecs against libtorrent's bdecode of
// the same bytes, measured in the same run. bdecode is the floor: every
// bencoded message must be tokenised at least once, so the ratio is what the
// typed layer (validation, limits, compact lists) adds on top.
#include "core/extension.hpp"
#include "core/krpc.hpp"
#include "tests/testlib/random_values.hpp"

#include <benchmark/benchmark.h>

namespace p2pscope {
namespace {

// A realistic get_peers response: 8 nodes, 50 values, token, version.
std::string get_peers_response() {
  testlib::Gen g(42);
  KrpcResponse r;
  r.transaction_id = "ab";
  r.id = g.hash<NodeId>();
  for (int i = 0; i < 8; ++i) r.nodes.push_back(g.node(Family::v4));
  for (int i = 0; i < 50; ++i) r.values.push_back(g.endpoint(Family::v4));
  r.token = g.bytes(8);
  r.version = "LT20";
  return encode_krpc(r);
}

// A full ut_pex message: 50 added peers with flags, 50 dropped.
std::string full_pex() {
  testlib::Gen g(43);
  PexMessage m;
  for (int i = 0; i < 50; ++i) m.added.push_back(PexPeer{g.endpoint(Family::v4), PexFlags::from_bits(0x10)});
  for (int i = 0; i < 50; ++i) m.dropped.push_back(g.endpoint(Family::v4));
  return encode_pex(m);
}

void run_bdecode(benchmark::State& state, const std::string& msg) {
  for (auto _ : state) {
    lt::error_code ec;
    auto node = lt::bdecode({msg.data(), static_cast<std::ptrdiff_t>(msg.size())}, ec);
    benchmark::DoNotOptimize(node);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
}

void BM_BaselineBdecodeGetPeers(benchmark::State& state) { run_bdecode(state, get_peers_response()); }
void BM_DecodeKrpcGetPeers(benchmark::State& state) {
  auto msg = get_peers_response();
  for (auto _ : state) benchmark::DoNotOptimize(decode_krpc(msg));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
}
void BM_BaselineBdecodePex(benchmark::State& state) { run_bdecode(state, full_pex()); }
void BM_DecodePex(benchmark::State& state) {
  auto msg = full_pex();
  for (auto _ : state) benchmark::DoNotOptimize(decode_pex(msg));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
}

BENCHMARK(BM_BaselineBdecodeGetPeers);
BENCHMARK(BM_DecodeKrpcGetPeers);
BENCHMARK(BM_BaselineBdecodePex);
BENCHMARK(BM_DecodePex);

}  // namespace
}  // namespace p2pscope

BENCHMARK_MAIN();
