// Test-only: every event the extractor finds in a capture file, and the
// events of one type among them. Shared by the tests over recorded captures.
#pragma once

#include "passive/extractor.hpp"
#include "passive/pcap_reader.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace p2pscope::passive::test_capture {

// Throws when the file cannot be read or is damaged.
inline std::vector<Event> capture_events(const std::string& path) {
  std::vector<Event> out;
  Extractor x([&](const Event& e) { out.push_back(e); });
  auto read = read_packets(path, [&x](const Frame& f, const Packet* p) {
    if (p) x.packet(f.t, *p);
  });
  if (!read) throw std::runtime_error(path + ": " + read.error().message());
  if (read.value().damage) throw std::runtime_error(path + ": " + *read.value().damage);
  x.finish();
  return out;
}

template <class T>
std::vector<T> only(const std::vector<Event>& events) {
  std::vector<T> out;
  for (const auto& e : events)
    if (const auto* x = std::get_if<T>(&e)) out.push_back(*x);
  return out;
}

}  // namespace p2pscope::passive::test_capture
