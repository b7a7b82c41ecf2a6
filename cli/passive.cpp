// p2pscope passive: read pcap/pcapng files and write what the BitTorrent
// recognisers find in them (handshakes, extended handshakes, ut_pex, KRPC,
// tracker announces and replies) as JSON Lines.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "passive/extractor.hpp"
#include "passive/pcap_reader.hpp"

#include <fstream>
#include <iostream>

namespace p2pscope::cli {
namespace {

struct PassiveArgs {
  std::vector<std::string> files;
  std::string out = "-";
  std::size_t max_flows = 65536;
};

struct Totals {
  std::uint64_t frames = 0, not_ip = 0, events = 0;
  std::map<std::string, std::uint64_t> by_type;
};

// Reads one capture into the extractor; false when the file could not be
// read at all or ended in a damaged record (everything before is kept).
bool read_capture(const std::string& file, passive::Extractor& x, Totals& tot) {
  std::string detail;
  auto sum = passive::read_packets(
      file, [&x](const passive::Frame& f, const Packet* p) { if (p) x.packet(f.t, *p); }, &detail);
  if (!sum) {
    std::cerr << "p2pscope passive: " << file << ": not a readable capture: " << detail << "\n";
    return false;
  }
  tot.frames += sum.value().frames;
  tot.not_ip += sum.value().not_ip;
  if (sum.value().damage) {
    std::cerr << "p2pscope passive: " << file << ": damaged after frame " << sum.value().frames << ": "
              << *sum.value().damage << " (every frame before it was read)\n";
    return false;
  }
  return true;
}

int run_passive(const PassiveArgs& a) {
  std::ofstream file;
  if (a.out != "-") {
    file.open(a.out, std::ios::trunc);
    if (!file) {
      std::cerr << "p2pscope passive: cannot write " << a.out << "\n";
      return kFailure;
    }
  }
  std::ostream& out = a.out == "-" ? std::cout : file;
  Totals tot;
  passive::ExtractorLimits lim;
  lim.max_flows = a.max_flows;
  passive::Extractor x(
      [&](const passive::Event& e) {
        auto j = passive::to_json(e);
        ++tot.events;
        ++tot.by_type[j.at("type").get<std::string>()];
        out << j.dump() << '\n';
      },
      lim);
  bool ok = true;
  for (const auto& f : a.files) ok &= read_capture(f, x, tot);
  x.finish();
  out.flush();
  if (!out) {
    std::cerr << "p2pscope passive: writing " << a.out << " failed\n";
    return kFailure;
  }
  std::cerr << "passive: " << tot.frames << " frames (" << tot.not_ip << " not IP), " << x.flows_seen() << " flows ("
            << x.flows_evicted() << " evicted), " << tot.events << " records\n";
  for (const auto& [type, n] : tot.by_type) std::cerr << "  " << type << ": " << n << "\n";
  for (const auto& [what, n] : x.anomalies()) std::cerr << "  anomaly " << what << ": " << n << "\n";
  return ok ? kOk : kFailure;
}

}  // namespace

void add_passive(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<PassiveArgs>();
  auto* sub = app.add_subcommand(
      "passive",
      "Read pcap/pcapng captures and write the BitTorrent traffic in them as JSON Lines: handshakes, extended "
      "handshakes, ut_pex, KRPC, tracker announces and replies (honeynet events and scan labelling: issue #7, not "
      "built yet)");
  sub->add_option("captures", a->files, "pcap or pcapng files, read in order")->required()->check(CLI::ExistingFile);
  sub->add_option("-o,--out", a->out, "Output file, or - for standard output")->capture_default_str();
  sub->add_option("--max-flows", a->max_flows, "Flows tracked at once; the least recently seen are evicted")
      ->check(CLI::Range(std::size_t{16}, std::size_t{1} << 24))
      ->capture_default_str();
  sub->footer("Exit status: 0 when every capture was read to its end, 1 when one was unreadable or damaged (what "
              "came before the damage is still written), 2 on bad usage.");
  sub->callback([a, exit_code] { *exit_code = run_passive(*a); });
}

}  // namespace p2pscope::cli
