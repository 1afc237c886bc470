#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# iommu-sim from the command line: the default scenario (the README's main
# job) runs and reports, --json/--plot/--trace write what they promise, a
# recorded trace replays, and bad scenarios, files and options are refused
# with exit status 2 and a message that says where.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/iommu-sim"
if [ ! -x "$sim" ]; then
	echo "SKIP: $sim was not built (configure without json-c)"
	exit 77
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# the default scenario, as the README runs it
"$sim" --no-progress >"$tmp/out" 2>"$tmp/err" || bad "default run exited $?: $(cat "$tmp/err")"
for want in 'scenario "default"' 'vgpu0' 'nic0' 'nvme0' 'video0' 'nic1' 'dsp0' \
	'vtd0   vtd' 'amd0   amd' 'smmu0  smmu' 'live migration:' 'converged' \
	'live update: 5 domains serialized in place' \
	'roots unchanged, translations unchanged, 0 faults' 'result: ok'; do
	grep -qF "$want" "$tmp/out" || bad "default report lacks \"$want\""
done
[ -s "$tmp/err" ] && bad "stderr is not empty when it is not a terminal: $(cat "$tmp/err")"

# the embedded scenario is the shipped file
"$sim" scenario >"$tmp/default.json" || bad "iommu-sim scenario"
cmp -s "$tmp/default.json" "$top_srcdir/sim/scenarios/default.json" ||
	bad "embedded default differs from sim/scenarios/default.json"
"$sim" run --check - <"$tmp/default.json" >/dev/null || bad "--check of stdin"

# JSON, plot and trace of a short run; the trace replays
"$sim" run --json --no-progress --transactions 20000 --plot "$tmp/p.svg" \
	--trace "$tmp/t.trace" "$top_srcdir/sim/scenarios/default.json" \
	>"$tmp/r.json" || bad "short run exited $?"
grep -q '"ok": true' "$tmp/r.json" || bad "JSON report lacks \"ok\": true"
grep -q '"transactions": 20000' "$tmp/r.json" || bad "--transactions not applied"
head -n 2 "$tmp/p.svg" | grep -q '<svg' || bad "plot does not start an SVG"
tail -n 1 "$tmp/p.svg" | grep -q '</svg>' || bad "plot is not closed"
grep -q 'Dirty pages per migration round' "$tmp/p.svg" || bad "plot lacks the migration panel"
grep -c '<polyline' "$tmp/p.svg" | grep -qv '^0$' || bad "plot has no lines"
head -n 1 "$tmp/t.trace" | grep -qx '# iommupt-trace 1' || bad "trace header"
grep -q ' dma 0x' "$tmp/t.trace" || bad "trace has no dma events"
"$sim" replay "$tmp/t.trace" >"$tmp/replay" 2>&1 || bad "replay of the recorded trace: $(tail -3 "$tmp/replay")"

# refusals: status 2, a message naming the place
expect2() {
	want=$1
	shift
	"$@" >"$tmp/o" 2>"$tmp/e"
	rc=$?
	[ $rc -eq 2 ] || bad "$*: exit $rc, want 2"
	grep -qF -- "$want" "$tmp/e" || bad "$*: message lacks \"$want\": $(cat "$tmp/e")"
}
printf '{\n  "seed": 1,\n  "units": [\n' >"$tmp/trunc.json"
expect2 "trunc.json:4:1: unexpected end of file" "$sim" run "$tmp/trunc.json"
printf '{"seed": 1, "duration": {"transactions": 5}, "unitz": []}' >"$tmp/key.json"
expect2 'unknown key "unitz"' "$sim" "$tmp/key.json"
sed 's/"levels": 3/"levels": 9/' "$top_srcdir/sim/scenarios/default.json" >"$tmp/range.json"
expect2 "domains[3].levels: 9 is out of range [3, 6]" "$sim" run "$tmp/range.json"
expect2 "No such file" "$sim" run "$tmp/none.json"
expect2 "unknown option --frobnicate" "$sim" --frobnicate
expect2 "--seed needs a number" "$sim" run --seed
"$sim" --help | grep -q 'usage: iommu-sim' || bad "--help"
exit $fail
