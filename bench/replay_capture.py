#!/usr/bin/env python3
"""Builds a large capture for the passive benchmark by replaying the real
samples in tests/fixtures/pcaps over and over, each round with its IPv4
addresses rewritten through its own bijection (low 24 bits XOR-ed with a
per-round key), so every round's flows are new flows (IPv6 packets, if a
sample has any, keep their addresses). The IPv4 header checksum is
recomputed; TCP/UDP checksums are left as they were
(nothing here checks them, tshark by default does not either).

Usage: replay_capture.py --out FILE [--packets N]   (default 1,000,000)
pcapng samples (whatever their name) are converted with editcap first.
"""

import argparse
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, "..", "tests", "fixtures", "pcaps")


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        raise SystemExit("%s: link type %d, expected Ethernet" % (path, linktype))
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        frames.append((sec + usec / 1e6, data[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return frames


def ip_checksum(hdr):
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def rewrite(frame, key):
    """The frame with its IPv4 addresses' low 24 bits XOR-ed with key."""
    eth = 14
    ethertype = struct.unpack("!H", frame[12:14])[0]
    while ethertype == 0x8100 and len(frame) >= eth + 4:
        ethertype = struct.unpack("!H", frame[eth + 2:eth + 4])[0]
        eth += 4
    if ethertype != 0x0800 or len(frame) < eth + 20:
        return frame
    ihl = (frame[eth] & 0x0F) * 4
    hdr = bytearray(frame[eth:eth + ihl])
    if len(hdr) < 20:
        return frame
    for at in (12, 16):
        v = struct.unpack("!I", hdr[at:at + 4])[0] ^ key
        hdr[at:at + 4] = struct.pack("!I", v)
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack("!H", ip_checksum(bytes(hdr)))
    return frame[:eth] + bytes(hdr) + frame[eth + ihl:]


def samples():
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(SAMPLES)):
            path = os.path.join(SAMPLES, name)
            if not name.endswith((".pcap", ".pcapng")):
                continue
            with open(path, "rb") as f:
                classic = f.read(4) in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4")
            if not classic:  # pcapng, whatever the file is called
                conv = os.path.join(tmp, name + ".converted.pcap")
                subprocess.run(["editcap", "-F", "pcap", path, conv], check=True)
                path = conv
            frames = read_pcap(path)
            start = min(t for t, _, _ in frames)
            out.extend((t - start, frame, orig) for t, frame, orig in frames)  # each sample from time 0
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--packets", type=int, default=1000000)
    args = ap.parse_args()
    frames = samples()
    frames.sort(key=lambda x: x[0])  # the samples interleaved, each in its own order
    written, rnd = 0, 0
    with open(args.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        while written < args.packets:
            rnd += 1
            key = (rnd * 2654435761) & 0x00FFFFFF
            for t, frame, orig in frames:
                if written == args.packets:
                    break
                out = rewrite(frame, key)
                ts = 1700000000 + written * 1e-4  # 10,000 packets/s of capture time
                sec = int(ts)
                f.write(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(out), max(orig, len(out))))
                f.write(out)
                written += 1
    print("%s: %d packets, %d rounds of %d sample packets" % (args.out, written, rnd, len(frames)), file=sys.stderr)


if __name__ == "__main__":
    main()
