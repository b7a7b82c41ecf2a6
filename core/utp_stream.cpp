#include "core/utp_stream.hpp"

#include <algorithm>

namespace p2pscope {
namespace {

// Sequence numbers wrap at 2^16: a is after b when a - b, read signed, is positive.
bool after(std::uint16_t a, std::uint16_t b) noexcept { return static_cast<std::int16_t>(a - b) > 0; }

std::uint16_t next(std::uint16_t seq) noexcept { return static_cast<std::uint16_t>(seq + 1); }

}  // namespace

UtpConnection::UtpConnection(std::uint16_t recv_id, std::uint64_t now_us, UtpLimits lim)
    : lim_(lim), recv_id_(recv_id), send_id_(static_cast<std::uint16_t>(recv_id + 1)),
      timeout_us_(lim.initial_timeout_us) {
  in_flight_.push_back(Sent{seq_nr_, UtpType::syn, {}, now_us, 1});
  outgoing_.push_back(packet(UtpType::syn, seq_nr_, {}, now_us));
  seq_nr_ = next(seq_nr_);
}

UtpConnection::UtpConnection(Accepted, const UtpHeader& syn, std::uint16_t initial_seq, std::uint64_t now_us,
                             UtpLimits lim)
    : lim_(lim), state_(UtpState::connected), recv_id_(syn_recv_id(syn)), send_id_(syn.connection_id),
      seq_nr_(initial_seq), ack_nr_(syn.seq_nr), peer_window_(syn.wnd_size),
      last_peer_timestamp_(syn.timestamp), last_receive_us_(now_us), timeout_us_(lim.initial_timeout_us),
      ack_due_(true) {
  accepted_syn_ = syn.seq_nr;
}

Result<UtpConnection> UtpConnection::accept(std::string_view syn, std::uint16_t initial_seq, std::uint64_t now_us,
                                            UtpLimits lim) {
  auto h = decode_utp(syn);
  if (!h) return h.error();
  if (h.value().type != UtpType::syn) return errc::bad_value;
  return UtpConnection(Accepted{}, h.value(), initial_seq, now_us, lim);
}

// The initiator did not hear our STATE and sent its SYN again.
bool UtpConnection::is_resent_syn(const UtpHeader& h) const noexcept {
  return accepted_syn_ && h.type == UtpType::syn && h.connection_id == send_id_ && h.seq_nr == *accepted_syn_;
}

bool UtpConnection::finished() const noexcept {
  return state_ == UtpState::eof || state_ == UtpState::reset || state_ == UtpState::timed_out;
}

std::string UtpConnection::packet(UtpType type, std::uint16_t seq, std::string_view payload,
                                  std::uint64_t now_us) const {
  UtpHeader h;
  h.type = type;
  // The SYN names the id we receive on; everything after, the one the peer does.
  h.connection_id = type == UtpType::syn ? recv_id_ : send_id_;
  h.timestamp = static_cast<std::uint32_t>(now_us);
  h.timestamp_difference =
      last_receive_us_ ? static_cast<std::uint32_t>(static_cast<std::uint32_t>(last_receive_us_) - last_peer_timestamp_) : 0;
  std::size_t buffered = received_.size() + out_of_order_bytes_;
  h.wnd_size = static_cast<std::uint32_t>(lim_.receive_window > buffered ? lim_.receive_window - buffered : 0);
  h.seq_nr = seq;
  h.ack_nr = ack_nr_;
  h.payload = payload;
  return encode_utp(h);
}

Status UtpConnection::on_datagram(std::string_view datagram, std::uint64_t now_us) {
  auto h = decode_utp(datagram);
  if (!h) return h.error();
  // After eof the peer may still resend its FIN (our ack was lost): it is acked again.
  bool dead = state_ == UtpState::reset || state_ == UtpState::timed_out;
  if (!dead && is_resent_syn(h.value())) {
    ack_due_ = true;
    return success();
  }
  if (dead || h.value().connection_id != recv_id_ || h.value().type == UtpType::syn) return errc::bad_value;
  const auto& p = h.value();
  if (state_ == UtpState::syn_sent) {
    // Only the STATE answering our SYN opens the connection; its seq_nr is
    // the peer's first, so the last one we "have" is the one before it.
    if (p.type != UtpType::state || p.ack_nr != in_flight_.front().seq) return errc::bad_value;
    state_ = UtpState::connected;
    ack_nr_ = static_cast<std::uint16_t>(p.seq_nr - 1);
  }
  last_peer_timestamp_ = p.timestamp;
  last_receive_us_ = now_us;
  peer_window_ = p.wnd_size;
  if (p.type == UtpType::reset) {
    state_ = UtpState::reset;
    in_flight_.clear();
    return success();
  }
  take_ack(p.ack_nr, now_us);
  if (p.type == UtpType::data || p.type == UtpType::fin) take_data(p);
  return success();
}

void UtpConnection::take_ack(std::uint16_t ack_nr, std::uint64_t now_us) {
  // An ack for a packet we never sent (past our last) is a confused or
  // hostile peer; it acks nothing.
  if (after(ack_nr, static_cast<std::uint16_t>(seq_nr_ - 1))) return;
  while (!in_flight_.empty() && !after(in_flight_.front().seq, ack_nr)) {
    const auto& s = in_flight_.front();
    // Karn: only a packet sent once times the path.
    if (s.transmissions == 1 && now_us >= s.sent_at) sample_rtt(now_us - s.sent_at);
    in_flight_.pop_front();
    cwnd_packets_ = std::min<std::size_t>(cwnd_packets_ + 1, 1024);
  }
}

void UtpConnection::sample_rtt(std::uint64_t rtt_us) {
  if (srtt_us_ == 0) {
    srtt_us_ = rtt_us;
    rttvar_us_ = rtt_us / 2;
  } else {
    auto diff = srtt_us_ > rtt_us ? srtt_us_ - rtt_us : rtt_us - srtt_us_;
    rttvar_us_ = (3 * rttvar_us_ + diff) / 4;
    srtt_us_ = (7 * srtt_us_ + rtt_us) / 8;
  }
  timeout_us_ = std::clamp(srtt_us_ + 4 * rttvar_us_, lim_.min_timeout_us, lim_.max_timeout_us);
}

void UtpConnection::take_data(const UtpHeader& h) {
  ack_due_ = true;  // a duplicate is acked again too: our ack may have been lost
  if (h.type == UtpType::fin && !fin_seq_) fin_seq_ = h.seq_nr;
  if (fin_seq_ && after(h.seq_nr, *fin_seq_)) return;  // nothing comes after the FIN
  if (!after(h.seq_nr, ack_nr_)) return;                // already have it
  if (h.type == UtpType::data && h.seq_nr != next(ack_nr_) && !out_of_order_.count(h.seq_nr)) {
    std::size_t buffered = received_.size() + out_of_order_bytes_;
    if (buffered + h.payload.size() > lim_.receive_window) return;  // past the window we advertised
    out_of_order_bytes_ += h.payload.size();
    out_of_order_.emplace(h.seq_nr, std::string(h.payload));
    return;
  }
  if (h.seq_nr != next(ack_nr_)) return;
  if (h.type == UtpType::data) {
    if (received_.size() + out_of_order_bytes_ + h.payload.size() > lim_.receive_window) return;
    received_.append(h.payload);
  }
  ack_nr_ = h.seq_nr;
  deliver_in_order();
}

void UtpConnection::deliver_in_order() {
  for (auto it = out_of_order_.find(next(ack_nr_)); it != out_of_order_.end(); it = out_of_order_.find(next(ack_nr_))) {
    out_of_order_bytes_ -= it->second.size();
    received_ += it->second;
    ack_nr_ = it->first;
    out_of_order_.erase(it);
  }
  // The FIN holds no data; it is in order once everything before it is.
  if (fin_seq_ && next(ack_nr_) == *fin_seq_) ack_nr_ = *fin_seq_;
  if (fin_seq_ && ack_nr_ == *fin_seq_) state_ = UtpState::eof;
}

std::size_t UtpConnection::write(std::string_view bytes) {
  if (finished() || fin_queued_) return 0;
  std::size_t queued = unsent_.size();
  for (const auto& s : in_flight_) queued += s.payload.size();
  std::size_t take = std::min(bytes.size(), lim_.send_buffer > queued ? lim_.send_buffer - queued : 0);
  unsent_.append(bytes.substr(0, take));
  return take;
}

void UtpConnection::close() {
  if (!finished()) fin_queued_ = true;
}

std::string UtpConnection::abort(std::uint64_t now_us) {
  if (finished()) return {};
  state_ = UtpState::reset;
  unsent_.clear();
  in_flight_.clear();
  fin_queued_ = false;
  return packet(UtpType::reset, seq_nr_, {}, now_us);
}

std::string UtpConnection::read() { return std::exchange(received_, {}); }

std::uint32_t UtpConnection::window_left() const {
  std::size_t in_flight_bytes = 0;
  for (const auto& s : in_flight_) in_flight_bytes += s.payload.size() + 20;
  std::size_t cwnd_bytes = cwnd_packets_ * (lim_.max_payload + 20);
  // A peer advertising 0 still takes one packet at a time (it reopens the window by acking it).
  std::size_t limit = std::min<std::size_t>(cwnd_bytes, std::max<std::size_t>(peer_window_, lim_.max_payload + 20));
  return static_cast<std::uint32_t>(limit > in_flight_bytes ? limit - in_flight_bytes : 0);
}

void UtpConnection::fill_window(std::uint64_t now_us) {
  if (state_ != UtpState::connected && state_ != UtpState::fin_sent) return;
  while (!unsent_.empty() && window_left() >= std::min(unsent_.size(), lim_.max_payload) + 20) {
    auto n = std::min(unsent_.size(), lim_.max_payload);
    in_flight_.push_back(Sent{seq_nr_, UtpType::data, unsent_.substr(0, n), now_us, 1});
    outgoing_.push_back(packet(UtpType::data, seq_nr_, in_flight_.back().payload, now_us));
    unsent_.erase(0, n);
    seq_nr_ = next(seq_nr_);
    ack_due_ = false;  // a data packet carries the ack
  }
  if (fin_queued_ && unsent_.empty() && state_ == UtpState::connected) {
    in_flight_.push_back(Sent{seq_nr_, UtpType::fin, {}, now_us, 1});
    outgoing_.push_back(packet(UtpType::fin, seq_nr_, {}, now_us));
    seq_nr_ = next(seq_nr_);
    state_ = UtpState::fin_sent;
    ack_due_ = false;
  }
}

std::vector<std::string> UtpConnection::take_outgoing(std::uint64_t now_us) {
  fill_window(now_us);
  // STATE does not use up a sequence number: it carries the next one.
  if (ack_due_ && state_ != UtpState::syn_sent) outgoing_.push_back(packet(UtpType::state, seq_nr_, {}, now_us));
  ack_due_ = false;
  return std::exchange(outgoing_, {});
}

std::optional<std::uint64_t> UtpConnection::deadline() const {
  if (finished() || in_flight_.empty()) return std::nullopt;
  return in_flight_.front().sent_at + timeout_us_;
}

void UtpConnection::on_tick(std::uint64_t now_us) {
  auto due = deadline();
  if (!due || now_us < *due) return;
  auto& oldest = in_flight_.front();
  if (oldest.transmissions > lim_.max_retransmits) {
    state_ = UtpState::timed_out;
    in_flight_.clear();
    return;
  }
  ++oldest.transmissions;
  ++retransmissions_;
  oldest.sent_at = now_us;
  timeout_us_ = std::min(timeout_us_ * 2, lim_.max_timeout_us);
  cwnd_packets_ = 1;
  outgoing_.push_back(packet(oldest.type, oldest.seq, oldest.payload, now_us));
}

}  // namespace p2pscope
