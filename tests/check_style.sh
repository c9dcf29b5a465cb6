#!/usr/bin/env bash
# tests/check_style.sh: the source rules of STYLE.md that a machine can check: no unbounded
# string calls, no stage including another stage's private header, every file starting with the
# comment that says what it is for.
. "$(dirname "$0")/lib.sh"
cd "$top_srcdir" || exit 1

banned=$(grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|atoll)[[:space:]]*\(' \
	src --include='*.c' --include='*.h')
if [ -z "$banned" ]; then ok "no banned calls in src/"; else not_ok "no banned calls in src/"; echo "$banned" | diag; fi

bad=""
for f in $(find src -name '*.c' -o -name '*.h'); do
	stage=$(echo "$f" | cut -d/ -f2)
	for inc in $(grep -oE '#include "[a-z]+/[a-z_]+_int\.h"' "$f" | grep -oE '[a-z]+/[a-z_]+_int\.h'); do
		[ "${inc%%/*}" = "$stage" ] || bad="$bad $f:$inc"
	done
done
if [ -z "$bad" ]; then ok "no _int.h included from another stage"; else not_ok "no _int.h included from another stage"; echo "$bad" | tr ' ' '\n' | diag; fi

# A stage includes only stages to its left (and core).
order="core capture decode defrag flow stream dpi app cti detect output"
bad=""
for f in $(find src -mindepth 2 -name '*.c' -o -mindepth 2 -name '*.h'); do
	stage=$(echo "$f" | cut -d/ -f2)
	pos=$(echo "$order" | tr ' ' '\n' | grep -nx "$stage" | cut -d: -f1)
	for inc in $(grep -oE '#include "[a-z]+/[a-z]+\.h"' "$f" | grep -oE '"[a-z]+/' | tr -d '"/'); do
		ipos=$(echo "$order" | tr ' ' '\n' | grep -nx "$inc" | cut -d: -f1)
		if [ -n "$pos" ] && [ -n "$ipos" ] && [ "$ipos" -gt "$pos" ]; then bad="$bad $f:$inc"; fi
	done
done
if [ -z "$bad" ]; then ok "stages include only stages to their left"; else not_ok "stages include only stages to their left"; echo "$bad" | tr ' ' '\n' | diag; fi

bad=""
for f in $(find src tests/unit tests/fuzz -name '*.c' -o -name '*.h'); do
	head -n 1 "$f" | grep -q '^/\*' || bad="$bad $f"
done
if [ -z "$bad" ]; then ok "every source file starts with its purpose comment"; else not_ok "every source file starts with its purpose comment"; echo "$bad" | tr ' ' '\n' | diag; fi

if command -v yamllint >/dev/null 2>&1; then
	check "conf/spanwatch.yaml is valid YAML" yamllint -d relaxed conf/spanwatch.yaml
fi
check "conf/spanwatch.yaml passes spanwatch -T" "$SPANWATCH" -c conf/spanwatch.yaml -T -q
tap_done
