#include "lab/routability.hpp"

#include "core/special_ranges.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <map>

extern char** environ;

namespace p2pscope::lab {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kFarmAsn = 209999;

// Kept in the binary so the lab works from any directory.
constexpr const char* kWriterScript = R"perl(
use strict; use warnings;
use MaxMind::DB::Writer::Tree;
my ($in, $out) = @ARGV;
my %types = (autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version => 6, record_size => 24, database_type => 'GeoLite2-ASN',
  languages => ['en'], description => { en => 'p2pscope lab: announced prefixes' },
  map_key_type_callback => sub { $types{ $_[0] } }, remove_reserved_networks => 0);
open(my $fh, '<', $in) or die "cannot read $in: $!";
while (my $line = <$fh>) {
  chomp $line;
  next if $line eq '';
  my ($net, $len, $asn, $org) = split /\t/, $line;
  $tree->insert_network("$net/$len",
    { autonomous_system_number => $asn + 0, autonomous_system_organization => $org });
}
open(my $o, '>:raw', $out) or die "cannot write $out: $!";
$tree->write_tree($o);
close $o or die "cannot write $out: $!";
)perl";

Result<int> run(std::vector<std::string> argv) {
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = 0;
  if (int rc = ::posix_spawnp(&pid, cargv[0], nullptr, nullptr, cargv.data(), environ); rc != 0)
    return std::error_code(rc, std::generic_category());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return std::error_code(errno, std::generic_category());
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::vector<Announcement> lab_announcements(const LabPlan& plan) {
  std::map<std::uint32_t, Announcement> by_net;
  std::map<std::string, Announcement> by_net6;  // the first 6 bytes
  auto announce6 = [&](const IpAddress& ip, bool farm) {
    auto key = std::string(ip.raw().substr(0, 6));
    IpAddress::V6Bytes net{};
    std::copy_n(ip.data(), 6, net.begin());
    auto first = std::uint32_t{net[0]} << 8 | net[1];
    Announcement a{IpAddress::v6(net), 48, farm ? kFarmAsn : 60000 + first % 1000,
                   farm ? std::string("Lab Hosting GmbH") : "Lab ISP6 " + std::to_string(first)};
    by_net6.emplace(key, std::move(a));
  };
  for (const auto& p : plan.parties) {
    if (p.role == Role::bogus_unroutable) continue;
    if (!p.on_lo && p.role != Role::anti_p2p_fake) continue;
    bool farm = p.role == Role::anti_p2p || p.role == Role::anti_p2p_fake;
    if (p.v6) announce6(*p.v6, false);
    if (p.endpoint.address.is_v6()) {
      announce6(p.endpoint.address, farm);
      continue;
    }
    auto net = p.endpoint.address.v4_value() & 0xffffff00u;
    auto first = net >> 24;
    Announcement a{IpAddress::v4(net), 24, farm ? kFarmAsn : 20000 + first,
                   farm ? std::string("Lab Hosting GmbH") : "Lab ISP " + std::to_string(first)};
    by_net.emplace(net, std::move(a));
  }
  std::vector<Announcement> out;
  for (auto& [net, a] : by_net) out.push_back(std::move(a));
  for (auto& [net, a] : by_net6) out.push_back(std::move(a));
  return out;
}

const Announcement* announced(const std::vector<Announcement>& a, const IpAddress& ip) {
  for (const auto& x : a) {
    if (in_prefix(ip, x.network, x.length)) return &x;
  }
  return nullptr;
}

std::string format_pfx2as(const std::vector<Announcement>& a) {
  std::string out;
  for (const auto& x : a) out += x.network.to_string() + "\t" + std::to_string(x.length) + "\t" + std::to_string(x.asn) + "\n";
  return out;
}

Status write_asn_mmdb(const std::vector<Announcement>& a, const fs::path& out) {
  auto tsv = fs::path(out).replace_extension(".tsv");
  auto script = fs::path(out).replace_extension(".pl");
  {
    std::ofstream t(tsv), s(script);
    for (const auto& x : a) t << x.network.to_string() << "\t" << x.length << "\t" << x.asn << "\t" << x.org << "\n";
    s << kWriterScript;
    if (!t || !s) return fail(std::errc::io_error, "writing " + tsv.string() + " and " + script.string());
  }
  auto rc = run({"perl", script.string(), tsv.string(), out.string()});
  std::error_code ignored;
  fs::remove(tsv, ignored);
  fs::remove(script, ignored);
  if (!rc || rc.value() != 0)
    return fail(rc ? std::make_error_code(std::errc::io_error) : rc.error(),
                "writing " + out.string() +
                    " with MaxMind::DB::Writer failed (is libmaxmind-db-writer-perl installed? scripts/setup.sh installs it)");
  return success();
}

}  // namespace p2pscope::lab
