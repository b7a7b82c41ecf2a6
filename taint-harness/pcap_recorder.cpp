#include "taint-harness/pcap_recorder.hpp"

#include <pcap/pcap.h>

namespace p2pscope::harness {

PcapRecorder::~PcapRecorder() { stop(); }

Status PcapRecorder::start(const std::string& device, const std::filesystem::path& file) {
  char err[PCAP_ERRBUF_SIZE] = {};
  handle_ = pcap_create(device.c_str(), err);
  if (!handle_) return fail(std::errc::operation_not_permitted, "capturing on " + device + ": " + err);
  pcap_set_snaplen(handle_, 65535);
  pcap_set_timeout(handle_, 100);  // ms: how soon stop() is noticed on a quiet link
  pcap_set_immediate_mode(handle_, 1);
  // In immediate mode each ring slot holds a whole snap length (64 KiB on
  // loopback), so libpcap's default 2 MiB held 32 packets: a client's burst
  // of handshakes overran it and the pcap lost whole segments.
  pcap_set_buffer_size(handle_, 64 << 20);
  if (pcap_activate(handle_) < 0) {
    std::string why = pcap_geterr(handle_);
    pcap_close(handle_);
    handle_ = nullptr;
    return fail(std::errc::operation_not_permitted, "capturing on " + device + ": " + why);
  }
  dumper_ = pcap_dump_open(handle_, file.c_str());
  if (!dumper_) {
    std::string why = pcap_geterr(handle_);
    pcap_close(handle_);
    handle_ = nullptr;
    return fail(std::errc::io_error, "writing " + file.string() + ": " + why);
  }
  thread_ = std::thread([this] {
    while (!stop_) {
      int n = pcap_dispatch(handle_, -1, pcap_dump, reinterpret_cast<u_char*>(dumper_));
      if (n < 0) break;
      packets_ += static_cast<std::uint64_t>(n);
    }
  });
  return success();
}

void PcapRecorder::stop() {
  if (!handle_) return;
  stop_ = true;
  pcap_breakloop(handle_);
  if (thread_.joinable()) thread_.join();
  if (pcap_stat st{}; pcap_stats(handle_, &st) == 0) dropped_ = st.ps_drop + st.ps_ifdrop;
  pcap_dump_close(dumper_);
  pcap_close(handle_);
  dumper_ = nullptr;
  handle_ = nullptr;
}

}  // namespace p2pscope::harness
