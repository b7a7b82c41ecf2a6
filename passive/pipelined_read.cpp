#include "passive/pcap_reader.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace p2pscope::passive {
namespace {

// Frames copied back to back, with their decoded packets (views into
// `bytes`, taken once the batch is full so that it never reallocates under
// them).
struct Batch {
  struct Item {
    double t = 0;
    std::size_t at = 0, length = 0, wire_length = 0;
    std::optional<Packet> packet;
  };
  std::string bytes;
  std::vector<Item> items;
  bool last = false;          // the read ended after these frames
  ReadSummary summary;        // on the last batch: the whole read's
};

constexpr std::size_t kBatchBytes = std::size_t{1} << 20;
constexpr std::size_t kBatchFrames = 4096;
constexpr std::size_t kBatches = 4;  // in flight: bounds the memory to about 4 MiB

// A queue of batches between the two threads; close() wakes every waiter.
class Channel {
 public:
  void push(std::unique_ptr<Batch> b) {
    {
      std::lock_guard lock(m_);
      q_.push_back(std::move(b));
    }
    cv_.notify_one();
  }
  // nullptr once closed and empty.
  std::unique_ptr<Batch> pop() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [this] { return closed_ || !q_.empty(); });
    if (q_.empty()) return nullptr;
    auto b = std::move(q_.front());
    q_.pop_front();
    return b;
  }
  void close() {
    {
      std::lock_guard lock(m_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> q_;
  bool closed_ = false;
};

void decode_all(Batch& b, LinkType link, ReadSummary& sum) {
  for (auto& item : b.items) {
    auto p = decode_frame(link, std::string_view(b.bytes).substr(item.at, item.length));
    if (p) item.packet = p.value();
    else ++sum.not_ip;
  }
}

// The reader thread: fills free batches until the file ends or `free` is
// closed (the consumer stopped). Only the kBatches batches exist.
void produce(PcapReader& reader, Channel& free, Channel& full) {
  ReadSummary sum;
  auto take = [&free] {
    auto b = free.pop();
    if (b) {
      b->bytes.clear();
      b->items.clear();
      b->last = false;
    }
    return b;
  };
  auto b = take();
  if (!b) return;
  for (;;) {
    auto f = reader.next();
    if (f && f.value()) {
      const auto& frame = *f.value();
      bool fits = b->items.empty() || (b->items.size() < kBatchFrames &&
                                       b->bytes.size() + frame.data.size() <= b->bytes.capacity());
      if (!fits) {
        decode_all(*b, reader.link(), sum);
        full.push(std::move(b));
        if (!(b = take())) return;  // the frame's view stays valid: libpcap was not called
      }
      b->items.push_back({frame.t, b->bytes.size(), frame.data.size(), frame.wire_length, std::nullopt});
      b->bytes.append(frame.data);  // an empty batch takes any frame, growing past kBatchBytes if it must
      ++sum.frames;
      continue;
    }
    if (!f) sum.damage = f.error().message();
    decode_all(*b, reader.link(), sum);
    b->last = true;
    b->summary = sum;
    full.push(std::move(b));
    return;
  }
}

}  // namespace

ReadSummary read_packets_pipelined(PcapReader& reader, const FrameSink& on_frame) {
  Channel free, full;
  for (std::size_t i = 0; i < kBatches; ++i) {
    auto b = std::make_unique<Batch>();
    b->bytes.reserve(kBatchBytes);
    free.push(std::move(b));
  }
  std::exception_ptr failed;
  std::thread producer([&] {
    try {
      produce(reader, free, full);
    } catch (...) {
      failed = std::current_exception();
      auto b = std::make_unique<Batch>();
      b->last = true;
      full.push(std::move(b));
    }
  });
  ReadSummary sum;
  try {
    for (;;) {
      auto b = full.pop();
      if (!b) break;
      for (const auto& item : b->items) {
        Frame f{item.t, std::string_view(b->bytes).substr(item.at, item.length), item.wire_length};
        on_frame(f, item.packet ? &*item.packet : nullptr);
      }
      if (b->last) {
        sum = b->summary;
        break;
      }
      free.push(std::move(b));
    }
  } catch (...) {
    free.close();
    producer.join();
    throw;
  }
  free.close();
  producer.join();
  if (failed) std::rethrow_exception(failed);
  return sum;
}

}  // namespace p2pscope::passive
