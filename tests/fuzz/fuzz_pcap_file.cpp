#include "passive/pcap_reader.hpp"
#include "tests/fuzz/fuzz_util.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>

using namespace p2pscope;

namespace {

// Every frame a reader gives for the file, then how it ended.
std::string read_all(const std::string& path, passive::FileReader with, bool* classic) {
  auto r = passive::PcapReader::open(path, with);
  if (!r) return "cannot open: " + r.error().message();
  *classic = !r.value().read_by_libpcap();
  std::string out;
  for (;;) {
    auto f = r.value().next();
    if (!f) return out + "damage: " + f.error().message();
    if (!f.value()) return out + "end";
    const auto& fr = *f.value();
    out.append(reinterpret_cast<const char*>(&fr.t), sizeof fr.t);
    out += std::to_string(fr.wire_length) + ":" + std::to_string(fr.data.size()) + ":";
    out.append(fr.data);
  }
}

}  // namespace

// The first byte picks the file header (microsecond or nanosecond magic,
// and a snap length of 65535, 100 or 0); the rest are the records. Both
// readers must give the same frames, times and damage message.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::uint32_t magic = data[0] & 1 ? 0xa1b23c4d : 0xa1b2c3d4;
  std::uint32_t snaplens[] = {65535, 100, 0};
  std::uint32_t snaplen = snaplens[(data[0] >> 1) % 3];
  std::uint16_t version[] = {2, 4};
  std::uint32_t link = 1;
  std::string file(24, '\0');
  std::memcpy(file.data(), &magic, 4);
  std::memcpy(file.data() + 4, version, 4);
  std::memcpy(file.data() + 16, &snaplen, 4);
  std::memcpy(file.data() + 20, &link, 4);
  file.append(reinterpret_cast<const char*>(data + 1), size - 1);
  int fd = memfd_create("fuzz_pcap_file", MFD_CLOEXEC);
  if (fd < 0 || ::write(fd, file.data(), file.size()) != static_cast<ssize_t>(file.size())) std::abort();
  auto path = "/proc/self/fd/" + std::to_string(fd);
  bool classic = false, by_libpcap = true;
  auto fast = read_all(path, passive::FileReader::fastest, &classic);
  auto slow = read_all(path, passive::FileReader::libpcap, &by_libpcap);
  ::close(fd);
  if (!classic) fuzz::property_failed("a classic pcap file went to libpcap");
  if (fast != slow) fuzz::property_failed("the classic reader and libpcap disagree");
  return 0;
}
