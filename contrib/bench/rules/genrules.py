#!/usr/bin/env python3
"""contrib/bench/rules/genrules.py: writes N Suricata rules of the shape of a published rule set
(ET Open): mixed http (uri, host, user agent, headers, bodies), dns, tls and tcp stream rules,
1-3 contents each with positions, some pcre, flow keywords and metadata; the HTTP buffers,
transforms, urilen, base64 and payload-with-buffer rules of issue 14 in the proportions ET Open
2024 has them (dotprefix on most dns.query and some tls.sni rules). Deterministic for a seed. Their contents are random words, so on ordinary traffic they are candidates now and then
and rarely alert, as real rules do.

With --ip K, K more rules of the shape of ET Open's address lists (emerging-compromised,
ciarmy, drop, tor): `alert ip [50 addresses] any -> $HOME_NET any` with a threshold limit by_src
(and flowbits:set on the tor ones), Suricata's IP-only rules; one in ten lists holds an address
of genpcap.py's servers (198.51.100.0/26), so those fire on its traffic.

usage: genrules.py N [--seed S] [--ip K] > file.rules
"""
import argparse
import random

WORDS = ("admin login panel update config backup shell upload download invoice order payment "
         "cmd exec eval system passwd token session install setup wp plugin theme api v1 v2 "
         "gate beacon report task check status data file image doc pdf zip jar class loader "
         "stage drop bot cnc c2 proxy tunnel socks mine pool wallet coin crypt lock ransom key "
         "note help read decrypt victim id uid guid hwid build version os arch user pass name "
         "mail smtp imap pop ftp ssh rdp vnc telnet mysql mssql redis mongo elastic kibana "
         "jenkins tomcat struts spring log4j jndi ldap rmi ognl xss sqli union select from "
         "where sleep benchmark waitfor delay char concat script alert onerror onload iframe").split()
TLDS = ["com", "net", "org", "ru", "cn", "top", "xyz", "info", "biz", "io"]


def word(rng):
    return rng.choice(WORDS)


def token(rng, lo=4, hi=14):
    n = rng.randint(lo, hi)
    s = ""
    while len(s) < n:
        s += word(rng) + rng.choice(["", "_", "-", ".", "/", "="])
    return s[:n]


def esc(s):
    return s.replace("\\", "\\\\").replace('"', '\\"').replace(";", "\\;")


def contents(rng, n, nocase_p=0.3):
    out = []
    for i in range(n):
        c = 'content:"%s";' % esc(token(rng))
        if rng.random() < nocase_p:
            c += " nocase;"
        if i > 0 and rng.random() < 0.5:
            c += " distance:0;"
            if rng.random() < 0.4:
                c += " within:%d;" % rng.randint(20, 200)
        out.append(c)
    return " ".join(out)


def pcre(rng):
    return ' pcre:"/%s[0-9a-f]{%d,%d}/%s";' % (esc(token(rng, 3, 6)), rng.randint(2, 8),
                                             rng.randint(9, 32), rng.choice(["", "i", "R", "s"]))


# One more clause for an http rule, with its share of ET Open 2024's http rules (of ~13,600):
# http.header_names 385, payload and buffer in one rule 312, urilen 165, http.request_line 132,
# http.referer 54, http.start 40, http.location 36, http.content_len 27, http.accept 18,
# http.server 18, base64 17, http.header.raw 8, http.response_line 8, http.connection 5,
# http.accept_enc 4, http.accept_lang 2.
def http_extra(rng):
    extras = [
        (385, lambda: 'http.header_names; content:"|0d 0a|%s|0d 0a|";%s' % (
            rng.choice(["Host", "User-Agent", "Accept", "Cookie", "Referer"]),
            rng.choice(["", ' content:!"Accept-Language";', ' content:!"Referer";']))),
        (312, lambda: 'pkt_data; content:"%s"; depth:%d;' % (
            rng.choice(["POST ", "GET /", "PUT "]), rng.randint(5, 8))),
        (165, lambda: "urilen:%s;" % rng.choice([">%d" % rng.randint(20, 200), "%d" % rng.randint(
            5, 80), "%d<>%d" % (rng.randint(5, 20), rng.randint(30, 90))])),
        (132, lambda: 'http.request_line; content:"%s /%s"; startswith;' % (
            rng.choice(["GET", "POST"]), token(rng, 4, 10))),
        (54, lambda: 'http.referer; content:"%s";' % esc(token(rng))),
        (40, lambda: 'http.start; content:"HTTP/1.1|0d 0a|%s";' % rng.choice(
            ["Host", "User-Agent", "Accept"])),
        (36, lambda: 'http.location; content:"%s";' % esc(token(rng))),
        (27, lambda: "http.content_len; byte_test:0,>,%d,0,string,dec;" % rng.randint(100, 9999)),
        (18, lambda: 'http.accept; content:"*/*"; bsize:3;'),
        (18, lambda: 'http.server; content:"%s";' % esc(token(rng))),
        (17, lambda: 'http.request_body; content:"%s="; base64_decode:bytes 64, relative; '
                     'base64_data; content:"%s";' % (word(rng), esc(token(rng, 4, 8)))),
        (8, lambda: 'http.header.raw; content:"%s|3a 20|";' % esc(token(rng, 4, 10))),
        (8, lambda: 'http.response_line; content:"HTTP/1.1 %d";' % rng.choice([200, 302, 404])),
        (5, lambda: 'http.connection; content:"close";'),
        (4, lambda: 'http.accept_enc; content:"gzip";'),
        (2, lambda: 'http.accept_lang; content:"%s";' % rng.choice(["en-us", "ru", "zh-cn"])),
    ]
    x = rng.randrange(13600)
    for weight, make in extras:
        if x < weight:
            return make()
        x -= weight
    return None


def rule(rng, sid):
    kind = rng.choices(["http", "dns", "tls", "tcp", "udp"], [55, 12, 10, 20, 3])[0]
    n = rng.choices([1, 2, 3], [40, 40, 20])[0]
    msg = "BENCH %s %s %s" % (kind.upper(), word(rng), word(rng))
    opts = []
    if kind == "http":
        hdr = 'alert http $HOME_NET any -> $EXTERNAL_NET any'
        opts.append("flow:established,to_server;")
        buf = rng.choices(["http.uri", "http.host", "http.user_agent", "http.header",
                           "http.request_body", "http.method"], [50, 15, 10, 15, 5, 5])[0]
        if buf == "http.method":
            opts.append('http.method; content:"%s";' % rng.choice(["POST", "PUT", "DELETE"]))
            buf = "http.uri"
        opts.append("%s; %s" % (buf, contents(rng, n)))
        if rng.random() < 0.15:
            opts.append(pcre(rng))
        if rng.random() < 0.2:
            opts.append('http.host; content:".%s"; endswith;' % rng.choice(TLDS))
        extra = http_extra(rng)
        if extra is not None:
            opts.append(extra)
    elif kind == "dns":
        hdr = 'alert dns $HOME_NET any -> any any'
        dot = rng.random() < 0.3
        opts.append('dns.query; %scontent:"%s%s.%s"; nocase; endswith;' %
                    ("dotprefix; " if dot else "", "." if dot else "",
                     token(rng, 5, 12).replace("/", ""), rng.choice(TLDS)))
    elif kind == "tls":
        hdr = 'alert tls $HOME_NET any -> $EXTERNAL_NET any'
        opts.append("flow:established,to_server;")
        dot = rng.random() < 0.08
        opts.append('tls.sni; %scontent:"%s%s.%s"; endswith;' %
                    ("dotprefix; " if dot else "", "." if dot else "",
                     token(rng, 5, 12).replace("/", ""), rng.choice(TLDS)))
    elif kind == "tcp":
        port = rng.choice(["any", "$HTTP_PORTS", "443", "[1024:]", "445", "8080", "4444"])
        hdr = 'alert tcp $EXTERNAL_NET %s -> $HOME_NET any' % port
        opts.append("flow:established,to_client;")
        opts.append(contents(rng, n))
        if rng.random() < 0.1:
            opts.append(pcre(rng))
        if rng.random() < 0.1:
            opts.append('content:"|%02x %02x %02x|"; depth:%d;' % (
                rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.randint(3, 64)))
    else:
        hdr = 'alert udp any any -> $HOME_NET %s' % rng.choice(["53", "123", "any", "[1024:]"])
        opts.append(contents(rng, 1))
        if rng.random() < 0.3:
            opts.append("dsize:>%d;" % rng.randint(10, 200))
    return ('%s (msg:"%s"; %s reference:url,example.com/%d; classtype:trojan-activity; '
            'sid:%d; rev:%d; metadata:created_at 2026_01_01, signature_severity Major;)' %
            (hdr, msg, " ".join(opts), sid, sid, rng.randint(1, 9)))


def ip_rule(rng, i, sid):
    addrs = set()
    while len(addrs) < 50:
        a = rng.randrange(1 << 24, 224 << 24)
        if a >> 24 in (10, 127) or a >> 20 == (172 << 4) + 1 or a >> 16 == (192 << 8) + 168:
            continue
        addrs.add("%d.%d.%d.%d" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255))
    addrs = sorted(addrs)
    if i % 10 == 0:  # genpcap.py's servers
        addrs[rng.randrange(50)] = "198.51.100.%d" % rng.randrange(64)
    kind = ["COMPROMISED Known Compromised or Hostile Host Traffic",
            "CINS Active Threat Intelligence Poor Reputation IP",
            "DROP Spamhaus DROP Listed Traffic Inbound", "TOR Known Tor Exit Node Traffic"][i % 4]
    proto, extra = ("tcp", " flowbits:set,ET.TorIP;") if i % 4 == 3 else ("ip", "")
    return ('alert %s [%s] any -> $HOME_NET any (msg:"BENCH ET %s group %d"; '
            'reference:url,example.com/%d; threshold: type limit, track by_src, seconds 60, '
            'count 1; classtype:misc-attack;%s sid:%d; rev:%d; metadata:created_at 2026_01_01;)' %
            (proto, ",".join(addrs), kind, i + 1, sid, extra, sid, rng.randint(1, 9)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ip", type=int, default=0)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    print("# %d generated benchmark rules (contrib/bench/rules/genrules.py, seed %d)" % (a.n, a.seed))
    for i in range(a.n):
        print(rule(rng, 8000000 + i))
    for i in range(a.ip):
        print(ip_rule(rng, i, 8900000 + i))


if __name__ == "__main__":
    main()
