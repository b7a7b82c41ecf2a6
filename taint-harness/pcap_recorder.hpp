// Records every packet on the sandbox's loopback to a pcap file (libpcap),
// so that any finding can be replayed in Wireshark or by `p2pscope passive`.
// Runs its own thread; the file is complete after stop() or destruction.
#pragma once

#include "core/error.hpp"

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

struct pcap;
struct pcap_dumper;

namespace p2pscope::harness {

class PcapRecorder {
 public:
  PcapRecorder() = default;
  ~PcapRecorder();
  PcapRecorder(const PcapRecorder&) = delete;
  PcapRecorder& operator=(const PcapRecorder&) = delete;

  // Starts capturing on device (inside the caller's network namespace).
  // The error says what libpcap reported.
  Status start(const std::string& device, const std::filesystem::path& file);
  void stop();
  std::uint64_t packets() const noexcept { return packets_; }
  // Packets the kernel dropped (its buffer was full), known after stop().
  std::uint64_t dropped() const noexcept { return dropped_; }

 private:
  pcap* handle_ = nullptr;
  pcap_dumper* dumper_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> packets_{0};
  std::uint64_t dropped_ = 0;
};

}  // namespace p2pscope::harness
