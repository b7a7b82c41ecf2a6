#include "passive/reassembly.hpp"

namespace p2pscope::passive {

void TcpDirection::segment(std::uint32_t seq, std::string_view payload, const Sink& sink) {
  if (gap_ || payload.empty()) return;
  if (!base_) {
    base_ = seq;
    mid_stream_ = true;
  }
  auto next = static_cast<std::uint32_t>(*base_ + delivered_);
  auto dist = static_cast<std::int32_t>(seq - next);  // signed: sequence numbers wrap
  if (dist < 0) {
    ++overlaps_;
    auto behind = static_cast<std::size_t>(-static_cast<std::int64_t>(dist));
    if (behind >= payload.size()) return;
    payload.remove_prefix(behind);
    dist = 0;
  }
  if (dist == 0) {
    sink(payload);
    delivered_ += payload.size();
    drain(sink);
    return;
  }
  if (held_ + payload.size() > lim_.max_held) return give_up();
  auto off = delivered_ + static_cast<std::uint64_t>(dist);
  auto& slot = ahead_[off];
  if (payload.size() > slot.size()) {
    held_ += payload.size() - slot.size();
    slot.assign(payload);
  } else {
    ++overlaps_;
  }
}

void TcpDirection::acked(std::uint32_t ack) {
  if (gap_ || !base_ || ahead_.empty()) return;
  auto next = static_cast<std::uint32_t>(*base_ + delivered_);
  if (static_cast<std::int32_t>(ack - next) > 0) give_up();
}

void TcpDirection::give_up() {
  gap_ = true;
  ahead_.clear();
  held_ = 0;
}

void TcpDirection::drain(const Sink& sink) {
  while (!ahead_.empty() && ahead_.begin()->first <= delivered_) {
    auto node = ahead_.extract(ahead_.begin());
    held_ -= node.mapped().size();
    auto skip = delivered_ - node.key();
    if (skip >= node.mapped().size()) {
      ++overlaps_;
      continue;
    }
    std::string_view rest(node.mapped());
    rest.remove_prefix(static_cast<std::size_t>(skip));
    sink(rest);
    delivered_ += rest.size();
  }
}

void UtpDirection::data(std::uint16_t seq, std::string_view payload, const Sink& sink) {
  if (gap_) return;
  if (!next_) {
    next_ = seq;
    mid_stream_ = true;
  }
  auto dist = static_cast<std::int16_t>(static_cast<std::uint16_t>(seq - *next_));
  if (dist < 0) return;  // a retransmission of something delivered
  if (dist == 0) {
    sink(payload);
    next_ = static_cast<std::uint16_t>(*next_ + 1);
    drain(sink);
    return;
  }
  if (ahead_.count(seq)) return;
  if (held_ + payload.size() > lim_.max_held) {
    gap_ = true;
    ahead_.clear();
    held_ = 0;
    return;
  }
  held_ += payload.size();
  ahead_.emplace(seq, std::string(payload));
}

void UtpDirection::drain(const Sink& sink) {
  for (auto it = ahead_.find(*next_); it != ahead_.end(); it = ahead_.find(*next_)) {
    held_ -= it->second.size();
    sink(it->second);
    ahead_.erase(it);
    next_ = static_cast<std::uint16_t>(*next_ + 1);
  }
}

}  // namespace p2pscope::passive
