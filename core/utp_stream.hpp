// One uTP connection (BEP 29), as a pure state machine: datagrams and the
// caller's clock in, ordered bytes and datagrams to send out. Sized for a
// PEX session: a small receive window, a few KiB each way. The crawler
// connects (the constructor); the lab's uTP peers and the tests' fakes
// accept (UtpConnection::accept).
//
// What it does: the SYN / STATE set-up (the initiator's SYN carries its
// receive id, and every later packet its send id, receive id + 1; the
// acceptor receives on the SYN's id + 1 and sends on the SYN's id, and
// answers a resent SYN with its STATE again); ordered delivery with an
// out-of-order buffer bounded by the receive window; an ack for every data
// packet; retransmission of the oldest unacked packet when its timeout
// (RFC 6298 estimate, at least min_timeout) runs out, with the timeout
// doubled each time and the connection given up after max_retransmits; a
// congestion window in packets that grows by one per acked packet, is
// capped by the peer's advertised window and falls to one on a timeout;
// FIN both ways and RESET. Not done: selective acks (it ignores the
// extension and sends none), LEDBAT delay control, MTU discovery.
//
// Clock: microseconds from any monotonic origin; the wire carries the low
// 32 bits. Threads: none; the owner serialises every call.
#pragma once

#include "core/error.hpp"
#include "core/names.hpp"
#include "core/utp.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope {

struct UtpLimits {
  std::size_t receive_window = 16 * 1024;  // bytes buffered unread or out of order; advertised as wnd_size
  std::size_t send_buffer = 16 * 1024;     // bytes queued or in flight
  std::size_t max_payload = 1200;          // bytes of data in one packet
  std::uint32_t max_retransmits = 4;       // of one packet, SYN included, before timed_out
  std::uint64_t initial_timeout_us = 1'000'000;
  std::uint64_t min_timeout_us = 500'000;
  std::uint64_t max_timeout_us = 8'000'000;
};

enum class UtpState : std::uint8_t {
  syn_sent,   // waiting for the peer's STATE
  connected,
  fin_sent,   // we closed; data may still arrive
  eof,        // the peer's FIN and every byte before it arrived
  reset,      // the peer sent RESET
  timed_out,  // a packet went unacked max_retransmits times
};
constexpr auto enum_names(UtpState) noexcept {
  return std::to_array<std::pair<UtpState, std::string_view>>({
      {UtpState::syn_sent, "syn_sent"}, {UtpState::connected, "connected"}, {UtpState::fin_sent, "fin_sent"},
      {UtpState::eof, "eof"}, {UtpState::reset, "reset"}, {UtpState::timed_out, "timed_out"}});
}

class UtpConnection {
 public:
  // Starts connecting: the SYN is the first datagram take_outgoing() gives.
  // `recv_id` must be unique on the caller's socket (the peer addresses us
  // by it); `now_us` is the caller's clock.
  UtpConnection(std::uint16_t recv_id, std::uint64_t now_us, UtpLimits lim = {});

  // The accepting side of the connection a peer's SYN opens: connected at
  // once, its STATE (numbered `initial_seq`, the first number its data
  // uses) the first datagram take_outgoing() gives. The caller's socket
  // then matches datagrams on syn_recv_id(syn) and the SYN's sender.
  // errc::bad_value when the datagram is not a SYN.
  static Result<UtpConnection> accept(std::string_view syn, std::uint16_t initial_seq, std::uint64_t now_us,
                                      UtpLimits lim = {});
  // The id the acceptor of this SYN receives on (the SYN's id + 1).
  static std::uint16_t syn_recv_id(const UtpHeader& syn) noexcept {
    return static_cast<std::uint16_t>(syn.connection_id + 1);
  }

  // One datagram from the peer that the caller's socket matched to
  // recv_id(). errc::truncated / bad_value for one that is not uTP or that
  // this connection cannot take (another connection id, a SYN, data before
  // the set-up): ignored, state unchanged.
  Status on_datagram(std::string_view datagram, std::uint64_t now_us);
  // Retransmits or gives up when deadline() has passed.
  void on_tick(std::uint64_t now_us);
  // When on_tick next has work: the oldest unacked packet's timeout.
  std::optional<std::uint64_t> deadline() const;

  // Queues bytes to send; returns how many fit in the send buffer (0 once
  // closed, reset or timed out).
  std::size_t write(std::string_view bytes);
  // Sends FIN after what was written.
  void close();
  // Ends the connection at once: its state becomes reset, nothing queued is
  // sent, and the returned ST_RESET (empty when already finished) is for the
  // caller to send, so the peer drops the connection now instead of waiting
  // out its own timeout.
  std::string abort(std::uint64_t now_us);
  // The ordered bytes received and not read yet.
  std::string read();
  // Sends an ack (with the window as it is now) in the next take_outgoing:
  // after a read reopened a window the peer saw closing.
  void ack_now() noexcept { ack_due_ = state_ != UtpState::syn_sent; }
  // Datagrams to send now, in order.
  std::vector<std::string> take_outgoing(std::uint64_t now_us);

  UtpState state() const noexcept { return state_; }
  bool finished() const noexcept;  // eof, reset or timed_out: nothing more will come
  // Everything written, and our FIN once close() was called, sent and acked.
  bool all_acked() const noexcept { return unsent_.empty() && in_flight_.empty(); }
  std::uint16_t recv_id() const noexcept { return recv_id_; }
  std::uint16_t send_id() const noexcept { return send_id_; }
  std::size_t retransmissions() const noexcept { return retransmissions_; }

 private:
  struct Sent {
    std::uint16_t seq = 0;
    UtpType type = UtpType::data;
    std::string payload;
    std::uint64_t sent_at = 0;
    std::uint32_t transmissions = 0;
  };

  std::string packet(UtpType type, std::uint16_t seq, std::string_view payload, std::uint64_t now_us) const;
  void take_ack(std::uint16_t ack_nr, std::uint64_t now_us);
  void take_data(const UtpHeader& h);
  void deliver_in_order();
  void fill_window(std::uint64_t now_us);
  std::uint32_t window_left() const;
  void sample_rtt(std::uint64_t rtt_us);

  struct Accepted {};
  UtpConnection(Accepted, const UtpHeader& syn, std::uint16_t initial_seq, std::uint64_t now_us, UtpLimits lim);
  bool is_resent_syn(const UtpHeader& h) const noexcept;

  UtpLimits lim_;
  UtpState state_ = UtpState::syn_sent;
  std::uint16_t recv_id_;
  std::uint16_t send_id_;
  std::optional<std::uint16_t> accepted_syn_;  // the SYN we accepted: its seq_nr
  std::uint16_t seq_nr_ = 1;  // the next packet we number
  std::uint16_t ack_nr_ = 0;  // the last in-order packet we have
  std::optional<std::uint16_t> fin_seq_;  // the peer's FIN
  bool fin_queued_ = false;
  std::uint32_t peer_window_ = 0;
  std::uint32_t last_peer_timestamp_ = 0;
  std::uint64_t last_receive_us_ = 0;
  std::size_t cwnd_packets_ = 2;
  std::uint64_t srtt_us_ = 0, rttvar_us_ = 0, timeout_us_;
  std::size_t retransmissions_ = 0;
  bool ack_due_ = false;
  std::string unsent_;        // written, not yet in a packet
  std::deque<Sent> in_flight_;  // sent, not yet acked, oldest first
  std::vector<std::string> outgoing_;
  std::map<std::uint16_t, std::string> out_of_order_;  // by seq; only ever looked up as ack_nr_ + 1
  std::size_t out_of_order_bytes_ = 0;
  std::string received_;
};

}  // namespace p2pscope
