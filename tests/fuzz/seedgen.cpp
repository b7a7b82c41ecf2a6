// Writes the seed corpora in tests/corpus/<fuzz target>/: the BEP worked
// examples, the recorded-traffic fixtures, and encoded random messages from
// testlib's generators. Run once when a codec changes:
//   fuzz_seedgen tests/corpus tests/fixtures
// Files are named by content hash, so re-running only adds what is new.
#include "core/az_message.hpp"
#include "lab/scenario.hpp"
#include "store/record_json.hpp"
#include "tests/testlib/random_values.hpp"

#include <libtorrent/create_torrent.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

using namespace p2pscope;
namespace fs = std::filesystem;

namespace {

void put(const fs::path& dir, const std::string& bytes) {
  fs::create_directories(dir);
  std::ostringstream name;
  name << std::hex << std::hash<std::string>{}(bytes);
  std::ofstream(dir / name.str(), std::ios::binary) << bytes;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: fuzz_seedgen CORPUS_DIR FIXTURE_DIR\n";
    return 2;
  }
  fs::path corpus = argv[1], fixtures = argv[2];
  for (const char* bep5 : {
           "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
           "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re",
           "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee",
           "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe",
           "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe",
           "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re",
           "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:"
           "token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe",
       }) {
    put(corpus / "fuzz_krpc", bep5);
  }
  put(corpus / "fuzz_http_tracker", std::string(1, '\0') + slurp(fixtures / "zeek_tracker_announce_body.bencode"));
  // An announce query with BEP 7's ipv4= and ipv6= endpoints (the tracker side).
  put(corpus / "fuzz_http_tracker", "\x02info_hash=aaaaaaaaaaaaaaaaaaaa&peer_id=bbbbbbbbbbbbbbbbbbbb&port=6881&left=0"
                                    "&ipv4=23.1.2.3%3A51413&ipv6=%5B2001%3Adb8%3A%3A7%5D%3A51413");
  put(corpus / "fuzz_peer_wire", slurp(fixtures / "utp_pex_frame58_eleven_peers.bin"));
  // fuzz_pcap_file: the first records of the real classic captures, after
  // the header byte that picks microseconds and a 65535-byte snap length.
  for (const char* name : {"bittorrent.pcap", "zeek_tracker.pcap"}) {
    put(corpus / "fuzz_pcap_file", std::string(1, '\0') + slurp(fixtures / "pcaps" / name).substr(24, 4096));
  }
  auto pex = slurp(fixtures / "utp_pex_frame58_eleven_peers.bin");
  put(corpus / "fuzz_extension", "\1" + pex.substr(6));
  const std::string text = std::string(1, '\0');
  put(corpus / "fuzz_torrent_ref", text + "magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK&dn=x&tr=udp%3A%2F%2Ft%3A1");
  put(corpus / "fuzz_torrent_ref", text + "c12fe1c06bba254a9dc9f519b335aa7c1367a88a");
  put(corpus / "fuzz_torrent_ref", text + "YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK");
  {
    lt::file_storage fs;
    fs.add_file("seed/a.bin", 40000);
    fs.add_file("seed/b.bin", 100);
    lt::create_torrent ct(fs, 16384, lt::create_torrent::v1_only);
    for (lt::piece_index_t i(0); i < lt::piece_index_t(ct.num_pieces()); ++i) ct.set_hash(i, lt::sha1_hash("01234567890123456789"));
    ct.add_tracker("udp://tracker.lab:6969/announce");
    ct.set_creation_date(0);  // keep the seed file stable across runs
    std::string t;
    lt::bencode(std::back_inserter(t), ct.generate());
    put(corpus / "fuzz_torrent_ref", "\1" + t);
  }

  for (std::uint64_t seed = 0; seed < 24; ++seed) {
    testlib::Gen g(seed);
    put(corpus / "fuzz_krpc", encode_krpc(g.krpc()));
    Family f = g.coin() ? Family::v4 : Family::v6;
    put(corpus / "fuzz_udp_tracker", std::string(1, '\0') + encode_udp_tracker(g.udp_request()));
    put(corpus / "fuzz_udp_tracker", std::string(1, f == Family::v4 ? '\1' : '\3') + encode_udp_tracker(g.udp_response(f)));
    put(corpus / "fuzz_http_tracker", std::string(1, '\0') + encode_http_announce(g.http_announce(PeerEncoding::compact), PeerEncoding::compact));
    put(corpus / "fuzz_http_tracker", std::string(1, '\0') + encode_http_announce(g.http_announce(PeerEncoding::dictionary), PeerEncoding::dictionary));
    put(corpus / "fuzz_http_tracker", std::string(1, '\1') + encode_http_scrape(g.http_scrape()));
    auto stream = encode_handshake(g.handshake()) + encode_port(g.u16()) +
                  encode_extended(0, encode_extended_handshake(g.extended_handshake())) +
                  encode_extended(1, encode_pex(g.pex())) + encode_message(MessageId::have_all);
    put(corpus / "fuzz_peer_wire", stream);
    put(corpus / "fuzz_extension", std::string(1, '\0') + encode_extended_handshake(g.extended_handshake()));
    put(corpus / "fuzz_extension", std::string(1, '\1') + encode_pex(g.pex()));
    std::vector<Endpoint> peers(g.below(10));
    for (auto& p : peers) p = g.endpoint(f);
    put(corpus / "fuzz_compact", encode_compact_peers(peers));
    Observation o;
    o.time = Timestamp{std::chrono::microseconds{static_cast<std::int64_t>(g.u32()) * 1000000}};
    o.info_hash = g.hash<InfoHash>();
    o.peer = g.endpoint();
    o.via = static_cast<Via>(g.below(5));
    o.source_url = "http://tracker.lab/announce";
    o.source_endpoint = g.endpoint();
    o.source_node_id = g.hash<NodeId>();
    put(corpus / "fuzz_records", to_json_line(o));
    // Last: what it draws from g moves no other target's seeds.
    AzPeerExchange az;
    az.info_hash = g.hash<InfoHash>();
    az.pex = g.pex();
    for (auto& a : az.pex.added)  // AZ carries only the encryption bit
      if (a.flags) a.flags = PexFlags{}.set(PexFlag::prefers_encryption, a.flags->has(PexFlag::prefers_encryption));
    put(corpus / "fuzz_az_message", std::string(1, static_cast<char>(g.u16())) +
                                        encode_az_frame(kAzHandshake, 1, "d6:client7:BiglyBTe") +
                                        encode_az_frame("BT_HAVE", 1, "\0\0\0\1") +
                                        encode_az_frame(kAzPeerExchange, 2, encode_az_peer_exchange(az)));
  }
  for (const char* name : {"small", "large"}) put(corpus / "fuzz_scenario", std::string(lab::builtin_scenario(name).value()));
  put(corpus / "fuzz_scenario", "name = x\nseeds = lots\n");
  std::cout << "seed corpora written under " << corpus << "\n";
  return 0;
}
