#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# Golden regression runs: every scenario in tests/sim-scenarios runs
# through iommu-sim and its JSON report (simulated figures only: cycle
# counts, cache statistics, invalidations, dirty pages) must equal
# tests/golden/<name>.json byte for byte. A change in the model shows up
# as a diff someone has to accept, with
#   make regen-golden        (rewrites tests/golden/*.json in the source tree)
# and a look at `git diff tests/golden`.
# Skips (77) when iommu-sim was not built (configure found no json-c).
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/iommu-sim"
scen="$top_srcdir/tests/sim-scenarios"
gold="$top_srcdir/tests/golden"

if [ ! -x "$sim" ]; then
	echo "SKIP: $sim was not built (configure without json-c)"
	exit 77
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

fail=0
n=0
for s in "$scen"/*.json; do
	name=$(basename "$s" .json)
	n=$((n + 1))
	"$sim" run --json --no-progress "$s" >"$tmp/$name.json" 2>"$tmp/$name.err"
	rc=$?
	# exit 1 with a report is a broken invariant, which the golden records
	if [ $rc -gt 1 ] || [ ! -s "$tmp/$name.json" ]; then
		echo "FAIL: $name: iommu-sim exited $rc"
		cat "$tmp/$name.err"
		fail=1
		continue
	fi
	if [ "${REGEN_GOLDEN:-}" = 1 ]; then
		cp "$tmp/$name.json" "$gold/$name.json" || exit 99
		echo "regenerated $gold/$name.json"
	elif [ ! -f "$gold/$name.json" ]; then
		echo "FAIL: $name: no golden file $gold/$name.json (make regen-golden)"
		fail=1
	elif ! diff -u "$gold/$name.json" "$tmp/$name.json" >"$tmp/$name.diff"; then
		echo "FAIL: $name: the report differs from $gold/$name.json:"
		head -n 60 "$tmp/$name.diff"
		fail=1
	else
		echo "ok: $name"
	fi
done
if [ $n -eq 0 ]; then
	echo "FAIL: no scenarios in $scen"
	exit 1
fi
# Every golden file has its scenario (a removed scenario leaves none behind).
for g in "$gold"/*.json; do
	[ -f "$g" ] || continue
	name=$(basename "$g" .json)
	if [ ! -f "$scen/$name.json" ]; then
		echo "FAIL: $g has no scenario $scen/$name.json"
		fail=1
	fi
done
exit $fail
