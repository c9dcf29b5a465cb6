#!/bin/sh
# tests/fuzz/replay.sh: make check's run of the fuzz targets over their seed corpora (and
# deterministic mutations of each seed), without libFuzzer; passes fuzz_replay's TAP through.
# The targets' stderr goes to /dev/null: the config target prints many errors by design.
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
replay="$top_builddir/tests/fuzz/fuzz_replay"
corpus="$top_srcdir/tests/fuzz/corpus"

if [ ! -x "$replay" ]; then
	echo "Bail out! $replay not built (make check builds it)"
	exit 1
fi
exec "$replay" decode "$corpus/decode" pcap "$corpus/pcap" conf "$corpus/conf" \
	stream "$corpus/stream" dns "$corpus/dns" \
	tls "$corpus/tls" quic "$corpus/quic" http "$corpus/http" cti_csv "$corpus/cti_csv" cti_plain "$corpus/cti_plain" \
	cti_stix "$corpus/cti_stix" cti_kafka "$corpus/cti_kafka" rule "$corpus/rule" detect "$corpus/detect" \
	starttls "$corpus/starttls" report "$corpus/report" ssh "$corpus/ssh" \
	dataset "$corpus/dataset" iprep "$corpus/iprep" frame "$corpus/frame" 2>/dev/null
