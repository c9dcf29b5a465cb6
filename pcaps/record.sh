#!/bin/bash
# (Re)create every test capture in pcaps/ (see README.md for what each contains).
#
#   sudo pcaps/record.sh            # everything
#   sudo pcaps/record.sh http dns   # only some steps
#
# Steps: http http6 http-more dns tls tls13 tls-alpn sll sll2 pcapng truncated crafted
#        loss frag crafted-stream crafted-rules crafted-kw crafted-hdr crafted-hdrbuf crafted-iponly crafted-files crafted-tunnel crafted-tls crafted-gquic crafted-dnsq vxlan
#        protocols starttls openvpn quic readme
#        http-evasion (only when named: needs the browsers, see below)
# (pcapng and truncated are derived from http.pcap; readme refreshes the
# generated inventory at the end of README.md.)
#
# Real traffic is recorded on the loopback interface from real programs
# (nginx, curl, dnsmasq, dig, openssl s_server); crafted edge cases come
# from craft.py (python3 + scapy).  Needs root (tcpdump), Debian 12 tools.
# Each server and tcpdump runs under `timeout` and is stopped by a trap.
# loss and frag record real traffic between network namespaces (client,
# router, server joined by veth pairs; needs ip, nft, ethtool); the
# stream/defrag edge cases come from craft_stream.py, the rule keyword cases
# that no recording has (HTTP cookies, ECN flags) from craft_rules.py, the
# VXLAN and IP-in-IP copies of http/http6/dns.pcap from craft_tunnel.py.
# protocols records proto-*.pcap: SSH, SMTP, QUIC on loopback, FTP, NTP and
# DHCP between two namespaces (openssh-server, swaks, vsftpd, chrony, udhcpc,
# ngtcp2-server, ngtcp2-client).
# http-evasion runs tests/http_evasion/record.sh: headless Chromium and Firefox ESR fetch
# every variant of the evasion server (expected.tsv), a plain client's fetches become
# http-evasion.pcap (contrib/setup --browsers installs what it needs). Not part of the
# default list: the browsers are big and only needed to remake the oracle.

set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
cd "$HERE"

HTTP_PORT=18080
DNS_PORT=15353
TLS_PORT=18443
UA="spanwatch-test/1.0"
FIXED_MTIME=@1700000000          # mtime of the files nginx serves (stable ETag)

log()  { printf '[record] %s\n' "$*" >&2; }
die()  { printf '[record] ERROR: %s\n' "$*" >&2; exit 1; }

# ----------------------------------------------------------------------------
# prerequisites
# ----------------------------------------------------------------------------
check_tools() {
    local missing=() pair cmd pkg
    for pair in tcpdump:tcpdump tshark:tshark editcap:wireshark-common \
                capinfos:wireshark-common nginx:nginx dnsmasq:dnsmasq-base \
                dig:bind9-dnsutils curl:curl openssl:openssl ss:iproute2 \
                timeout:coreutils; do
        cmd=${pair%%:*} pkg=${pair#*:}
        if ! command -v "$cmd" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$cmd" ]; then
            missing+=("$cmd (Debian package: $pkg)")
        fi
    done
    # python3 with scapy: the first interpreter that can import it
    PY=
    for p in python3 /usr/bin/python3; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import scapy.all' >/dev/null 2>&1; then
            PY=$(command -v "$p"); break
        fi
    done
    [ -n "$PY" ] || missing+=("python3 with scapy (Debian package: python3-scapy)")
    if [ ${#missing[@]} -gt 0 ]; then
        printf '[record] missing: %s\n' "${missing[@]}" >&2
        die "install the packages above (apt-get install -y ...) and re-run"
    fi
    [ "$(id -u)" -eq 0 ] || die "must run as root (tcpdump on lo)"
}
export PATH="$PATH:/usr/sbin:/sbin"

# ----------------------------------------------------------------------------
# background processes, cleanup
# ----------------------------------------------------------------------------
WORK=
PIDS=()
NETNS=()        # network namespaces made by netns_setup (loss, frag)
NSEXEC=()       # command prefix that capture_start puts before tcpdump
cleanup() {
    local pid ns
    set +e
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    PIDS=()
    for ns in "${NETNS[@]+"${NETNS[@]}"}"; do
        ip netns del "$ns" 2>/dev/null
        rm -rf "/etc/netns/$ns"     # a hosts file of the namespace (the quic step)
    done
    NETNS=()
    [ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

# bg SECONDS LOGFILE CMD...   -> starts CMD under timeout, sets BG_PID
bg() {
    local secs=$1 logf=$2; shift 2
    timeout "$secs" "$@" >"$logf" 2>&1 &
    BG_PID=$!
    PIDS+=("$BG_PID")
}

# stop PID [SIG]: signal the timeout wrapper (it forwards the signal to its
# child; SIGTERM makes tcpdump flush and print its statistics), wait, forget
stop() {
    local pid=$1 sig=${2:-TERM} p keep=()
    kill -"$sig" "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    PIDS=("${keep[@]+"${keep[@]}"}")
}

# wait_listen tcp|udp PORT : until something listens on 127.0.0.1/::1 PORT
wait_listen() {
    local proto=$1 port=$2 opt=-Hltn
    [ "$proto" = udp ] && opt=-Hlun
    for _ in $(seq 50); do
        if [ -n "$(ss $opt "sport = :$port" 2>/dev/null)" ]; then return 0; fi
        sleep 0.1
    done
    die "nothing listening on $proto port $port after 5 s"
}

port_free() {
    local proto=$1 port=$2 opt=-Hltn
    [ "$proto" = udp ] && opt=-Hlun
    [ -z "$(ss $opt "sport = :$port" 2>/dev/null)" ] ||
        die "$proto port $port already in use; stop whatever uses it"
}

# capture_start NAME IFACE FILTER [tcpdump options...]  -> CAP_PID, CAP_FILE
capture_start() {
    local name=$1 iface=$2 filter=$3; shift 3
    CAP_FILE="$WORK/$name"
    CAP_ERR="$WORK/$name.tcpdump.log"
    rm -f "$CAP_FILE"
    bg 120 "$CAP_ERR" "${NSEXEC[@]+"${NSEXEC[@]}"}" \
        tcpdump -i "$iface" -s 0 -U -n -Z root "$@" -w "$CAP_FILE" "$filter"
    CAP_PID=$BG_PID
    for _ in $(seq 100); do
        grep -q "listening on" "$CAP_ERR" 2>/dev/null && { sleep 0.3; return 0; }
        kill -0 "$CAP_PID" 2>/dev/null || { cat "$CAP_ERR" >&2; die "tcpdump failed ($name)"; }
        sleep 0.1
    done
    cat "$CAP_ERR" >&2
    die "tcpdump not ready after 10 s ($name)"
}

# capture_stop: let the last packets (FIN/ACK) through, stop tcpdump,
# check it and install the file into pcaps/
capture_stop() {
    sleep 0.7
    stop "$CAP_PID"
    local n
    n=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$CAP_ERR")
    if grep -q ' [1-9][0-9]* packets\{0,1\} dropped by kernel' "$CAP_ERR"; then
        cat "$CAP_ERR" >&2; die "tcpdump dropped packets ($(basename "$CAP_FILE"))"
    fi
    if [ -z "$n" ] || [ "$n" -eq 0 ]; then
        cat "$CAP_ERR" >&2; die "nothing captured in $(basename "$CAP_FILE")"
    fi
    install_pcap "$CAP_FILE" "${CAP_MAX:-307200}"
}

install_pcap() {   # FILE [MAX_BYTES]
    local f=$1 max=${2:-307200} name size
    name=$(basename "$f")
    size=$(stat -c %s "$f")
    [ "$size" -le "$max" ] || log "WARNING: $name is $size bytes (> $((max / 1024)) KB)"
    cp "$f" "$HERE/$name.tmp" && mv -f "$HERE/$name.tmp" "$HERE/$name"
    log "  $name: $(capinfos -c -M "$HERE/$name" 2>/dev/null | sed -n 's/^Number of packets: *//p') packets, $size bytes"
}

run() { log "  \$ $*"; "$@"; }

# ----------------------------------------------------------------------------
# nginx
# ----------------------------------------------------------------------------
# nginx_site DIR LISTEN...: index.html (131 bytes) and data.bin (102400 bytes) in DIR/www, and
# DIR/nginx.conf listening on each LISTEN (address:port)
nginx_site() {
    local d=$1 l listen=
    shift
    for l in "$@"; do listen+="        listen $l;"$'\n'; done
    mkdir -p "$d/www" "$d/tmp" "$d/logs"
    cat >"$d/www/index.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>spanwatch test</title></head>
<body><p>Hello from the spanwatch test capture.</p></body></html>
EOF
    # 100 KB (102400 bytes) of deterministic binary data
    "$PY" -c 'import sys; sys.stdout.buffer.write(bytes((i * 31 + 7) & 0xff for i in range(102400)))' \
        >"$d/www/data.bin"
    touch -d "$FIXED_MTIME" "$d/www/index.html" "$d/www/data.bin"
    cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
user root;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 64; }
http {
    access_log $d/logs/access.log;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    types { text/html html; application/octet-stream bin; }
    default_type application/octet-stream;
    server_tokens off;
    keepalive_timeout 10;
    server {
$listen        server_name demo.example;
        root $d/www;
    }
}
EOF
}

NGINX_PID=
nginx_start() {
    [ -n "$NGINX_PID" ] && return 0
    port_free tcp "$HTTP_PORT"
    local d="$WORK/nginx"
    nginx_site "$d" "127.0.0.1:$HTTP_PORT" "[::1]:$HTTP_PORT"
    bg 300 "$d/logs/stderr.log" nginx -e "$d/logs/error.log" -p "$d/" -c "$d/nginx.conf"
    NGINX_PID=$BG_PID
    wait_listen tcp "$HTTP_PORT"
}
nginx_stop() { [ -z "$NGINX_PID" ] || stop "$NGINX_PID"; NGINX_PID=; }

CURL=(curl -sS --max-time 10 -A "$UA" --resolve "demo.example:$HTTP_PORT:127.0.0.1")
BASE="http://demo.example:$HTTP_PORT"

# ----------------------------------------------------------------------------
# steps
# ----------------------------------------------------------------------------
step_http() {
    log "http.pcap: nginx + curl on 127.0.0.1:$HTTP_PORT"
    nginx_start
    capture_start http.pcap lo "tcp port $HTTP_PORT"
    http_requests "${CURL[@]}"
    capture_stop
}

# http_requests CURL...: the five connections of http.pcap, CURL the curl command line
http_requests() {
    run "$@" -o /dev/null -w '    %{http_code} %{url_effective}\n' "$BASE/index.html"
    run "$@" -o /dev/null -w '    %{http_code} %{url_effective}\n' "$BASE/data.bin"
    run "$@" -o /dev/null -w '    %{http_code} %{url_effective}\n' "$BASE/missing.html"
    run "$@" -o /dev/null -w '    %{http_code} %{url_effective}\n' \
        -d 'name=spanwatch&value=42' "$BASE/index.html"
    # one connection, two requests (keep-alive)
    run "$@" -o /dev/null -o /dev/null -w '    %{http_code} %{url_effective} conn#%{num_connects}\n' \
        "$BASE/index.html" "$BASE/data.bin"
}

step_http6() {
    log "http6.pcap: nginx + curl on [::1]:$HTTP_PORT"
    nginx_start
    capture_start http6.pcap lo "ip6 and tcp port $HTTP_PORT"
    run curl -sS --max-time 10 -A "$UA" --resolve "demo.example:$HTTP_PORT:[::1]" \
        -o /dev/null -w '    %{http_code} %{url_effective} %{remote_ip}\n' "$BASE/index.html"
    capture_stop
}

step_sll() {   # $1 = sll.pcap|sll2.pcap, $2 = LINUX_SLL|LINUX_SLL2
    local name=$1 dlt=$2 iface=lo
    log "$name: short HTTP exchange, link type $dlt"
    nginx_start
    if ! tcpdump -i lo -L 2>/dev/null | grep -qw "$dlt"; then
        iface=any      # lo only offers EN10MB; the "any" device offers both cooked types
    fi
    capture_start "$name" "$iface" "host 127.0.0.1 and tcp port $HTTP_PORT" -y "$dlt"
    run "${CURL[@]}" -o /dev/null -w '    %{http_code} %{url_effective}\n' "$BASE/index.html"
    capture_stop
    tcpdump -r "$HERE/$name" -c 1 -nn 2>&1 | grep -q "link-type $dlt " ||
        die "$name: link type is not $dlt"
}

# the local data dnsmasq answers from (dns.pcap, vxlan-real.pcap); --host-record (not --address)
# so that the CNAME target is known to dnsmasq and answers carry a real TTL; --local makes unknown
# names NXDOMAIN.
DNSMASQ_DATA=(--local=/demo.example/ --local-ttl=300
    --host-record=demo.example,192.0.2.10,2001:db8::10
    --cname=www.demo.example,demo.example
    --txt-record=demo.example,"v=spf1 -all"
    --mx-host=demo.example,mail.demo.example,10
    --srv-host=_http._tcp.demo.example,demo.example,$HTTP_PORT,0,5)

# dns_queries DIG...: the eight UDP queries and the TCP one of dns.pcap, DIG the dig command line
dns_queries() {
    local q
    for q in "demo.example A" "demo.example AAAA" "www.demo.example CNAME" \
             "www.demo.example A" "demo.example TXT" "demo.example MX" \
             "_http._tcp.demo.example SRV" "nosuch.demo.example A"; do
        # shellcheck disable=SC2086
        run "$@" $q +noall +comments +answer | grep -E 'status:|IN' | sed 's/^/    /' >&2 || true
    done
    run "$@" +tcp demo.example A +noall +answer | sed 's/^/    /' >&2
}

step_dns() {
    log "dns.pcap: dnsmasq + dig on 127.0.0.1:$DNS_PORT"
    port_free udp "$DNS_PORT"
    port_free tcp "$DNS_PORT"
    local d="$WORK/dnsmasq"
    mkdir -p "$d"
    bg 60 "$d/stderr.log" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts \
        --pid-file="$d/dnsmasq.pid" --log-facility="$d/dnsmasq.log" --log-queries \
        -p "$DNS_PORT" --listen-address=127.0.0.1 --bind-interfaces \
        "${DNSMASQ_DATA[@]}"
    local dns_pid=$BG_PID
    wait_listen udp "$DNS_PORT"
    capture_start dns.pcap lo "port $DNS_PORT"
    dns_queries dig +tries=1 +time=3 @127.0.0.1 -p "$DNS_PORT"
    capture_stop
    stop "$dns_pid"
}

make_cert() {
    [ -s "$WORK/tls/tls.crt" ] && return 0
    local d="$WORK/tls"
    mkdir -p "$d"
    # self-signed, CN/SAN tls.demo.example, fixed validity 2024-01-01 .. 2034-01-01,
    # serial 01 (openssl ca -selfsign is the only 3.0 command taking explicit dates)
    openssl req -new -newkey rsa:2048 -nodes -keyout "$d/tls.key" \
        -subj /CN=tls.demo.example -out "$d/tls.csr" 2>/dev/null
    cat >"$d/ca.cnf" <<EOF
[ ca ]
default_ca = selfca
[ selfca ]
database = $d/index.txt
new_certs_dir = $d
serial = $d/serial
default_md = sha256
policy = pol
unique_subject = no
copy_extensions = none
x509_extensions = ext
[ pol ]
commonName = supplied
[ ext ]
basicConstraints = critical,CA:FALSE
subjectAltName = DNS:tls.demo.example
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
EOF
    : >"$d/index.txt"
    echo 01 >"$d/serial"
    openssl ca -batch -config "$d/ca.cnf" -selfsign -keyfile "$d/tls.key" \
        -in "$d/tls.csr" -out "$d/tls.crt" -notext \
        -startdate 20240101000000Z -enddate 20340101000000Z 2>"$d/ca.log" ||
        { cat "$d/ca.log" >&2; die "certificate creation failed"; }
}

step_tls() {   # $1 = tls.pcap|tls13.pcap, $2 = -tls1_2|-tls1_3, $3 = curl option
    local name=$1 sver=$2 cver=$3
    log "$name: openssl s_server $sver + curl (SNI tls.demo.example) on 127.0.0.1:$TLS_PORT"
    port_free tcp "$TLS_PORT"
    make_cert
    local d="$WORK/tls"
    rm -f "$d/${name%.pcap}.keylog"
    bg 30 "$d/s_server-$name.log" openssl s_server -accept "127.0.0.1:$TLS_PORT" \
        -cert "$d/tls.crt" -key "$d/tls.key" -www "$sver" -naccept 1 \
        -keylogfile "$d/${name%.pcap}.keylog"
    local srv=$BG_PID
    wait_listen tcp "$TLS_PORT"
    capture_start "$name" lo "tcp port $TLS_PORT"
    run curl -sS --max-time 10 -A "$UA" -k "$cver" \
        --resolve "tls.demo.example:$TLS_PORT:127.0.0.1" \
        -o /dev/null -w '    %{http_code} %{url_effective}\n' "https://tls.demo.example:$TLS_PORT/"
    capture_stop
    stop "$srv"
    # keep the TLS secrets next to the capture (lets Wireshark decrypt it)
    cp "$d/${name%.pcap}.keylog" "$HERE/${name%.pcap}.keylog"
}

# tls-alpn.pcap (JA4S): a TLS 1.2 ServerHello that chooses an ALPN (http/1.1), and a TLS 1.3
# HelloRetryRequest (the client's key share is P-256, the server takes X25519 only): two
# ClientHellos and two ServerHellos on one connection. openssl s_client on both.
step_tls_alpn() {
    log "tls-alpn.pcap: openssl s_server + s_client (ALPN chosen; HelloRetryRequest) on 127.0.0.1:$TLS_PORT"
    port_free tcp "$TLS_PORT"
    make_cert
    local d="$WORK/tls"
    bg 30 "$d/s_server-alpn.log" openssl s_server -accept "127.0.0.1:$TLS_PORT" \
        -cert "$d/tls.crt" -key "$d/tls.key" -alpn http/1.1 -groups X25519 -www -naccept 2
    local srv=$BG_PID
    wait_listen tcp "$TLS_PORT"
    capture_start tls-alpn.pcap lo "tcp port $TLS_PORT"
    echo Q | run timeout 10 openssl s_client -connect "127.0.0.1:$TLS_PORT" \
        -servername tls.demo.example -tls1_2 -alpn http/1.1 >/dev/null 2>&1 || true
    echo Q | run timeout 10 openssl s_client -connect "127.0.0.1:$TLS_PORT" \
        -servername tls.demo.example -tls1_3 -groups P-256:X25519 >/dev/null 2>&1 || true
    capture_stop
    stop "$srv"
}

step_pcapng() {
    [ -s "$HERE/http.pcap" ] || die "http.pcap missing (run the http step first)"
    log "http.pcapng: editcap -F pcapng http.pcap"
    editcap -F pcapng "$HERE/http.pcap" "$WORK/http.pcapng"
    install_pcap "$WORK/http.pcapng"
}

step_truncated() {
    [ -s "$HERE/http.pcap" ] || die "http.pcap missing (run the http step first)"
    log "truncated-file.pcap: http.pcap cut inside a record"
    "$PY" "$HERE/craft.py" truncate "$HERE/http.pcap" "$HERE/truncated-file.pcap" >&2
}

step_crafted() {
    log "crafted pcaps (craft.py, $PY)"
    mkdir -p "$WORK/crafted"
    "$PY" "$HERE/craft.py" "$WORK/crafted" >&2
    local f
    for f in "$WORK"/crafted/*.pcap; do install_pcap "$f"; done
}

# ----------------------------------------------------------------------------
# network namespaces (loss, frag)
# ----------------------------------------------------------------------------
#   client ns  vc 10.99.0.1/24 fd99:0::1/64 ---- rc (router ns) 10.99.0.254 fd99:0::fe
#   server ns  vs 10.99.1.2/24 fd99:1::2/64 ---- rs (router ns) 10.99.1.254 fd99:1::fe
# The loss is made in the router's forward chain: a packet dropped there is
# lost on the wire as far as the server's TCP knows (a drop in the server's
# own output chain is reported to its TCP as a local send error, and the
# segment is simply sent again: the wire shows no retransmission at all).
# Offloads (TSO/GSO/GRO/checksum) are off so that the capture holds real
# MTU-sized frames with real checksums.
NS_C= NS_R= NS_S=
V4_CLIENT=10.99.0.1 V4_SERVER=10.99.1.2
V6_CLIENT=fd99:0::1 V6_SERVER=fd99:1::2
need_tools() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 ||
            die "$t missing (Debian packages: iproute2, nftables, ethtool, curl, nginx)"
    done
}
netns_setup() {
    need_tools ip nft ethtool
    NS_C=swrec-c-$$ NS_R=swrec-r-$$ NS_S=swrec-s-$$
    local ns n
    for ns in "$NS_C" "$NS_R" "$NS_S"; do
        ip netns add "$ns"
        NETNS+=("$ns")
        ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    done
    ip link add vc netns "$NS_C" type veth peer name rc netns "$NS_R"
    ip link add vs netns "$NS_S" type veth peer name rs netns "$NS_R"
    ip -n "$NS_C" addr add "$V4_CLIENT/24" dev vc
    ip -n "$NS_C" addr add "$V6_CLIENT/64" dev vc nodad
    ip -n "$NS_R" addr add 10.99.0.254/24 dev rc
    ip -n "$NS_R" addr add fd99:0::fe/64 dev rc nodad
    ip -n "$NS_S" addr add "$V4_SERVER/24" dev vs
    ip -n "$NS_S" addr add "$V6_SERVER/64" dev vs nodad
    ip -n "$NS_R" addr add 10.99.1.254/24 dev rs
    ip -n "$NS_R" addr add fd99:1::fe/64 dev rs nodad
    for n in "$NS_C:vc" "$NS_R:rc" "$NS_R:rs" "$NS_S:vs"; do
        ip -n "${n%%:*}" link set "${n#*:}" up
        ip netns exec "${n%%:*}" ethtool -K "${n#*:}" tso off gso off gro off tx off rx off \
            >/dev/null 2>&1 || true
    done
    ip -n "$NS_C" route add default via 10.99.0.254
    ip -n "$NS_C" -6 route add default via fd99:0::fe
    ip -n "$NS_S" route add default via 10.99.1.254
    ip -n "$NS_S" -6 route add default via fd99:1::fe
    ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    # resolve the neighbours before any capture starts (a fresh veth may not answer the
    # first IPv6 neighbour solicitation, and the packets would then wait a second)
    local ok=
    for _ in $(seq 50); do
        ip netns exec "$NS_C" "$PY" -c 'import socket, sys
for a in sys.argv[1:]:
    s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"warm-up", (a, 9))' "$V4_SERVER" "$V6_SERVER"
        if ip -n "$NS_C" neigh show 10.99.0.254 | grep -q lladdr &&
           ip -n "$NS_C" -6 neigh show fd99:0::fe | grep -q lladdr &&
           ip -n "$NS_R" neigh show "$V4_SERVER" | grep -q lladdr &&
           ip -n "$NS_R" -6 neigh show "$V6_SERVER" | grep -q lladdr; then
            ok=1; break
        fi
        sleep 0.1
    done
    [ -n "$ok" ] || die "namespaces: neighbours not resolved after 5 s"
    sleep 1   # let the IPv6 multicast listener reports of the new links pass
}
# netns_add_v4only NS: a namespace (deleted at exit) with lo up and IPv6 off, which keeps
# router solicitations and MLD reports off its links
netns_add_v4only() {
    ip netns add "$1"
    NETNS+=("$1")
    ip -n "$1" link set lo up
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}
netns_teardown() {
    local ns
    for ns in "${NETNS[@]+"${NETNS[@]}"}"; do ip netns del "$ns" 2>/dev/null || true; done
    NETNS=()
    NSEXEC=()
}

LOSS_SIZE=4194304     # 4 MiB
LOSS_SEED=20261125
step_loss() {
    log "loss-http.pcap: nginx -> curl across namespaces, 3% of the server's TCP packets dropped"
    need_tools nginx curl
    netns_setup
    local d="$WORK/loss"
    mkdir -p "$d/www" "$d/tmp" "$d/logs"
    # 4 MiB from a seeded Mersenne Twister: the same bytes on every run
    "$PY" -c 'import random, sys
sys.stdout.buffer.write(random.Random(int(sys.argv[1])).randbytes(int(sys.argv[2])))' \
        "$LOSS_SEED" "$LOSS_SIZE" >"$d/www/big.bin"
    touch -d "$FIXED_MTIME" "$d/www/big.bin"
    local sum
    sum=$(sha256sum "$d/www/big.bin" | cut -d' ' -f1)
    cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
user root;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 64; }
http {
    access_log $d/logs/access.log;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    types { application/octet-stream bin; }
    default_type application/octet-stream;
    server_tokens off;
    sendfile off;
    keepalive_timeout 10;
    server {
        listen $V4_SERVER:$HTTP_PORT;
        server_name demo.example;
        root $d/www;
    }
}
EOF
    bg 120 "$d/logs/stderr.log" ip netns exec "$NS_S" \
        nginx -e "$d/logs/error.log" -p "$d/" -c "$d/nginx.conf"
    local ngx=$BG_PID
    for _ in $(seq 50); do
        [ -n "$(ip netns exec "$NS_S" ss -Hltn "sport = :$HTTP_PORT")" ] && break
        sleep 0.1
    done
    [ -n "$(ip netns exec "$NS_S" ss -Hltn "sport = :$HTTP_PORT")" ] ||
        { cat "$d/logs/"* >&2; die "nginx did not start in $NS_S"; }
    # the loss: only in the router, only the server's TCP packets
    ip netns exec "$NS_R" nft -f - <<EOF
table inet swloss {
    chain lossy {
        type filter hook forward priority 0; policy accept;
        ip saddr $V4_SERVER meta l4proto tcp numgen random mod 100 < 3 counter drop
    }
}
EOF
    NSEXEC=(ip netns exec "$NS_C")
    CAP_MAX=$((8 * 1024 * 1024))
    # -B: 64 MB kernel buffer, a 4 MB transfer on a veth is fast
    capture_start loss-http.pcap vc "tcp port $HTTP_PORT" -B 65536
    run ip netns exec "$NS_C" curl -sS --max-time 60 -A "$UA" \
        --resolve "demo.example:$HTTP_PORT:$V4_SERVER" -o "$d/got.bin" \
        -w '    %{http_code} %{url_effective} %{size_download} bytes\n' \
        "http://demo.example:$HTTP_PORT/big.bin"
    capture_stop
    CAP_MAX=
    stop "$ngx"
    log "  dropped by the router: $(ip netns exec "$NS_R" nft list chain inet swloss lossy |
        sed -n 's/.*counter packets \([0-9]*\).*/\1/p') packets"
    [ "$(sha256sum <"$d/got.bin" | cut -d' ' -f1)" = "$sum" ] ||
        die "curl got a different file"
    echo "$sum  big.bin" >"$HERE/loss-http.sha256"
    local rtx ooo
    rtx=$(tshark -r "$HERE/loss-http.pcap" -Y tcp.analysis.retransmission 2>/dev/null | wc -l)
    ooo=$(tshark -r "$HERE/loss-http.pcap" -Y tcp.analysis.out_of_order 2>/dev/null | wc -l)
    log "  sha256 $sum, tshark: $rtx retransmissions, $ooo out-of-order"
    [ "$rtx" -gt 0 ] || die "loss-http.pcap holds no retransmission (is the nft rule active?)"
    netns_teardown
}

FRAG_PORT=19000
step_frag() {
    log "frag-udp.pcap: UDP datagrams of 3000-6000 bytes, route MTU 1000 (IPv4) / 1280 (IPv6)"
    netns_setup
    local d="$WORK/frag"
    mkdir -p "$d"
    # route MTUs of the client: 1000 for IPv4; IPv6 cannot go below 1280 (a link
    # MTU under 1280 removes IPv6 from the interface), so 1280 there
    ip -n "$NS_C" route replace default via 10.99.0.254 mtu lock 1000
    ip -n "$NS_C" -6 route replace default via fd99:0::fe mtu 1280
    # a listener in the server namespace: what the kernel reassembled, as sha256s
    cat >"$d/listen.py" <<'EOF'
import hashlib, select, socket, sys
port, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    socks.append(s)
got = []
print("listening", flush=True)
while len(got) < n:
    r, _, _ = select.select(socks, [], [], 20)
    if not r:
        break
    for s in r:
        data, _ = s.recvfrom(70000)
        got.append("%s  %d" % (hashlib.sha256(data).hexdigest(), len(data)))
with open(out, "w") as f:
    f.write("\n".join(sorted(got)) + "\n")
EOF
    # client: one socket (one source port) per datagram, so each datagram is its own flow
    cat >"$d/send.py" <<'EOF'
import hashlib, socket, sys, time
port, v4, v6 = int(sys.argv[1]), sys.argv[2], sys.argv[3]
plan = [(socket.AF_INET, v4, 3000), (socket.AF_INET, v4, 4000), (socket.AF_INET, v4, 5000),
        (socket.AF_INET, v4, 6000), (socket.AF_INET6, v6, 3000), (socket.AF_INET6, v6, 4500),
        (socket.AF_INET6, v6, 6000)]
for k, (fam, dst, size) in enumerate(plan):
    data = bytes((i * 13 + k * 71 + 5) & 0xff for i in range(size))
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0" if fam == socket.AF_INET else "::", 41000 + k))
    if fam == socket.AF_INET:   # let the kernel fragment (no DF / PMTU discovery)
        s.setsockopt(socket.IPPROTO_IP, 10, 0)   # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
    s.sendto(data, (dst, port))
    s.close()
    print("%s  %d  %s  %d" % (hashlib.sha256(data).hexdigest(), size,
                              "ipv4" if fam == socket.AF_INET else "ipv6", 41000 + k))
    time.sleep(0.05)
EOF
    bg 60 "$d/listen.log" ip netns exec "$NS_S" "$PY" "$d/listen.py" "$FRAG_PORT" 7 "$d/received"
    local lst=$BG_PID
    for _ in $(seq 50); do grep -q listening "$d/listen.log" && break; sleep 0.1; done
    NSEXEC=(ip netns exec "$NS_C")
    capture_start frag-udp.pcap vc "udp port $FRAG_PORT or (ip and ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44)"
    ip netns exec "$NS_C" "$PY" "$d/send.py" "$FRAG_PORT" "$V4_SERVER" "$V6_SERVER" >"$d/sent"
    capture_stop
    wait "$lst" 2>/dev/null || true
    stop "$lst"
    sed 's/^/    /' "$d/sent" >&2
    [ "$(awk '{print $1, $2}' "$d/sent" | sort)" = "$(awk '{print $1, $2}' "$d/received" | sort)" ] ||
        { cat "$d/received" >&2; die "the server did not receive every datagram intact"; }
    {
        echo "# sha256  size  family  client-port (UDP to port $FRAG_PORT, one datagram each)"
        cat "$d/sent"
    } >"$HERE/frag-udp.sha256"
    log "  $(tshark -r "$HERE/frag-udp.pcap" 2>/dev/null | wc -l) frames, 7 datagrams"
    netns_teardown
}

step_crafted_stream() {
    log "crafted stream/defrag pcaps (craft_stream.py, $PY)"
    mkdir -p "$WORK/crafted-stream"
    "$PY" "$HERE/craft_stream.py" "$WORK/crafted-stream" >&2
    local f
    for f in "$WORK"/crafted-stream/*.pcap; do install_pcap "$f" $((4 * 1024 * 1024)); done
}

step_crafted_tls() {
    log "crafted TLS handshakes from tls.pcap (craft_tls.py, $PY)"
    mkdir -p "$WORK/crafted-tls"
    "$PY" "$HERE/craft_tls.py" "$HERE/tls.pcap" "$WORK/crafted-tls" >&2
    local f
    for f in "$WORK"/crafted-tls/*.pcap; do install_pcap "$f" $((512 * 1024)); done
}

step_crafted_gquic() {
    log "crafted Google QUIC client hellos, Q043 and Q046 (craft_gquic.py, $PY)"
    mkdir -p "$WORK/crafted-gquic"
    "$PY" "$HERE/craft_gquic.py" "$WORK/crafted-gquic" >&2
    install_pcap "$WORK/crafted-gquic/gquic.pcap" $((50 * 1024))
}

step_crafted_rules() {
    log "crafted rule keyword pcaps (craft_rules.py, $PY)"
    mkdir -p "$WORK/crafted-rules"
    "$PY" "$HERE/craft_rules.py" "$WORK/crafted-rules" >&2
    local f
    for f in "$WORK"/crafted-rules/*.pcap; do install_pcap "$f" $((50 * 1024)); done
}

step_crafted_kw() {
    log "crafted pcaps of detect_kw.c's keywords and of stream alert counts (craft_kw.py, $PY)"
    mkdir -p "$WORK/crafted-kw"
    "$PY" "$HERE/craft_kw.py" "$WORK/crafted-kw" >&2
    local f
    for f in "$WORK"/crafted-kw/*.pcap; do install_pcap "$f" $((50 * 1024)); done
}

step_crafted_dnsq() {
    log "crafted DNS queries with several questions (craft_dnsq.py, $PY)"
    mkdir -p "$WORK/crafted-dnsq"
    "$PY" "$HERE/craft_dnsq.py" "$WORK/crafted-dnsq" >&2
    install_pcap "$WORK/crafted-dnsq/dns-questions.pcap" $((10 * 1024))
}

step_crafted_hdr() {
    log "crafted pcap of detect_hdr.c's header keywords (craft_hdr.py, $PY)"
    mkdir -p "$WORK/crafted-hdr"
    "$PY" "$HERE/craft_hdr.py" "$WORK/crafted-hdr" >&2
    install_pcap "$WORK/crafted-hdr/rules-hdr.pcap" $((50 * 1024))
    # IP fragments for the rules that inspect them (craft_frag.py)
    "$PY" "$HERE/craft_frag.py" "$WORK/crafted-hdr" >&2
    install_pcap "$WORK/crafted-hdr/rules-frag.pcap" $((50 * 1024))
}

step_crafted_hdrbuf() {
    log "crafted pcap of the header buffers and checksum keywords (craft_hdrbuf.py, $PY)"
    mkdir -p "$WORK/crafted-hdrbuf"
    "$PY" "$HERE/craft_hdrbuf.py" "$WORK/crafted-hdrbuf" >&2
    install_pcap "$WORK/crafted-hdrbuf/rules-hdrbuf.pcap" $((50 * 1024))
}

step_crafted_iponly() {
    log "crafted pcap of IP-only rules: flows seen from both sides, fragments (craft_iponly.py, $PY)"
    mkdir -p "$WORK/crafted-iponly"
    "$PY" "$HERE/craft_iponly.py" "$WORK/crafted-iponly" >&2
    install_pcap "$WORK/crafted-iponly/rules-iponly.pcap" $((50 * 1024))
}

step_crafted_files() {
    log "crafted HTTP file transfers: multipart parts, truncated files (craft_files.py, $PY)"
    mkdir -p "$WORK/crafted-files"
    "$PY" "$HERE/craft_files.py" "$WORK/crafted-files" >&2
    install_pcap "$WORK/crafted-files/rules-files.pcap" $((50 * 1024))
    cp "$WORK/crafted-files/rules-files.sha256" "$HERE/rules-files.sha256"
}

step_crafted_tunnel() {
    log "tunnelled copies of http, http6, dns and tls.pcap (craft_tunnel.py, $PY)"
    mkdir -p "$WORK/crafted-tunnel"
    "$PY" "$HERE/craft_tunnel.py" "$HERE" "$WORK/crafted-tunnel" >&2
    log "malformed tunnels (craft_tunnel_hostile.py)"
    "$PY" "$HERE/craft_tunnel_hostile.py" "$WORK/crafted-tunnel" >&2
    local f
    for f in "$WORK"/crafted-tunnel/*.pcap; do install_pcap "$f" $((512 * 1024)); done
    cp "$WORK/crafted-tunnel/tunnel-hostile.tsv" "$HERE/tunnel-hostile.tsv"
}

# ----------------------------------------------------------------------------
# vxlan: real traffic through a Linux VXLAN tunnel (vxlan-real.pcap, vxlan-real-plain.pcap)
# ----------------------------------------------------------------------------
#   ns VA: ua 10.77.0.1/24 (underlay veth) ---- ub 10.77.0.2/24 :ns VB
#          vx0 10.42.0.1/24 (VXLAN VNI 42 over ua, UDP 4789) ... vx0 10.42.0.2/24
# nginx, dnsmasq and openssl s_server run in VB on 10.42.0.2, curl and dig in VA: the http,
# dns and tls steps' conversations across the overlay. tcpdump in VA records the underlay
# (ua, "udp port 4789": every packet in VXLAN) and the overlay (vx0, the same packets
# without it) at once. IPv6 is off and the neighbours are static, so both hold exactly
# the conversations; offloads are off so both hold MTU-sized segments with real checksums.
VX_UNDER_A=10.77.0.1 VX_UNDER_B=10.77.0.2 VX_IN_A=10.42.0.1 VX_IN_B=10.42.0.2
NS_VA='' NS_VB=''
vxlan_netns_setup() {
    NS_VA=swrec-va-$$ NS_VB=swrec-vb-$$
    local n
    netns_add_v4only "$NS_VA"
    netns_add_v4only "$NS_VB"
    ip link add ua netns "$NS_VA" address 02:00:00:00:77:01 type veth \
        peer name ub netns "$NS_VB" address 02:00:00:00:77:02
    ip -n "$NS_VA" addr add "$VX_UNDER_A/24" dev ua
    ip -n "$NS_VB" addr add "$VX_UNDER_B/24" dev ub
    ip -n "$NS_VA" link add vx0 address 02:00:00:00:42:01 type vxlan id 42 dstport 4789 \
        remote "$VX_UNDER_B" local "$VX_UNDER_A" dev ua
    ip -n "$NS_VB" link add vx0 address 02:00:00:00:42:02 type vxlan id 42 dstport 4789 \
        remote "$VX_UNDER_A" local "$VX_UNDER_B" dev ub
    ip -n "$NS_VA" addr add "$VX_IN_A/24" dev vx0
    ip -n "$NS_VB" addr add "$VX_IN_B/24" dev vx0
    for n in "$NS_VA:ua" "$NS_VB:ub" "$NS_VA:vx0" "$NS_VB:vx0"; do
        ip -n "${n%%:*}" link set "${n#*:}" up
        ip netns exec "${n%%:*}" ethtool -K "${n#*:}" tso off gso off gro off tx off rx off \
            >/dev/null 2>&1 || true
    done
    ip -n "$NS_VA" neigh replace "$VX_UNDER_B" lladdr 02:00:00:00:77:02 dev ua nud permanent
    ip -n "$NS_VB" neigh replace "$VX_UNDER_A" lladdr 02:00:00:00:77:01 dev ub nud permanent
    ip -n "$NS_VA" neigh replace "$VX_IN_B" lladdr 02:00:00:00:42:02 dev vx0 nud permanent
    ip -n "$NS_VB" neigh replace "$VX_IN_A" lladdr 02:00:00:00:42:01 dev vx0 nud permanent
    # no ARP on either link (static neighbours): nothing to wait for; curl and dig fail (and
    # stop the script) if the tunnel does not carry
}

step_vxlan() {
    log "vxlan-real.pcap, vxlan-real-plain.pcap: nginx, dnsmasq, s_server across a VXLAN overlay"
    need_tools ip ethtool
    make_cert
    vxlan_netns_setup
    local d="$WORK/vxlan" pids=()
    nginx_site "$d/nginx" "$VX_IN_B:$HTTP_PORT"
    bg 120 "$d/nginx/logs/stderr.log" ip netns exec "$NS_VB" \
        nginx -e "$d/nginx/logs/error.log" -p "$d/nginx/" -c "$d/nginx/nginx.conf"
    pids+=("$BG_PID")
    bg 120 "$d/dnsmasq.log" ip netns exec "$NS_VB" dnsmasq -k --conf-file=/dev/null --no-resolv \
        --no-hosts --pid-file="$d/dnsmasq.pid" -p "$DNS_PORT" --listen-address="$VX_IN_B" \
        --bind-interfaces "${DNSMASQ_DATA[@]}"
    pids+=("$BG_PID")
    bg 120 "$d/s_server.log" ip netns exec "$NS_VB" openssl s_server \
        -accept "$VX_IN_B:$TLS_PORT" -cert "$WORK/tls/tls.crt" -key "$WORK/tls/tls.key" \
        -www -tls1_2 -naccept 1
    pids+=("$BG_PID")
    ns_wait_listen "$NS_VB" tcp "$HTTP_PORT"
    ns_wait_listen "$NS_VB" udp "$DNS_PORT"
    ns_wait_listen "$NS_VB" tcp "$TLS_PORT"

    NSEXEC=(ip netns exec "$NS_VA")
    CAP_MAX=$((1024 * 1024))
    capture_start vxlan-real.pcap ua "udp port 4789"
    local u_pid=$CAP_PID u_file=$CAP_FILE u_err=$CAP_ERR
    capture_start vxlan-real-plain.pcap vx0 "ip"
    http_requests ip netns exec "$NS_VA" curl -sS --max-time 10 -A "$UA" \
        --resolve "demo.example:$HTTP_PORT:$VX_IN_B"
    dns_queries ip netns exec "$NS_VA" dig +tries=1 +time=3 "@$VX_IN_B" -p "$DNS_PORT"
    run ip netns exec "$NS_VA" curl -sS --max-time 10 -A "$UA" -k --tlsv1.2 \
        --resolve "tls.demo.example:$TLS_PORT:$VX_IN_B" \
        -o /dev/null -w '    %{http_code} %{url_effective}\n' "https://tls.demo.example:$TLS_PORT/"
    capture_stop
    CAP_PID=$u_pid CAP_FILE=$u_file CAP_ERR=$u_err
    capture_stop
    CAP_MAX=
    local p
    for p in "${pids[@]}"; do stop "$p"; done
    netns_teardown
    local nu np
    nu=$(capinfos -c -M "$HERE/vxlan-real.pcap" | sed -n 's/^Number of packets: *//p')
    np=$(capinfos -c -M "$HERE/vxlan-real-plain.pcap" | sed -n 's/^Number of packets: *//p')
    [ "$nu" = "$np" ] || die "vxlan: $nu packets on the underlay, $np on the overlay"
    log "  $nu packets on each side; tshark: $(tshark -r "$HERE/vxlan-real.pcap" -Y vxlan 2>/dev/null | wc -l) in VXLAN"
}

# ----------------------------------------------------------------------------
# protocols: one small capture per application protocol (proto-*.pcap)
# ----------------------------------------------------------------------------
# SSH, SMTP and QUIC run on 127.0.0.1 (high ports, captured on lo). FTP, NTP
# and DHCP need their well-known ports (nDPI 4.2 only looks for an FTP control
# channel on port 21 and for NTP on 123; DHCP is 67/68 and broadcast), so they
# run between two namespaces joined by one veth pair, captured on pc:
#   client ns  pc 10.98.0.1/24 ---- ps 10.98.0.2/24  server ns
SSH_PORT=18022 SMTP_PORT=18025 FTP_PASV_MIN=18100 FTP_PASV_MAX=18109
QUIC_PORT=18444
PR_CLIENT=10.98.0.1 PR_SERVER=10.98.0.2
NS_PC='' NS_PS=''
proto_need() {   # cmd:package ...
    local pair cmd missing=()
    for pair in "$@"; do
        cmd=${pair%%:*}
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd (Debian package: ${pair#*:})")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        printf '[record] missing: %s\n' "${missing[@]}" >&2
        die "protocols: install the packages above and re-run"
    fi
}
proto_netns_setup() {
    NS_PC=swrec-pc-$$ NS_PS=swrec-ps-$$
    netns_add_v4only "$NS_PC"
    netns_add_v4only "$NS_PS"
    ip link add pc netns "$NS_PC" type veth peer name ps netns "$NS_PS"
    ip -n "$NS_PC" addr add "$PR_CLIENT/24" dev pc
    ip -n "$NS_PS" addr add "$PR_SERVER/24" dev ps
    ip -n "$NS_PC" link set pc up
    ip -n "$NS_PS" link set ps up
    # resolve the neighbour before any capture starts (as netns_setup does)
    for _ in $(seq 50); do
        ip netns exec "$NS_PC" "$PY" -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"warm-up", (sys.argv[1], 9))' "$PR_SERVER"
        ip -n "$NS_PC" neigh show "$PR_SERVER" | grep -q lladdr && return 0
        sleep 0.1
    done
    die "protocols: $NS_PS not reachable from $NS_PC"
}
# ns_wait_listen NS tcp|udp PORT
ns_wait_listen() {
    local ns=$1 opt=-Hltn port=$3
    [ "$2" = udp ] && opt=-Hlun
    for _ in $(seq 50); do
        [ -n "$(ip netns exec "$ns" ss $opt "sport = :$port" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    die "nothing listening on $2 port $port in $ns after 5 s"
}

proto_ssh() {
    log "proto-ssh.pcap: OpenSSH sshd + ssh on 127.0.0.1:$SSH_PORT"
    port_free tcp "$SSH_PORT"
    local d="$WORK/ssh"
    mkdir -p "$d" /run/sshd      # /run/sshd: sshd's privilege separation directory
    chmod 700 "$d"
    ssh-keygen -q -t ed25519 -N '' -C spanwatch-host -f "$d/host_key"
    ssh-keygen -q -t ed25519 -N '' -C spanwatch-client -f "$d/client_key"
    cp "$d/client_key.pub" "$d/authorized_keys"
    cat >"$d/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $SSH_PORT
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
Banner none
EOF
    bg 30 "$d/sshd.log" /usr/sbin/sshd -D -e -f "$d/sshd_config"
    local srv=$BG_PID
    wait_listen tcp "$SSH_PORT"
    capture_start proto-ssh.pcap lo "tcp port $SSH_PORT"
    run timeout 15 ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR -i "$d/client_key" \
        -p "$SSH_PORT" root@127.0.0.1 true ||
        log "  (ssh exit status $?: authentication failed; the handshake is recorded anyway)"
    capture_stop
    stop "$srv"
}

proto_smtp() {
    log "proto-smtp.pcap: python3 smtpd (DebuggingServer) + swaks on 127.0.0.1:$SMTP_PORT"
    port_free tcp "$SMTP_PORT"
    local d="$WORK/smtp"
    mkdir -p "$d"
    # smtpd is in the standard library up to Python 3.11 (Debian 12's /usr/bin/python3)
    bg 30 "$d/smtpd.log" /usr/bin/python3 -W ignore -u -m smtpd -n -c DebuggingServer \
        "127.0.0.1:$SMTP_PORT"
    local srv=$BG_PID
    wait_listen tcp "$SMTP_PORT"
    capture_start proto-smtp.pcap lo "tcp port $SMTP_PORT"
    run timeout 15 swaks --server 127.0.0.1 --port "$SMTP_PORT" --helo client.demo.example \
        --from sender@demo.example --to rcpt@demo.example \
        --header "Subject: spanwatch test" --header "Date: Tue, 14 Nov 2023 22:13:20 +0000" \
        --body "Hello from the spanwatch test capture." --silent 2 >/dev/null
    capture_stop
    stop "$srv"
}

proto_ftp() {
    log "proto-ftp.pcap: vsftpd (anonymous, passive) in $NS_PS + curl in $NS_PC, port 21"
    local d="$WORK/ftp"
    mkdir -p "$d/root" "$d/empty"
    chmod 755 "$d/root" "$d/empty"
    echo "Hello from the spanwatch test capture." >"$d/root/hello.txt"
    touch -d "$FIXED_MTIME" "$d/root/hello.txt"
    cat >"$d/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$PR_SERVER
listen_port=21
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$d/root
local_enable=NO
write_enable=NO
pasv_enable=YES
pasv_address=$PR_SERVER
pasv_min_port=$FTP_PASV_MIN
pasv_max_port=$FTP_PASV_MAX
secure_chroot_dir=$d/empty
seccomp_sandbox=NO
xferlog_enable=NO
vsftpd_log_file=$d/vsftpd.log
ftpd_banner=spanwatch test FTP
EOF
    bg 30 "$d/stderr.log" ip netns exec "$NS_PS" vsftpd "$d/vsftpd.conf"
    local srv=$BG_PID
    ns_wait_listen "$NS_PS" tcp 21
    NSEXEC=(ip netns exec "$NS_PC")
    capture_start proto-ftp.pcap pc "tcp port 21 or tcp portrange $FTP_PASV_MIN-$FTP_PASV_MAX"
    # one control connection: LIST / then RETR hello.txt (two passive data connections)
    run ip netns exec "$NS_PC" curl -sS --max-time 10 -o /dev/null -o /dev/null \
        -w '    %{response_code} %{url_effective}\n' \
        "ftp://$PR_SERVER/" "ftp://$PR_SERVER/hello.txt"
    capture_stop
    NSEXEC=()
    stop "$srv"
}

proto_quic() {
    log "proto-quic.pcap: ngtcp2 gtlsserver + gtlsclient (QUIC v1, HTTP/3) on 127.0.0.1:$QUIC_PORT"
    port_free udp "$QUIC_PORT"
    make_cert
    local d="$WORK/quic"
    mkdir -p "$d/www"
    echo "Hello from the spanwatch test capture." >"$d/www/index.html"
    bg 30 "$d/server.log" gtlsserver -q -d "$d/www" 127.0.0.1 "$QUIC_PORT" \
        "$WORK/tls/tls.key" "$WORK/tls/tls.crt"
    local srv=$BG_PID
    wait_listen udp "$QUIC_PORT"
    capture_start proto-quic.pcap lo "udp port $QUIC_PORT"
    run timeout 15 gtlsclient -q --exit-on-all-streams-close 127.0.0.1 "$QUIC_PORT" \
        "https://tls.demo.example:$QUIC_PORT/index.html" >"$d/client.out" 2>&1 ||
        { cat "$d/client.out" >&2; die "gtlsclient failed"; }
    capture_stop
    stop "$srv"
}

proto_ntp() {
    log "proto-ntp.pcap: chronyd serving in $NS_PS, chronyd -Q (query only) in $NS_PC, port 123"
    local d="$WORK/ntp"
    mkdir -p "$d"
    # -x: never touch the system clock; local stratum 8: serve time without upstream
    cat >"$d/server.conf" <<EOF
local stratum 8
allow all
bindaddress $PR_SERVER
cmdport 0
pidfile $d/server.pid
EOF
    bg 30 "$d/server.log" ip netns exec "$NS_PS" chronyd -d -x -u root -f "$d/server.conf"
    local srv=$BG_PID
    ns_wait_listen "$NS_PS" udp 123
    NSEXEC=(ip netns exec "$NS_PC")
    capture_start proto-ntp.pcap pc "udp port 123"
    run timeout 20 ip netns exec "$NS_PC" chronyd -Q -u root -t 15 \
        "server $PR_SERVER iburst maxsamples 4" "cmdport 0" "pidfile $d/client.pid" \
        >"$d/client.log" 2>&1 || { cat "$d/client.log" >&2; die "chronyd -Q failed"; }
    grep -E 'wrong by|exiting' "$d/client.log" | sed 's/^/    /' >&2 || true
    capture_stop
    NSEXEC=()
    stop "$srv"
}

proto_dhcp() {
    log "proto-dhcp.pcap: dnsmasq DHCP server in $NS_PS, udhcpc in $NS_PC (discover, offer, request, ack)"
    local d="$WORK/dhcp"
    mkdir -p "$d"
    bg 30 "$d/dnsmasq.log" ip netns exec "$NS_PS" dnsmasq -k --conf-file=/dev/null \
        --no-resolv --no-hosts -p 0 --no-ping --interface=ps --bind-interfaces \
        --pid-file="$d/dnsmasq.pid" --dhcp-leasefile="$d/leases" --log-dhcp \
        --dhcp-range=10.98.0.100,10.98.0.150,255.255.255.0,1h \
        --dhcp-option=option:router,$PR_SERVER --domain=demo.example
    local srv=$BG_PID
    ns_wait_listen "$NS_PS" udp 67
    NSEXEC=(ip netns exec "$NS_PC")
    capture_start proto-dhcp.pcap pc "udp port 67 or udp port 68"
    # -s /bin/true: do not configure the address; -q: exit once the lease is obtained
    run timeout 20 ip netns exec "$NS_PC" udhcpc -i pc -f -q -n -t 5 -T 1 \
        -x hostname:spanwatch-client -s /bin/true >"$d/udhcpc.log" 2>&1 ||
        { cat "$d/udhcpc.log" >&2; die "udhcpc got no lease"; }
    sed 's/^/    /' "$d/udhcpc.log" >&2
    capture_stop
    NSEXEC=()
    stop "$srv"
}

step_protocols() {
    proto_need sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client \
        swaks:swaks vsftpd:vsftpd chronyd:chrony udhcpc:udhcpc \
        gtlsserver:ngtcp2-server gtlsclient:ngtcp2-client ip:iproute2
    /usr/bin/python3 -W ignore -c 'import smtpd' 2>/dev/null ||
        die "protocols: /usr/bin/python3 has no smtpd module (Debian 12's python3 3.11 has it)"
    CAP_MAX=102400
    proto_ssh
    proto_smtp
    proto_quic
    proto_netns_setup
    proto_ftp
    proto_ntp
    proto_dhcp
    netns_teardown
    CAP_MAX=
}

# ----------------------------------------------------------------------------
# http-more: gzip-compressed bodies (nginx gzip on), wget, python http.server
# ----------------------------------------------------------------------------
GZIP_PORT=18081
PYHTTP_PORT=18082

# a second nginx, gzip on, serving text.txt (~50 KB), data.json, wget.txt
NGINX_GZIP_PID=
nginx_gzip_start() {
    [ -n "$NGINX_GZIP_PID" ] && return 0
    port_free tcp "$GZIP_PORT"
    local d="$WORK/nginx-gzip"
    mkdir -p "$d/www" "$d/tmp" "$d/logs"
    # 51200 bytes of deterministic text: 640 numbered 80-byte lines of words drawn by
    # random.Random(20231114) (compresses to ~20 KB: the gzip body spans many segments)
    "$PY" -c 'import random, sys
r = random.Random(20231114)
w = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu".split()
for i in range(640):
    l = "%05d" % i
    while len(l) < 70:
        l += " " + r.choice(w) + str(r.randrange(1000))
    sys.stdout.write(l[:79] + "\n")' >"$d/www/text.txt"
    printf '{"name":"spanwatch","test":"http-gzip","items":[1,2,3,4,5],"nested":{"ok":true,"text":"compressed by nginx"}}\n' \
        >"$d/www/data.json"
    # 20000 bytes of deterministic text for wget
    "$PY" -c 'import sys
for i in range(400):
    sys.stdout.write(("wget %04d " % i).ljust(49, "-") + "\n")' >"$d/www/wget.txt"
    touch -d "$FIXED_MTIME" "$d/www/text.txt" "$d/www/data.json" "$d/www/wget.txt"
    cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
user root;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 64; }
http {
    access_log $d/logs/access.log;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    types { text/plain txt; application/json json; }
    default_type application/octet-stream;
    server_tokens off;
    keepalive_timeout 10;
    gzip on;
    gzip_types text/plain application/json;
    gzip_min_length 1;
    server {
        listen 127.0.0.1:$GZIP_PORT;
        server_name demo.example;
        root $d/www;
    }
}
EOF
    bg 120 "$d/logs/stderr.log" nginx -e "$d/logs/error.log" -p "$d/" -c "$d/nginx.conf"
    NGINX_GZIP_PID=$BG_PID
    wait_listen tcp "$GZIP_PORT"
}
nginx_gzip_stop() { [ -z "$NGINX_GZIP_PID" ] || stop "$NGINX_GZIP_PID"; NGINX_GZIP_PID=; }

step_http_more() {
    command -v wget >/dev/null 2>&1 || die "http-more: wget missing (apt-get install -y wget)"
    [ -x /usr/bin/python3 ] || die "http-more: /usr/bin/python3 missing"
    nginx_gzip_start
    local d="$WORK/nginx-gzip" GBASE="http://demo.example:$GZIP_PORT"
    local GCURL=(curl -sS --max-time 10 -A "$UA" --resolve "demo.example:$GZIP_PORT:127.0.0.1")

    log "http-gzip.pcap: nginx (gzip on) + curl --compressed on 127.0.0.1:$GZIP_PORT"
    capture_start http-gzip.pcap lo "tcp port $GZIP_PORT"
    run "${GCURL[@]}" --compressed -o "$d/got-text.txt" \
        -w '    %{http_code} %{url_effective} %{size_download} bytes on the wire\n' "$GBASE/text.txt"
    run "${GCURL[@]}" --compressed -o "$d/got-data.json" \
        -w '    %{http_code} %{url_effective} %{size_download} bytes on the wire\n' "$GBASE/data.json"
    # deflate only: nginx has no deflate, so it answers uncompressed
    run "${GCURL[@]}" -H 'Accept-Encoding: deflate' -o "$d/got-deflate.txt" \
        -w '    %{http_code} %{url_effective} %{size_download} bytes on the wire\n' "$GBASE/text.txt"
    capture_stop
    cmp -s "$d/got-text.txt" "$d/www/text.txt" || die "http-gzip: text.txt differs after decompression"
    cmp -s "$d/got-data.json" "$d/www/data.json" || die "http-gzip: data.json differs after decompression"
    [ "$(tshark -r "$HERE/http-gzip.pcap" -d tcp.port==$GZIP_PORT,http \
        -Y 'http.content_encoding == "gzip"' 2>/dev/null | wc -l)" -eq 2 ] ||
        die "http-gzip: expected 2 gzip-encoded responses in the capture"
    (cd "$d/www" && sha256sum text.txt data.json) >"$HERE/http-gzip.sha256"

    log "http-wget.pcap: nginx + wget -O /dev/null on 127.0.0.1:$GZIP_PORT"
    capture_start http-wget.pcap lo "tcp port $GZIP_PORT"
    run timeout 15 wget -q -O /dev/null "http://127.0.0.1:$GZIP_PORT/wget.txt"
    capture_stop
    (cd "$d/www" && sha256sum wget.txt) >"$HERE/http-wget.sha256"
    nginx_gzip_stop

    log "http-python.pcap: /usr/bin/python3 -m http.server + curl on 127.0.0.1:$PYHTTP_PORT"
    port_free tcp "$PYHTTP_PORT"
    local p="$WORK/pyhttp"
    mkdir -p "$p/www"
    "$PY" -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 3) & 0xff for i in range(30000)))' \
        >"$p/www/python.bin"
    touch -d "$FIXED_MTIME" "$p/www/python.bin"
    bg 30 "$p/server.log" /usr/bin/python3 -m http.server --bind 127.0.0.1 \
        --directory "$p/www" "$PYHTTP_PORT"
    local srv=$BG_PID
    wait_listen tcp "$PYHTTP_PORT"
    capture_start http-python.pcap lo "tcp port $PYHTTP_PORT"
    run curl -sS --max-time 10 -A "$UA" --resolve "demo.example:$PYHTTP_PORT:127.0.0.1" \
        -o "$p/got.bin" -w '    %{http_code} %{url_effective} HTTP/%{http_version}\n' \
        "http://demo.example:$PYHTTP_PORT/python.bin"
    capture_stop
    stop "$srv"
    cmp -s "$p/got.bin" "$p/www/python.bin" || die "http-python: download differs"
    (cd "$p/www" && sha256sum python.bin) >"$HERE/http-python.sha256"
}

# ----------------------------------------------------------------------------
# README inventory (between the markers at the end of README.md)
# ----------------------------------------------------------------------------
# ----------------------------------------------------------------------------
# quic: real QUIC handshakes for the QUIC parser (quic-handshakes.pcap)
# ----------------------------------------------------------------------------
# ngtcp2's gtlsserver/gtlsclient (Debian 12: ngtcp2 0.12, GnuTLS 3.7) on
# 127.0.0.1 of a namespace of their own, one connection each:
#   v1 and draft-29 (0xff00001d) with the default hello;
#   a ClientHello with an FFDHE-8192 key share (1 KB) so its CRYPTO data spans
#   two Initial packets (v1, v1 at --max-udp-payload-size 1200, draft-29);
#   a 200-byte SNI with an FFDHE-6144 key share;
#   address validation (-V): a Retry, then the Initial with its token;
#   a new session, then the same resumed with 0-RTT (--session-file/--tp-file).
# gtlsclient 0.12 sends as SNI the name it was given to connect to (--sni is
# ignored), so each connection uses a name of its own that the namespace's
# hosts file (/etc/netns/NS/hosts, which ip netns exec mounts over
# /etc/hosts) maps to 127.0.0.1.
# ngtcp2 0.12 speaks the QUIC v2 draft (0x709a50c4), not RFC 9369's v2, and
# tshark 4.0 cannot decrypt that draft: v2 is tested against RFC 9369's
# vectors in tests/unit/app/test_quic.c only.  The oracle of tests/pcap/quic.sh
# is tshark, which decrypts Initials.
QUIC_REC_PORT=18445 QUIC_RETRY_PORT=18446
step_quic() {
    proto_need gtlsserver:ngtcp2-server gtlsclient:ngtcp2-client ip:iproute2
    log "quic-handshakes.pcap: ngtcp2 gtlsserver + gtlsclient, QUIC v1 and draft-29, in a namespace"
    make_cert
    local d="$WORK/quic-hs" ns=swrec-quic-$$ long
    mkdir -p "$d/www"
    echo "Hello from the spanwatch test capture." >"$d/www/index.html"
    long=$(printf 'a%.0s' $(seq 60)).$(printf 'b%.0s' $(seq 60)).$(printf 'c%.0s' $(seq 60)).long.demo.example
    netns_add_v4only "$ns"
    mkdir -p "/etc/netns/$ns"
    {
        echo "127.0.0.1 localhost"
        for h in v1 draft29 split split1200 split29 retry resume "$long"; do
            case $h in *.example) echo "127.0.0.1 $h" ;; *) echo "127.0.0.1 $h.quic.demo.example" ;; esac
        done
    } >"/etc/netns/$ns/hosts"
    NSEXEC=(ip netns exec "$ns")
    bg 60 "$d/server.log" ip netns exec "$ns" gtlsserver -q -d "$d/www" 127.0.0.1 \
        "$QUIC_REC_PORT" "$WORK/tls/tls.key" "$WORK/tls/tls.crt"
    local srv=$BG_PID
    bg 60 "$d/server-retry.log" ip netns exec "$ns" gtlsserver -q -V -d "$d/www" 127.0.0.1 \
        "$QUIC_RETRY_PORT" "$WORK/tls/tls.key" "$WORK/tls/tls.crt"
    local srv2=$BG_PID
    ns_wait_listen "$ns" udp "$QUIC_REC_PORT"
    ns_wait_listen "$ns" udp "$QUIC_RETRY_PORT"
    capture_start quic-handshakes.pcap lo "udp port $QUIC_REC_PORT or udp port $QUIC_RETRY_PORT"
    local ffdhe8k='-GROUP-ALL:+GROUP-X25519:+GROUP-FFDHE8192'
    local ffdhe6k='-GROUP-ALL:+GROUP-X25519:+GROUP-FFDHE6144'
    quic_get() {   # PORT NAME [gtlsclient options...]
        local port=$1 name=$2; shift 2
        run timeout 15 ip netns exec "$ns" gtlsclient -q --exit-on-all-streams-close "$@" \
            "$name" "$port" "https://$name:$port/index.html" >"$d/client.out" 2>&1 ||
            { cat "$d/client.out" >&2; die "gtlsclient failed ($name)"; }
    }
    quic_get "$QUIC_REC_PORT" v1.quic.demo.example -v 0x1
    quic_get "$QUIC_REC_PORT" draft29.quic.demo.example -v 0xff00001d
    quic_get "$QUIC_REC_PORT" split.quic.demo.example -v 0x1 --groups="$ffdhe8k"
    quic_get "$QUIC_REC_PORT" split1200.quic.demo.example -v 0x1 --groups="$ffdhe8k" \
        --max-udp-payload-size=1200
    quic_get "$QUIC_REC_PORT" split29.quic.demo.example -v 0xff00001d --groups="$ffdhe8k"
    quic_get "$QUIC_REC_PORT" "$long" -v 0x1 --groups="$ffdhe6k"
    quic_get "$QUIC_RETRY_PORT" retry.quic.demo.example -v 0x1
    quic_get "$QUIC_REC_PORT" resume.quic.demo.example -v 0x1 \
        --session-file="$d/session" --tp-file="$d/tp"
    quic_get "$QUIC_REC_PORT" resume.quic.demo.example -v 0x1 \
        --session-file="$d/session" --tp-file="$d/tp"
    capture_stop
    stop "$srv"
    stop "$srv2"
    rm -rf "/etc/netns/$ns"
    netns_teardown
    log "  tshark: $(tshark -r "$HERE/quic-handshakes.pcap" -d udp.port==$QUIC_REC_PORT,quic \
        -d udp.port==$QUIC_RETRY_PORT,quic -Y 'tls.handshake.type == 1' 2>/dev/null | wc -l) ClientHellos"
}

step_readme() {
    log "README.md: refreshing generated inventory"
    local out="$WORK/inventory.md" f lt n
    {
        echo "<!-- BEGIN GENERATED INVENTORY (record.sh readme; do not edit by hand) -->"
        echo
        echo "| file | link type | packets | bytes |"
        echo "|------|-----------|---------|-------|"
        for f in *.pcap *.pcapng; do
            [ -e "$f" ] || continue
            lt=$(tcpdump -r "$f" -c 1 -nn 2>&1 >/dev/null |
                 sed -n 's/.*link-type \([^,]*\),.*/\1/p' | head -1 || true)
            if [ "$f" = truncated-file.pcap ]; then
                n="$( (tshark -r "$f" 2>/dev/null || true) | wc -l) complete + 1 cut"
            else
                n=$(capinfos -c -M "$f" 2>/dev/null | sed -n 's/^Number of packets: *//p' || true)
            fi
            echo "| \`$f\` | $lt | $n | $(stat -c %s "$f") |"
        done
        echo
        echo "### Conversations (tshark -q -z conv,tcp -z conv,udp)"
        for f in http.pcap http6.pcap dns.pcap tls.pcap tls13.pcap sll.pcap sll2.pcap \
                 vlan.pcap ipv6-ext.pcap icmp.pcap rawip.pcap null.pcap; do
            [ -e "$f" ] || continue
            echo
            echo "\`$f\`:"
            echo
            echo '```'
            tshark -r "$f" -q -z conv,tcp -z conv,udp 2>/dev/null |
                grep -vE '^(=+|Filter:.*)$' || true
            echo '```'
        done
        echo
        echo "<!-- END GENERATED INVENTORY -->"
    } >"$out"
    if [ -f README.md ] && grep -q '^<!-- BEGIN GENERATED INVENTORY' README.md; then
        sed '/^<!-- BEGIN GENERATED INVENTORY/,$d' README.md >"$WORK/README.md"
    else
        { [ -f README.md ] && cat README.md; echo; } >"$WORK/README.md"
    fi
    cat "$out" >>"$WORK/README.md"
    mv -f "$WORK/README.md" README.md
}

# ----------------------------------------------------------------------------
# ----------------------------------------------------------------------------
# STARTTLS: real servers on loopback, openssl s_client -starttls, one pcap each
# ----------------------------------------------------------------------------
# starttls-smtp (Postfix), starttls-imap and starttls-pop3 (Dovecot), starttls-ftp
# (vsftpd), starttls-xmpp (Prosody), starttls-ldap (slapd), starttls-postgres
# (PostgreSQL): each holds two sessions, TLS 1.2 (the certificate chain in clear)
# then TLS 1.3, both with SNI starttls.demo.example. The server sends a chain: a
# leaf (SAN starttls.demo.example, mail.demo.example, 127.0.0.1) and the CA made
# here, so tls.certs and subjectaltname have several values.
ST_SMTP=12525 ST_IMAP=12143 ST_POP3=12110 ST_FTP=12121 ST_XMPP=15222 ST_LDAP=12389 ST_PG=15432

starttls_cert() {
    local d="$WORK/st"
    [ -s "$d/chain.pem" ] && return 0
    mkdir -p "$d"
    chmod 755 "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
        -subj "/O=spanwatch test/CN=spanwatch demo CA" -days 3650 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -keyout "$d/key.pem" -out "$d/leaf.csr" \
        -subj "/CN=starttls.demo.example" 2>/dev/null
    printf 'subjectAltName=DNS:starttls.demo.example,DNS:mail.demo.example,IP:127.0.0.1\n' \
        >"$d/ext.cnf"
    openssl x509 -req -in "$d/leaf.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -set_serial 0x5157 \
        -days 3650 -extfile "$d/ext.cnf" -out "$d/leaf.pem" 2>/dev/null
    cat "$d/leaf.pem" "$d/ca.pem" >"$d/chain.pem"
    chmod 644 "$d"/*.pem "$d"/*.key
}

# starttls_sessions NAME PORT S_CLIENT_PROTO [INPUT [EXTRA s_client options...]]: one TLS 1.2
# and one TLS 1.3 session
starttls_sessions() {
    local name=$1 port=$2 proto=$3 input=${4:-} v
    shift 4 2>/dev/null || shift $#
    capture_start "starttls-$name.pcap" lo "tcp port $port"
    for v in -tls1_2 -tls1_3; do
        log "  \$ openssl s_client -starttls $proto $v -connect 127.0.0.1:$port $*"
        timeout 10 openssl s_client -connect "127.0.0.1:$port" -starttls "$proto" \
            -servername starttls.demo.example "$v" -quiet "$@" \
            < <(sleep 1; printf '%s' "$input") >"$WORK/st/s_client-$name$v.log" 2>&1 || true
    done
    capture_stop
}

st_smtp() {
    local d="$WORK/st/postfix" alt
    log "starttls-smtp.pcap: Postfix on 127.0.0.1:$ST_SMTP"
    port_free tcp "$ST_SMTP"
    mkdir -p "$d/spool" "$d/data"
    chown postfix "$d/data"
    cat >"$d/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/spool
data_directory = $d/data
myhostname = mail.demo.example
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
alias_maps =
alias_database =
maillog_file_prefixes = $WORK
maillog_file = $d/maillog
smtpd_tls_chain_files = $WORK/st/key.pem, $WORK/st/chain.pem
smtpd_tls_security_level = may
EOF
    cat >"$d/master.cf" <<EOF
127.0.0.1:$ST_SMTP inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
virtual unix - n n - - virtual
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
EOF
    # postfix -c wants the directory listed in the default configuration: added for the
    # recording, put back after
    alt=$(postconf -h alternate_config_directories 2>/dev/null || true)
    postconf -e "alternate_config_directories = $alt $d"
    # start-fg reports errors on a terminal only: script(1) gives it one
    bg 60 "$d/postfix.log" script -qc "postfix -c $d start-fg" /dev/null
    local srv=$BG_PID
    wait_listen tcp "$ST_SMTP"
    starttls_sessions smtp "$ST_SMTP" smtp $'QUIT\r\n'
    postfix -c "$d" stop >/dev/null 2>&1 || true
    stop "$srv"
    if [ -n "$alt" ]; then
        postconf -e "alternate_config_directories = $alt"
    else
        postconf -X alternate_config_directories
    fi
}

st_dovecot() {
    local d="$WORK/st/dovecot"
    log "starttls-imap.pcap, starttls-pop3.pcap: Dovecot on 127.0.0.1:$ST_IMAP, $ST_POP3"
    port_free tcp "$ST_IMAP"
    port_free tcp "$ST_POP3"
    mkdir -p "$d/run" "$d/state"
    cat >"$d/dovecot.conf" <<EOF
protocols = imap pop3
listen = 127.0.0.1
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
ssl = yes
ssl_cert = <$WORK/st/chain.pem
ssl_key = <$WORK/st/key.pem
mail_location = maildir:$d/mail
service imap-login {
  inet_listener imap {
    port = $ST_IMAP
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $ST_POP3
  }
  inet_listener pop3s {
    port = 0
  }
}
passdb {
  driver = static
  args = password=demo
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$d/home
}
EOF
    bg 60 "$d/stderr.log" dovecot -F -c "$d/dovecot.conf"
    local srv=$BG_PID
    wait_listen tcp "$ST_IMAP"
    wait_listen tcp "$ST_POP3"
    starttls_sessions imap "$ST_IMAP" imap $'a LOGOUT\r\n'
    starttls_sessions pop3 "$ST_POP3" pop3 $'QUIT\r\n'
    stop "$srv"
}

st_ftp() {
    local d="$WORK/st/ftp"
    log "starttls-ftp.pcap: vsftpd (AUTH TLS) on 127.0.0.1:$ST_FTP"
    port_free tcp "$ST_FTP"
    mkdir -p "$d/root" "$d/empty"
    chmod 755 "$d/root" "$d/empty"
    cat >"$d/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$ST_FTP
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$d/root
local_enable=NO
write_enable=NO
secure_chroot_dir=$d/empty
seccomp_sandbox=NO
xferlog_enable=NO
vsftpd_log_file=$d/vsftpd.log
ftpd_banner=spanwatch test FTP
ssl_enable=YES
allow_anon_ssl=YES
ssl_tlsv1=YES
ssl_sslv2=NO
ssl_sslv3=NO
ssl_ciphers=HIGH
rsa_cert_file=$WORK/st/chain.pem
rsa_private_key_file=$WORK/st/key.pem
require_ssl_reuse=NO
EOF
    bg 60 "$d/stderr.log" vsftpd "$d/vsftpd.conf"
    local srv=$BG_PID
    wait_listen tcp "$ST_FTP"
    starttls_sessions ftp "$ST_FTP" ftp $'QUIT\r\n'
    stop "$srv"
}

st_xmpp() {
    local d="$WORK/st/prosody"
    log "starttls-xmpp.pcap: Prosody on 127.0.0.1:$ST_XMPP"
    port_free tcp "$ST_XMPP"
    mkdir -p "$d/data"
    cat >"$d/prosody.cfg.lua" <<EOF
run_as_root = true
daemonize = false
pidfile = "$d/prosody.pid"
data_path = "$d/data"
log = { info = "$d/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { $ST_XMPP }
s2s_ports = { }
c2s_direct_tls_ports = { }
modules_enabled = { "tls", "saslauth", "disco" }
c2s_require_encryption = false
ssl = { certificate = "$WORK/st/chain.pem", key = "$WORK/st/key.pem" }
VirtualHost "starttls.demo.example"
EOF
    bg 60 "$d/stderr.log" prosody --config "$d/prosody.cfg.lua" -F
    local srv=$BG_PID
    wait_listen tcp "$ST_XMPP"
    starttls_sessions xmpp "$ST_XMPP" xmpp '' -xmpphost starttls.demo.example
    stop "$srv"
}

st_ldap() {
    local d="$WORK/st/slapd"
    log "starttls-ldap.pcap: slapd on 127.0.0.1:$ST_LDAP"
    port_free tcp "$ST_LDAP"
    mkdir -p "$d/db"
    cat >"$d/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
pidfile $d/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile $WORK/st/chain.pem
TLSCertificateKeyFile $WORK/st/key.pem
database mdb
suffix "dc=demo,dc=example"
directory $d/db
EOF
    bg 60 "$d/stderr.log" slapd -d 0 -f "$d/slapd.conf" -h "ldap://127.0.0.1:$ST_LDAP/"
    local srv=$BG_PID
    wait_listen tcp "$ST_LDAP"
    starttls_sessions ldap "$ST_LDAP" ldap
    stop "$srv"
}

st_postgres() {
    local d="$WORK/st/pg" bin
    log "starttls-postgres.pcap: PostgreSQL (SSLRequest) on 127.0.0.1:$ST_PG"
    port_free tcp "$ST_PG"
    bin=$(dirname "$(command -v postgres 2>/dev/null || ls /usr/lib/postgresql/*/bin/postgres | tail -n 1)")
    mkdir -p "$d"
    cp "$WORK/st/chain.pem" "$WORK/st/key.pem" "$d/"
    chmod 600 "$d/key.pem"
    chown -R postgres "$d"
    su postgres -s /bin/sh -c "$bin/initdb -D $d/data -A trust -U postgres" >"$d/initdb.log" 2>&1 ||
        { cat "$d/initdb.log" >&2; die "initdb failed"; }
    bg 60 "$d/postgres.log" su postgres -s /bin/sh -c "exec $bin/postgres -D $d/data \
        -c listen_addresses=127.0.0.1 -c port=$ST_PG -c unix_socket_directories=$d \
        -c ssl=on -c ssl_cert_file=$d/chain.pem -c ssl_key_file=$d/key.pem"
    local srv=$BG_PID
    wait_listen tcp "$ST_PG"
    starttls_sessions postgres "$ST_PG" postgres
    stop "$srv"
}

step_starttls() {
    proto_need postconf:postfix dovecot:dovecot-imapd vsftpd:vsftpd prosody:prosody \
        slapd:slapd script:bsdutils
    starttls_cert
    st_smtp
    st_dovecot
    st_ftp
    st_xmpp
    st_ldap
    st_postgres
}

# ----------------------------------------------------------------------------
# OpenVPN: the TLS handshake of its control channel, UDP and TCP
# ----------------------------------------------------------------------------
# openvpn-udp.pcap: three sessions (TLS 1.3; TLS 1.2, the certificates in clear;
# TLS 1.2 with --tls-auth, an HMAC-SHA1 of 20 bytes in every control packet);
# openvpn-tcp.pcap: TLS 1.3 and TLS 1.2 over TCP (2-byte length framing). Both
# ends are openvpn 2.6 in p2p TLS mode with --dev null (no tun device needed),
# on 127.0.0.1, certificates made here (server.ovpn.demo.example).
OVPN_PORT=11194

ovpn_certs() {
    local d="$WORK/ovpn" n ku
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
        -subj "/CN=ovpn demo CA" -days 3650 2>/dev/null
    for n in server client; do
        ku=clientAuth
        [ "$n" = server ] && ku=serverAuth
        openssl req -new -newkey rsa:2048 -nodes -keyout "$d/$n.key" -out "$d/$n.csr" \
            -subj "/CN=$n.ovpn.demo.example" 2>/dev/null
        printf 'subjectAltName=DNS:%s.ovpn.demo.example\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n' \
            "$n" "$ku" >"$d/$n.ext"
        openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -set_serial "0x7$((${#n}))" \
            -days 3650 -extfile "$d/$n.ext" -out "$d/$n.pem" 2>/dev/null
    done
    openvpn --genkey secret "$d/ta.key" >/dev/null
}

# ovpn_session udp|tcp auth|noauth [openvpn options for both ends...]
ovpn_session() {
    local proto=$1 d="$WORK/ovpn" sp cp sauth=() cauth=()
    [ "$2" = auth ] && sauth=(--tls-auth "$d/ta.key" 0) cauth=(--tls-auth "$d/ta.key" 1)
    shift 2
    sp=udp4 cp=udp4
    [ "$proto" = tcp ] && sp=tcp4-server cp=tcp4-client
    bg 30 "$d/server.log" openvpn --tls-server --dev null --proto "$sp" --local 127.0.0.1 \
        --port "$OVPN_PORT" --ca "$d/ca.pem" --cert "$d/server.pem" --key "$d/server.key" \
        --dh none --verb 3 "${sauth[@]+"${sauth[@]}"}" "$@"
    local srv=$BG_PID
    wait_listen "$proto" "$OVPN_PORT"
    log "  \$ openvpn --tls-client --proto $cp ${cauth[*]} $*"
    timeout 6 openvpn --tls-client --dev null --proto "$cp" --remote 127.0.0.1 "$OVPN_PORT" \
        --ca "$d/ca.pem" --cert "$d/client.pem" --key "$d/client.key" --remote-cert-tls server \
        --verb 3 "${cauth[@]+"${cauth[@]}"}" "$@" >"$d/client.log" 2>&1 || true
    grep -q "Peer Connection Initiated" "$d/client.log" ||
        { cat "$d/client.log" >&2; die "openvpn: no connection ($proto $*)"; }
    stop "$srv"
}

step_openvpn() {
    proto_need openvpn:openvpn
    log "openvpn-udp.pcap, openvpn-tcp.pcap: openvpn p2p TLS on 127.0.0.1:$OVPN_PORT"
    port_free udp "$OVPN_PORT"
    port_free tcp "$OVPN_PORT"
    ovpn_certs
    capture_start openvpn-udp.pcap lo "udp port $OVPN_PORT"
    ovpn_session udp noauth
    ovpn_session udp noauth --tls-version-max 1.2
    ovpn_session udp auth --tls-version-max 1.2
    capture_stop
    capture_start openvpn-tcp.pcap lo "tcp port $OVPN_PORT"
    ovpn_session tcp noauth
    ovpn_session tcp noauth --tls-version-max 1.2
    capture_stop
}

main() {
    check_tools
    WORK=$(mktemp -d /tmp/spanwatch-record.XXXXXX)
    chmod 755 "$WORK"
    local steps=("$@")
    [ ${#steps[@]} -gt 0 ] ||
        steps=(http http6 http-more sll sll2 dns tls tls13 tls-alpn pcapng truncated crafted loss frag crafted-stream crafted-rules crafted-kw crafted-hdr crafted-hdrbuf crafted-iponly crafted-files crafted-tunnel crafted-tls crafted-gquic crafted-dnsq vxlan protocols starttls openvpn quic readme)
    local s
    for s in "${steps[@]}"; do
        case $s in
            http)      step_http ;;
            http6)     step_http6 ;;
            http-more) step_http_more ;;
            sll)       step_sll sll.pcap LINUX_SLL ;;
            sll2)      step_sll sll2.pcap LINUX_SLL2 ;;
            dns)       step_dns ;;
            tls)       step_tls tls.pcap -tls1_2 --tlsv1.2 ;;
            tls13)     step_tls tls13.pcap -tls1_3 --tlsv1.3 ;;
            tls-alpn)  step_tls_alpn ;;
            pcapng)    step_pcapng ;;
            truncated) step_truncated ;;
            crafted)   step_crafted ;;
            loss)      step_loss ;;
            frag)      step_frag ;;
            crafted-stream) step_crafted_stream ;;
            crafted-rules) step_crafted_rules ;;
            crafted-kw) step_crafted_kw ;;
            crafted-hdr) step_crafted_hdr ;;
            crafted-hdrbuf) step_crafted_hdrbuf ;;
            crafted-iponly) step_crafted_iponly ;;
            crafted-files) step_crafted_files ;;
            crafted-tls) step_crafted_tls ;;
            crafted-gquic) step_crafted_gquic ;;
            crafted-dnsq) step_crafted_dnsq ;;
            crafted-tunnel) step_crafted_tunnel ;;
            vxlan)     step_vxlan ;;
            protocols) step_protocols ;;
            starttls)  step_starttls ;;
            openvpn)   step_openvpn ;;
            quic)      step_quic ;;
            readme)    step_readme ;;
            http-evasion) "$HERE/../tests/http_evasion/record.sh" ;;
            *) die "unknown step '$s' (http http6 http-more sll sll2 dns tls tls13 tls-alpn pcapng truncated crafted loss frag crafted-stream crafted-rules crafted-kw crafted-hdr crafted-hdrbuf crafted-iponly crafted-files crafted-tunnel crafted-tls crafted-gquic crafted-dnsq vxlan protocols starttls openvpn quic readme http-evasion)" ;;
        esac
    done
    nginx_stop
    log "done"
}

main "$@"
