#!/usr/bin/env python3
"""Records real aMule 2.3.3 traffic for the eDonkey/KAD known-answer tests.

Usage (root; needs amuled, amulecmd, dumpcap, tshark and ip):
    scripts/capture_amule.py OUTDIR

Inside a network namespace of its own (two TEST-NET-2 addresses on its
loopback, no other interface, so nothing can leave it) it starts one amuled
with ED2K and KAD on and every download of lists off, plays an index server
that aMule logs into, and a peer that the server names as a source, and
probes aMule as a client (hello, a fake-hash file request, the extended
multipacket with source exchange 2) and as a KAD node (bootstrap, hello,
find-node, ping). It writes:
    OUTDIR/amule233_lab.pcapng   what dumpcap saw on the namespace's loopback
    OUTDIR/amule233_lab.hex      one line per segment or datagram:
                                 <flow> <from> <hex payload>
    OUTDIR/amule233_lab.tshark   tshark's edonkey dissection of each line
                                 (protocol byte and message type per message)
The messages this script sends are written with struct, independently of
p2pscope's codecs, so the tests compare two implementations.
"""
import hashlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

NS = "p2pscope-amulecap"
AMULE, PROBE = "198.51.100.10", "198.51.100.20"
AMULE_TCP, AMULE_UDP = 4662, 4672
SERVER_TCP = 4661
SOURCE_TCP = 4663
PROBE_TCP = 4664  # the port the probe's hello names: not the source's, so aMule dials the source apart
KAD_UDP = 4673
PROBE_HASH = bytes([0x10] * 5 + [14] + [0x20] * 8 + [111] + [0x30])  # eMule's byte 5 = 14, byte 14 = 111
FAKE_FILE = bytes.fromhex("0badf00d" * 4)
WANTED = bytes.fromhex("5eed5eed" * 4)  # the download aMule asks the server and the source about
WANTED_SIZE = 5_000_000
SHARED_SIZE = 12_000_000
SHARED_HASH = bytes.fromhex("26e5db501f39de2d1b6e090f8a766620")  # alcc on 12,000,000 zero bytes


def frame(proto, op, body):
    return struct.pack("<BIB", proto, len(body) + 1, op) + body


def tag_u32(tid, v):
    return struct.pack("<BH", 3, 1) + bytes([tid]) + struct.pack("<I", v)


def tag_str(tid, s):
    return struct.pack("<BH", 2, 1) + bytes([tid]) + struct.pack("<H", len(s)) + s


def hello_body(port, answer=False):
    tags = [tag_str(0x01, b"p2pscope-capture"), tag_u32(0x11, 0x3C), tag_u32(0xFB, 50 << 10),
            tag_u32(0xFA, 3 << 12 | 1 << 8 | 1 << 1), tag_u32(0xFE, 1 << 10 | 1 << 5 | 1 << 4)]
    body = PROBE_HASH + struct.pack("<IH", 0, port) + struct.pack("<I", len(tags)) + b"".join(tags)
    body += struct.pack("<IH", 0, 0)
    return body if answer else b"\x10" + body


def kad_id_wire(h):  # four little-endian u32, most significant first
    return b"".join(h[i:i + 4][::-1] for i in range(0, 16, 4))


def read_frames(sock, seconds):
    """Reads whole frames until `seconds` pass without one."""
    sock.settimeout(seconds)
    buf, frames = b"", []
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return frames
        if not chunk:
            return frames
        buf += chunk
        while len(buf) >= 6:
            proto, length = struct.unpack_from("<BI", buf)
            if len(buf) < 5 + length:
                break
            frames.append((proto, buf[5], buf[6:5 + length]))
            buf = buf[5 + length:]


def server(listener, log):
    """The index server: login, ID change, a message, status, sources."""
    conn, _ = listener.accept()
    for proto, op, body in read_frames(conn, 3):
        log.append(("server got", proto, op))
        if op == 0x01:  # login
            conn.sendall(frame(0xE3, 0x40, struct.pack("<II", int.from_bytes(socket.inet_aton(AMULE), "little"), 0)))
            msg = b"p2pscope capture server\r\nwelcome"
            conn.sendall(frame(0xE3, 0x38, struct.pack("<H", len(msg)) + msg))
            conn.sendall(frame(0xE3, 0x34, struct.pack("<II", 2, 1)))
    # aMule asks for its download's sources a little after logging in.
    deadline = time.time() + 20
    while time.time() < deadline:
        got = read_frames(conn, 2)
        for proto, op, body in got:
            log.append(("server got", proto, op))
            if op in (0x19, 0x23):
                src = struct.pack("<IH", int.from_bytes(socket.inet_aton(PROBE), "little"), SOURCE_TCP)
                conn.sendall(frame(0xE3, 0x42, WANTED + b"\x01" + src))
                deadline = min(deadline, time.time() + 8)
    conn.close()


def source(listener, log):
    """The peer the server named: answers aMule's hello and says it has no such file."""
    listener.settimeout(40)
    try:
        conn, _ = listener.accept()
    except socket.timeout:
        log.append(("source", "aMule never connected"))
        return
    for proto, op, body in read_frames(conn, 3):
        log.append(("source got", proto, op))
        if proto == 0xE3 and op == 0x01:
            conn.sendall(frame(0xE3, 0x4C, hello_body(SOURCE_TCP, answer=True)))
    for proto, op, body in read_frames(conn, 3):
        log.append(("source got", proto, op))
        if op in (0x58, 0x4F, 0x92, 0xA4):
            conn.sendall(frame(0xE3, 0x48, WANTED))
    read_frames(conn, 2)
    conn.close()


def client_probe(log):
    s = socket.create_connection((AMULE, AMULE_TCP), timeout=5, source_address=(PROBE, 0))
    s.sendall(frame(0xE3, 0x01, hello_body(PROBE_TCP)))
    log += [("probe got",) + f[:2] for f in read_frames(s, 2)]
    s.sendall(frame(0xE3, 0x4F, FAKE_FILE))  # SETREQFILEID for a hash nobody has: 0x48
    log += [("probe got",) + f[:2] for f in read_frames(s, 2)]
    multi = SHARED_HASH + struct.pack("<Q", SHARED_SIZE) + b"\x58\x00\x00" + b"\x4f" + b"\x83\x04\x00\x00"
    s.sendall(frame(0xC5, 0xA4, multi))
    log += [("probe got",) + f[:2] for f in read_frames(s, 3)]
    s.close()


def kad_probe(log):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((PROBE, KAD_UDP))
    u.settimeout(3)
    dst = (AMULE, AMULE_UDP)

    def ask(packet):
        u.sendto(packet, dst)
        try:
            data, _ = u.recvfrom(65536)
        except socket.timeout:
            log.append(("kad", "no answer to", packet[:2].hex()))
            return None
        log.append(("kad got", data[0], data[1]))
        return data

    ours = hashlib.md5(b"p2pscope capture kad id").digest()
    boot = ask(b"\xe4\x01")
    hello = b"\xe4\x11" + kad_id_wire(ours) + struct.pack("<HB", SOURCE_TCP, 8) + b"\x01"
    hello += struct.pack("<BH", 8, 1) + b"\xfc" + struct.pack("<H", KAD_UDP)
    ask(hello)
    if boot and len(boot) >= 18:
        their_id_wire = boot[2:18]
        ask(b"\xe4\x21\x0b" + kad_id_wire(SHARED_HASH) + their_id_wire)
    ask(b"\xe4\x60")
    ask(b"\xe4\x34" + kad_id_wire(SHARED_HASH) + struct.pack("<HQ", 0, SHARED_SIZE))


def write_config(conf_dir):
    os.makedirs(f"{conf_dir}/Incoming")
    os.makedirs(f"{conf_dir}/Temp")
    with open(f"{conf_dir}/Incoming/z12000000", "wb") as f:
        f.write(bytes(SHARED_SIZE))
    password = hashlib.md5(b"capture").hexdigest()
    with open(f"{conf_dir}/amule.conf", "w") as f:
        f.write(f"""[eMule]
Nick=lab-amule
Port={AMULE_TCP}
UDPPort={AMULE_UDP}
UDPEnable=1
Address={AMULE}
Autoconnect=1
Reconnect=0
ConnectToED2K=1
ConnectToKad=1
NewVersionCheck=0
Serverlist=0
AddServerListFromServer=0
AddServerListFromClient=0
SafeServerConnect=0
SmartIdCheck=0
UPnPEnabled=0
IPFilterAutoLoad=0
IPFilterURL=
KadNodesUrl=
Ed2kServersUrl=
FilterLanIPs=0
GeoIPEnabled=0
TempDir={conf_dir}/Temp
IncomingDir={conf_dir}/Incoming
[ExternalConnect]
AcceptExternalConnections=1
ECAddress=127.0.0.1
ECPort=4712
ECPassword={password}
[Obfuscation]
IsClientCryptLayerSupported=1
IsCryptLayerRequested=1
IsClientCryptLayerRequired=0
[WebServer]
Enabled=0
""")
    name = b"p2pscope capture server"
    entry = socket.inet_aton(PROBE) + struct.pack("<HI", SERVER_TCP, 1) + tag_str(0x01, name)
    with open(f"{conf_dir}/server.met", "wb") as f:
        f.write(b"\xe0" + struct.pack("<I", 1) + entry)


def amulecmd(*command):
    subprocess.run(["amulecmd", "-h", "127.0.0.1", "-p", "4712", "-P", "capture", "-c", " ".join(command)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20, check=False)


def inside(outdir):
    conf = tempfile.mkdtemp(prefix="p2pscope-amulecap-")
    write_config(conf)
    pcap = f"{outdir}/amule233_lab.pcapng"
    dump = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-w", pcap], stderr=subprocess.DEVNULL)
    time.sleep(1)
    listener = socket.create_server((PROBE, SERVER_TCP))
    src_listener = socket.create_server((PROBE, SOURCE_TCP))
    log = []
    threads = [threading.Thread(target=server, args=(listener, log)),
               threading.Thread(target=source, args=(src_listener, log))]
    for t in threads:
        t.start()
    amuled = subprocess.Popen(["amuled", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if subprocess.run(["ss", "-lnt", f"sport = :{AMULE_TCP}"], capture_output=True, text=True).stdout.count("\n") > 1:
                break
            time.sleep(0.2)
        time.sleep(3)  # hashing the shared file
        link = f"ed2k://|file|wanted.bin|{WANTED_SIZE}|{WANTED.hex()}|/"
        amulecmd("add", link)
        client_probe(log)
        kad_probe(log)
        for t in threads:
            t.join(60)
    finally:
        amuled.send_signal(signal.SIGTERM)
        amuled.wait(20)
        time.sleep(1)
        dump.send_signal(signal.SIGTERM)
        dump.wait(10)
        shutil.rmtree(conf, ignore_errors=True)
    for line in log:
        print(*line)


def summarise(outdir):
    pcap = f"{outdir}/amule233_lab.pcapng"
    decode = ["-d", f"tcp.port=={SERVER_TCP},edonkey", "-d", f"tcp.port=={AMULE_TCP},edonkey",
              "-d", f"tcp.port=={SOURCE_TCP},edonkey", "-d", f"udp.port=={AMULE_UDP},edonkey"]
    fields = ["-T", "fields", "-E", "separator=|", "-e", "frame.number", "-e", "ip.src", "-e", "tcp.srcport",
              "-e", "udp.srcport", "-e", "tcp.dstport", "-e", "udp.dstport", "-e", "tcp.payload", "-e", "udp.payload"]
    wanted = "(tcp.len > 0 or udp) and not icmp and not tcp.port == 4712"  # 4712: amulecmd's control link
    rows = subprocess.run(["tshark", "-r", pcap, "-Y", wanted] + fields, capture_output=True,
                          text=True, check=True).stdout.splitlines()
    kinds = ["-T", "fields", "-E", "separator=|", "-E", "aggregator=,", "-e", "frame.number", "-e",
             "edonkey.protocol", "-e", "edonkey.message.type"]
    dissected = {}
    for line in subprocess.run(["tshark", "-r", pcap, "-Y", "edonkey"] + decode + kinds, capture_output=True,
                               text=True, check=True).stdout.splitlines():
        number, protos, types = line.split("|")
        dissected[number] = (protos, types)
    with open(f"{outdir}/amule233_lab.hex", "w") as hexfile, open(f"{outdir}/amule233_lab.tshark", "w") as tfile:
        for row in rows:
            number, src, tsport, usport, tdport, udport, tpay, upay = row.split("|")
            flow = f"tcp:{min(int(tsport), int(tdport))}" if tpay else f"udp:{usport}-{udport}"
            who = f"{src}:{tsport or usport}"
            hexfile.write(f"{flow} {who} {tpay or upay}\n")
            protos, types = dissected.get(number, ("", ""))
            tfile.write(f"{flow} {who} {protos} {types}\n")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    outdir = os.path.abspath(sys.argv[1])
    os.makedirs(outdir, exist_ok=True)
    if os.environ.get("P2PSCOPE_CAPTURE_INSIDE"):
        inside(outdir)
        return
    subprocess.run(["ip", "netns", "del", NS], stderr=subprocess.DEVNULL, check=False)
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True)
        for addr in (AMULE, PROBE):
            subprocess.run(["ip", "-n", NS, "addr", "add", f"{addr}/32", "dev", "lo"], check=True)
        env = dict(os.environ, P2PSCOPE_CAPTURE_INSIDE="1")
        subprocess.run(["ip", "netns", "exec", NS, sys.executable, os.path.abspath(__file__), outdir], env=env,
                       check=True)
    finally:
        subprocess.run(["ip", "netns", "del", NS], check=False)
    summarise(outdir)


if __name__ == "__main__":
    main()
