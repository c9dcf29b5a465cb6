#!/bin/sh
# tests/fuzz/run-libfuzzer.sh: builds the libFuzzer targets with clang (ASan + UBSan, coverage
# on every stage library) in build-fuzz/, and runs each for a while over a working copy of its
# seed corpus; then prints what it found.
#
#   tests/fuzz/run-libfuzzer.sh [SECONDS] [TARGET...]     (default: 60 seconds; decode pcap conf stream)
#
# The top source dir is usually configured in place, which forbids a VPATH build next to it, so
# the sources are copied into build-fuzz/tree (unchanged files keep their time stamps: a second
# run rebuilds only what changed) and configured there with --enable-fuzzing.
# Inputs libFuzzer added are kept in build-fuzz/corpus/TARGET/ for the next run; crashes land in
# build-fuzz/artifacts/TARGET/. A crash input replays with
#   build-fuzz/tree/tests/fuzz/fuzz_TARGET FILE   or   tests/fuzz/fuzz_replay TARGET FILE
# Environment: CC (default clang), FUZZ_JOBS (make -j, default 2), FUZZ_ARGS (more libFuzzer
# options). Exit status 1 when a target crashed.
set -eu

secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-decode pcap conf stream dns tls quic http cti_csv cti_plain cti_stix rule detect dataset iprep}

case $secs in
'' | *[!0-9]*)
	echo "usage: $0 [SECONDS] [TARGET...]" >&2
	exit 2
	;;
esac

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
out=$srcdir/build-fuzz
tree=$out/tree
CC=${CC:-clang}
jobs=${FUZZ_JOBS:-2}

mkdir -p "$tree"

# ---- copy the sources --------------------------------------------------------------------------
list=$out/files.list
if git -C "$srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	# tracked and new (not ignored) files: what the next commit would hold
	git -C "$srcdir" ls-files -co --exclude-standard >"$list"
else
	(cd "$srcdir" && find configure.ac Makefile.am m4 src tests conf pcaps rules contrib \
		-type f ! -name '*.o' ! -name '*.a' 2>/dev/null) >"$list"
fi
# the generated build system, when the source dir has one (saves an autoreconf)
for f in configure Makefile.in aclocal.m4 config.h.in; do
	[ -f "$srcdir/$f" ] && echo "$f" >>"$list"
done
[ -d "$srcdir/build-aux" ] && (cd "$srcdir" && find build-aux -type f) >>"$list"
# files others deleted but git still tracks would stop tar
(cd "$srcdir" && grep -v '^build-fuzz/' "$list" | while IFS= read -r f; do
	[ -f "$f" ] && printf '%s\n' "$f"
done) >"$list.tmp" || true
mv "$list.tmp" "$list"
(cd "$srcdir" && tar -cf - -T "$list") | (cd "$tree" && tar -xpf -)

# ---- configure and build -----------------------------------------------------------------------
cd "$tree"
if [ ! -x configure ]; then
	echo "== autoreconf"
	autoreconf -fi >/dev/null
fi
if [ ! -f config.status ] || [ -n "$(find configure -newer config.status)" ]; then
	echo "== configure (CC=$CC --enable-fuzzing --enable-sanitizers)"
	# fuzzer-no-link: coverage feedback from the stage libraries, not only from the target
	./configure -q CC="$CC" CFLAGS="-g -O1 -fsanitize=fuzzer-no-link" \
		--enable-fuzzing --enable-sanitizers
fi
bins=
for t in $targets; do
	bins="$bins tests/fuzz/fuzz_$t"
done
echo "== make$bins"
# shellcheck disable=SC2086 # a word list
make -s -j"$jobs" $bins

# ---- run ---------------------------------------------------------------------------------------
count() {
	find "$1" -type f | wc -l
}

failed=0
summary=$out/summary.txt
: >"$summary"
for t in $targets; do
	seeds=$srcdir/tests/fuzz/corpus/$t
	work=$out/corpus/$t
	art=$out/artifacts/$t
	log=$out/fuzz_$t.log
	mkdir -p "$work" "$art"
	if [ -d "$seeds" ]; then
		cp -p "$seeds"/* "$work"/
	fi
	before=$(count "$work")
	crashes_before=$(count "$art")
	case $t in
	decode) opts="-max_len=2048" ;;
	pcap) opts="-max_len=8192 -close_fd_mask=2" ;; # "cannot read capture" on most inputs
	*) opts="-max_len=4096 -close_fd_mask=2" ;;
	esac
	echo "== fuzz_$t for ${secs}s (log: $log)"
	rc=0
	# shellcheck disable=SC2086 # opts and FUZZ_ARGS are word lists
	"$tree/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" $opts ${FUZZ_ARGS:-} "$work" \
		>"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	after=$(count "$work")
	new=$(($(count "$art") - crashes_before))
	line="fuzz_$t: ${execs:-?} execs, ${cov:-cov: ?}, corpus $before -> $after, exit $rc, $new new artifact(s)"
	echo "$line" | tee -a "$summary"
	if [ "$rc" -ne 0 ] || [ "$new" -gt 0 ]; then
		failed=1
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant violated|    #[0-9] )' "$log" | head -n 20
		find "$art" -type f -newer "$summary" | head -n 5 | sed 's|^|  artifact: |'
	fi
done
echo "== summary ($summary)"
cat "$summary"
exit $failed
