#!/usr/bin/env python3
"""tests/pcap/tunnel.py SPANWATCH PCAPDIR: tunnelled recordings (pcaps/craft_tunnel.py) against
the recordings they wrap. For each case, as TAP lines:
  - tshark sees the wrapping on every packet and, inside it, the same inner addresses and ports
    packet by packet as in the plain recording;
  - spanwatch reports the same flows (tuples as tshark's conversations), the same http, dns and
    fileinfo events and the same Community IDs inside the tunnel as without it, apart from
    flow_id, event_id and pcap_filename (and the 1 us shift of the second copy where a recording
    is carried twice), one flow event per inner flow, and no anomaly."""
import collections
import json
import subprocess
import sys

# tunnel pcap, plain pcap, copies, inner family, what frame.protocols must contain
CASES = [
    ("tunnel-vxlan-http.pcap", "http.pcap", 1, 4, "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:"),
    ("tunnel-vxlan-dns2.pcap", "dns.pcap", 2, 4, "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:"),
    ("tunnel-ipip-http.pcap", "http.pcap", 1, 4, "eth:ethertype:ip:ip:"),
    ("tunnel-4in6-dns.pcap", "dns.pcap", 1, 4, "eth:ethertype:ipv6:ip:"),
    ("tunnel-6in4-http6.pcap", "http6.pcap", 1, 6, "eth:ethertype:ip:ipv6:"),
]
APP_EVENTS = ("http", "dns", "fileinfo")
n = failed = 0


def tap(ok, name, why=""):
    global n, failed
    n += 1
    failed += not ok
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    if not ok and why:
        for line in str(why).splitlines()[:20]:
            print("# " + line)


def tshark_inner(path, family):
    """Per packet: frame.protocols and the innermost (src, sport, dst, dport)."""
    fields = ["frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
              "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport"]
    cmd = ["tshark", "-r", path, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        v = dict(zip(fields, line.split("\t")))
        last = {k: (v.get(k) or "").split("|")[-1] for k in fields}
        src, dst = (last["ip.src"], last["ip.dst"]) if family == 4 else \
            (last["ipv6.src"], last["ipv6.dst"])
        if last["tcp.srcport"]:
            sp, dp = last["tcp.srcport"], last["tcp.dstport"]
        else:
            sp, dp = last["udp.srcport"], last["udp.dstport"]
        rows.append((v["frame.protocols"], (src, int(sp), dst, int(dp))))
    return rows


def spanwatch(binary, path):
    out = subprocess.run([binary, "-r", path, "--workers", "1"], capture_output=True,
                         text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def normalized(events, drop_time):
    out = collections.Counter()
    for e in events:
        if e["event_type"] not in APP_EVENTS:
            continue
        e = {k: v for k, v in e.items()
             if k not in ("flow_id", "event_id", "pcap_filename", "tunnel", "vxlan", "gre") and
             not (drop_time and k == "timestamp")}
        out[json.dumps(e, sort_keys=True)] += 1
    return out


def flows(events):
    out = collections.Counter()
    for e in events:
        if e["event_type"] == "flow":
            f = e["flow"]
            out[(e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"], e["proto"],
                 e.get("app_proto"), e["community_id"], f["pkts_toserver"],
                 f["pkts_toclient"])] += 1
    return out


def endpoints(t):
    a, b = (t[0], t[1]), (t[2], t[3])
    return tuple(sorted([a, b]))


def main():
    binary, pcaps = sys.argv[1], sys.argv[2]
    for tun, plain, copies, family, wrapping in CASES:
        t_rows = tshark_inner("%s/%s" % (pcaps, tun), family)
        p_rows = tshark_inner("%s/%s" % (pcaps, plain), family)
        unwrapped = [r for r in t_rows if wrapping not in r[0]]
        tap(not unwrapped and t_rows, "%s: tshark decodes the wrapping on all %d packets" %
            (tun, len(t_rows)), unwrapped[:3])
        want = [r[1] for r in p_rows for _ in range(copies)]
        got = [r[1] for r in t_rows]
        tap(got == want, "%s: tshark's inner addresses and ports are %s's, packet by packet" %
            (tun, plain), "\n".join("%s != %s" % (g, w) for g, w in zip(got, want) if g != w))

        t_ev = spanwatch(binary, "%s/%s" % (pcaps, tun))
        p_ev = spanwatch(binary, "%s/%s" % (pcaps, plain))
        t_app, p_app = normalized(t_ev, copies > 1), normalized(p_ev, copies > 1)
        want_app = collections.Counter({k: v * copies for k, v in p_app.items()})
        tap(t_app == want_app and sum(t_app.values()) > 0,
            "%s: the same %d http/dns/fileinfo events as %s" % (tun, sum(t_app.values()), plain),
            "only in the tunnel: %s\nonly without: %s" % (list(t_app - want_app)[:2],
                                                            list(want_app - t_app)[:2]))
        t_fl, p_fl = flows(t_ev), flows(p_ev)
        want_fl = collections.Counter({k: v * copies for k, v in p_fl.items()})
        ids = {e["flow_id"] for e in t_ev if e["event_type"] == "flow"}
        tap(t_fl == want_fl and len(ids) == sum(want_fl.values()),
            "%s: one flow event per inner flow (%d), tuples, Community IDs and packet counts "
            "as without the tunnel" % (tun, len(ids)), "%s\n%s" % (t_fl, want_fl))
        theirs = {endpoints(r[1]) for r in t_rows}
        ours = {endpoints((e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"]))
                for e in t_ev if e["event_type"] == "flow"}
        tap(ours == theirs, "%s: spanwatch's flows are tshark's inner conversations" % tun,
            "%s\n%s" % (sorted(ours), sorted(theirs)))
        anomalies = [e for e in t_ev if e["event_type"] == "anomaly"]
        tap(not anomalies, "%s: no anomaly" % tun, anomalies[:2])
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
