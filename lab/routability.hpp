// The lab's routability data: which lab prefixes are "announced", and by
// which AS, in the formats real data comes in, so that the routability
// probe reads lab and real-world data the same way.
//   - a CAIDA RouteViews prefix-to-AS file (pfx2as: "net<TAB>len<TAB>asn")
//   - a GeoLite2-ASN-shaped .mmdb written by MaxMind's own writer
//     (Debian libmaxmind-db-writer-perl), readable by libmaxminddb
//
// Announced: the /24 of every address configured in the lab, and the
// anti-P2P farms' /24s. Not announced: the bogus "unroutable" entries and
// everything else, so a byte-reversed address that misses every lab peer is
// unroutable by data alone. Anti-P2P farms share one hosting AS.
#pragma once

#include "core/ip.hpp"
#include "lab/plan.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace p2pscope::lab {

struct Announcement {
  IpAddress network;
  int length = 24;
  std::uint32_t asn = 0;
  std::string org;
  friend bool operator==(const Announcement&, const Announcement&) = default;
};

// Sorted by network, no duplicates.
std::vector<Announcement> lab_announcements(const LabPlan& plan);
// The announcement covering ip, if any.
const Announcement* announced(const std::vector<Announcement>& a, const IpAddress& ip);

std::string format_pfx2as(const std::vector<Announcement>& a);
// Runs perl with MaxMind::DB::Writer::Tree; the error says what failed.
Status write_asn_mmdb(const std::vector<Announcement>& a, const std::filesystem::path& out);

}  // namespace p2pscope::lab
