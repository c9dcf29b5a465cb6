#!/usr/bin/env python3
# tests/pcap/eve_check.py: reduces EVE events to the fields a regression test pins down, and
# compares such reductions as multisets (order does not matter: workers finish flows in any
# order). New fields in the sensor's output do not churn the expected files.
#
#   eve_check.py project EVE.json            -> normalized lines on stdout
#   eve_check.py compare EXPECTED EVE.json   -> exit 1 and a diff when they differ
#   (EXPECTED holds lines as `project` prints them)
import json
import os
import sys

# Per event type: the dotted paths kept. A path missing from an event is left out.
FIELDS = {
    "flow": ["src_ip", "src_port", "dest_ip", "dest_port", "proto", "app_proto", "ndpi.protocol",
             "vlan", "icmp_type",
             "icmp_code", "community_id", "flow_id", "timestamp", "pcap_filename",
             "flow.pkts_toserver", "flow.pkts_toclient", "flow.bytes_toserver",
             "flow.bytes_toclient", "flow.start", "flow.end", "flow.state", "flow.reason",
             "tcp.tcp_flags_ts", "tcp.tcp_flags_tc", "tcp.midstream", "stream.toserver.bytes",
             "stream.toclient.bytes", "stream.toserver.gaps", "stream.toclient.gaps",
             "stream.toserver.overlaps", "stream.toclient.overlaps"],
    "anomaly": ["src_ip", "src_port", "dest_ip", "dest_port", "proto", "vlan", "timestamp",
                "anomaly.type", "anomaly.event", "pcap_filename", "flow_id"],
    "dns": ["src_ip", "src_port", "dest_ip", "dest_port", "proto", "timestamp", "direction",
            "dns.type", "dns.id", "dns.flags", "dns.rrname", "dns.rrtype", "dns.rcode",
            "dns.answers", "dns.authorities"],
    "tls": ["src_ip", "src_port", "dest_ip", "dest_port", "timestamp", "tls.sni", "tls.version",
            "tls.subject", "tls.issuerdn", "tls.serial", "tls.fingerprint", "tls.notbefore",
            "tls.notafter", "tls.ja3", "tls.ja3s", "tls.alpn"],
    "http": ["src_ip", "src_port", "dest_ip", "dest_port", "timestamp", "tx_id", "http.hostname",
             "http.url", "http.http_method", "http.status", "http.length",
             "http.http_user_agent", "http.http_content_type", "http.protocol"],
    "fileinfo": ["src_ip", "src_port", "timestamp", "direction", "fileinfo.filename",
                 "fileinfo.state", "fileinfo.size", "fileinfo.md5", "fileinfo.sha1",
                 "fileinfo.sha256", "fileinfo.tx_id"],
    "alert": ["src_ip", "src_port", "dest_ip", "dest_port", "timestamp", "alert.signature_id",
              "alert.signature", "cti.matched_on", "cti.indicator"],
    "stats": ["timestamp", "stats.capture.packets", "stats.capture.file_errors",
              "stats.decoder.pkts", "stats.decoder.bytes", "stats.decoder.invalid",
              "stats.decoder.ipv4", "stats.decoder.ipv6", "stats.decoder.tcp",
              "stats.decoder.udp", "stats.decoder.vlan", "stats.decoder.icmpv4",
              "stats.decoder.icmpv6", "stats.flow.created", "stats.flow.pkts",
              "stats.flow.end.timeout", "stats.flow.end.tcp_close", "stats.flow.end.shutdown",
              "stats.flow.end.forced", "stats.decoder.event", "stats.stream.sessions",
              "stats.stream.gaps", "stats.stream.overlaps", "stats.stream.retransmissions",
              "stats.stream.bytes_delivered", "stats.stream.midstream"],
    "loss": ["timestamp", "loss.interval_start", "loss.interval_end", "loss.total",
             "loss.causes", "loss.stream_gap_bytes"],
}


def get(ev, path):
    cur = ev
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def nonzero(d):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            v = nonzero(v)
        if v:
            out[k] = v
    return out


def project(ev):
    out = {"event_type": ev.get("event_type")}
    for path in FIELDS.get(ev.get("event_type"), []):
        v = get(ev, path)
        if path == "stats.decoder.event" and isinstance(v, dict):
            v = nonzero(v)  # only the events that happened
        if path == "pcap_filename" and v is not None:
            v = os.path.basename(v)
        if v is not None:
            out[path] = v
    return json.dumps(out, sort_keys=True)


def load(path):
    lines = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                lines.append(json.loads(line))
            except ValueError as e:
                sys.exit("%s:%d: not JSON: %s" % (path, n, e))
    return lines


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "project":
        for line in sorted(project(e) for e in load(sys.argv[2])):
            print(line)
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        # the expected file holds projected lines already
        want = sorted(json.dumps(e, sort_keys=True) for e in load(sys.argv[2]))
        got = sorted(project(e) for e in load(sys.argv[3]))
        if want == got:
            return 0
        import difflib
        for d in difflib.unified_diff(want, got, "expected", "actual", lineterm="", n=0):
            print("# " + d)
        return 1
    sys.exit("usage: eve_check.py project EVE | compare EXPECTED EVE")


if __name__ == "__main__":
    sys.exit(main())
