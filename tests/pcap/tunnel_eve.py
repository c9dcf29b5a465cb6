#!/usr/bin/env python3
"""tests/pcap/tunnel_eve.py SPANWATCH PCAPDIR: what events say of the tunnel a flow came in, and
the tracking and indicator switches, judged by tshark's reading of the outer headers:
  - every event of a tunnelled flow has "tunnel" with the outer addresses, ports and protocol of
    the flow's first packet (client to server), the depth and one entry per layer with its VNI,
    as tshark decodes them; "vxlan": {"vni"} where a VXLAN layer is;
  - the same inner conversation in two VNIs gives two flows, one per VNI;
  - decode.vlan.use-for-tracking: off, flows are tshark's conversations (which ignore VLANs);
  - cti.match-tunnel-addresses: an indicator on a tunnel endpoint alerts only when it is on,
    with matched_on tunnel.src_ip/tunnel.dest_ip; an inner indicator alerts either way;
  - GRE, Geneve, GTP-U, ERSPAN and nested tunnels: each layer's type and id as tshark reads it;
  - every decoder anomaly the hostile tunnel captures raise has a rule in
    rules/decoder-events.rules, and it alerts."""
import json
import os
import subprocess
import sys
import tempfile

n = failed = 0


def tap(ok, name, why=""):
    global n, failed
    n += 1
    failed += not ok
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    if not ok and why:
        for line in str(why).splitlines()[:20]:
            print("# " + line)


def run(binary, path, conf=None, extra=()):
    cmd = [binary, "-r", path, "--workers", "1"] + list(extra)
    if conf is not None:
        cmd[1:1] = ["-c", conf]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def tshark_first_packets(path, inner_family):
    """Per inner conversation (sorted endpoint pair): the outer fields of its first packet."""
    fields = ["frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport",
              "tcp.srcport", "tcp.dstport", "vxlan.vni"]
    cmd = ["tshark", "-r", path, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    first = {}
    for line in out.splitlines():
        v = {k: (x.split("|") if x else []) for k, x in zip(fields, line.split("\t"))}
        v4 = v["ip.src"], v["ip.dst"]
        v6 = v["ipv6.src"], v["ipv6.dst"]
        inner = (v4[0][-1], v4[1][-1]) if inner_family == 4 else (v6[0][-1], v6[1][-1])
        if v["tcp.srcport"]:
            ip, ipo = (int(v["tcp.srcport"][-1]), int(v["tcp.dstport"][-1]))
        else:
            ip, ipo = (int(v["udp.srcport"][-1]), int(v["udp.dstport"][-1]))
        vni = v["vxlan.vni"][-1] if v["vxlan.vni"] else None
        key = (tuple(sorted([(inner[0], ip), (inner[1], ipo)])), vni)
        protos = v["frame.protocols"][0].split(":")
        outer6 = "ipv6" in protos and ("ip" not in protos or
                                       protos.index("ipv6") < protos.index("ip"))
        outer_src = (v6 if outer6 else v4)[0][0]
        outer_dst = (v6 if outer6 else v4)[1][0]
        ports = (int(v["udp.srcport"][0]), int(v["udp.dstport"][0])) if vni else None
        first.setdefault(key, (outer_src, outer_dst, ports, int(vni) if vni else None,
                               (inner[0], ip)))
    return first


def check_tunnel_objects(binary, pcaps, name, family, proto, kind):
    path = os.path.join(pcaps, name)
    theirs = tshark_first_packets(path, family)
    events = run(binary, path)
    flows = [e for e in events if e["event_type"] == "flow"]
    bad = []
    for e in events:
        if "flow_id" not in e or e["event_type"] == "stats":
            continue
        t = e.get("tunnel")
        if t is None:
            bad.append("no tunnel in %s" % e["event_type"])
            continue
        if t["depth"] != len(t["layers"]) or t["layers"][0]["type"] != kind or \
                t["proto"] != proto:
            bad.append("depth/type/proto %s" % t)
    tap(events and not bad, "%s: every flow-bound event has a tunnel object (%s, %s)" %
        (name, kind, proto), "\n".join(bad[:5]))
    bad = []
    for e in flows:
        t = e["tunnel"]
        pair = tuple(sorted([(e["src_ip"], e["src_port"]), (e["dest_ip"], e["dest_port"])]))
        vni = t["layers"][0].get("vni")
        want = theirs.get((pair, str(vni) if vni is not None else None))
        if want is None:
            bad.append("no tshark conversation %s vni %s" % (pair, vni))
            continue
        osrc, odst, ports, wvni, client = want
        if client != (e["src_ip"], e["src_port"]):
            osrc, odst = odst, osrc
            ports = ports and (ports[1], ports[0])
        got = (t["src_ip"], t["dest_ip"], (t["src_port"], t["dest_port"]) if ports else None,
               vni, e.get("vxlan", {}).get("vni"))
        if got != (osrc, odst, ports, wvni, wvni):
            bad.append("%s: %s != %s" % (pair, got, (osrc, odst, ports, wvni, wvni)))
    tap(flows and not bad, "%s: the outer addresses, ports and VNI of each of the %d flows are "
        "tshark's, client to server" % (name, len(flows)), "\n".join(bad[:5]))
    return flows


def vlan_split(src, dst):
    """src with an 802.1Q tag on every frame: VLAN 10 from the side that sent first, else 20."""
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    from scapy.all import Dot1Q, Ether, IP, rdpcap, wrpcap
    out, first = [], {}
    for pkt in rdpcap(src):
        key = (pkt[IP].src, pkt[IP].dst, pkt[IP].payload.sport, pkt[IP].payload.dport)
        rev = (key[1], key[0], key[3], key[2])
        side = 20 if rev in first else 10
        first.setdefault(key, True)
        eth = pkt[Ether]
        tagged = Ether(src=eth.src, dst=eth.dst) / Dot1Q(vlan=side, type=eth.type) / eth.payload
        tagged.time = pkt.time
        out.append(tagged)
    wrpcap(dst, out)


# capture, the layer types of its flows outermost first, tshark's field for each layer's id
LAYERS = [
    ("tunnel-gre-key-dns.pcap", ["gre"], ["gre.key"]),
    ("tunnel-geneve-http.pcap", ["geneve"], ["geneve.vni"]),
    ("tunnel-gtpu-http.pcap", ["gtpu"], ["gtp.teid"]),
    ("tunnel-erspan2-http.pcap", ["erspan"], ["erspan.spanid"]),
    ("tunnel-gre-vxlan-http.pcap", ["gre", "vxlan"], ["gre.key", "vxlan.vni"]),
    ("tunnel-geneve-gre-dns.pcap", ["geneve", "gre"], ["geneve.vni", None]),
]
ID_NAMES = {"gre": "key", "vxlan": "vni", "geneve": "vni", "gtpu": "teid",
            "erspan": "session_id"}


def tshark_values(path, field):
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", field],
                         capture_output=True, text=True, check=True).stdout
    return {int(v, 0) for line in out.split() for v in line.split(",") if v}


def check_layers(binary, pcaps):
    for name, types, fields in LAYERS:
        path = os.path.join(pcaps, name)
        flows = [e for e in run(binary, path) if e["event_type"] == "flow"]
        bad = []
        for e in flows:
            layers = e["tunnel"]["layers"]
            if [l["type"] for l in layers] != types or e["tunnel"]["depth"] != len(types):
                bad.append("layers %s" % layers)
                continue
            for l, field in zip(layers, fields):
                if field is None:
                    continue
                want = tshark_values(path, field)
                if l.get(ID_NAMES[l["type"]]) not in want:
                    bad.append("%s %s not in tshark's %s %s" % (l["type"], l, field, want))
            for top in ("gre", "vxlan"):
                inner = [l for l in layers if l["type"] == top]
                if inner and e.get(top, {}).get(ID_NAMES[top]) != inner[-1][ID_NAMES[top]]:
                    bad.append("top-level %s %s" % (top, e.get(top)))
        tap(flows and not bad, "%s: each of the %d flows has the layers %s with tshark's ids" %
            (name, len(flows), "/".join(types)), "\n".join(bad[:5]))


def check_decoder_rules(binary, pcaps, top):
    """rules/decoder-events.rules on the hostile captures: every decoder anomaly they raise has
    a shipped rule, and that rule alerts."""
    rules = os.path.join(top, "rules", "decoder-events.rules")
    sid_of = {}
    for line in open(rules):
        if "decode-event:" in line:
            name = line.split("decode-event:")[1].split(";")[0].strip()
            sid_of[name.replace("decoder.", "", 1)] = int(line.split("sid:")[1].split(";")[0])
    for name in sorted(f for f in os.listdir(pcaps) if f.startswith("tunnel-hostile")
                       and f.endswith(".pcap")):
        events = run(binary, os.path.join(pcaps, name), None, ["-S", rules])
        seen = {e["anomaly"]["event"].replace("decoder.", "", 1) for e in events
                if e["event_type"] == "anomaly" and e["anomaly"].get("type") == "decode"}
        alerted = {e["alert"]["signature_id"] for e in events if e["event_type"] == "alert"}
        no_rule = sorted(seen - set(sid_of))
        silent = sorted(n for n in seen if n in sid_of and sid_of[n] not in alerted)
        tap(seen and not no_rule and not silent,
            "%s: each of the %d decoder anomalies raised has a shipped rule that alerts" %
            (name, len(seen)), "no rule: %s\nno alert: %s" % (no_rule, silent))


def main():
    binary, pcaps = sys.argv[1], sys.argv[2]
    check_layers(binary, pcaps)
    check_decoder_rules(binary, pcaps, os.path.dirname(os.path.abspath(pcaps)))
    check_tunnel_objects(binary, pcaps, "tunnel-vxlan-http.pcap", 4, "UDP", "vxlan")
    check_tunnel_objects(binary, pcaps, "tunnel-6in4-http6.pcap", 6, "IPv6", "ipip")
    check_tunnel_objects(binary, pcaps, "tunnel-4in6-dns.pcap", 4, "IPv4", "ipip")
    flows = check_tunnel_objects(binary, pcaps, "tunnel-vxlan-dns2.pcap", 4, "UDP", "vxlan")
    by_tuple = {}
    for e in flows:
        by_tuple.setdefault((e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"]),
                            set()).add(e["vxlan"]["vni"])
    tap(by_tuple and all(v == {1, 2} for v in by_tuple.values()),
        "tunnel-vxlan-dns2.pcap: each inner conversation is two flows, VNI 1 and VNI 2",
        by_tuple)
    plain = run(binary, os.path.join(pcaps, "http.pcap"))
    tap(not any("tunnel" in e or "vxlan" in e for e in plain),
        "http.pcap: no tunnel or vxlan key outside tunnels")

    with tempfile.TemporaryDirectory() as tmp:
        # VLAN tracking: http.pcap as a SPAN of a router on a stick sees it, requests on VLAN
        # 10 and responses on VLAN 20
        off = os.path.join(tmp, "vlan-off.yaml")
        with open(off, "w") as f:
            f.write("decode:\n  vlan:\n    use-for-tracking: no\n")
        vlan = os.path.join(tmp, "vlan-split.pcap")
        vlan_split(os.path.join(pcaps, "http.pcap"), vlan)
        conv = subprocess.run(["tshark", "-r", vlan, "-q", "-z", "conv,tcp", "-z", "conv,udp"],
                              capture_output=True, text=True, check=True).stdout
        nconv = sum(1 for line in conv.splitlines() if "<->" in line)
        on_flows = [e for e in run(binary, vlan) if e["event_type"] == "flow"]
        off_flows = [e for e in run(binary, vlan, off) if e["event_type"] == "flow"]
        tap(len(on_flows) == 2 * nconv, "requests on VLAN 10, responses on 20: VLANs tracked: "
            "%d flows, one per direction of tshark's %d conversations" % (len(on_flows), nconv))
        tap(len(off_flows) == nconv and all(e.get("vlan") == [10] for e in off_flows) and
            all(e["flow"]["pkts_toclient"] > 0 for e in off_flows),
            "decode.vlan.use-for-tracking off: %d flows, tshark's %d conversations, "
            "each with its first packet's vlan" % (len(off_flows), nconv))
        # indicators on tunnel endpoints
        path = os.path.join(pcaps, "tunnel-vxlan-http.pcap")
        theirs = tshark_first_packets(path, 4)
        endpoint = sorted({v[1] for v in theirs.values()})[0]
        inner = sorted({k[0][1][0] for k in theirs})[0]
        feed = os.path.join(tmp, "ind.csv")
        with open(feed, "w") as f:
            f.write("type,value\nip,%s\n" % endpoint)
        on = os.path.join(tmp, "cti-on.yaml")
        with open(on, "w") as f:
            f.write("cti:\n  match-tunnel-addresses: yes\n")
        cti_off = [e for e in run(binary, path, None, ["--indicators", feed])
                   if e["event_type"] == "alert" and "cti" in e]
        cti_on = [e for e in run(binary, path, on, ["--indicators", feed])
                  if e["event_type"] == "alert" and "cti" in e]
        tap(not cti_off, "an indicator on tunnel endpoint %s: no alert by default" % endpoint,
            cti_off[:1])
        nflows = len({k for k in theirs})
        where = sorted({e["cti"]["matched_on"] for e in cti_on})
        tap(len(cti_on) == nflows and set(where) <= {"tunnel.src_ip", "tunnel.dest_ip"} and
            all(endpoint in (e["tunnel"]["src_ip"], e["tunnel"]["dest_ip"]) for e in cti_on),
            "cti.match-tunnel-addresses on: one alert per tunnelled flow (%d), matched_on %s" %
            (nflows, where), "%d alerts: %s" % (len(cti_on), cti_on[:1]))
        with open(feed, "w") as f:
            f.write("type,value\nip,%s\n" % inner)
        cti_inner = [e for e in run(binary, path, None, ["--indicators", feed])
                     if e["event_type"] == "alert" and "cti" in e]
        tap(cti_inner and all(e["cti"]["matched_on"].startswith("flow.") for e in cti_inner),
            "an indicator on the inner address %s alerts without the switch" % inner)
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
