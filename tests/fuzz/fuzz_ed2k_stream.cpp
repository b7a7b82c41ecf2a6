#include "passive/ed2k_stream.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace p2pscope;

namespace {

// What a parser saw, as text: the frames and every decoded message.
struct Trace {
  std::string text;
  passive::Ed2kHandlers handlers() {
    passive::Ed2kHandlers h;
    h.frame = [this](const ed2k::Frame& f) { text += "f" + std::to_string(f.opcode) + ":" + std::to_string(f.payload.size()) + " "; };
    h.hello = [this](const ed2k::Hello& x, ed2k::HelloKind) { text += "h" + x.user_hash.hex() + " "; };
    h.file_request = [this](std::uint8_t op, const ed2k::Md4& m, std::uint64_t size) {
      text += "q" + std::to_string(op) + m.hex() + ":" + std::to_string(size) + " ";
    };
    h.file_answer = [this](std::uint8_t op, const ed2k::Md4& m) { text += "a" + std::to_string(op) + m.hex() + " "; };
    h.sources = [this](const ed2k::SourcesAnswer& a) { text += "s" + std::to_string(a.entries.size()) + " "; };
    h.found_sources = [this](const ed2k::FoundSources& f, ed2k::SourceForm) { text += "F" + std::to_string(f.sources.size()) + " "; };
    return h;
  }
};

}  // namespace

// One direction of an eDonkey TCP stream, fed whole and then in pieces of a
// size the input picks: the same frames and messages, the same end state.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t piece = 1 + data[0] % 64;
  auto stream = fuzz::as_view(data + 1, size - 1);
  ed2k::Limits lim{.max_frame = 1 << 16, .max_unpacked = 1 << 16};
  Trace whole, pieces;
  passive::Ed2kStreamParser a(lim), b(lim);
  auto ha = whole.handlers(), hb = pieces.handlers();
  a.feed(stream, ha);
  for (std::size_t i = 0; i < stream.size(); i += piece) b.feed(stream.substr(i, piece), hb);
  if (whole.text != pieces.text) fuzz::property_failed("pieces change what is decoded");
  if (a.state() != b.state() || a.frames() != b.frames() || a.undecodable() != b.undecodable())
    fuzz::property_failed("pieces change the parser's state");
  return 0;
}
