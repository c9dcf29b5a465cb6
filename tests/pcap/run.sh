#!/usr/bin/env bash
# tests/pcap/run.sh: the pcap regression cases of TESTLIST. Each pcap is replayed with one
# worker and compared with its expected events, then with three workers: the same pcap must
# give the same events whatever the number of workers.
. "$(dirname "$0")/../lib.sh"
# every file hash, so the expected events check MD5 and SHA-1 too (the default is SHA-256)
all_hashes=(--set "app.http.file-hashes=[md5,sha1,sha256]")
dir="$top_srcdir/tests/pcap"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT

run_case() { # name pcap config workers out
	local conf=()
	[ "$3" = "-" ] || conf=(-c "$dir/conf/$3")
	"$SPANWATCH" --set detect.enabled=no "${conf[@]}" "${all_hashes[@]}" -r "$PCAPS/$2" --workers "$4" >"$5" 2>"$5.err"
}

while read -r name pcap config expected; do
	case "$name" in ''|'#'*) continue ;; esac
	if [ ! -f "$dir/expected/$expected" ]; then
		not_ok "$name: no expected file tests/pcap/expected/$expected (make it with tests/pcap/update $name)"
		continue
	fi
	for w in 1 3; do
		out="$tmp/$name.$w.json"
		if ! run_case "$name" "$pcap" "$config" "$w" "$out"; then
			not_ok "$name (workers $w): spanwatch failed"
			diag <"$out.err"
			continue
		fi
		if res=$("$PY" "$dir/eve_check.py" compare "$dir/expected/$expected" "$out"); then
			ok "$name (workers $w)"
		else
			not_ok "$name (workers $w): events differ from expected/$expected"
			echo "$res" | head -n 40
		fi
	done
done <"$dir/TESTLIST"
tap_done
