#include "probes/blocklist.hpp"

#include <algorithm>

namespace p2pscope::probes {
namespace {

std::string clean_label(std::string_view label, std::string_view forbidden) {
  // A byte-order mark means nothing inside a label, and at the start of a
  // list's first line the reader drops it, which would uncover a comment
  // marker behind it.
  // Taking one out can join the bytes around it into another
  // ("\xef" + mark + "\xbb\xbf"), so the search steps back over them.
  std::string no_bom(label);
  for (auto at = no_bom.find("\xef\xbb\xbf"); at != std::string::npos;
       at = no_bom.find("\xef\xbb\xbf", at >= 2 ? at - 2 : 0))
    no_bom.erase(at, 3);
  std::string out;
  for (char c : no_bom) {
    // Control bytes go too: a label starting "\x1f\x8b" made a whole list read back as gzip.
    auto u = static_cast<unsigned char>(c);
    bool bad = u < 0x20 || u == 0x7f || forbidden.find(c) != std::string_view::npos;
    out += bad ? ' ' : c;
  }
  // A P2P line starting with '#' or "//" reads back as a comment.
  auto start = out.find_first_not_of(" \t");
  if (start != std::string::npos && (out[start] == '#' || out[start] == '/')) out[start] = '_';
  return out.find_first_not_of(" \t") == std::string::npos ? "p2pscope" : out;
}

std::string safe_name(std::string_view name) { return valid_list_name(name) ? std::string(name) : "p2pscope"; }

// "001.002.003.004": the fixed-width DAT octets eMule writes.
std::string padded(const IpAddress& a) {
  std::string out;
  for (std::size_t i = 0; i < 4; ++i) {
    auto o = std::to_string(a.data()[i]);
    out += std::string(3 - o.size(), '0') + o + (i < 3 ? "." : "");
  }
  return out;
}

void p2p_or_dat(const std::vector<IpRange>& ranges, BlocklistFormat f, Blocklist& out) {
  for (const auto& r : ranges) {
    if (!r.first.is_v4()) {
      ++out.left_out_v6;
      continue;
    }
    if (f == BlocklistFormat::p2p) {
      out.text += clean_label(r.label, ":") + ":" + r.first.to_string() + "-" + r.last.to_string() + "\n";
    } else {
      out.text += padded(r.first) + " - " + padded(r.last) + " , 000 , " + clean_label(r.label, ",") + "\n";
    }
    ++out.rules;
  }
}

void cidr(const std::vector<IpRange>& ranges, Blocklist& out) {
  for (const auto& r : ranges)
    for (const auto& c : to_cidrs(r)) {
      out.text += c.to_string() + "\n";
      ++out.rules;
    }
}

void nft(const std::vector<IpRange>& ranges, const std::string& name, Blocklist& out) {
  out.text += "table inet " + name + " {\n";
  for (auto fam : {Family::v4, Family::v6}) {
    auto v4 = fam == Family::v4;
    out.text += std::string("  set blocklist_") + (v4 ? "v4" : "v6") + " {\n    type " + (v4 ? "ipv4_addr" : "ipv6_addr") +
                "\n    flags interval\n";
    std::string elements;
    for (const auto& r : ranges) {
      if (r.family() != fam) continue;
      elements += std::string(elements.empty() ? "" : ",\n      ") + r.first.to_string() +
                  (r.first == r.last ? "" : "-" + r.last.to_string());
      ++out.rules;
    }
    if (!elements.empty()) out.text += "    elements = { " + elements + " }\n";
    out.text += "  }\n";
  }
  out.text += "}\n";
}

void ipset(const std::vector<IpRange>& ranges, const std::string& name, Blocklist& out) {
  for (auto fam : {Family::v4, Family::v6}) {
    auto set = name + (fam == Family::v4 ? "-v4" : "-v6");
    out.text += "create " + set + " hash:net family " + (fam == Family::v4 ? "inet" : "inet6") + " maxelem 1048576 -exist\n";
    for (const auto& r : ranges) {
      if (r.family() != fam) continue;
      for (const auto& c : to_cidrs(r)) {
        out.text += "add " + set + " " + c.to_string() + " -exist\n";
        ++out.rules;
      }
    }
  }
}

}  // namespace

bool valid_list_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= 28 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string_view to_string(BlocklistFormat f) noexcept { return name_of(f); }

Result<BlocklistFormat> blocklist_format_from(std::string_view s) { return from_name<BlocklistFormat>(s); }

Blocklist format_blocklist(std::vector<IpRange> ranges, BlocklistFormat f, std::string_view name) {
  auto merged = merge_ranges(std::move(ranges));
  Blocklist out;
  switch (f) {
    case BlocklistFormat::p2p:
    case BlocklistFormat::dat: p2p_or_dat(merged, f, out); break;
    case BlocklistFormat::cidr: cidr(merged, out); break;
    case BlocklistFormat::nft: nft(merged, safe_name(name), out); break;
    case BlocklistFormat::ipset: ipset(merged, safe_name(name), out); break;
  }
  return out;
}

}  // namespace p2pscope::probes
