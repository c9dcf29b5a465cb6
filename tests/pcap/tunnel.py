#!/usr/bin/env python3
"""tests/pcap/tunnel.py SPANWATCH PCAPDIR RULES FEED: tunnelled captures against the captures they
wrap. The wrapped ones are made by pcaps/craft_tunnel.py from the recordings (every encapsulation
spanwatch decodes) and by pcaps/record.sh (vxlan step: the same conversations recorded on a real
VXLAN underlay and on its overlay). For each case, as TAP lines:
  - tshark (the independent judge of the wrapping) decodes the wrapping on every packet, and
    inside it the same inner addresses and ports packet by packet as in the plain capture;
  - tshark's inner conversations (-z conv,tcp -z conv,udp without the tunnel ends' own) are the
    plain capture's, and spanwatch has one flow per inner conversation;
  - spanwatch's events on the wrapped capture equal its events on the plain one: flows
    (tuples, Community IDs, packet counts, states, app_proto, nDPI), http/dns/tls/fileinfo events,
    rule alerts (RULES, loaded with -S on both) and indicator alerts (FEED, with the inner server
    addresses and names, and the outer tunnel ends, which must not match by default);
  - no anomaly event.
Compared apart from the keys that say where the packet came from or which tunnel it was in:
flow_id, event_id, pcap_filename, tunnel, vlan, vxlan, gre, geneve, gtpu, mpls, pppoe; and apart
from flow byte counts, which count the packets as captured, the tunnel headers included. Where a
capture carries a recording twice (two VNIs), timestamps and flow start/end are left out (the copy
is 1 us later); for the real VXLAN recording, flow age too (two tcpdumps, two clock readings per
packet), and the packet counts that alerts carry: the two tcpdumps see a client's ACK and the
server's next segment in either order now and then, so the counts at the moment of an alert may
differ by one or two (those of the flow events, at the end, may not)."""
import collections
import json
import subprocess
import sys

# the tunnel ends of pcaps/craft_tunnel.py and pcaps/record.sh (vxlan step): their own
# conversations are not inner ones
OUTER = {"192.0.2.1", "192.0.2.2", "2001:db8:7::a", "2001:db8:7::b", "203.0.113.1",
         "203.0.113.2", "10.77.0.1", "10.77.0.2"}
STRIP = {"flow_id", "event_id", "pcap_filename", "tunnel", "vlan", "vxlan", "gre", "geneve",
         "gtpu", "mpls", "pppoe"}
APP_EVENTS = ("http", "dns", "tls", "fileinfo")
E = "eth:ethertype:"
E4 = E + "ip:"
E6 = E + "ipv6:"
PW = ["-d", "mpls.label==2001,pwethcw", "-d", "mpls.label==2002,pwethcw"]

# tunnel pcap, plain pcap, copies, inner family, what frame.protocols starts with,
# extra tshark options
CASES = [
    ("tunnel-vxlan-http.pcap", "http.pcap", 1, 4, E4 + "udp:vxlan:" + E4, []),
    ("tunnel-vxlan-dns2.pcap", "dns.pcap", 2, 4, E4 + "udp:vxlan:" + E4, []),
    ("tunnel-vxlan-http2.pcap", "http.pcap", 2, 4, E4 + "udp:vxlan:" + E4, []),
    ("tunnel-ipip-http.pcap", "http.pcap", 1, 4, E4 + "ip:", []),
    ("tunnel-4in4-tls.pcap", "tls.pcap", 1, 4, E4 + "ip:", []),
    ("tunnel-4in6-dns.pcap", "dns.pcap", 1, 4, E6 + "ip:", []),
    ("tunnel-6in4-http6.pcap", "http6.pcap", 1, 6, E4 + "ipv6:", []),
    ("tunnel-6in6-http6.pcap", "http6.pcap", 1, 6, E6 + "ipv6:", []),
    ("tunnel-gre-dns.pcap", "dns.pcap", 1, 4, E4 + "gre:ip:", []),
    ("tunnel-gre-csum-tls.pcap", "tls.pcap", 1, 4, E4 + "gre:ip:", []),
    ("tunnel-gre-key-dns.pcap", "dns.pcap", 1, 4, E4 + "gre:ip:", []),
    ("tunnel-gre-seq-http6.pcap", "http6.pcap", 1, 6, E4 + "gre:ipv6:", []),
    ("tunnel-gre-cks-http.pcap", "http.pcap", 1, 4, E4 + "gre:ip:", []),
    ("tunnel-pptp-http.pcap", "http.pcap", 1, 4, E4 + "gre:ppp:ip:", []),
    ("tunnel-gre-teb-tls.pcap", "tls.pcap", 1, 4, E4 + "gre:" + E4, []),
    ("tunnel-erspan1-dns.pcap", "dns.pcap", 1, 4, E4 + "gre:erspan:" + E4, []),
    ("tunnel-erspan2-http.pcap", "http.pcap", 1, 4, E4 + "gre:erspan:" + E4, []),
    ("tunnel-erspan3-dns.pcap", "dns.pcap", 1, 4, E4 + "gre:erspan:" + E4, []),
    ("tunnel-erspan3-plat-tls.pcap", "tls.pcap", 1, 4, E4 + "gre:erspan:" + E4, []),
    ("tunnel-geneve-http.pcap", "http.pcap", 1, 4, E4 + "udp:geneve:" + E4, []),
    ("tunnel-geneve-ip-dns.pcap", "dns.pcap", 1, 4, E4 + "udp:geneve:ip:", []),
    ("tunnel-gtpu-http.pcap", "http.pcap", 1, 4, E4 + "udp:gtp:ip:", []),
    ("tunnel-gtpu-dns.pcap", "dns.pcap", 1, 4, E4 + "udp:gtp:ip:", []),
    ("tunnel-gtpu-http6.pcap", "http6.pcap", 1, 6, E4 + "udp:gtp:ipv6:", []),
    ("tunnel-teredo-http6.pcap", "http6.pcap", 1, 6, E4 + "udp:teredo:ipv6:", []),
    ("tunnel-teredo-orig-http6.pcap", "http6.pcap", 1, 6, E4 + "udp:teredo:ipv6:", []),
    ("tunnel-teredo-auth-http6.pcap", "http6.pcap", 1, 6, E4 + "udp:teredo:ipv6:", []),
    ("tunnel-ayiya-http6.pcap", "http6.pcap", 1, 6, E4 + "udp:ayiya:ipv6:", []),
    ("tunnel-ayiya-dns.pcap", "dns.pcap", 1, 4, E4 + "udp:ayiya:ip:", []),
    ("tunnel-mpls-http.pcap", "http.pcap", 1, 4, E + "mpls:ip:", []),
    ("tunnel-mpls-http6.pcap", "http6.pcap", 1, 6, E + "mpls:ipv6:", []),
    ("tunnel-mpls-stack-dns.pcap", "dns.pcap", 1, 4, E + "mpls:ip:", []),
    ("tunnel-mpls-mcast-tls.pcap", "tls.pcap", 1, 4, E + "mpls:ip:", []),
    # tshark's pseudowire heuristic takes the control word for the start of a frame (the
    # recordings' MAC addresses are all zero): told by Decode As
    ("tunnel-mpls-pw-tls.pcap", "tls.pcap", 1, 4, E + "mpls:" + E4, PW),
    ("tunnel-pppoe-http.pcap", "http.pcap", 1, 4, E + "pppoes:ppp:ip:", []),
    ("tunnel-pppoe-http6.pcap", "http6.pcap", 1, 6, E + "pppoes:ppp:ipv6:", []),
    ("tunnel-qinq3-http.pcap", "http.pcap", 1, 4,
     E + "ieee8021ad:ethertype:vlan:ethertype:vlan:ethertype:ip:", []),
    ("tunnel-llcsnap-dns.pcap", "dns.pcap", 1, 4, "eth:llc:ip:", []),
    ("tunnel-chdlc-http.pcap", "http.pcap", 1, 4, "chdlc:ip:", []),
    ("tunnel-ppp-dns.pcap", "dns.pcap", 1, 4, "ppp:ip:", []),
    ("tunnel-ppp-http6.pcap", "http6.pcap", 1, 6, "ppp:ipv6:", []),
    ("tunnel-ppphdlc-tls.pcap", "tls.pcap", 1, 4, "ppp:ip:", []),
    ("tunnel-nflog-http.pcap", "http.pcap", 1, 4, "nflog:ip:", []),
    ("tunnel-nflog-http6.pcap", "http6.pcap", 1, 6, "nflog:ipv6:", []),
    ("tunnel-gre-vxlan-http.pcap", "http.pcap", 1, 4, E4 + "gre:ip:udp:vxlan:" + E4, []),
    ("tunnel-geneve-gre-dns.pcap", "dns.pcap", 1, 4, E4 + "udp:geneve:" + E4 + "gre:ip:", []),
    # recorded: the same conversations on a VXLAN underlay and on the overlay interface
    ("vxlan-real.pcap", "vxlan-real-plain.pcap", 1, 4, E4 + "udp:vxlan:" + E4, []),
]
# packets that carry no inner IP packet by design, by frame.protocols (PPPoE discovery)
NOT_INNER = ("eth:ethertype:pppoed",)
REAL = {"vxlan-real.pcap"}
n = failed = 0


def tap(ok, name, why=""):
    global n, failed
    n += 1
    failed += not ok
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    if not ok and why:
        for line in str(why).splitlines()[:20]:
            print("# " + line)
    sys.stdout.flush()


def split_endpoint(s):
    addr, _, port = s.rpartition(":")
    return addr, int(port)


def tshark(path, family, extra):
    """(rows, conversations): per packet, frame.protocols and the innermost (src, sport, dst,
    dport); the set of TCP and UDP conversations as tshark's conv tables list them."""
    fields = ["frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
              "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport"]
    cmd = ["tshark", "-r", path] + extra + ["-T", "fields", "-E", "occurrence=a", "-E",
                                            "aggregator=|", "-z", "conv,tcp", "-z", "conv,udp"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows, convs, in_stats, proto = [], set(), False, None
    for line in out.splitlines():
        if line.startswith("====="):
            in_stats = True
            continue
        if in_stats:
            if line.startswith("TCP Conversations"):
                proto = "TCP"
            elif line.startswith("UDP Conversations"):
                proto = "UDP"
            parts = line.split()
            if proto and len(parts) > 3 and parts[1] == "<->":
                a, b = split_endpoint(parts[0]), split_endpoint(parts[2])
                convs.add((proto,) + tuple(sorted([a, b])))
            continue
        v = dict(zip(fields, line.split("\t")))
        if v["frame.protocols"].startswith(NOT_INNER):
            rows.append((v["frame.protocols"], None))
            continue
        last = {k: (v.get(k) or "").split("|")[-1] for k in fields}
        src, dst = (last["ip.src"], last["ip.dst"]) if family == 4 else \
            (last["ipv6.src"], last["ipv6.dst"])
        if last["tcp.srcport"]:
            sp, dp = last["tcp.srcport"], last["tcp.dstport"]
        else:
            sp, dp = last["udp.srcport"], last["udp.dstport"]
        rows.append((v["frame.protocols"], (src, int(sp or 0), dst, int(dp or 0))))
    return rows, convs


def inner_convs(convs):
    return {c for c in convs if c[1][0] not in OUTER and c[2][0] not in OUTER}


def spanwatch(binary, path, rules, feed):
    out = subprocess.run([binary, "-r", path, "--workers", "1", "-S", rules, "--indicators",
                          feed], capture_output=True, text=True)
    events = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return out.returncode, events, out.stderr


def normalized(e, loose):
    """The event without the keys a tunnel may change (see the docstring)."""
    e = {k: v for k, v in e.items() if k not in STRIP}
    if loose:
        e.pop("timestamp", None)
    if isinstance(e.get("flow"), dict):
        f = {k: v for k, v in e["flow"].items() if k not in ("bytes_toserver", "bytes_toclient")}
        if loose:
            for k in ("start", "end") + (("age",) if loose == "real" else ()):
                f.pop(k, None)
        if loose == "real" and e["event_type"] != "flow":
            f.pop("pkts_toserver", None)   # at the time of the alert: see the docstring
            f.pop("pkts_toclient", None)
        e["flow"] = f
    return json.dumps(e, sort_keys=True)


def classify(events, loose):
    """Counters of normalized events: flows, app events, rule alerts, indicator alerts."""
    out = {k: collections.Counter() for k in ("flow", "app", "rule", "cti")}
    for e in events:
        t = e["event_type"]
        if t == "flow":
            kind = "flow"
        elif t in APP_EVENTS:
            kind = "app"
        elif t == "alert":
            kind = "cti" if "cti" in e else "rule"
        else:
            continue
        out[kind][normalized(e, loose)] += 1
    return out


def diff(got, want):
    only_got, only_want = got - want, want - got
    return "only in the tunnel (%d): %s\nonly without (%d): %s" % (
        sum(only_got.values()), list(only_got)[:2], sum(only_want.values()), list(only_want)[:2])


def endpoints(e):
    a, b = (e["src_ip"], e.get("src_port", 0)), (e["dest_ip"], e.get("dest_port", 0))
    return (e["proto"],) + tuple(sorted([a, b]))


def main():
    binary, pcaps, rules, feed = sys.argv[1:5]
    only = set(sys.argv[5:])
    plain_cache = {}
    for tun, plain, copies, family, prefix, extra in CASES:
        if only and tun not in only:
            continue
        real = tun in REAL
        tpath, ppath = "%s/%s" % (pcaps, tun), "%s/%s" % (pcaps, plain)
        t_rows, t_convs = tshark(tpath, family, extra)
        p_rows, p_convs = tshark(ppath, family, [])
        inner = [r for r in t_rows if r[1] is not None]
        unwrapped = [(i + 1, r[0]) for i, r in enumerate(t_rows)
                     if r[1] is not None and not r[0].startswith(prefix)]
        tap(not unwrapped and inner, "%s: tshark decodes the wrapping on all %d packets (%s...)" %
            (tun, len(inner), prefix), unwrapped[:3])
        want = [r[1] for r in p_rows for _ in range(copies)]
        got = [r[1] for r in inner]
        if real:   # two tcpdumps: the same packets, maybe not quite in the same order
            want, got = sorted(want), sorted(got)
        tap(got == want, "%s: tshark's inner addresses and ports are %s's, packet by packet" %
            (tun, plain), "\n".join("%s != %s" % (g, w) for g, w in zip(got, want) if g != w) or
            "%d packets != %d" % (len(got), len(want)))
        t_inner = inner_convs(t_convs)
        tap(t_inner == p_convs and t_inner,
            "%s: tshark's %d inner conversations are those of %s" % (tun, len(t_inner), plain),
            "%s\n%s" % (sorted(t_inner - p_convs)[:3], sorted(p_convs - t_inner)[:3]))

        rc, t_ev, err = spanwatch(binary, tpath, rules, feed)
        tap(rc == 0, "%s: spanwatch exits 0" % tun, err[-2000:])
        if plain not in plain_cache:
            plain_cache[plain] = spanwatch(binary, ppath, rules, feed)[1]
        p_ev = plain_cache[plain]
        loose = "real" if real else (copies > 1)
        t_c, p_c = classify(t_ev, loose), classify(p_ev, loose)
        want_c = {k: collections.Counter({e: c * copies for e, c in v.items()})
                  for k, v in p_c.items()}

        ids = {e["flow_id"] for e in t_ev if e["event_type"] == "flow"}
        ours = collections.Counter(endpoints(e) for e in t_ev if e["event_type"] == "flow")
        tap(set(ours) == t_inner and len(ids) == len(t_inner) * copies,
            "%s: one spanwatch flow per tshark inner conversation (%d flows, %d conversations "
            "x %d)" % (tun, len(ids), len(t_inner), copies),
            "%s\n%s" % (sorted(set(ours) - t_inner)[:3], sorted(t_inner - set(ours))[:3]))
        tap(t_c["flow"] == want_c["flow"],
            "%s: flow events as without the tunnel (tuples, Community IDs, packets, state, "
            "nDPI)" % tun, diff(t_c["flow"], want_c["flow"]))
        tap(t_c["app"] == want_c["app"] and t_c["app"],
            "%s: the same %d http/dns/tls/fileinfo events as %s" %
            (tun, sum(want_c["app"].values()), plain), diff(t_c["app"], want_c["app"]))
        tap(t_c["rule"] == want_c["rule"] and t_c["rule"],
            "%s: the same %d rule alerts" % (tun, sum(want_c["rule"].values())),
            diff(t_c["rule"], want_c["rule"]))
        tap(t_c["cti"] == want_c["cti"] and t_c["cti"],
            "%s: the same %d indicator alerts (inner addresses and names; the tunnel ends do "
            "not match)" % (tun, sum(want_c["cti"].values())), diff(t_c["cti"], want_c["cti"]))
        anomalies = [e for e in t_ev if e["event_type"] == "anomaly"]
        tap(not anomalies, "%s: no anomaly" % tun, anomalies[:2])
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
