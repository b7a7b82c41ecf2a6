#include "probes/emule_probe.hpp"

#include "core/hash.hpp"
#include "probes/probe_common.hpp"
#include "net/connect.hpp"
#include "net/ed2k_conversation.hpp"
#include "net/pace.hpp"

namespace p2pscope::probes {

using namespace net;
using namespace ed2k;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxTranscript = 64;

bool emule_space(const Frame& f) { return f.protocol == Protocol::emule || f.protocol == Protocol::packed; }

std::string frame_name(const Frame& f) {
  std::string space = f.protocol == Protocol::edonkey ? "" : std::string(name_of(f.protocol)) + ":";
  if (f.protocol == Protocol::edonkey) {
    switch (f.opcode) {
      case op::hello_answer: return "hello-answer";
      case op::no_such_file: return "no-such-file";
      case op::file_status: return "file-status";
      case op::req_filename_answer: return "file-name";
      default: break;
    }
  } else if (emule_space(f)) {
    switch (f.opcode) {
      case op::emule_info: return space + "emule-info";
      case op::multipacket_answer: return space + "multipacket-answer";
      case op::answer_sources: return space + "sources";
      case op::answer_sources2: return space + "sources2";
      default: break;
    }
  }
  return space + "0x" + p2pscope::detail::to_hex(&f.opcode, 1);
}

// The file a frame is about, when it is an answer that claims a file.
std::optional<Md4> claims(const Frame& f) {
  if (f.protocol == Protocol::edonkey && (f.opcode == op::file_status || f.opcode == op::req_filename_answer) &&
      f.payload.size() >= 16)
    return decode_hash_only(std::string_view(f.payload).substr(0, 16)).value();
  if (emule_space(f) && (f.opcode == op::multipacket_answer || f.opcode == op::answer_sources) && f.payload.size() >= 16)
    return decode_hash_only(std::string_view(f.payload).substr(0, 16)).value();
  if (emule_space(f) && f.opcode == op::answer_sources2 && f.payload.size() >= 17)
    return decode_hash_only(std::string_view(f.payload).substr(1, 16)).value();
  return std::nullopt;
}

void note(EmuleContact& c, std::string name) {
  if (c.transcript.size() < kMaxTranscript) c.transcript.push_back(std::move(name));
}

// Waits for the hello answer; frames before it are noted and skipped.
awaitable<void> await_hello(Conversation& talk, const EmuleProbeConfig& cfg, EmuleContact& c) {
  auto start = Clock::now();
  for (;;) {
    auto f = co_await talk.next_before(start + cfg.hello_timeout);
    if (!f) {
      bool late = f.error() == std::errc::timed_out;
      c.hello = late ? ProbeOutcome::timeout : ProbeOutcome::negative;
      c.why = late ? "no hello answer in time"
              : f.error().category() == p2pscope::category() ? "not an eMule frame: " + f.error().message()
                                                               : "closed without a hello answer";
      co_return;
    }
    note(c, frame_name(f.value()));
    if (f.value().protocol != Protocol::edonkey || f.value().opcode != op::hello_answer) continue;
    auto h = decode_hello(f.value().payload, HelloKind::answer, cfg.limits);
    if (!h) {
      c.hello = ProbeOutcome::negative;
      c.why = "malformed hello answer: " + h.error().message();
      co_return;
    }
    c.theirs = std::move(h.value());
    c.hello = ProbeOutcome::positive;
    c.hello_ms = detail::ms_since(start);
    co_return;
  }
}

awaitable<void> ask_fake(Conversation& talk, const Md4& fake, const EmuleProbeConfig& cfg, EmuleContact& c) {
  Frame ask{Protocol::edonkey, op::set_req_file_id, encode_hash_only(fake)};
  if (!co_await talk.send(ask)) {
    c.fake = FakeFileAnswer::closed;
    co_return;
  }
  auto until = Clock::now() + cfg.answer_timeout;
  for (;;) {
    auto f = co_await talk.next_before(until);
    if (!f) {
      c.fake = f.error() == std::errc::timed_out ? FakeFileAnswer::silent : FakeFileAnswer::closed;
      if (c.fake == FakeFileAnswer::closed) note(c, "closed");
      co_return;
    }
    note(c, frame_name(f.value()));
    const auto& fr = f.value();
    if (fr.protocol == Protocol::edonkey && fr.opcode == op::no_such_file) {
      auto h = decode_hash_only(fr.payload);
      if (h && h.value() == fake) {
        c.fake = FakeFileAnswer::no_such_file;
        co_return;
      }
    }
    if (claims(fr) == fake) {
      c.fake = FakeFileAnswer::claimed;
      co_return;
    }
  }
}

ProbeResult base(const Endpoint& peer, const Md4& file, ProbeKind kind, ProbeOutcome outcome) {
  auto r = detail::probe_record(peer, kind, outcome);
  r.file_hash = file;
  return r;
}

awaitable<EmuleContact> contact_once(Endpoint peer, std::optional<Md4> fake_file, const EmuleProbeConfig& cfg,
                                     RateGate& gate) {
  EmuleContact c;
  if (auto why = detail::never_contact(peer, cfg.contact_special_purpose)) {
    c.why = *why;
    c.skipped = true;
    co_return c;
  }
  co_await pace(gate, peer.address);
  tcp::socket s(co_await asio::this_coro::executor);
  auto conn = co_await detail::timed_connect(s, peer, cfg.local, cfg.connect_timeout);
  c.connect = conn.outcome;
  c.connect_ms = conn.ms;
  c.why = conn.why;
  if (c.connect != ProbeOutcome::positive) co_return c;
  Conversation talk(s, cfg.limits, cfg.hello_timeout);
  // Client ID 0: aMule replaces a declared HighID by the socket's address anyway.
  Hello hello{cfg.user_hash, 0, cfg.port, crawler_hello_tags(cfg.name, 3), 0, 0, {}};
  Frame hello_frame{Protocol::edonkey, op::hello, encode_hello(hello, HelloKind::hello)};
  if (!co_await talk.send(hello_frame)) {
    c.hello = ProbeOutcome::negative;
    c.why = "closed before our hello was sent";
    co_return c;
  }
  co_await await_hello(talk, cfg, c);
  if (c.hello == ProbeOutcome::positive && fake_file) co_await ask_fake(talk, *fake_file, cfg, c);
  error_code ignored;
  s.shutdown(tcp::socket::shutdown_both, ignored);
  co_return c;
}

}  // namespace

awaitable<EmuleContact> contact_emule_peer(Endpoint peer, std::optional<Md4> fake_file, const EmuleProbeConfig& cfg,
                                           RateGate& gate) {
  auto c = co_await contact_once(peer, fake_file, cfg, gate);
  for (unsigned n = 2; n <= cfg.hello_attempts && c.connect == ProbeOutcome::positive &&
                       c.hello == ProbeOutcome::timeout;
       ++n) {
    co_await sleep_for(cfg.retry_pause);
    c = co_await contact_once(peer, fake_file, cfg, gate);
    c.attempts = n;
  }
  co_return c;
}

std::map<std::string, std::string> hello_fingerprint(const Hello& h) {
  auto info = client_info(h);
  std::map<std::string, std::string> e;
  if (auto sw = info.software(); !sw.empty()) e["client"] = sw;
  e["name"] = info.name;
  e["user_hash"] = h.user_hash.hex();
  e["sx1"] = std::to_string(info.sx1_version);
  e["sx2"] = info.sx2 ? "yes" : "no";
  e["ext_requests"] = std::to_string(info.ext_requests);
  std::string crypt;
  for (auto [on, word] : {std::pair{info.crypt_supported, "supported"}, std::pair{info.crypt_requested, "requested"},
                          std::pair{info.crypt_required, "required"}})
    if (on) crypt += (crypt.empty() ? "" : ",") + std::string(word);
  e["crypt"] = crypt.empty() ? "none" : crypt;
  if (info.udp_port) e["udp_port"] = std::to_string(info.udp_port);
  if (info.kad_port) e["kad_port"] = std::to_string(info.kad_port);
  return e;
}

std::vector<ProbeResult> emule_liveness_results(const Endpoint& peer, const Md4& file, const EmuleContact& c,
                                                CryptRequired crypt) {
  auto tcp = base(peer, file, ProbeKind::tcp_connect, c.skipped ? ProbeOutcome::error : c.connect);
  tcp.rtt_ms = c.connect_ms;
  if (c.connect != ProbeOutcome::positive) tcp.evidence["why"] = c.why;
  std::vector<ProbeResult> out{tcp};
  if (c.connect != ProbeOutcome::positive) return out;
  auto hello = base(peer, file, ProbeKind::ed2k_hello, c.hello);
  hello.rtt_ms = c.hello_ms;
  if (c.theirs) hello.evidence = hello_fingerprint(*c.theirs);
  if (c.attempts > 1) hello.evidence["attempts"] = std::to_string(c.attempts);
  if (!c.why.empty()) hello.evidence["why"] = c.why;
  if (c.hello != ProbeOutcome::positive && crypt == CryptRequired::yes)
    hello.evidence["crypt_required"] = "its source says it accepts only obfuscated connections: not probed in plaintext";
  out.push_back(std::move(hello));
  return out;
}

ProbeResult fake_file_result(const Endpoint& peer, const Md4& file, const Md4& fake, const EmuleContact& c) {
  auto outcome = c.connect != ProbeOutcome::positive ? c.connect
                 : c.hello != ProbeOutcome::positive ? c.hello
                 : c.fake == FakeFileAnswer::claimed ? ProbeOutcome::positive
                 : c.fake == FakeFileAnswer::silent  ? ProbeOutcome::timeout
                                                     : ProbeOutcome::negative;
  auto r = base(peer, file, ProbeKind::fake_file, outcome);
  r.evidence["fake_file_hash"] = fake.hex();
  r.evidence["answer"] = std::string(name_of(c.fake));
  r.evidence["request"] = "SETREQFILEID (0x4F)";
  if (!c.transcript.empty()) r.evidence["transcript"] = detail::joined(c.transcript);
  if (c.hello != ProbeOutcome::positive && !c.why.empty()) r.evidence["why"] = c.why;
  return r;
}

ProbeResult emule_reverse_result(const Endpoint& peer, const Endpoint& reversed, const Md4& file, const EmuleContact& c) {
  auto r = detail::reverse_record(peer, reversed, {c.connect, c.hello, c.skipped, c.hello_ms, c.why},
                                  "does the other byte order of its ID answer an eMule hello on the same port");
  r.file_hash = file;
  if (c.theirs) r.evidence["client"] = client_info(*c.theirs).software();
  return r;
}

Md4 random_file_hash(std::mt19937_64& rng) {
  Md4 h;
  for (auto& b : h.bytes) b = static_cast<std::uint8_t>(rng());
  return h;
}

}  // namespace p2pscope::probes
