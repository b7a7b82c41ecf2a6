#include "passive/ed2k_stream.hpp"

namespace p2pscope::passive {

using namespace ed2k;

namespace {

// The hash that opens a payload (every request and answer about one file).
std::optional<Md4> leading_hash(std::string_view payload, std::size_t at = 0) {
  if (payload.size() < at + 16) return std::nullopt;
  auto h = decode_hash_only(payload.substr(at, 16));
  return h ? std::optional<Md4>(h.value()) : std::nullopt;
}

template <class F, class... A>
void call(const F& f, A&&... a) {
  if (f) f(std::forward<A>(a)...);
}

// An answer that opens with the file's hash: handler(opcode, hash).
bool by_hash(const Frame& f, const std::function<void(std::uint8_t, const Md4&)>& handler) {
  auto file = leading_hash(f.payload);
  if (file) call(handler, f.opcode, *file);
  return file.has_value();
}

// A request that opens with the file's hash and does not say its size.
bool request_by_hash(const Frame& f, const Ed2kHandlers& h) {
  auto file = leading_hash(f.payload);
  if (file) call(h.file_request, f.opcode, *file, std::uint64_t{0});
  return file.has_value();
}

}  // namespace

void Ed2kStreamParser::feed(std::string_view bytes, const Ed2kHandlers& h) {
  if (state_ == State::failed) return;
  buf_.append(bytes);
  for (;;) {
    auto got = decode_tcp_frame(std::string_view(buf_).substr(pos_), lim_);
    if (!got) {
      if (got.error() == errc::truncated) break;
      state_ = State::failed;
      failure_ = static_cast<errc>(got.error().value());
      buf_.clear();
      pos_ = 0;
      return;
    }
    pos_ += got.value().size;
    ++frames_;
    on_frame(got.value().frame, h);
  }
  // Keep only the unfinished frame, without moving bytes on every frame.
  if (pos_ > 0 && (pos_ == buf_.size() || pos_ > buf_.size() / 2)) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
}

void Ed2kStreamParser::on_frame(const Frame& f, const Ed2kHandlers& h) {
  call(h.frame, f);
  bool ok = f.protocol == Protocol::edonkey ? edonkey_frame(f, h) : emule_frame(f, h);
  if (!ok) ++undecodable_;
}

bool Ed2kStreamParser::edonkey_frame(const Frame& f, const Ed2kHandlers& h) {
  switch (f.opcode) {
    case op::hello:
    case op::hello_answer: {
      auto kind = f.opcode == op::hello ? HelloKind::hello : HelloKind::answer;
      // A server login shares the hello's opcode; only the hello starts with the hash length.
      if (kind == HelloKind::hello && (f.payload.empty() || f.payload[0] != 16)) {
        auto login = decode_login(f.payload, lim_);
        if (login) call(h.login, login.value());
        return login.has_value();
      }
      auto hello = decode_hello(f.payload, kind, lim_);
      if (!hello) return false;
      sender_ = client_info(hello.value());
      call(h.hello, hello.value(), kind);
      return true;
    }
    case op::request_filename:
    case op::set_req_file_id: return request_by_hash(f, h);
    case op::no_such_file:
    case op::file_status:
    case op::req_filename_answer: return by_hash(f, h.file_answer);
    case op::get_sources:
    case op::get_sources_obfu: {
      auto q = decode_get_sources(f.payload, lim_);
      if (q) call(h.get_sources, q.value());
      return q.has_value();
    }
    case op::found_sources:
    case op::found_sources_obfu: {
      auto form = f.opcode == op::found_sources ? SourceForm::plain : SourceForm::obfuscation;
      auto found = decode_found_sources(f.payload, form);
      if (found) call(h.found_sources, found.value(), form);
      return found.has_value();
    }
    default: return true;  // a message nobody asked about (parts, server status, ...)
  }
}

bool Ed2kStreamParser::emule_frame(const Frame& f, const Ed2kHandlers& h) {
  std::uint8_t sx1 = sender_ ? sender_->sx1_version : 0, ext = sender_ ? sender_->ext_requests : 0;
  switch (f.opcode) {
    case op::request_sources: return request_by_hash(f, h);
    case op::request_sources2: {
      auto q = decode_sources_request2(f.payload);
      if (q) call(h.file_request, f.opcode, q.value().file, std::uint64_t{0});
      return q.has_value();
    }
    case op::multipacket:
    case op::multipacket_ext: {
      auto kind = f.opcode == op::multipacket ? MultiKind::plain : MultiKind::extended;
      // aMule writes the extended file-name request at the level the
      // receiver announced, which the other direction's hello holds: the
      // sender's own level first, then the others (a wrong one leaves bytes
      // over or runs short).
      auto m = decode_multipacket(f.payload, kind, ext, lim_);
      for (std::uint8_t level : {std::uint8_t{1}, std::uint8_t{2}, std::uint8_t{0}})
        if (!m && level != ext) m = decode_multipacket(f.payload, kind, level, lim_);
      // An item this codec cannot size still leaves the hash readable.
      auto file = m ? std::optional<Md4>(m.value().file) : leading_hash(f.payload);
      if (file) call(h.file_request, f.opcode, *file, m ? m.value().size : std::uint64_t{0});
      return m.has_value();
    }
    case op::multipacket_answer: return by_hash(f, h.file_answer);
    case op::answer_sources:
    case op::answer_sources2: {
      auto a = f.opcode == op::answer_sources2 ? decode_answer_sources2(f.payload) : decode_answer_sources(f.payload, sx1);
      if (a) call(h.sources, a.value());
      return a.has_value();
    }
    default: return true;
  }
}

bool looks_like_ed2k(std::string_view first, std::size_t max_frame) {
  if (first.size() < 6) return false;
  auto p = static_cast<std::uint8_t>(first[0]);
  if (p != 0xE3 && p != 0xC5 && p != 0xD4) return false;
  std::uint32_t length = std::uint32_t{static_cast<std::uint8_t>(first[1])} |
                         std::uint32_t{static_cast<std::uint8_t>(first[2])} << 8 |
                         std::uint32_t{static_cast<std::uint8_t>(first[3])} << 16 |
                         std::uint32_t{static_cast<std::uint8_t>(first[4])} << 24;
  return length > 0 && length <= max_frame;
}

}  // namespace p2pscope::passive
