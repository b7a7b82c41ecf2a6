#!/usr/bin/env python3
"""Writes the synthetic captures issue #7's acceptance runs on, with their truth.

  honeynet.pcap  traffic to a dark /24 (198.51.100.0/24): a normal-peer
                 misconfiguration event, an anti-P2P event (three /24s,
                 arriving together), CERT-Polska-style forged uTP from
                 uniformly spoofed sources, an eMule event (hellos asking for
                 one file over TCP, KAD source searches for it), a small
                 event under the reporting bar, and address scans across the
                 whole block.
  scan.pcap      a monitored network (10.1.0.0/16): BitTorrent hosts that get
                 peers from a tracker, the DHT and ut_pex and then connect to
                 them (many fail), one BitTorrent host whose coordination
                 traffic is not in the capture, and horizontal, vertical and
                 block scanners.
  dht_samples.pcap  a BEP 51 crawler asking 20 DHT nodes for
                 sample_infohashes; each answers with 5-20 samples drawn
                 from 150 info hashes, so many repeat.
  truth.json     what each capture holds: the events with their
                 classification, application, info hash or eMule file, the BitTorrent hosts and the
                 scanners.

Only the standard library; the output depends on --seed alone. Nothing is
sent anywhere: the packets are written to files.

Usage: synthetic_captures.py --out DIR [--seed N]
"""

import argparse
import ipaddress
import json
import os
import random
import struct
import sys

T0 = 1700000000.0
HONEYNET = ipaddress.ip_network("198.51.100.0/24")


class Pcap:
    """A classic pcap file of Ethernet frames, written in time order."""

    def __init__(self, path):
        self.frames = []
        self.path = path

    def add(self, t, ip_datagram):
        eth = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00"
        self.frames.append((t, len(self.frames), eth + ip_datagram))

    def write(self):
        self.frames.sort(key=lambda f: (f[0], f[1]))
        with open(self.path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, _, data in self.frames:
                sec = int(t)
                usec = int(round((t - sec) * 1e6))
                if usec >= 1000000:
                    sec, usec = sec + 1, usec - 1000000
                f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
                f.write(data)
        return len(self.frames)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0, 64, proto, 0,
                      ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def udp(src, sport, dst, dport, payload):
    return ipv4(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


SYN, RST, ACK, PSH, FIN = 0x02, 0x04, 0x10, 0x08, 0x01


def tcp(src, sport, dst, dport, flags, seq, ack=0, payload=b""):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
    return ipv4(src, dst, 6, hdr + payload)


def icmp_port_unreachable(src, refused):
    body = struct.pack("!BBHI", 3, 3, 0, 0) + refused[:28]
    body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    return ipv4(src, ipaddress.IPv4Address(refused[12:16]).compressed, 1, body)


def utp(kind, conn, ts, ts_diff, wnd, seq, ack, payload=b""):
    return struct.pack("!BBHIIIHH", (kind << 4) | 1, 0, conn, ts, ts_diff, wnd, seq, ack) + payload


UTP_DATA, UTP_SYN = 0, 4


def handshake(info_hash, peer_id):
    return b"\x13BitTorrent protocol" + b"\0\0\0\0\0\x10\0\x05" + info_hash + peer_id


def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in sorted(v)) + b"e"


def compact(ep):
    return ipaddress.IPv4Address(ep[0]).packed + struct.pack("!H", ep[1])


def public_address(rng):
    """A random address outside every special-purpose block (what a real peer has)."""
    while True:
        first = rng.randint(1, 223)
        if first in (10, 100, 127, 169, 172, 192, 198, 203):
            continue
        return "%d.%d.%d.%d" % (first, rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))


def any_address(rng):
    """Uniform over the whole IPv4 space: a forged source."""
    return str(ipaddress.IPv4Address(rng.getrandbits(32)))


CLIENTS = [b"-TR3000-", b"-qB4520-", b"-UT3550-", b"-lt0D80-", b"-DE203s-", b"M7-4-0--"]


class Conversation:
    """One TCP connection: sequence numbers kept right in both directions."""

    def __init__(self, pcap, a, b, rng):
        self.pcap, self.a, self.b = pcap, a, b
        self.seq = {a: rng.getrandbits(32), b: rng.getrandbits(32)}

    def open(self, t):
        a, b = self.a, self.b
        self.pcap.add(t, tcp(a[0], a[1], b[0], b[1], SYN, self.seq[a]))
        self.pcap.add(t + 0.02, tcp(b[0], b[1], a[0], a[1], SYN | ACK, self.seq[b], self.seq[a] + 1))
        self.seq[a] += 1
        self.seq[b] += 1
        self.pcap.add(t + 0.04, tcp(a[0], a[1], b[0], b[1], ACK, self.seq[a], self.seq[b]))

    def send(self, t, frm, data):
        to = self.b if frm == self.a else self.a
        for i in range(0, len(data), 1400):
            part = data[i:i + 1400]
            self.pcap.add(t, tcp(frm[0], frm[1], to[0], to[1], ACK | PSH, self.seq[frm], self.seq[to], part))
            self.seq[frm] += len(part)
            t += 0.001

    def close(self, t):
        a, b = self.a, self.b
        self.pcap.add(t, tcp(a[0], a[1], b[0], b[1], FIN | ACK, self.seq[a], self.seq[b]))
        self.pcap.add(t + 0.01, tcp(b[0], b[1], a[0], a[1], FIN | ACK, self.seq[b], self.seq[a] + 1))


def info_hash(rng):
    return bytes(rng.getrandbits(8) for _ in range(20))


def get_peers(rng, ih):
    return bencode({"a": {"id": info_hash(rng), "info_hash": ih}, "q": "get_peers", "t": b"gp", "y": "q"})


def peer_arrivals(pcap, rng, target, sources, start, span, ih, answer_tcp, clients=CLIENTS):
    """Peers that were handed `target` for `ih`: TCP SYNs (retried), some uTP
    SYNs, some DHT get_peers; where the honeynet answers TCP, a handshake."""
    for src in sources:
        t = start + rng.random() * span
        sport = rng.randint(20000, 60000)
        kind = rng.random()
        if kind < 0.5:
            if answer_tcp:
                c = Conversation(pcap, (src, sport), (target, 6881), rng)
                c.open(t)
                peer_id = rng.choice(clients) + bytes(rng.getrandbits(8) for _ in range(12))
                c.send(t + 0.05, (src, sport), handshake(ih, peer_id))
            else:
                for retry in (0, 3, 9):
                    pcap.add(t + retry, tcp(src, sport, target, 6881, SYN, 1000))
        elif kind < 0.75:
            pcap.add(t, udp(src, sport, target, 6881, utp(UTP_SYN, rng.getrandbits(16), 1000, 0, 1048576, 1, 0)))
        else:
            pcap.add(t, udp(src, sport, target, 6881, get_peers(rng, ih)))


def cert_forged(pcap, rng, target, n, start, span, ih):
    """CERT Polska's anomaly: uTP DATA with no SYN, ack_nr 0, no timestamp
    difference, wnd 0x380000, a handshake with a zero peer id, timestamps in
    10 ms steps; a fifth of the sources are refused and keep sending."""
    for _ in range(n):
        src, sport, conn = any_address(rng), rng.randint(1024, 65535), rng.getrandbits(16)
        t = start + rng.random() * span
        ts = rng.randint(1, 400000) * 10000
        for i, dt in enumerate((0, 2)):
            data = utp(UTP_DATA, conn, (ts + i * 20000) & 0xFFFFFFFF, 0, 0x380000, 1 + i, 0, handshake(ih, b"\0" * 20))
            datagram = udp(src, sport, target, 6881, data)
            pcap.add(t + dt, datagram)
            if i == 0 and rng.random() < 0.2:
                pcap.add(t + 0.001, icmp_port_unreachable(target, datagram))


def ed2k_frame(opcode, payload):
    return struct.pack("<BIB", 0xE3, len(payload) + 1, opcode) + payload


def emule_hello(user_hash, port):
    """OP_HELLO with one tag, the nickname (eMule's old tag form)."""
    name = b"emule peer"
    tags = struct.pack("<I", 1) + struct.pack("<BHBH", 0x02, 1, 0x01, len(name)) + name
    return ed2k_frame(0x01, bytes([16]) + user_hash + struct.pack("<IH", 0, port) + tags + struct.pack("<IH", 0, 0))


def kad_id_wire(md4):
    """A KAD id on the wire: four u32, each little-endian, of the hash read big-endian."""
    return b"".join(md4[i:i + 4][::-1] for i in range(0, 16, 4))


EMULE_FILE_SIZE = 700 * 1024 * 1024  # what the KAD searches say; SETREQFILEID says no size


def emule_arrivals(pcap, rng, target, sources, start, span, file_hash):
    """eMule clients handed `target` as a source of `file_hash`: half connect
    over TCP (the honeynet answers), say hello and ask for the file
    (SETREQFILEID); the others search KAD for its sources there."""
    for src in sources:
        t = start + rng.random() * span
        sport = rng.randint(20000, 60000)
        if rng.random() < 0.5:
            c = Conversation(pcap, (src, sport), (target, 4662), rng)
            c.open(t)
            user_hash = bytes(rng.getrandbits(8) for _ in range(16))
            c.send(t + 0.05, (src, sport), emule_hello(user_hash, 4662) + ed2k_frame(0x4F, file_hash))
        else:
            search = bytes([0xE4, 0x34]) + kad_id_wire(file_hash) + struct.pack("<HQ", 0, EMULE_FILE_SIZE)
            pcap.add(t, udp(src, 4672, target, 4672, search))


def address_scans(pcap, rng, scanners, start, span):
    for _ in range(scanners):
        src, port = public_address(rng), rng.choice([22, 23, 445, 3389])
        t = start + rng.random() * span
        for host in HONEYNET.hosts():
            pcap.add(t, tcp(src, rng.randint(30000, 60000), str(host), port, SYN, rng.getrandbits(32)))
            t += 0.01


def honeynet_capture(path, rng):
    pcap = Pcap(path)
    events = []
    normal_ih, anti_ih, forged_ih, small_ih = (info_hash(rng) for _ in range(4))
    # A normal-peer event: 600 peers over two hours, from everywhere.
    peer_arrivals(pcap, rng, "198.51.100.10", {public_address(rng) for _ in range(600)}, T0, 7200, normal_ih, True)
    events.append({"target": "198.51.100.10", "classification": "misconfiguration", "application": "bittorrent",
                   "info_hash": normal_ih.hex()})
    # An anti-P2P event: 150 peers from three /24s within five minutes.
    farms = ["45.9.20.%d", "45.9.21.%d", "185.216.33.%d"]
    anti = {farms[i % 3] % (i // 3 + 1) for i in range(150)}
    peer_arrivals(pcap, rng, "198.51.100.20", anti, T0 + 3 * 3600, 300, anti_ih, True, [b"-UT2210-"])
    events.append({"target": "198.51.100.20", "classification": "anti_p2p", "application": "bittorrent",
                   "info_hash": anti_ih.hex()})
    # Forged uTP from 500 uniformly spoofed sources over twenty minutes.
    cert_forged(pcap, rng, "198.51.100.30", 500, T0 + 5 * 3600, 1200, forged_ih)
    events.append({"target": "198.51.100.30", "classification": "forged_sources", "application": "bittorrent",
                   "info_hash": forged_ih.hex()})
    # An eMule event: 300 clients over an hour asking for one file. Its own
    # random stream, so that the other events and captures stay as they were.
    erng = random.Random(rng.getstate()[1][0])
    emule_file = bytes(erng.getrandbits(8) for _ in range(16))
    clients = sorted({public_address(erng) for _ in range(300)})
    # Aligned to the analyser's 10-minute intervals, so that no client falls in a tail.
    start = (int(T0 + 2 * 3600) // 600 + 1) * 600
    emule_arrivals(pcap, erng, "198.51.100.50", clients, start, 3600, emule_file)
    events.append({"target": "198.51.100.50", "classification": "misconfiguration", "application": "emule",
                   "info_hash": "", "file": emule_file.hex(), "file_size": EMULE_FILE_SIZE,
                   "emule_sources": len(clients)})
    # Under the bar: 60 peers. And 30 scanners sweeping the whole block.
    peer_arrivals(pcap, rng, "198.51.100.40", {public_address(rng) for _ in range(60)}, T0 + 3600, 1800, small_ih, False)
    address_scans(pcap, rng, 30, T0, 6 * 3600)
    return pcap.write(), events


def random_peers(rng, n):
    return [(public_address(rng), rng.randint(1024, 65535)) for _ in range(n)]


def tracker_exchange(pcap, rng, t, host, ih, peers):
    c = Conversation(pcap, (host, rng.randint(30000, 60000)), ("93.184.216.34", 80), rng)
    c.open(t)
    query = "info_hash=%s&peer_id=-TR3000-abcdefghijkl&port=51413&uploaded=0&downloaded=0&left=1&compact=1" % (
        "".join("%%%02X" % b for b in ih))
    c.send(t + 0.05, c.a, ("GET /announce?%s HTTP/1.1\r\nHost: tracker.example\r\n\r\n" % query).encode())
    body = bencode({"interval": 1800, "peers": b"".join(compact(p) for p in peers)})
    c.send(t + 0.1, c.b, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    c.close(t + 0.2)


def dht_exchange(pcap, rng, t, host, ih, peers):
    node = (public_address(rng), rng.randint(1024, 65535))
    pcap.add(t, udp(host, 51413, node[0], node[1], get_peers(rng, ih)))
    reply = bencode({"r": {"id": info_hash(rng), "token": b"tk", "values": [compact(p) for p in peers]},
                     "t": b"gp", "y": "r"})
    pcap.add(t + 0.05, udp(node[0], node[1], host, 51413, reply))


def pex_exchange(pcap, rng, t, host, ih, via, peers):
    c = Conversation(pcap, (host, rng.randint(30000, 60000)), via, rng)
    c.open(t)
    c.send(t + 0.05, c.a, handshake(ih, b"-TR3000-" + b"h" * 12))
    c.send(t + 0.1, c.b, handshake(ih, b"-qB4520-" + b"p" * 12))
    ext = bencode({"m": {"ut_pex": 1}, "v": "Transmission 3.00"})
    c.send(t + 0.15, c.a, struct.pack("!IBB", len(ext) + 2, 20, 0) + ext)
    pex = bencode({"added": b"".join(compact(p) for p in peers), "added.f": b"\x10" * len(peers)})
    c.send(t + 0.2, c.b, struct.pack("!IBB", len(pex) + 2, 20, 1) + pex)


def connect_all(pcap, rng, t, host, peers, utp_first=0.1):
    """Tries every peer: a third answer, a third refuse, a third stay silent."""
    for peer in peers:
        sport = rng.randint(30000, 60000)
        if rng.random() < utp_first:
            pcap.add(t, udp(host, 51413, peer[0], peer[1], utp(UTP_SYN, rng.getrandbits(16), 1, 0, 1048576, 1, 0)))
            t += 0.1
        pcap.add(t, tcp(host, sport, peer[0], peer[1], SYN, 7))
        fate = rng.random()
        if fate < 1 / 3:
            pcap.add(t + 0.05, tcp(peer[0], peer[1], host, sport, SYN | ACK, 9, 8))
        elif fate < 2 / 3:
            pcap.add(t + 0.05, tcp(peer[0], peer[1], host, sport, RST | ACK, 0, 8))
        t += 0.5
    return t


def bittorrent_host(pcap, rng, t, host, visible_coordination=True):
    ih = info_hash(rng)
    tracker, dht, pex = random_peers(rng, 60), random_peers(rng, 40), random_peers(rng, 25)
    if visible_coordination:
        tracker_exchange(pcap, rng, t, host, ih, tracker)
        dht_exchange(pcap, rng, t + 1, host, ih, dht)
        pex_exchange(pcap, rng, t + 2, host, ih, tracker[0], pex)
    # Peers that connected to it over encrypted links also get called back:
    # nothing in the capture predicts those.
    others = random_peers(rng, 6)
    peers = tracker[1:] + dht + pex + others
    rng.shuffle(peers)
    connect_all(pcap, rng, t + 5, host, peers)


def scanner(pcap, rng, t, host, targets):
    for addr, port in targets:
        sport = rng.randint(30000, 60000)
        pcap.add(t, tcp(host, sport, addr, port, SYN, 5))
        if rng.random() < 0.5:
            pcap.add(t + 0.01, tcp(addr, port, host, sport, RST | ACK, 0, 6))
        t += 0.05


def scan_capture(path, rng):
    pcap = Pcap(path)
    bt_hosts = ["10.1.0.%d" % i for i in range(11, 21)]
    for i, host in enumerate(bt_hosts):
        bittorrent_host(pcap, rng, T0 + 90 * i, host, visible_coordination=(i != len(bt_hosts) - 1))
    block = [public_address(rng) for _ in range(40)]
    scanners = {
        "10.1.0.66": [(public_address(rng), 23) for _ in range(300)],                  # horizontal
        "10.1.0.67": [("203.0.113.80", port) for port in range(1, 201)],               # vertical
        "10.1.0.68": [(a, p) for a in block for p in (22, 80, 443, 3389, 8080)],       # block
    }
    for i, (host, targets) in enumerate(sorted(scanners.items())):
        scanner(pcap, rng, T0 + 200 + 150 * i, host, targets)
    truth = {"bittorrent_hosts": bt_hosts, "scanners": sorted(scanners),
             "kinds": {"10.1.0.66": "horizontal", "10.1.0.67": "vertical", "10.1.0.68": "block"}}
    return pcap.write(), truth


def samples_capture(path, rng):
    pcap = Pcap(path)
    crawler = "10.3.0.7"
    pool = [info_hash(rng) for _ in range(150)]
    offered = set()
    for i in range(20):
        node = (public_address(rng), rng.randint(1024, 65535))
        t = T0 + i * 0.5
        query = bencode({"a": {"id": info_hash(rng), "target": info_hash(rng)}, "q": "sample_infohashes",
                         "t": b"si", "y": "q"})
        pcap.add(t, udp(crawler, 6881, node[0], node[1], query))
        samples = rng.sample(pool, rng.randint(5, 20))
        offered.update(samples)
        reply = bencode({"r": {"id": info_hash(rng), "interval": 21600, "num": len(pool), "nodes": b"",
                               "samples": b"".join(samples)}, "t": b"si", "y": "r"})
        pcap.add(t + 0.05, udp(node[0], node[1], crawler, 6881, reply))
    return pcap.write(), sorted(h.hex() for h in offered)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="directory for honeynet.pcap, scan.pcap and truth.json")
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    n_hn, events = honeynet_capture(os.path.join(args.out, "honeynet.pcap"), rng)
    n_scan, scan = scan_capture(os.path.join(args.out, "scan.pcap"), rng)
    n_samples, samples = samples_capture(os.path.join(args.out, "dht_samples.pcap"), rng)
    truth = {"seed": args.seed, "honeynet": {"block": str(HONEYNET), "events": events}, "scan": scan,
             "dht_samples": samples}
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=2)
    print("synthetic captures in %s: honeynet.pcap %d packets, scan.pcap %d packets, dht_samples.pcap %d packets"
          % (args.out, n_hn, n_scan, n_samples), file=sys.stderr)


if __name__ == "__main__":
    main()
