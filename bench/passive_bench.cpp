// p2pscope's passive pass over a capture against a plain libpcap read loop
// over the same file, in the same process, alternating, each repeated.
//   libpcap   pcap_next_ex over every record, summing the captured bytes:
//             the practical limit of reading the file. Twice: as libpcap
//             opens a file by default (stdio's 4 KiB buffer: the headline
//             baseline), and with the 1 MiB stdio buffer our reader gives
//             it (`share_same_buffer`, so that gain is not counted as ours);
//   ours      read_packets_pipelined (libpcap plus link/IP/transport
//             decoding, on a second thread) into passive::Analyses with
//             every recogniser on and each record serialised to JSON, as
//             `p2pscope passive -o /dev/null` does. Its CPU time (both
//             threads) is reported too: `share_cpu` compares that with the
//             single-threaded loop's time.
// The file is read once before timing so both runs see a warm page cache.
//
// --messages off leaves out the per-message records (as --no-messages does).
// --only ours|libpcap runs just that loop (for a profiler) and prints its time.
//
//   passive_bench --capture FILE [--repetitions N] [--messages on|off] [--only ours]   prints one JSON object
#include "passive/analyses.hpp"
#include "passive/pcap_reader.hpp"

#include <pcap/pcap.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace p2pscope {
namespace {

using Clock = std::chrono::steady_clock;

// CPU seconds of the whole process, every thread (the pass reads on a second one).
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

struct Run {
  double seconds = 0;
  double cpu = 0;
  std::uint64_t packets = 0, records = 0;
};

enum class Buffer { libpcap_default, ours };

Run libpcap_loop(const std::string& file, Buffer buffer = Buffer::libpcap_default) {
  char err[PCAP_ERRBUF_SIZE] = {};
  auto start = Clock::now();
  std::vector<char> stdio_buffer;
  pcap_t* p = nullptr;
  if (buffer == Buffer::ours) {
    FILE* f = std::fopen(file.c_str(), "rb");
    if (!f) throw std::runtime_error(file + ": cannot open");
    stdio_buffer.resize(std::size_t{1} << 20);  // as passive::PcapReader::open
    std::setvbuf(f, stdio_buffer.data(), _IOFBF, stdio_buffer.size());
    p = pcap_fopen_offline(f, err);
    if (!p) std::fclose(f);
  } else {
    p = pcap_open_offline(file.c_str(), err);
  }
  if (!p) throw std::runtime_error(err);
  Run r;
  std::uint64_t bytes = 0;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &h, &data) == 1) {
    ++r.packets;
    bytes += h->caplen + data[0];
  }
  pcap_close(p);
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.records = bytes;  // keeps the loop from being optimised away
  return r;
}

Run ours(const std::string& file, bool messages) {
  auto start = Clock::now();
  auto cpu_start = cpu_seconds();
  Run r;
  std::size_t json_bytes = 0;
  passive::AnalysisOptions opt;
  opt.messages = messages;
  passive::Analyses an(opt, [&](std::string_view, std::string_view line) {
    ++r.records;
    json_bytes += line.size();
  });
  auto reader = passive::PcapReader::open(file);
  if (!reader) throw std::runtime_error(reader.error().message());
  auto sum = passive::read_packets_pipelined(reader.value(), [&](const passive::Frame& f, const Packet* p) {
    ++r.packets;
    if (p) an.packet(f.t, *p);
  });
  if (sum.damage) throw std::runtime_error(*sum.damage);
  an.finish();
  r.cpu = cpu_seconds() - cpu_start;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (json_bytes == 0 && r.records > 0) throw std::runtime_error("empty records");
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace
}  // namespace p2pscope

int main(int argc, char** argv) {
  std::string file;
  int reps = 3;
  bool messages = true;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--capture")) file = argv[i + 1];
    else if (!std::strcmp(argv[i], "--repetitions")) reps = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--messages")) messages = std::strcmp(argv[i + 1], "off") != 0;
    else if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
  }
  if (file.empty()) {
    std::fprintf(stderr, "usage: passive_bench --capture FILE [--repetitions N] [--messages on|off]\n");
    return 2;
  }
  try {
    if (!only.empty()) {
      std::vector<double> t;
      p2pscope::Run o;
      for (int i = 0; i < reps; ++i)
        t.push_back((o = only == "libpcap" ? p2pscope::libpcap_loop(file) : p2pscope::ours(file, messages)).seconds);
      std::printf("{\"packets\": %llu, \"%s_s\": %.4f, \"repetitions\": %d}\n", static_cast<unsigned long long>(o.packets),
                  only == "libpcap" ? "libpcap" : "ours", p2pscope::median(t), reps);
      return 0;
    }
    (void)p2pscope::libpcap_loop(file);  // warm the page cache
    std::vector<double> base, buffered, ours, ours_cpu;
    p2pscope::Run b, o;
    for (int i = 0; i < reps; ++i) {
      b = p2pscope::libpcap_loop(file);
      buffered.push_back(p2pscope::libpcap_loop(file, p2pscope::Buffer::ours).seconds);
      o = p2pscope::ours(file, messages);
      base.push_back(b.seconds);
      ours.push_back(o.seconds);
      ours_cpu.push_back(o.cpu);
    }
    if (b.packets != o.packets) throw std::runtime_error("the two loops read different packet counts");
    double bs = p2pscope::median(base), bb = p2pscope::median(buffered), os = p2pscope::median(ours);
    double oc = p2pscope::median(ours_cpu);
    std::printf("{\"packets\": %llu, \"records\": %llu, \"libpcap_s\": %.4f, \"libpcap_same_buffer_s\": %.4f, "
                "\"ours_s\": %.4f, \"libpcap_pps\": %.0f, \"ours_pps\": %.0f, \"share\": %.4f, "
                "\"share_same_buffer\": %.4f, \"ours_cpu_s\": %.4f, \"share_cpu\": %.4f, \"repetitions\": %d}\n",
                static_cast<unsigned long long>(o.packets), static_cast<unsigned long long>(o.records), bs, bb, os,
                static_cast<double>(b.packets) / bs, static_cast<double>(o.packets) / os, bs / os, bb / os, oc, bs / oc, reps);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "passive_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
