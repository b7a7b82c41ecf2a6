#!/usr/bin/env python3
"""Misbehaving remotes for tests/hostile_cli_test.sh, run inside a private
network namespace the script creates (never on a shared network).

  hostile_remotes.py tracker  IP PORT MODE [PEER_IP:PEER_PORT]
      an HTTP tracker; MODE: trickle (one byte every 2 s, never a whole
      header), huge-header (4 MiB of header lines), close-early (half a
      status line), ok (a valid compact reply naming PEER)
  hostile_remotes.py udp      IP PORT MODE [OTHER_IP]
      a BEP 15 tracker; MODE: silent (reads, never answers), elsewhere
      (answers from OTHER_IP instead)
  hostile_remotes.py peer     IP PORT MODE LOG
      a BitTorrent peer; MODE: stall (20 bytes of handshake, then nothing),
      log (records every handshake it receives in LOG as
      "<infohash hex> <peer id>" lines, answers nothing)
  hostile_remotes.py pcap-raw FILE LINKTYPE
      writes a classic pcap of one raw IPv4 UDP datagram carrying a KRPC
      ping (link type 101, 12 or 14)
  hostile_remotes.py torrent  FILE TRACKERS
      writes a .torrent whose announce-list holds TRACKERS distinct URLs

Each server runs until killed and prints "ready" once it listens.
"""
import hashlib
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from synthetic_captures import bencode, udp  # noqa: E402  (the same encoders the synthetic captures use)


def ready():
    print("ready", flush=True)


def serve_tcp(ip, port, session):
    """Accepts on ip:port and runs session(conn) on a thread per connection."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ip, port))
    srv.listen(64)
    ready()

    def guarded(c):
        try:
            c.settimeout(30)
            session(c)
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = srv.accept()
        threading.Thread(target=guarded, args=(c,), daemon=True).start()


def read_exactly(c, n):
    got = b""
    while len(got) < n:
        chunk = c.recv(n - len(got))
        if not chunk:
            return None
        got += chunk
    return got


def http_tracker(ip, port, mode, peer=None):
    def session(c):
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = c.recv(4096)
            if not chunk:
                return
            head += chunk
        if mode == "trickle":
            for b in b"HTTP/1.0 200 OK\r\nX-Slow: " + b"s" * 1000:
                c.sendall(bytes([b]))
                time.sleep(2)
        elif mode == "huge-header":
            lines = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"f" * 1000) for i in range(4200))
            c.sendall(b"HTTP/1.0 200 OK\r\n" + lines + b"\r\n" + bencode({"interval": 1800, "peers": b""}))
        elif mode == "close-early":
            c.sendall(b"HTTP/1.0 2")
        else:
            pip, pport = peer.rsplit(":", 1)
            body = bencode({"interval": 1800, "peers": socket.inet_aton(pip) + struct.pack(">H", int(pport))})
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)

    serve_tcp(ip, port, session)


def udp_tracker(ip, port, mode, other=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, port))
    out = None
    if mode == "elsewhere":
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        out.bind((other, port))
    ready()
    while True:
        data, frm = s.recvfrom(2048)
        if mode == "silent" or len(data) < 16:
            continue
        action, tid = struct.unpack(">II", data[8:16])
        if action == 0:  # connect: answered from the other address
            out.sendto(struct.pack(">IIQ", 0, tid, 42), frm)


def peer(ip, port, mode, log):
    def session(c):
        got = read_exactly(c, 68)
        if got is None:
            return
        if mode == "log":
            with open(log, "a") as f:
                f.write("%s %s\n" % (got[28:48].hex(), got[48:68].decode("latin-1")))
            return
        c.sendall(got[:20])  # the first 20 bytes of a handshake, then silence
        while c.recv(4096):
            pass

    serve_tcp(ip, port, session)


def pcap_raw(path, linktype):
    ping = bencode({"a": {"id": b"n" * 20}, "q": "ping", "t": "aa", "y": "q"})
    ip = udp("1.2.3.4", 6881, "5.6.7.8", 6882, ping)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, int(linktype)))
        f.write(struct.pack("<IIII", 1, 0, len(ip), len(ip)) + ip)


def torrent(path, trackers):
    info = {"name": "many-trackers", "piece length": 16384, "length": 1, "pieces": hashlib.sha1(b"x").digest()}
    t = {"announce": "http://1.2.3.4/announce", "info": info,
         "announce-list": [["http://t%d.example/announce" % i] for i in range(int(trackers))]}
    with open(path, "wb") as f:
        f.write(bencode(t))


def main():
    kind, args = sys.argv[1], sys.argv[2:]
    if kind == "tracker":
        http_tracker(args[0], int(args[1]), args[2], args[3] if len(args) > 3 else None)
    elif kind == "udp":
        udp_tracker(args[0], int(args[1]), args[2], args[3] if len(args) > 3 else None)
    elif kind == "peer":
        peer(args[0], int(args[1]), args[2], args[3])
    elif kind == "pcap-raw":
        pcap_raw(args[0], args[1])
    elif kind == "torrent":
        torrent(args[0], args[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
