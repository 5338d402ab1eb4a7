#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# craft_syn.py - send one hand-made TCP SYN to port 25 through a raw
# socket, the way an attacker would hide it from a parser:
#   craft_syn.py SRC DST plain          a plain SYN (the control)
#   craft_syn.py SRC DST dstopts N      IPv6: N small destination options headers
#   craft_syn.py SRC DST bigopts        IPv6: one 256-byte destination options header
#   craft_syn.py SRC DST fragment       the SYN in two fragments (IPv4 or IPv6):
#                                       IPv4 splits the TCP header; IPv6 keeps it
#                                       whole in the first (RFC 7112) and sends
#                                       12 bytes of data, 4 of them in the second
#   craft_syn.py SRC DST splithdr       IPv6: the TCP header split across two
#                                       fragments (RFC 7112 forbids it)
# Used only inside the test's own namespaces, to documentation addresses.
import random, socket, struct, sys

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def tcp_syn(src, dst, v6, data=b""):
    sport, seq = random.randint(20000, 60000), random.randint(0, 2**32 - 1)
    hdr = struct.pack("!HHIIBBHHH", sport, 25, seq, 0, 5 << 4, 0x02, 64240, 0, 0) + data
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(hdr), 6)
    else:
        pseudo = src + dst + struct.pack("!xBH", 6, len(hdr))
    c = csum(pseudo + hdr)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:]

def dstopts(nxt, total):
    # one destination options header of total bytes (a multiple of 8),
    # its options all padding (PadN)
    pad = total - 2
    return struct.pack("!BB", nxt, total // 8 - 1) + struct.pack("!BB", 1, pad - 2) + b"\0" * (pad - 2)

def send6(src, dst, payload, first_nh):
    hdr = struct.pack("!IHBB", 6 << 28, len(payload), first_nh, 64) + src + dst
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(hdr + payload, (socket.inet_ntop(socket.AF_INET6, dst), 0))

def send4(src, dst, payload, frag_off, more, ident):
    flags = (0x2000 if more else 0) | (frag_off // 8)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags, 64, 6, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(hdr + payload, (socket.inet_ntop(socket.AF_INET, dst), 0))

def main():
    srcs, dsts, kind = sys.argv[1], sys.argv[2], sys.argv[3]
    v6 = ":" in srcs
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    src, dst = socket.inet_pton(fam, srcs), socket.inet_pton(fam, dsts)
    tcp = tcp_syn(src, dst, v6)
    if kind == "plain":
        if v6:
            send6(src, dst, tcp, 6)
        else:
            send4(src, dst, tcp, 0, False, random.randint(0, 65535))
    elif kind == "dstopts":
        n, chain = int(sys.argv[4]), tcp
        for i in range(n):
            chain = dstopts(6 if i == 0 else 60, 8) + chain
        send6(src, dst, chain, 60)
    elif kind == "bigopts":
        send6(src, dst, dstopts(6, 256) + tcp, 60)
    elif kind == "splithdr":
        ident = random.randint(1, 2**31)
        f1 = struct.pack("!BBHI", 6, 0, 0 | 1, ident) + tcp[:8]
        f2 = struct.pack("!BBHI", 6, 0, 8, ident) + tcp[8:]
        send6(src, dst, f1, 44)
        send6(src, dst, f2, 44)
    elif kind == "fragment":
        ident = random.randint(1, 2**31)
        if v6:
            seg = tcp_syn(src, dst, True, b"x" * 12)
            f1 = struct.pack("!BBHI", 6, 0, 0 | 1, ident) + seg[:24]
            f2 = struct.pack("!BBHI", 6, 0, 24, ident) + seg[24:]
            send6(src, dst, f1, 44)
            send6(src, dst, f2, 44)
        else:
            send4(src, dst, tcp[:8], 0, True, ident & 0xffff)
            send4(src, dst, tcp[8:], 8, False, ident & 0xffff)
    else:
        sys.exit("unknown kind " + kind)

main()
