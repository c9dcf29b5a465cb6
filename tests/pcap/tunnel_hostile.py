#!/usr/bin/env python3
"""tests/pcap/tunnel_hostile.py SPANWATCH PCAPDIR: malformed tunnels (pcaps/craft_tunnel_hostile.py;
pcaps/tunnel-hostile.tsv says what each packet is). As TAP lines, per capture:
  - spanwatch exits 0 and writes its stats;
  - tshark decodes each well-formed control packet to its inner datagram (the crafting is right);
  - per header kind: each control decodes (its inner flow exists, no anomaly on it); each packet
    with a cut header or a wrong length raises an anomaly event; each packet nested deeper than
    the limit raises one and the depth counter counts it; each Teredo look-alike stays UDP;
  - the stats name what happened: a decoder event counter of each kind that raised anomalies is
    not zero.
Packets are told apart by timestamp (1700000000 + n ms for packet n) and by the inner datagram's
destination port (5000 + n)."""
import collections
import datetime
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tunnel  # noqa: E402  (its TAP helper)

tap = tunnel.tap

# the words a kind's decoder event counters (stats.decoder.event...) contain
COUNTER_NAMES = {
    "gre": ("gre",), "pptp": ("gre", "pptp", "ppp"), "gre-teb": ("gre", "teb", "ethernet"),
    "erspan": ("erspan", "ethernet"), "geneve": ("geneve", "ethernet"), "gtpu": ("gtp",),
    "teredo": ("teredo",), "ayiya": ("ayiya",), "ipip": ("ipv4", "ipv6", "ipip"),
    "mpls": ("mpls", "ethernet"), "pppoe": ("pppoe", "ppp"), "vlan": ("vlan",),
    "llc": ("llc", "snap", "ieee8023", "802", "ethernet"), "chdlc": ("chdlc", "hdlc"), "ppp": ("ppp",),
    "nflog": ("nflog",), "depth": ("too_many_layers", "depth"),
}
DEPTH_WORDS = ("too_many_layers", "depth")


def ts_of(number):
    t = datetime.datetime(2023, 11, 14, 22, 13, 20) + datetime.timedelta(milliseconds=number)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


def counters(tree, path=""):
    """Every numeric leaf of a stats object, as (dotted path, value)."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from counters(v, path + "." + k if path else k)
    elif isinstance(tree, (int, float)):
        yield path, tree


def tshark_ports(path):
    """Per packet number, the innermost UDP destination port tshark finds (0 when none)."""
    out = subprocess.run(["tshark", "-r", path, "-d", "mpls.label==2001,pwethcw",
                          "-T", "fields", "-E", "occurrence=l",
                          "-e", "frame.number", "-e", "udp.dstport"],
                         capture_output=True, text=True).stdout
    ports = {}
    for line in out.splitlines():
        num, _, port = line.partition("\t")
        ports[int(num)] = int(port) if port else 0
    return ports


def main():
    binary, pcaps = sys.argv[1], sys.argv[2]
    rows = collections.defaultdict(list)
    with open("%s/tunnel-hostile.tsv" % pcaps) as f:
        for line in f:
            if line.startswith("#"):
                continue
            name, number, kind, expect, what = line.rstrip("\n").split("\t")
            rows[name].append((int(number), kind, expect, what))
    for name, packets in rows.items():
        path = "%s/%s" % (pcaps, name)
        out = subprocess.run([binary, "-r", path, "--workers", "1", "--set", "detect.enabled=no"],
                             capture_output=True, text=True)
        events = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
        stats = [e["stats"] for e in events if e["event_type"] == "stats"]
        tap(out.returncode == 0 and stats, "%s: spanwatch exits 0 and writes its stats (%d "
            "packets)" % (name, len(packets)), out.stderr[-1500:])
        stats = stats[-1] if stats else {}
        anomalies = collections.Counter(e["timestamp"] for e in events
                                        if e["event_type"] == "anomaly")
        flow_ports = {e.get("dest_port") for e in events if e["event_type"] == "flow" and
                      e["src_ip"] in ("10.0.0.1", "2001:db8:bad::1")}
        events_by_name = dict(counters(stats.get("decoder", {}).get("event", {})))

        ports = tshark_ports(path)
        controls = [p for p in packets if p[2] == "valid"]
        bad = [(num, what) for num, _, _, what in controls if ports.get(num) != 5000 + num]
        tap(not bad, "%s: tshark decodes the %d controls to their inner datagrams" %
            (name, len(controls)), bad)

        by_kind = collections.defaultdict(list)
        for p in packets:
            by_kind[p[1]].append(p)
        for kind, group in by_kind.items():
            ctl = [p for p in group if p[2] == "valid"]
            if ctl:
                bad = [(num, what) for num, _, _, what in ctl
                       if 5000 + num not in flow_ports or anomalies[ts_of(num)]]
                tap(not bad, "%s: %s: the %d well-formed packets decode, no anomaly" %
                    (name, kind, len(ctl)), bad)
            wrong = [p for p in group if p[2] in ("anomaly", "deep")]
            if wrong:
                bad = [(num, what) for num, _, _, what in wrong if not anomalies[ts_of(num)]]
                tap(not bad, "%s: %s: each of the %d cut or mis-sized headers raises an anomaly"
                    % (name, kind, len(wrong)), "%d without: %s" % (len(bad), bad[:12]))
                words = COUNTER_NAMES.get(kind, (kind,))
                hits = {k: v for k, v in events_by_name.items()
                        if v and any(w in k for w in words)}
                tap(hits, "%s: %s: the stats count it (a decoder event counter named %s)" %
                    (name, kind, "/".join(words)), "non-zero: %s" % {
                        k: v for k, v in events_by_name.items() if v})
            deep = [p for p in group if p[2] == "deep"]
            if deep:
                depth_hits = sum(v for k, v in events_by_name.items()
                                 if any(w in k for w in DEPTH_WORDS))
                tap(depth_hits >= len(deep), "%s: the depth counter counts the %d packets "
                    "nested past the limit (%d)" % (name, len(deep), depth_hits))
            plain = [p for p in group if p[2] == "plain"]
            if plain:
                bad = [(num, what) for num, _, _, what in plain if 5000 + num in flow_ports]
                tap(not bad, "%s: %s: the %d look-alikes are not decoded as %s" %
                    (name, kind, len(plain), kind), bad)
            anyway = [p for p in group if p[2] == "any"]
            if anyway:
                tap(out.returncode == 0, "%s: %s: %d packets that may or may not decode, survived"
                    % (name, kind, len(anyway)))
        if any(p[1] == "teredo" for p in packets):
            valid = sum(1 for p in packets if p[1] == "teredo" and p[2] == "valid")
            got = stats.get("decoder", {}).get("teredo")
            tap(got == valid, "%s: stats.decoder.teredo counts the %d real Teredo packets only "
                "(%s)" % (name, valid, got))
    print("1..%d" % tunnel.n)
    return 1 if tunnel.failed else 0


if __name__ == "__main__":
    sys.exit(main())
