// Routability lookups: our PrefixTable against libmaxminddb on the same
// ASN .mmdb, in the same run.
//
// Unless --mmdb names a real database (GeoLite2-ASN, DB-IP ASN-lite), it
// writes a synthetic one with MaxMind's own writer (the lab's): --v4 and --v6
// prefixes from --asns origins, placed inside a few thousand allocation
// blocks the way registries hand out space, lengths drawn from a BGP-table-
// like mix. Both sides then answer the same --lookups addresses (70% IPv4,
// half of them inside some prefix), prepared before the clock starts.
// Before timing, both must agree on the ASN of every address.
//
// Prints one JSON object: lookups per second for ours, for
// MMDB_lookup_sockaddr alone, and for MMDB_lookup_sockaddr plus reading the
// ASN (what a caller needs); our table's bytes against the file's.
#include "lab/routability.hpp"
#include "probes/prefix_table.hpp"
#include "probes/routing_data.hpp"

#include <maxminddb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace p2pscope;
namespace fs = std::filesystem;

struct Options {
  std::size_t v4 = 400'000, v6 = 120'000, asns = 70'000, lookups = 10'000'000;
  std::string mmdb, keep;
};

int length_v4(std::mt19937_64& rng) {
  // Shares of a full IPv4 table by prefix length, /24 the bulk of it.
  static const std::pair<int, int> mix[] = {{24, 58}, {23, 9}, {22, 12}, {21, 5}, {20, 5}, {19, 4},
                                            {18, 2},  {17, 1}, {16, 3},  {15, 1}};
  int pick = static_cast<int>(rng() % 100);
  for (auto [len, share] : mix) {
    if ((pick -= share) < 0) return len;
  }
  return 24;
}

int length_v6(std::mt19937_64& rng) {
  int pick = static_cast<int>(rng() % 100);
  if (pick < 45) return 48;
  if (pick < 65) return 32;
  if (pick < 75) return 44;
  if (pick < 85) return 40;
  return 29 + static_cast<int>(rng() % 18);  // /29 .. /46
}

std::vector<lab::Announcement> synthetic(const Options& o) {
  std::mt19937_64 rng(7);
  std::vector<lab::Announcement> out;
  auto origin = [&](lab::Announcement& a) {
    auto n = rng() % o.asns;
    a.asn = static_cast<std::uint32_t>(1000 + n);
    a.org = "Example Networks " + std::to_string(n) + " Ltd";
  };
  // Registries allocate /12../8-sized blocks; prefixes cluster inside them.
  std::vector<std::uint32_t> blocks4(3000);
  for (auto& b : blocks4) b = static_cast<std::uint32_t>((1 + rng() % 222) << 24 | (rng() & 0xff0000));
  for (std::size_t i = 0; i < o.v4; ++i) {
    int len = length_v4(rng);
    auto base = blocks4[rng() % blocks4.size()] | static_cast<std::uint32_t>(rng() & 0xffff);
    lab::Announcement a;
    a.network = IpAddress::v4(base & ~((1u << (32 - len)) - 1));
    a.length = len;
    origin(a);
    out.push_back(std::move(a));
  }
  std::vector<std::uint64_t> blocks6(2000);
  for (auto& b : blocks6) b = (0x2001ull + rng() % 0x0c00) << 48 | (rng() & 0xfff0ull) << 32;
  for (std::size_t i = 0; i < o.v6; ++i) {
    int len = length_v6(rng);
    auto hi = blocks6[rng() % blocks6.size()] | (rng() & 0xffffffffull) << 16;
    hi &= ~((1ull << (64 - len)) - 1);
    IpAddress::V6Bytes b{};
    for (int k = 0; k < 8; ++k) b[k] = static_cast<std::uint8_t>(hi >> (56 - 8 * k));
    lab::Announcement a;
    a.network = IpAddress::v6(b);
    a.length = len;
    origin(a);
    out.push_back(std::move(a));
  }
  // Less specific first: a more specific prefix inserted later wins its part,
  // as in BGP.
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.length < y.length; });
  return out;
}

std::vector<IpAddress> addresses(const Options& o, const std::vector<lab::Announcement>& prefixes) {
  std::mt19937_64 rng(11);
  std::vector<IpAddress> out;
  out.reserve(o.lookups);
  for (std::size_t i = 0; i < o.lookups; ++i) {
    bool v4 = rng() % 10 < 7;
    bool inside = rng() % 2 == 0 && !prefixes.empty();
    if (inside) {
      // A random host of a random prefix of the wanted family (if any).
      const auto& p = prefixes[rng() % prefixes.size()];
      auto bytes = p.network.data();
      std::vector<std::uint8_t> b(bytes, bytes + p.network.size());
      for (int bit = p.length; bit < static_cast<int>(b.size() * 8); ++bit)
        if (rng() & 1) b[static_cast<std::size_t>(bit / 8)] |= static_cast<std::uint8_t>(0x80 >> (bit % 8));
      out.push_back(IpAddress::from_bytes(std::string(b.begin(), b.end())).value());
    } else if (v4) {
      out.push_back(IpAddress::v4(static_cast<std::uint32_t>(rng())));
    } else {
      IpAddress::V6Bytes b{};
      auto hi = (0x2001ull + rng() % 0x0c00) << 48 | (rng() & 0xffffffffffffull);
      auto lo = rng();
      for (int k = 0; k < 8; ++k) b[k] = static_cast<std::uint8_t>(hi >> (56 - 8 * k));
      for (int k = 0; k < 8; ++k) b[8 + k] = static_cast<std::uint8_t>(lo >> (56 - 8 * k));
      out.push_back(IpAddress::v6(b));
    }
  }
  return out;
}

sockaddr_storage sockaddr_of(const IpAddress& a) {
  sockaddr_storage ss{};
  if (a.is_v4()) {
    auto* s = reinterpret_cast<sockaddr_in*>(&ss);
    s->sin_family = AF_INET;
    std::memcpy(&s->sin_addr, a.data(), 4);
  } else {
    auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
    s->sin6_family = AF_INET6;
    std::memcpy(&s->sin6_addr, a.data(), 16);
  }
  return ss;
}

std::uint32_t mmdb_asn(MMDB_s& db, const sockaddr_storage& sa) {
  int err = 0;
  auto r = MMDB_lookup_sockaddr(&db, reinterpret_cast<const sockaddr*>(&sa), &err);
  if (err != MMDB_SUCCESS || !r.found_entry) return 0;
  MMDB_entry_data_s d;
  if (MMDB_get_value(&r.entry, &d, "autonomous_system_number", nullptr) != MMDB_SUCCESS || !d.has_data) return 0;
  return d.uint32;
}

template <class F>
double per_second(std::size_t n, F&& body) {
  auto t0 = std::chrono::steady_clock::now();
  body();
  return static_cast<double>(n) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--v4" && (v = next())) o.v4 = std::stoul(v);
    else if (a == "--v6" && (v = next())) o.v6 = std::stoul(v);
    else if (a == "--asns" && (v = next())) o.asns = std::max(1ul, std::stoul(v));
    else if (a == "--lookups" && (v = next())) o.lookups = std::stoul(v);
    else if (a == "--mmdb" && (v = next())) o.mmdb = v;
    else if (a == "--keep" && (v = next())) o.keep = v;
    else {
      std::fprintf(stderr,
                   "usage: routability_bench [--v4 N] [--v6 N] [--asns N] [--lookups N] [--mmdb FILE | --keep FILE]\n"
                   "  --mmdb FILE  benchmark a real ASN .mmdb instead of writing a synthetic one\n"
                   "  --keep FILE  keep the synthetic .mmdb there\n");
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) return 2;
  std::vector<lab::Announcement> prefixes;
  fs::path file = o.mmdb;
  auto tmp = fs::temp_directory_path() / ("routability-bench-" + std::to_string(::getpid()) + ".mmdb");
  if (file.empty()) {
    prefixes = synthetic(o);
    file = o.keep.empty() ? tmp : fs::path(o.keep);
    if (auto st = lab::write_asn_mmdb(prefixes, file); !st) {
      std::fprintf(stderr, "routability_bench: %s\n", st.error().message().c_str());
      return 1;
    }
  }
  probes::PrefixTable table;
  auto t0 = std::chrono::steady_clock::now();
  auto load = probes::load_routing(file, probes::RoutingFormat::mmdb, table, {});
  if (!load) {
    std::fprintf(stderr, "routability_bench: %s\n", load.error().message().c_str());
    return 1;
  }
  if (!table.build()) {
    std::fprintf(stderr, "routability_bench: too many origins\n");
    return 1;
  }
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MMDB_s db;
  if (int rc = MMDB_open(file.c_str(), MMDB_MODE_MMAP, &db); rc != MMDB_SUCCESS) {
    std::fprintf(stderr, "routability_bench: %s: %s\n", file.c_str(), MMDB_strerror(rc));
    return 1;
  }
  auto file_bytes = fs::file_size(file);

  auto ips = addresses(o, prefixes);
  std::vector<sockaddr_storage> sas;
  sas.reserve(ips.size());
  for (const auto& ip : ips) sas.push_back(sockaddr_of(ip));

  std::size_t disagree = 0, hits = 0;
  for (std::size_t i = 0; i < ips.size(); ++i) {
    auto m = table.lookup(ips[i]);
    std::uint32_t ours = m ? m->asn : 0;
    hits += ours != 0;
    disagree += ours != mmdb_asn(db, sas[i]);
  }
  if (disagree) {
    std::fprintf(stderr, "routability_bench: %zu of %zu lookups disagree with libmaxminddb\n", disagree, ips.size());
    return 1;
  }

  std::uint64_t sink = 0;
  double ours = per_second(ips.size(), [&] {
    for (const auto& ip : ips) {
      auto m = table.lookup(ip);
      sink += m ? m->asn : 0;
    }
  });
  double mmdb = per_second(sas.size(), [&] {
    for (const auto& sa : sas) {
      int err = 0;
      auto r = MMDB_lookup_sockaddr(&db, reinterpret_cast<const sockaddr*>(&sa), &err);
      sink += r.found_entry ? r.netmask : 0;
    }
  });
  double mmdb_asn_rate = per_second(sas.size(), [&] {
    for (const auto& sa : sas) sink += mmdb_asn(db, sa);
  });
  MMDB_close(&db);
  if (o.mmdb.empty() && o.keep.empty()) fs::remove(tmp);

  std::printf(
      "{\"file\":\"%s\",\"file_bytes\":%ju,\"prefixes\":%zu,\"table_bytes\":%zu,\"load_seconds\":%.2f,"
      "\"lookups\":%zu,\"hits\":%zu,\"ours_per_s\":%.0f,\"mmdb_lookup_per_s\":%.0f,\"mmdb_lookup_asn_per_s\":%.0f,"
      "\"ratio\":%.2f,\"ratio_with_asn\":%.2f,\"sink\":%ju}\n",
      o.mmdb.empty() ? "synthetic" : o.mmdb.c_str(), static_cast<std::uintmax_t>(file_bytes), table.prefixes(),
      table.memory_bytes(), load_s, ips.size(), hits, ours, mmdb, mmdb_asn_rate, ours / mmdb, ours / mmdb_asn_rate,
      static_cast<std::uintmax_t>(sink));
  return 0;
}
