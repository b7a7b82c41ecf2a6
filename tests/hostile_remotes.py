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
import socket
import struct
import sys
import threading
import time


def ready():
    print("ready", flush=True)


def bencode(x):
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, str):
        x = x.encode()
    if isinstance(x, bytes):
        return b"%d:%s" % (len(x), x)
    if isinstance(x, list):
        return b"l" + b"".join(bencode(i) for i in x) + b"e"
    if isinstance(x, dict):
        return b"d" + b"".join(bencode(k) + bencode(x[k]) for k in sorted(x)) + b"e"
    raise TypeError(x)


def http_tracker(ip, port, mode, peer=None):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ip, port))
    srv.listen(64)
    ready()

    def serve(c):
        try:
            c.settimeout(30)
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
                compact = socket.inet_aton(pip) + struct.pack(">H", int(pport))
                body = bencode({"interval": 1800, "peers": compact})
                c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


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
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ip, port))
    srv.listen(64)
    ready()

    def serve(c):
        try:
            c.settimeout(30)
            got = b""
            while len(got) < 68:
                chunk = c.recv(68 - len(got))
                if not chunk:
                    return
                got += chunk
            if mode == "log":
                with open(log, "a") as f:
                    f.write("%s %s\n" % (got[28:48].hex(), got[48:68].decode("latin-1")))
                return
            c.sendall(got[:20])  # the first 20 bytes of a handshake, then silence
            while c.recv(4096):
                pass
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def pcap_raw(path, linktype):
    ping = bencode({"a": {"id": b"n" * 20}, "q": "ping", "t": "aa", "y": "q"})
    udp = struct.pack(">HHHH", 6881, 6882, 8 + len(ping), 0) + ping
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     socket.inet_aton("1.2.3.4"), socket.inet_aton("5.6.7.8")) + udp
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
