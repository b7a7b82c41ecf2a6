#include "passive/pcap_reader.hpp"

#include "passive/pcap_file.hpp"

#include <pcap/pcap.h>
#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace p2pscope::passive {

void PcapReader::Close::operator()(pcap* p) const noexcept { pcap_close(p); }

namespace {

// pcap_datalink() gives DLT_ values, not the LINKTYPE_ values a file
// stores: libpcap turns LINKTYPE_RAW (101) into DLT_RAW, which is 12 (14 on
// OpenBSD). The others decode_frame knows have equal numbers in both.
Result<LinkType> link_type_of(pcap* h) {
  int dlt = pcap_datalink(h);
  if (dlt == DLT_RAW || dlt == 12 || dlt == 14) return LinkType::raw;
  return link_type_from(dlt);
}

}  // namespace

struct PcapReader::CompiledFilter {
  explicit CompiledFilter(const bpf_program& p) : prog(p) {}
  CompiledFilter(const CompiledFilter&) = delete;
  CompiledFilter& operator=(const CompiledFilter&) = delete;
  ~CompiledFilter() { pcap_freecode(&prog); }
  bpf_program prog;
};

PcapReader::PcapReader(std::unique_ptr<pcap, Close> h, LinkType link, std::optional<std::chrono::milliseconds> timeout)
    : handle_(std::move(h)), link_(link), timeout_(timeout) {}
PcapReader::PcapReader(PcapReader&&) noexcept = default;
PcapReader& PcapReader::operator=(PcapReader&&) noexcept = default;
PcapReader::~PcapReader() = default;

StatusOr<PcapReader> PcapReader::open(const std::filesystem::path& file, FileReader with) {
  char err[PCAP_ERRBUF_SIZE] = {};
  // libpcap reads a file through stdio, two freads per record; stdio's
  // default buffer (one file-system block) costs a read(2) per 4 KiB.
  // A 1 MiB buffer makes that one per MiB. libpcap owns and closes the FILE.
  FILE* fp = std::fopen(file.c_str(), "rb");
  if (!fp) return fail(errc::bad_value, file.string() + ": " + std::strerror(errno));
  // glibc ignores the size unless it is given the buffer itself.
  auto buffer = std::make_unique<std::vector<char>>(std::size_t{1} << 20);
  std::setvbuf(fp, buffer->data(), _IOFBF, buffer->size());
  std::unique_ptr<pcap, Close> h(pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, err));
  if (!h) {
    std::fclose(fp);
    return fail(errc::bad_value, err);
  }
  auto link = link_type_of(h.get());
  if (!link) return fail(errc::bad_value, "unsupported link type " + std::to_string(pcap_datalink(h.get())));
  int snapshot = pcap_snapshot(h.get());
  // The descriptor libpcap opened, so that the file it accepted is the one read.
  int fd = with == FileReader::libpcap ? -1 : ::fcntl(fileno(pcap_file(h.get())), F_DUPFD_CLOEXEC, 0);
  PcapReader r(std::move(h), link.value(), std::nullopt);
  r.file_buffer_ = std::move(buffer);
  if (auto classic = ClassicPcapFile::adopt(fd, snapshot)) r.classic_ = std::make_unique<ClassicPcapFile>(std::move(*classic));
  return r;
}

namespace {

std::error_code live_error(int rc) {
  if (rc == PCAP_ERROR_PERM_DENIED) return std::make_error_code(std::errc::operation_not_permitted);
  if (rc == PCAP_ERROR_NO_SUCH_DEVICE) return std::make_error_code(std::errc::no_such_device);
  return make_error_code(errc::bad_value);
}

}  // namespace

StatusOr<PcapReader> PcapReader::open_live(const std::string& interface, const LiveOptions& opt) {
  char err[PCAP_ERRBUF_SIZE] = {};
  std::unique_ptr<pcap, Close> h(pcap_create(interface.c_str(), err));
  if (!h) return fail(std::errc::no_such_device, err);
  pcap_set_snaplen(h.get(), opt.snaplen);
  pcap_set_buffer_size(h.get(), opt.buffer_bytes);
  pcap_set_timeout(h.get(), static_cast<int>(opt.timeout.count()));
  pcap_set_promisc(h.get(), opt.promiscuous == Promiscuous::yes ? 1 : 0);
  pcap_set_tstamp_precision(h.get(), PCAP_TSTAMP_PRECISION_MICRO);
  int rc = pcap_activate(h.get());
  if (rc < 0) {
    std::string why = pcap_geterr(h.get());
    if (rc == PCAP_ERROR_PERM_DENIED) why += " (live capture needs CAP_NET_RAW: run as root, or setcap cap_net_raw+ep on the binary)";
    return fail(live_error(rc), std::move(why));
  }
  auto link = link_type_of(h.get());
  if (!link) return fail(errc::bad_value, "unsupported link type " + std::to_string(pcap_datalink(h.get())));
  // libpcap's own timeout may never fire on a quiet Linux interface
  // (TPACKET_V3 retires a block only once it holds a packet), so the reader
  // polls the descriptor itself with the timeout and reads without blocking.
  if (pcap_setnonblock(h.get(), 1, err) != 0 || pcap_get_selectable_fd(h.get()) < 0)
    return fail(errc::bad_value, std::string("cannot wait on the capture: ") + err);
  return PcapReader(std::move(h), link.value(), opt.timeout);
}

Status PcapReader::set_filter(const std::string& expression) {
  bpf_program prog{};
  if (pcap_compile(handle_.get(), &prog, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    return fail(errc::bad_value, pcap_geterr(handle_.get()));
  if (classic_) {
    classic_filter_ = std::make_unique<CompiledFilter>(prog);
    return success();
  }
  int rc = pcap_setfilter(handle_.get(), &prog);
  pcap_freecode(&prog);
  if (rc != 0) return fail(errc::bad_value, pcap_geterr(handle_.get()));
  return success();
}

CaptureDrops PcapReader::drops() const {
  pcap_stat st{};
  if (!live() || pcap_stats(handle_.get(), &st) != 0) return {};
  return {st.ps_drop, st.ps_ifdrop};
}

StatusOr<std::optional<Frame>> PcapReader::next(const std::function<bool()>& keep_going) {
  if (classic_) {
    for (;;) {
      auto f = classic_->next();
      if (!f || !f.value() || !classic_filter_) return f;
      pcap_pkthdr h{};
      h.caplen = static_cast<bpf_u_int32>(f.value()->data.size());
      h.len = static_cast<bpf_u_int32>(f.value()->wire_length);
      if (pcap_offline_filter(&classic_filter_->prog, &h, reinterpret_cast<const u_char*>(f.value()->data.data())))
        return f;
    }
  }
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(handle_.get(), &hdr, &data);
  while (rc == 0) {  // a live capture with nothing captured yet
    if (keep_going && !keep_going()) return std::optional<Frame>{};
    pollfd fd{pcap_get_selectable_fd(handle_.get()), POLLIN, 0};
    (void)::poll(&fd, 1, static_cast<int>(timeout_->count()));  // EINTR: a signal, keep_going decides
    rc = pcap_next_ex(handle_.get(), &hdr, &data);
  }
  if (rc == PCAP_ERROR_BREAK) return std::optional<Frame>{};
  if (rc != 1) return fail(errc::truncated, pcap_geterr(handle_.get()));
  Frame f;
  f.t = static_cast<double>(hdr->ts.tv_sec) + static_cast<double>(hdr->ts.tv_usec) / 1e6;
  f.data = std::string_view(reinterpret_cast<const char*>(data), hdr->caplen);
  f.wire_length = hdr->len;
  return std::optional<Frame>{f};
}

StatusOr<ReadSummary> read_packets(const std::filesystem::path& file, const FrameSink& on_frame) {
  P2PSCOPE_TRY(reader, PcapReader::open(file));
  return read_packets(reader, on_frame);
}

ReadSummary read_packets(PcapReader& reader, const FrameSink& on_frame, const std::function<bool()>& keep_going) {
  ReadSummary sum;
  for (;;) {
    auto f = reader.next(keep_going);
    if (!f) {
      sum.damage = f.error().message();
      return sum;
    }
    if (!f.value()) return sum;
    ++sum.frames;
    auto p = decode_frame(reader.link(), f.value()->data);
    if (!p) ++sum.not_ip;
    on_frame(*f.value(), p ? &p.value() : nullptr);
    if (keep_going && !keep_going()) return sum;
  }
}

}  // namespace p2pscope::passive
