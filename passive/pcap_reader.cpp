#include "passive/pcap_reader.hpp"

#include <pcap/pcap.h>

namespace p2pscope::passive {

void PcapReader::Close::operator()(pcap* p) const noexcept { pcap_close(p); }

Result<PcapReader> PcapReader::open(const std::filesystem::path& file, std::string* detail) {
  char err[PCAP_ERRBUF_SIZE] = {};
  std::unique_ptr<pcap, Close> h(pcap_open_offline_with_tstamp_precision(file.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err));
  if (!h) {
    if (detail) *detail = err;
    return errc::bad_value;
  }
  auto link = link_type_from(pcap_datalink(h.get()));
  if (!link) {
    if (detail) *detail = std::string("unsupported link type ") + std::to_string(pcap_datalink(h.get()));
    return errc::bad_value;
  }
  return PcapReader(std::move(h), link.value());
}

Result<std::optional<Frame>> PcapReader::next(std::string* detail) {
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(handle_.get(), &hdr, &data);
  if (rc == PCAP_ERROR_BREAK) return std::optional<Frame>{};
  if (rc != 1) {
    if (detail) *detail = pcap_geterr(handle_.get());
    return errc::truncated;
  }
  Frame f;
  f.t = static_cast<double>(hdr->ts.tv_sec) + static_cast<double>(hdr->ts.tv_usec) / 1e6;
  f.data = std::string_view(reinterpret_cast<const char*>(data), hdr->caplen);
  f.wire_length = hdr->len;
  return std::optional<Frame>{f};
}

Result<ReadSummary> read_packets(const std::filesystem::path& file,
                                 const std::function<void(const Frame&, const Packet*)>& on_frame, std::string* detail) {
  P2PSCOPE_TRY(reader, PcapReader::open(file, detail));
  ReadSummary sum;
  std::string why;
  for (;;) {
    auto f = reader.next(&why);
    if (!f) {
      sum.damage = why;
      return sum;
    }
    if (!f.value()) return sum;
    ++sum.frames;
    auto p = decode_frame(reader.link(), f.value()->data);
    if (!p) ++sum.not_ip;
    on_frame(*f.value(), p ? &p.value() : nullptr);
  }
}

}  // namespace p2pscope::passive
