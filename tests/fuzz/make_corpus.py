#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make_corpus.py - write the seed corpus of every fuzz target into
tests/fuzz/corpus/<target>/, from the shipped files (scripts/) and the
cases of the unit tests. Run from the top of the tree; the output is
committed, so this only runs again when the seeds should change.
"""
import os
import shutil
import struct

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(TOP, "tests", "fuzz", "corpus")


def put(target, name, data):
    """One seed file."""
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def shipped(name):
    with open(os.path.join(TOP, "scripts", name), "rb") as f:
        return f.read()


HOSTILE = ".".join(["a" * 63] * 4)


def config():
    put("config", "shipped", shipped("mxgate.conf"))
    put("config", "good", "interfaces = eth0, eth1\nports = 25 587\nqueue = 3\n"
        "dns_servers = 127.0.0.1, [2001:db8::53]:53\n"
        "client_access = hash:/etc/mxgate/a, pcre:/etc/mxgate/b\n"
        "dnsbl_sites = zen.spamhaus.org=127.0.0.[2..11]*3, "
        "list.dnswl.org=127.0.[0..255].[1..3]*-2\n"
        "country_actions = cn:block, br:greylist\n"
        "decision_timeout = 250ms\nverdict_ttl_pass = 2d\n"
        "mark_pass = 0x10\nmark_responder = 0x20\nmark_mask = 0xf0\n"
        "greylist_prefix_v4 = 24\ngreylist_prefix_v6 = /64\n"
        "dnsbl_allowlist_threshold = -2\n")
    put("config", "bad", "queue = 70000\nports = 25, 25\nunknown = 1\n= 5\n"
        "queue 9\nrules_cmd = mxgate rules\n")
    put("config", "nul", b"queue = 3\0# hidden\nports = 587\n")
    put("config", "long", "ports = 25 " + "x" * 1100 + "\nqueue = 3\n")
    put("config", "crlf", "queue = 4\r\nports = 25\r\n")


def builtin_providers():
    """The domains of provider_allowlist = builtin (daemon/providers.c)."""
    import re
    with open(os.path.join(TOP, "daemon", "providers.c")) as f:
        return re.findall(r'\{ "([a-z0-9.-]+)", "', f.read())


def table():
    # The shipped provider list, as a seed-style hash table.
    put("table", "hash_providers", "\0# providers\n" +
        "".join("%s\tOK\n" % d for d in builtin_providers()))
    put("table", "hash_keys", "\0# client_access\n202.66.133 DISCARD\n192.0.2.7 OK\n"
        "2001:db8::25 OK\nac.jp OK\n.example.net REJECT bad pool\n"
        "unknown 450 no reverse DNS, try later\nmail.example.org DUNNO\n"
        "Example.ORG REJECT\n")
    put("table", "hash_blanks", "\0\t# indented comment\nexample.com OK\n"
        "example.org\n   # note\n   DISCARD spam source\n \t \n   .example.net OK\n")
    put("table", "cidr", "\1198.51.100.0/24 REJECT\n198.51.100.10/32 OK\n"
        "2001:db8:c::/48 DISCARD\n0.0.0.0/0 DUNNO\n")
    put("table", "cidr_long", "\1192.0.2.0/24 REJECT " + "x" * 4075 + "0.0.0.0/0 OK\n")
    put("table", "pcre_s25r", "\2# client_access_S25R\n"
        "/\\.dip[0-9]+\\.t-ipconnect\\.de$/ 450 S25R check, be patient\n"
        "/^unknown$/ 450 no reverse\n!/\\.jp$/ DUNNO\n"
        "/^[^.]*[0-9][^0-9.]+[0-9]/\n    REJECT continued line\n"
        "/^Case\\.example$/i OK\n")
    put("table", "pcre_bomb", "\2/(a+)+$/ REJECT\n!/(a+)+$/ OK\n# " + HOSTILE + "\n")
    put("table", "pcre_flags", "\2/^mx\\d+\\./x OK\n/a.b/s DEFER\n/^x/m 550\n")


def country():
    # cn.zone, a 0xff byte, kr.ipv6.zone
    put("country", "two_files", b"1.0.1.0/24\n# comment\n\n1.0.2.0/23 \n"
        b"\xff2001:db8:1::/48\n")
    put("country", "overlap", b"0.0.0.0/0\n10.0.0.0/8\n10.1.0.0/16\n10.1.2.3\n"
        b"\xff::/0\n::ffff:0:0/96\n2001:db8::/32\n2001:db8::1/128\n")
    # fgets() of 256 bytes cut this comment right before "0.0.0.0/0".
    put("country", "long_comment", "# " + "c" * 253 + "0.0.0.0/0\n1.0.1.0/24\n")
    put("country", "long_comment_2", "# " + "c" * 300 + " 0.0.0.0/0\n1.0.1.0/24\n")
    put("country", "crlf", "1.0.1.0/24\r\n# comment\r\n2001:db8::/32 \r\n")
    put("country", "bad", "1.0.1.0/24\n1.0.1.0/33\nnot a network\n")


def dnsbl_sites():
    put("dnsbl_sites", "postscreen", "zen.spamhaus.org=127.0.0.[2..11]*3, "
        "list.dnswl.org=127.0.[0..255].[1..3]*-2 bl.spamcop.net")
    put("dnsbl_sites", "lists", "b.example=127.0.0.[2;4;9..10]")
    put("dnsbl_sites", "absolute", "zen.spamhaus.org.*2")
    put("dnsbl_sites", "long_zone", ".".join(["a" * 40] * 4) + "aaaa=127.0.0.2")
    put("dnsbl_sites", "bad", "zen..spamhaus.org*x,bad zone!")


def frame_v4(flags=0x02, dport=25, ihl=5, frag=0, vlans=0, proto=6):
    ip_len = ihl * 4 + 20
    eth = b"\x02" * 6 + b"\x04" * 6
    for _ in range(vlans):
        eth += b"\x81\x00" + struct.pack("!H", 100)
    eth += b"\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ip_len, 1, frag, 64, proto, 0,
                     bytes([198, 51, 100, 7]), bytes([192, 0, 2, 25]))
    ip += b"\x01" * ((ihl - 5) * 4)
    tcp = struct.pack("!HHIIBBHHH", 40000, dport, 1, 0, 5 << 4, flags, 65535, 0, 0)
    return eth + ip + tcp


def frame_v6(exts=(), flags=0x02, dport=25):
    eth = b"\x02" * 6 + b"\x04" * 6 + b"\x86\xdd"
    src = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [7])
    dst = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [25])
    body = b""
    nxt = 6
    for kind, arg in reversed(exts):
        if kind == 44:
            body = struct.pack("!BBHI", nxt, 0, arg << 3, 1) + body
        elif kind == 51:
            body = bytes([nxt, 1]) + b"\0" * 10 + body
        else:
            body = bytes([nxt, arg]) + b"\x01\x04" + b"\0" * (4 + arg * 8) + body
        nxt = kind
    tcp = struct.pack("!HHIIBBHHH", 40000, dport, 1, 0, 5 << 4, flags, 65535, 0, 0)
    body += tcp
    ip6 = struct.pack("!IHBB16s16s", 6 << 28, len(body), nxt, 64, src, dst)
    return eth + ip6 + body


def parse():
    put("parse", "v4_syn", frame_v4())
    put("parse", "v4_synack", frame_v4(flags=0x12))
    put("parse", "v4_options", frame_v4(ihl=7))
    put("parse", "v4_fragment", frame_v4(frag=3))
    put("parse", "v4_qinq", frame_v4(vlans=2))
    put("parse", "v4_udp", frame_v4(proto=17))
    put("parse", "v6_syn", frame_v6())
    put("parse", "v6_hop_dst", frame_v6([(0, 0), (60, 0)]))
    put("parse", "v6_frag_first", frame_v6([(44, 0)]))
    put("parse", "v6_frag_later", frame_v6([(44, 3)]))
    put("parse", "v6_five_dst", frame_v6([(60, 0)] * 5))
    put("parse", "v6_big_dst", frame_v6([(60, 30)]))
    put("parse", "v6_ah", frame_v6([(51, 0)]))


def names():
    for i, s in enumerate(["192.0.2.1", "198.51.100.0/24", "2001:db8::25",
                           "2001:db8::/32", "::ffff:192.0.2.1", "0.0.0.0/0",
                           "mail-ej1-f54.google.com", "p5DC1F2A3.dip0.t-ipconnect.de",
                           HOSTILE, "a.", "bad..name", "pass", "greylist"]):
        put("names", "seed%02d" % i, s)


def responder():
    # opts (bit 0 tarpit, bit 2 reset), then records [len/8, step, bytes]
    def rec(data, step=0):
        return bytes([max(0, (len(data) - 1) // 8), step]) + data.ljust(((len(data) - 1) // 8) * 8 + 1, b"\0")
    put("responder", "greylist_session", b"\x08" + rec(b"EHLO client.example\r\n")
        + rec(b"MAIL FROM:<a@example.com>\r\n", 10) + rec(b"QUIT\r\n"))
    put("responder", "greylist_many", b"\x10" + rec(b"NOOP\r\n" * 30))
    put("responder", "greylist_long_line", b"\x00" + rec(b"X" * 600 + b"\r\n"))
    put("responder", "tarpit_wait", b"\x01" + rec(b"", 250) + rec(b"", 250) + rec(b"HELO x\r\n"))
    put("responder", "tarpit_pregreet", b"\x01" + rec(b"EHLO early\r\n"))
    put("responder", "tarpit_reset", b"\x05" + rec(b"", 10))
    put("responder", "idle", b"\x00" + rec(b"", 255) + rec(b"", 255))
    put("responder", "greylist_envelope", b"\x08" + rec(b"EHLO mail.example.org\r\n")
        + rec(b"MAIL FROM:<alice@example.org> SIZE=10\r\n") + rec(b"RCPT TO:<bob@example.net>\r\n")
        + rec(b"rcpt to: carol@example.net\r\n") + rec(b"QUIT\r\n"))
    put("responder", "greylist_injection", b"\x00" + rec(b"HELO a\rb\x00\x1b\xe9>=\"\\ c\r\n")
        + rec(b"MAIL FROM:<>\r\nRCPT TO:<x\r ended=quit responder: greylist>\r\n"))
    put("responder", "tarpit_pregreet_envelope", b"\x01" + rec(b"EHLO early\r\nMAIL FROM:<a@b>\r\n"
        b"RCPT TO:<c@d>\r\nDATA\r\n"))


def dns_answer(qname, qtype, rrs):
    def name(n):
        out = b""
        for label in n.split("."):
            if label:
                out += bytes([len(label)]) + label.encode()
        return out + b"\0"
    msg = struct.pack("!HHHHHH", 0x1234, 0x8180, 1, len(rrs), 0, 0)
    msg += name(qname) + struct.pack("!HH", qtype, 1)
    for rtype, ttl, rdata in rrs:
        if rtype == 12:
            rdata = name(rdata)
        msg += b"\xc0\x0c" + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata
    return msg


def resolve():
    v4 = bytes([192, 0, 2, 1])
    v6 = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1])
    put("resolve", "ptr_v4", b"\x01" + v4 + dns_answer("1.2.0.192.in-addr.arpa", 12,
                                                       [(12, 300, "mail.example.com")]))
    put("resolve", "ptr_v4_two", b"\x01" + v4 + dns_answer(
        "1.2.0.192.in-addr.arpa", 12, [(12, 300, "a.example.com"), (12, 300, "b.example.com")]))
    put("resolve", "ptr_v6", b"\x00" + v6 + dns_answer(
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", 12,
        [(12, 300, "mx.example.net")]))
    put("resolve", "ptr_none", b"\x01" + v4 + dns_answer("1.2.0.192.in-addr.arpa", 12, []))
    put("resolve", "forward_a", b"\x03" + v4 + dns_answer(
        "mail.example.com", 1, [(1, 300, v4), (1, 60, bytes([192, 0, 2, 2]))]))
    put("resolve", "forward_aaaa", b"\x02" + v6 + dns_answer("mx.example.net", 28, [(28, 300, v6)]))
    put("resolve", "dnsbl_a", b"\x05" + v4 + dns_answer(
        "2.0.0.127.zen.spamhaus.org", 1, [(1, 300, bytes([127, 0, 0, 2])),
                                          (1, 30, bytes([127, 0, 0, 4]))]))
    put("resolve", "dnsbl_empty", b"\x05" + v4 + dns_answer("2.0.0.127.zen.spamhaus.org", 1, []))


def dnsbl():
    # ops: 0 start(4 bytes), 1 cancel(i), 2 answer oldest(status, n, ttl,
    # n x (4 bytes, flag)), 4 answer any(i, ...), 5 loop, 6 reload
    def ans(status, addrs, ttl=5):
        out = bytes([status, len(addrs), ttl])
        for a in addrs:
            out += bytes(a) + b"\0"
        return out
    # The probes: for each of the 3 lists, 127.0.0.2 listed, .1 not.
    probes = b""
    for _ in range(3):
        probes += b"\x02" + ans(0, [(127, 0, 0, 2)]) + b"\x02" + ans(1, [])
    client = b"\x00" + bytes([198, 51, 100, 7])
    put("dnsbl", "healthy_listed", probes + client
        + b"\x02" + ans(0, [(127, 0, 0, 2)]) + b"\x02" + ans(1, []) + b"\x02" + ans(0, [(127, 0, 9, 3)])
        + b"\x05" + client + b"\x05")
    put("dnsbl", "cancel_reload", probes + client + b"\x01\x00" + b"\x06" + b"\x02" + ans(0, [(127, 0, 0, 2)])
        + b"\x0e" + client + b"\x05")
    put("dnsbl", "errors", probes + client + b"\x02" + ans(0, [(127, 255, 255, 254)])
        + b"\x04\x01" + ans(2, []) + b"\x02" + ans(0, [(192, 0, 2, 1)]) + b"\x05")


def spf():
    """fuzz_spf: a flags byte, a client, then records (see fuzz_spf.c)."""
    TXT, A, AAAA, MX, PTR = range(5)
    RAW, FAIL, CUT, TTL0 = 4 << 3, 5 << 3, 6 << 3, 7 << 3

    def v4(a, b, c, d):
        return bytes(12) + bytes((a, b, c, d))

    def txt(name, text, how=0):
        return bytes((name, TXT | how)) + text.encode() + b"\n"

    def addr(name, kind, raw, how=0):
        return bytes((name, kind | how)) + raw

    def ref(name, kind, target, how=0):
        return bytes((name, kind | how, target))

    oracle = 0x02 | (5 << 2) | (4 << 5)
    put("spf", "pass_ip4", bytes((oracle,)) + v4(192, 0, 2, 10)
        + txt(0, "v=spf1 ip4:192.0.2.0/24 -all"))
    put("spf", "include_a_mx", bytes((oracle,)) + v4(198, 51, 100, 7)
        + txt(0, "v=spf1 include:n1.example a mx:n2.example/28 -all")
        + txt(1, "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/48 ~all")
        + addr(0, A, bytes((203, 0, 113, 5)))
        + addr(0, AAAA, bytes.fromhex("20010db8000500000000000000000005"))
        + ref(2, MX, 3) + ref(2, MX, 4)
        + addr(3, A, bytes((203, 0, 113, 25))) + addr(4, A, bytes((203, 0, 113, 26))))
    put("spf", "v6_redirect", bytes((oracle | 1,)) + bytes.fromhex("20010db8000100000000000000000001")
        + txt(0, "v=spf1 ip6:2001:db8:2::/48 redirect=n1.example")
        + txt(1, "v=spf1 a:n3.example//64 ip6:2001:db8:1::/48 -all")
        + addr(3, AAAA, bytes.fromhex("20010db8000300000000000000000003")))
    put("spf", "macros_ptr_exists", bytes((oracle,)) + v4(192, 0, 2, 1)
        + txt(0, "v=spf1 ip4:192.0.2.0/25 exists:n4.example ptr:n5.example "
                 "exists:%{i}.%{l1r-}.n6.example a:%{d2}.x -all exp=n7.example")
        + ref(8, PTR, 5) + addr(5, A, bytes((192, 0, 2, 1)))
        + txt(7, "%{i} is not one of %{d}'s hosts"))
    put("spf", "failures", bytes((oracle,)) + v4(192, 0, 2, 9)
        + txt(0, "v=spf1 include:n1.example include:n2.example ip4:192.0.2.0/24 -all")
        + txt(1, "v=spf1 -all", FAIL) + txt(2, "v=spf1 a -all", CUT)
        + addr(2, A, bytes((192, 0, 2, 9)), TTL0))
    put("spf", "raw_answers", bytes((oracle,)) + v4(192, 0, 2, 9)
        + txt(0, "v=spf1 a mx -all")
        + bytes((0, A | RAW)) + bytes.fromhex("0100c00c000100010000012c0004c0000209") + b"\n"
        + bytes((0, MX | RAW)) + bytes.fromhex("0001c00c00060001000000050016") + bytes(22) + b"\n")
    put("spf", "two_records", bytes((oracle,)) + v4(192, 0, 2, 9)
        + txt(0, "v=spf1 +all") + txt(0, "v=SPF1 ip4:192.0.2.9") + txt(0, "v=spf10"))
    put("spf", "long_record", bytes((oracle | 1,)) + bytes.fromhex("20010db8000100000000000000000001")
        + txt(0, "v=spf1" + "".join(" ip6:2001:db8:%x::/48" % i for i in range(1, 31))
              + " -all"))


def dictionaries():
    """libFuzzer dictionaries (tests/fuzz/<target>.dict): the words of
    each syntax, the config keys taken from config.c's key table."""
    import re
    with open(os.path.join(TOP, "daemon", "config.c")) as f:
        keys = re.findall(r'KEY\("([a-z0-9_]+)", CONF_', f.read())
    words = {
        "config": keys + [" = ", "#", ",", "ms", "s", "m", "h", "d", "0x", "off",
                          "/", "pass", "block", "greylist", "tarpit", "throttle",
                          "none", "builtin", "hash:", "cidr:", "pcre:", "[", "]", "::",
                          "\n"],
        "table": ["OK", "REJECT", "DISCARD", "DEFER", "DUNNO", "450", "554",
                  "unknown", "!/", "/i", "/x", "/s", "/m", "\n", "\n\t", "#",
                  "(a+)+$", "[0-9]", "\\.", "::", "/24", "/64", "192.0.2."],
        "country": ["/8", "/24", "/32", "/48", "/96", "/128", "::", "::ffff:",
                    "0.0.0.0/0", "#", "\n", "\r\n"],
        "dnsbl_sites": ["=127.0.0.", "[", "..", ";", "]", "*", "*-", ".", ",",
                        "255", "zen.spamhaus.org"],
        "spf": ["v=spf1", "v=spf1 ", " ", "\n", "+", "-", "~", "?", "all", "include:",
                "a", "a:", "mx", "mx:", "ptr", "ptr:", "ip4:", "ip6:", "exists:",
                "redirect=", "exp=", "/24", "/32", "//64", "//128", "/0", "%{i}",
                "%{d}", "%{l}", "%{h}", "%{p}", "%{s}", "%{o}", "%{v}", "%{ir}",
                "%{d2}", "%{l1r-}", "%%", "%_", "%-", "n0.example", "n1.example",
                "n2.example", "n3.example", "n4.example", "n5.example", "n6.example",
                "n7.example", "192.0.2.0", "2001:db8::", "::ffff:", "\x00", "\x7f"],
        "responder": ["\r\n", "\n", "QUIT", "quit ", "EHLO ", "HELO ", "MAIL FROM:<>",
                      "RCPT TO:<>", "DATA", "NOOP", "MAIL FROM:", "RCPT TO:", "mail from: ",
                      "<", ">", "@", " SIZE=", "\r", "\x00", "\\", "="],
    }
    for target, ws in words.items():
        with open(os.path.join(TOP, "tests", "fuzz", target + ".dict"), "w") as f:
            f.write("# %s.dict - written by make_corpus.py\n" % target)
            for w in ws:
                esc = "".join(c if c.isprintable() and c not in '"\\' else
                              "\\x%02x" % ord(c) for c in w)
                f.write('"%s"\n' % esc)


def share():
    """fuzz_share: byte 0 even a value, odd a key suffix (see fuzz_share.c)."""
    put("share", "verdict", b"\0" + b"1 v 3 81 -3 1764600000123 1764600900123")
    put("share", "manual", b"\0" + b'1 m 2 1764600000000 0 "spam \\"run\\" 42"')
    put("share", "forgotten", b"\0" + b'1 m 0 1764600000000 1765204800000 ""')
    put("share", "key_v4_prefix", b"\1" + b"v:192.0.2.0/24")
    put("share", "key_v6_prefix", b"\1" + b"m:2001:db8::/48")
    put("share", "key_address", b"\1" + b"v:198.51.100.7")


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    for make in (config, table, country, dnsbl_sites, parse, names, responder,
                 resolve, dnsbl, spf, share, dictionaries):
        make()


if __name__ == "__main__":
    main()
