#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# rst_probe.py - open a TCP connection to port 25 and look at the first
# packet that answers it on the wire (a packet socket on the interface,
# with the kernel's checksum state: PACKET_VNET_HDR), the way tcpdump -vv
# would, for test_reset.sh:
#   rst_probe.py IFACE SRC DST connect   the kernel's own connect() (its SYN
#                                        leaves with a partial checksum over
#                                        veth: CHECKSUM_PARTIAL)
#   rst_probe.py IFACE SRC DST raw       a SYN made by hand (MSS option, full
#                                        checksum, raw socket: CHECKSUM_NONE),
#                                        so the answer must carry a full one
# Prints one "key=value" a line:
#   connect=ok|refused|timeout|reset|error  (connect mode) and connect_s=
#   banner=...           the first reply line when it connected
#   reply=none|FLAGS     the answer's TCP flags (R, A, S, F, P letters)
#   seq=N ack_ok=0|1     its sequence number; ack = the SYN's seq + 1
#   ttl=N win=N doff=N   hop limit / TTL, window, TCP header words
#   csum_state=partial|full  partial: left for a device to finish
#                        (completed here as a device would, csum_start and
#                        csum_offset from the virtio header)
#   tcp_cksum=ok|bad     the TCP checksum, over the pseudo header
#   ip_cksum=ok|bad      IPv4 only: the header checksum
#   csum_errors=N        the client's TcpInCsumErrors grew by N meanwhile
# Used only inside the test's own namespaces, to documentation addresses.
import os, random, select, socket, struct, sys, time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
VNET_NEEDS_CSUM = 1


def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def sum16(data):
    if len(data) % 2:
        data += b"\0"
    return fold(sum(struct.unpack("!%dH" % (len(data) // 2), data)))


def pseudo(v6, src, dst, tcp_len):
    if v6:
        return src + dst + struct.pack("!IxxxB", tcp_len, 6)
    return src + dst + struct.pack("!xBH", 6, tcp_len)


def csum_errors():
    with open("/proc/net/snmp") as f:
        rows = [l.split() for l in f if l.startswith("Tcp:")]
    return int(rows[1][rows[0].index("InCsumErrors")])


def sniffer(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    s.bind((iface, 0))
    s.setblocking(False)
    return s


def parse(frame):
    """(vnet, frame, v6, ip_off, l4_off, src, dst) for a TCP frame, else None"""
    vnet = struct.unpack("<BBHHHH", frame[:10])
    f = frame[10:]
    proto = struct.unpack("!H", f[12:14])[0]
    if proto == 0x0800 and len(f) >= 34 and f[23] == 6:
        ihl = (f[14] & 15) * 4
        return vnet, f, False, 14, 14 + ihl, f[26:30], f[30:34]
    if proto == 0x86DD and len(f) >= 54 and f[20] == 6:
        return vnet, f, True, 14, 54, f[22:38], f[38:54]
    return None


def ports(p):
    f, l4 = p[1], p[4]
    return struct.unpack("!HH", f[l4:l4 + 4])


def collect(sn, until, want):
    """frames until the deadline or until want(list) says enough"""
    got = []
    while time.monotonic() < until and not want(got):
        r, _, _ = select.select([sn], [], [], max(0.0, until - time.monotonic()))
        if not r:
            continue
        try:
            frame = sn.recv(65535)
        except BlockingIOError:
            continue
        p = parse(frame)
        if p:
            got.append(p)
    return got


def report(p, syn_seq):
    (flags, _, _, _, cstart, coff), f, v6, ipo, l4, src, dst = p
    f = bytearray(f)
    tcp_len = (struct.unpack("!H", f[ipo + 4:ipo + 6])[0] if v6
               else struct.unpack("!H", f[ipo + 2:ipo + 4])[0] - (l4 - ipo))
    state = "full"
    if flags & VNET_NEEDS_CSUM:
        # what a device does: the sum from csum_start to the end (the
        # field holds the pseudo header's sum), its complement stored
        state = "partial"
        end = l4 + tcp_len
        struct.pack_into("!H", f, cstart + coff, ~sum16(bytes(f[cstart:end])) & 0xffff)
    tcp = bytes(f[l4:l4 + tcp_len])
    ok = sum16(pseudo(v6, src, dst, tcp_len) + tcp) == 0xffff
    seq, ack = struct.unpack("!II", tcp[4:12])
    names = [(0x04, "R"), (0x10, "A"), (0x02, "S"), (0x01, "F"), (0x08, "P")]
    print("reply=" + "".join(n for b, n in names if tcp[13] & b))
    print("seq=%d" % seq)
    print("ack_ok=%d" % (ack == (syn_seq + 1) & 0xffffffff))
    print("ttl=%d" % (f[ipo + 7] if v6 else f[ipo + 8]))
    print("win=%d" % struct.unpack("!H", tcp[14:16])[0])
    print("doff=%d" % (tcp[12] >> 4))
    print("csum_state=" + state)
    print("tcp_cksum=" + ("ok" if ok else "bad"))
    if not v6:
        print("ip_cksum=" + ("ok" if sum16(bytes(f[ipo:l4])) == 0xffff else "bad"))


def raw_syn(v6, src, dst, sport, seq):
    opts = struct.pack("!BBH", 2, 4, 1460)            # MSS
    hdr = struct.pack("!HHIIBBHHH", sport, 25, seq, 0, 6 << 4, 0x02, 64240, 0, 0) + opts
    c = ~sum16(pseudo(v6, src, dst, len(hdr)) + hdr) & 0xffff
    tcp = hdr[:16] + struct.pack("!H", c) + hdr[18:]
    if v6:
        ip = struct.pack("!IHBB", 6 << 28, len(tcp), 6, 64) + src + dst
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
        s.sendto(ip + tcp, (socket.inet_ntop(socket.AF_INET6, dst), 0))
    else:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp),
                         random.randint(0, 65535), 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", ~sum16(ip) & 0xffff) + ip[12:]
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        s.sendto(ip + tcp, (socket.inet_ntop(socket.AF_INET, dst), 0))


def main():
    iface, srcs, dsts, mode = sys.argv[1:5]
    v6 = ":" in srcs
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    src, dst = socket.inet_pton(fam, srcs), socket.inet_pton(fam, dsts)
    errors0 = csum_errors()
    sn = sniffer(iface)
    if mode == "connect":
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.bind((srcs, 0))
        sport = s.getsockname()[1]
        s.settimeout(5)
        t0 = time.monotonic()
        try:
            s.connect((dsts, 25))
            res = "ok"
        except socket.timeout:
            res = "timeout"
        except ConnectionRefusedError:
            res = "refused"
        except ConnectionResetError:
            res = "reset"
        except OSError as e:
            res = "error " + str(e)
        print("connect=" + res)
        print("connect_s=%.2f" % (time.monotonic() - t0))
        if res == "ok":
            line = b""
            s.settimeout(5)
            try:
                while not line.endswith(b"\n"):
                    c = s.recv(1)
                    if not c:
                        break
                    line += c
            except OSError:
                pass
            print("banner=" + line.decode("latin-1").rstrip("\r\n"))
        s.close()
    elif mode == "raw":
        sport, seq = random.randint(20000, 60000), random.randint(0, 2**32 - 1)
        raw_syn(v6, src, dst, sport, seq)
    else:
        sys.exit("unknown mode " + mode)

    def mine(p, frm, to):
        sp, dp = ports(p)
        return (p[5], p[6], sp, dp) == frm + to

    def answered(got):
        return any(mine(p, (dst, src), (25, sport)) for p in got)

    got = collect(sn, time.monotonic() + 2, answered)
    if mode == "connect":
        syns = [p for p in got if mine(p, (src, dst), (sport, 25)) and
                p[1][p[4] + 13] & 0x12 == 0x02]
        seq = struct.unpack("!I", syns[0][1][syns[0][4] + 4:syns[0][4] + 8])[0] if syns else -1
    replies = [p for p in got if mine(p, (dst, src), (25, sport))]
    if replies:
        report(replies[0], seq)
    else:
        print("reply=none")
    # The client's kernel checks a full checksum (a partial one it
    # trusts): a bad reset would be counted here and dropped. It is
    # counted in the softirq that handed it to the packet socket; the
    # pause only lets that finish on another CPU.
    time.sleep(0.2)
    print("csum_errors=%d" % (csum_errors() - errors0))


main()
