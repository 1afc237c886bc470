#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# iommu-sim replay on the hand-written traces of tests/traces: the final
# mappings of every domain (--mappings) must equal NAME.mappings, every
# expectation must hold (and the planted wrong ones must fail, exit 1),
# rejected events are listed with their line, malformed traces and bad
# directives stop the replay with exit 2 and the line, --json parses.
set -u
b=${top_builddir:-.}
s=${top_srcdir:-.}
tr="$s/tests/traces"
tool="$b/tools/iommu-sim"
[ -x "$tool" ] || { echo "tools/iommu-sim not built: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-replay.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
out="$tmp/out"
pass=0
fail=0
py=$(command -v python3 || true)

ok() { pass=$((pass + 1)); echo "ok $pass - $1"; }
ko() { fail=$((fail + 1)); echo "FAIL - $1"; sed 's/^/    /' "$out" | head -30; }

# run NAME EXPECTED_STATUS [PATTERN...] -- ARGS: replay, check the exit
# status and that each pattern occurs in stdout + stderr.
run() {
	name=$1 want=$2
	shift 2
	pats=""
	while [ "$1" != "--" ]; do pats="$pats
$1"; shift; done
	shift
	timeout 120 "$tool" replay "$@" >"$out" 2>&1
	got=$?
	if [ "$got" != "$want" ]; then
		ko "$name: exit status $got, expected $want"
		return
	fi
	echo "$pats" | while IFS= read -r p; do
		[ -z "$p" ] && continue
		grep -qF -- "$p" "$out" || { echo "missing: $p"; exit 1; }
	done >"$tmp/miss" || { cat "$tmp/miss" >>"$out"; ko "$name: output"; return; }
	ok "$name"
}

# The final mappings equal the expected ones, line for line.
mappings() {
	name=$1 want=$2
	timeout 120 "$tool" replay --mappings "$tr/$name.trace" >"$tmp/map" 2>"$out"
	got=$?
	if [ "$got" != "$want" ]; then
		ko "$name: --mappings exit status $got, expected $want"
		return
	fi
	if diff -u "$tr/$name.mappings" "$tmp/map" >>"$out"; then
		ok "$name: final mappings"
	else
		ko "$name: final mappings differ"
	fi
}

# ---------------------------------------------- traces that replay cleanly
for t in default kernel vtd amd smmu-s1 smmu-s2; do
	mappings "$t" 0
	run "$t: every expectation holds, no stale translation" 0 \
		"failed: 0" "rejected: 0" "result: ok" ", 0 stale" -- "$tr/$t.trace"
done
run "vtd: per-unit figures" 0 \
	"applied: map 4, unmap 2, dma 4, fault 6" \
	"faults expected, 6 held" "unit dmar0: vtd," "unit dmar1: vtd," \
	"domain big: unit dmar1, vtd-ss, 5 levels" -- "$tr/vtd.trace"
run "amd: domains and unit" 0 \
	"domain dma0: unit iommu0, amd-v1, 3 levels, did 1: 2 ranges" \
	"domain dma1: unit iommu0, amd-v1, 4 levels, did 2" \
	"unit iommu0: amd, 12 translations, 4 faults" -- "$tr/amd.trace"
run "smmu-s1: 64K granule domain" 0 \
	"domain s1b: unit smmu0, arm-s1, 3 levels" -- "$tr/smmu-s1.trace"
run "stdin" 0 "result: ok" -- - <"$tr/default.trace"

# A run of the default scenario recorded with --trace replays without a
# rejected event, a failed expectation or a stale translation, and every
# event read is applied.
if timeout 300 "$tool" run --trace "$tmp/run.trace" --transactions 3000 \
		--no-progress >"$out" 2>&1; then
	run "iommu-sim run --trace, replayed" 0 "rejected: 0" "failed: 0" \
		"result: ok" ", 0 stale" -- "$tmp/run.trace"
	read_=$(sed -n 's/^events: [0-9]* read (\(.*\))$/\1/p' "$out")
	applied=$(sed -n 's/^applied: //p' "$out")
	if [ -n "$read_" ] && [ "$read_" = "$applied" ]; then
		ok "iommu-sim run --trace: every event applied ($applied)"
	else
		ko "iommu-sim run --trace: read ($read_) and applied ($applied) differ"
	fi
else
	echo "iommu-sim run failed: its recorded trace not replayed"
	sed 's/^/    /' "$out" | tail -5
fi

# ------------------------------------------------- planted wrong expectations
mappings wrong-expect 1
run "wrong-expect: each wrong expectation is reported" 1 \
	"failed: 4" "faults expected, 1 held" \
	"line 8: fault 0000:00:01.0 r 0x10000 expected, but the unit translated it to 0x90000" \
	"line 10: fault 0000:00:01.0 w 0x11000 expected for translation, the unit faulted for permission" \
	"line 12: fault 0000:00:01.0 r 0x1000000000000 expected for addr-size, the unit faulted for translation" \
	"line 14: dma 0000:00:01.0 w 0x13000 faulted (permission" \
	"result: expectations failed" -- "$tr/wrong-expect.trace"
# flip one held expectation of a clean trace: the replay must notice
sed 's/^61 nic1 fault 0x7f0000000000 0x8 - r,reason=permission/61 nic1 fault 0x7f0000000000 0x8 - w/' \
	"$tr/amd.trace" >"$tmp/amd-flip.trace"
run "amd with a wrong expectation planted" 1 "failed: 1" \
	"line 18: fault nic1 w 0x7f0000000000 expected, but the unit translated it to 0x123450000" \
	-- "$tmp/amd-flip.trace"
sed 's/^71 0000:01:00.0 fault 0x200000 0x10 - r,reason=translation/71 0000:01:00.0 fault 0x200000 0x10 - r,reason=permission/' \
	"$tr/amd.trace" >"$tmp/amd-flip.trace"
run "amd with a wrong reason planted" 1 "failed: 1" \
	"line 20: fault 0000:01:00.0 r 0x200000 expected for permission, the unit faulted for translation" \
	-- "$tmp/amd-flip.trace"

# ---------------------------------------------------------- rejected events
mappings rejected 0
run "rejected: listed with their line, the replay goes on" 0 \
	"rejected: 8" "applied: map 2, unmap 1, dma 1, fault 0" \
	"line 10: map 0000:00:01.0 0x3ff000 0x2000: part of the range is already mapped" \
	"line 12: map 0000:00:01.0 0x1234 0x1000: invalid argument" \
	"line 14: map 0000:00:01.0 0x8000000000 0x1000: address outside the aperture" \
	"line 16: unmap 0000:00:01.0 0x10000000 0x1000: nothing was mapped there" \
	"line 18: map 0000:00:09.0 0x1000 0x1000: device 0000:00:09.0 is not declared" \
	"line 19: map - 0x1000 0x1000: device - is not declared" \
	"line 21: dma 0000:00:02.0 0x0 0x1001000: spans more than 4096 pages" \
	"line 23: dma 0000:00:02.0 0x0 0x4: requests with a PASID are not replayed" \
	"result: ok" -- "$tr/rejected.trace"

# ---------------------------------------------- malformed traces, bad setups
bad() {
	name=$1 line=$2 msg=$3
	shift 3
	printf '%s\n' "$@" >"$tmp/bad.trace"
	run "$name" 2 "bad.trace:$line: " "$msg" "result: error" -- "$tmp/bad.trace"
}
bad "malformed line stops the replay" 4 "SIZE is 0" "# iommupt-trace 1" \
	"1 d map 0x1000 0x1000 0x1000 rw" "" "2 d map 0x2000 0 0x1000 rw" \
	"3 d map 0x3000 0x1000 0x1000 rw"
bad "no version line" 1 "not a trace" "1 d map 0x1000 0x1000 0x1000 rw"
bad "another major version" 1 "trace version 2 is not supported" \
	"# iommupt-trace 2"
bad "unknown unit" 3 "no unit u9 declared" "# iommupt-trace 1" \
	"#! unit u0 vendor=vtd" "#! domain d unit=u9 format=vtd-ss"
bad "format the unit cannot walk" 3 "cannot attach x86-64 tables to a vtd unit" \
	"# iommupt-trace 1" "#! unit u0 vendor=vtd" \
	"#! domain d unit=u0 format=x86-64"
bad "domain the library refuses" 3 "domain d: invalid argument" \
	"# iommupt-trace 1" "#! unit u0 vendor=amd" \
	"#! domain d unit=u0 format=amd-v1 granule=64k"
bad "two devices, one source ID" 5 "source ID 0x0008 is 0000:00:01.0's already" \
	"# iommupt-trace 1" "#! unit u0 vendor=smmu" \
	"#! domain d unit=u0 format=arm-s2" "#! device 0000:00:01.0 domain=d" \
	"#! device x domain=d sid=8"
bad "source ID beyond 16 bits" 4 "beyond 16 bits" "# iommupt-trace 1" \
	"#! unit u0 vendor=smmu" "#! domain d unit=u0 format=arm-s1" \
	"#! device x domain=d sid=0x10000"
bad "source ID beyond the SMMU's stream table" 4 \
	"source ID 0x8000 beyond the unit's device or stream table" \
	"# iommupt-trace 1" "#! unit u0 vendor=smmu" \
	"#! domain d unit=u0 format=arm-s2" "#! device 0000:80:00.0 domain=d"
bad "directive after an event" 3 "directive after the first event" \
	"# iommupt-trace 1" "1 d map 0x1000 0x1000 0x1000 rw" \
	"#! unit u0 vendor=vtd"
bad "duplicate unit" 3 "unit u0 declared twice" "# iommupt-trace 1" \
	"#! unit u0 vendor=vtd" "#! unit u0 vendor=amd"
run "missing file" 2 "nonexistent.trace" -- "$tmp/nonexistent.trace"
run "usage: no trace" 2 "usage: iommu-sim replay" --
run "usage: unknown option" 2 "usage: iommu-sim replay" -- --bogus "$tr/default.trace"
run "help" 0 "usage: iommu-sim replay" -- --help

# --------------------------------------------------------------------- JSON
if [ -n "$py" ]; then
	"$tool" replay --json --mappings "$tr/wrong-expect.trace" >"$out" 2>&1
	st=$?
	if [ "$st" = 1 ] && "$py" - "$out" >>"$out" 2>&1 <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "expectations failed", r["result"]
assert r["failed"]["total"] == 4 and len(r["failed"]["listed"]) == 4
assert [n["line"] for n in r["failed"]["listed"]] == [8, 10, 12, 14]
assert r["applied"] == {"map": 1, "unmap": 0, "dma": 2, "fault": 4}
d = r["domains"][0]
assert d["name"] == "d" and d["format"] == "arm-s1" and d["ranges"] == 1
assert d["mappings"] == [{"iova": "0x10000", "size": "0x4000",
			  "oa": "0x90000", "prot": "r"}], d["mappings"]
u = r["units"][0]
assert u["vendor"] == "smmu" and u["translations"] == 7 and u["faults"] == 5
EOF
	then ok "json: report and mappings"; else ko "json: report and mappings (exit $st)"; fi
	printf '%s\n' "# iommupt-trace 1" '1 d bogus" 0x1 0x1 - -' >"$tmp/bad.trace"
	"$tool" replay --json "$tmp/bad.trace" >"$out" 2>/dev/null
	st=$?
	if [ "$st" = 2 ] && "$py" -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "error" and r["error"]["line"] == 2
assert "unknown op" in r["error"]["message"], r["error"]
' "$out" >>"$out" 2>&1; then ok "json: error with its line, escaped"; else ko "json: error (exit $st)"; fi
else
	echo "python3 missing: JSON checks skipped"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
