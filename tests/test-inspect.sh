#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# iommupt inspect/validate on images the library built (tests/inspect-mkimage):
# clean images decode to the mappings that were made and validate clean;
# each corruption yields its finding class with the spec section and exit
# status 1; usage and I/O errors exit 2; hostile aliasing ends quickly.
set -u
b=${top_builddir:-.}
tool="$b/tools/iommupt"
mk="$b/tests/inspect-mkimage"
[ -x "$tool" ] && [ -x "$mk" ] || { echo "tools not built: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-inspect.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
img="$tmp/img"
out="$tmp/out"
pass=0
fail=0
py=$(command -v python3 || true) # JSON checks when it is there

ok() { pass=$((pass + 1)); echo "ok $pass+$fail - $1"; }
ko() { fail=$((fail + 1)); echo "FAIL - $1"; sed 's/^/    /' "$out" | head -20; }

# run NAME EXPECTED_STATUS [GREP_PATTERN...] -- ARGS: run the tool, check
# the exit status and that every pattern occurs in its output.
run() {
	name=$1 want=$2
	shift 2
	pats=""
	while [ "$1" != "--" ]; do pats="$pats
$1"; shift; done
	shift
	timeout 60 "$tool" "$@" >"$out" 2>&1
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

mkimg() {
	eval "$("$mk" "$img" "$@")" || { echo "inspect-mkimage $* failed"; exit 99; }
}

# ------------------------------------------- the library's read-only handle
if "$mk" "$img" adopt-check >"$out" 2>&1; then ok "open_root: read-only adopted domain"; else ko "open_root: read-only adopted domain"; fi

# ---------------------------------------------------------- clean VT-d
mkimg vtd
vtd="--image $img --base $base --vtd-rtaddr $rtaddr"
run "vtd inspect" 0 \
	"00:01.0 did 1 tt untranslated aw 48-bit (4-level) second-stage $slpt1" \
	"  0x0000000000000000-0x00000000001fffff -> 0x0000000040000000 rw 2M x1" \
	"  0x0000000000200000-0x0000000000203fff -> 0x0000000080000000 r- 4K x4" \
	"  0x0000000040000000-0x000000007fffffff -> 0x00000000c0000000 rw 1G x1" \
	"00:02.0 did 2 tt untranslated aw 39-bit (3-level) second-stage $slpt2" \
	"  0x0000000000010000-0x0000000000011fff -> 0x0000000090000000 -w 4K x2" \
	"00:03.0 did 1 tt untranslated aw 48-bit (4-level) second-stage $slpt1 (same table as 00:01.0)" \
	"03:00.0 did 5 tt pass-through" -- inspect $vtd
run "vtd inspect --json" 0 '"sid": "00:01.0", "did": 1' \
	'{"iova": "0x200000", "last": "0x203fff", "oa": "0x80000000", "prot": "r-", "page_size": "4K", "pages": 4}' \
	'"same_ranges_as": "00:01.0"' -- inspect $vtd --json
if [ -n "$py" ]; then
	if $py -m json.tool "$out" >/dev/null 2>&1; then ok "vtd json parses"; else ko "vtd json parses"; fi
fi
run "vtd validate clean" 0 "0 findings" -- validate $vtd
run "vtd validate --json clean" 0 '"count": 0' -- validate $vtd --json
run "vtd-ss root inspect" 0 "vtd-ss table, 4 levels, 48-bit input, root $slpt1" \
	"  0x0000000040000000-0x000000007fffffff -> 0x00000000c0000000 rw 1G x1" \
	-- inspect --image "$img" --base "$base" --root "$slpt1" --format vtd-ss --levels 4
run "vtd-ss root validate" 0 "0 findings" \
	-- validate --image "$img" --base "$base" --root "$slpt2" --format vtd-ss --levels 3

# ------------------------------------------------ other formats, raw root
mkimg x86-64
run "x86-64 inspect" 0 "  0xffff800000000000-0xffff800000000fff -> 0x0000000070000000 rw 4K x1" \
	"  0x0000000000400000-0x00000000005fffff -> 0x0000000060000000 r- 2M x1" \
	-- inspect --image "$img" --base "$base" --root "$root" --format x86-64 --levels 4
run "x86-64 validate" 0 "0 findings" -- validate --image "$img" --base "$base" --root "$root" --format x86-64
mkimg amd-v1
run "amd-v1 inspect" 0 "  0x0000000000008000-0x000000000000ffff -> 0x0000000050008000 rw 32K x1" \
	-- inspect --image "$img" --base "$base" --root "$root" --format amd-v1 --levels 3
run "amd-v1 validate" 0 "0 findings" -- validate --image "$img" --base "$base" --root "$root" --format amd-v1 --levels 3
mkimg arm-s1-64k
arm="--image $img --base $base --root $root --format arm-s1 --granule 64k --ias 48"
run "arm-s1 inspect" 0 "  0x0000000000200000-0x00000000003fffff -> 0x0000000050200000 rw 2M x1" -- inspect $arm
run "arm-s1 validate" 0 "0 findings" -- validate $arm
mkimg arm-s1-64k misalign
run "arm-s1 misaligned table pointer" 1 "reserved-bits: [Arm ARM" "below the granule" -- validate $arm

# ------------------------------------------------------- VT-d corruptions
# corrupt NAME CLASS SPEC TEXT
corrupt() {
	mkimg vtd "$1"
	run "vtd $1 validate" 1 "$2: [$3]" "$4" -- validate $vtd
	run "vtd $1 inspect survives" 0 -- inspect $vtd
	run "vtd $1 validate --json" 1 "\"kind\": \"$2\"" "\"spec\": \"$3\"" -- validate $vtd --json
	if [ -n "$py" ]; then
		if $py -m json.tool "$out" >/dev/null 2>&1; then ok "vtd $1 json parses"; else ko "vtd $1 json parses"; fi
	fi
}
corrupt root-rsvd reserved-bits "VT-d 9.1" "reserved bit set in a root entry"
corrupt root-outside pointer-outside-image "VT-d 9.1" "context-table pointer outside the image"
corrupt root-loop table-alias "VT-d 9.1" "context-table pointer is the root table (loop)"
corrupt ctx-shared table-alias "VT-d 9.1" "context table reached from two buses"
corrupt ctx-rsvd reserved-bits "VT-d 9.3" "reserved bit set in a context entry"
corrupt ctx-aw bad-encoding "VT-d 9.3" "address width encoding is reserved"
corrupt ctx-tt bad-encoding "VT-d 9.3" "translation type 11b is reserved"
corrupt slpt-outside pointer-outside-image "VT-d 9.3" "second-stage table pointer outside the image"
corrupt slpt-is-ctx table-alias "VT-d 9.3" "second-stage table pointer is a root or context table"
corrupt pte-rsvd reserved-bits "VT-d 9.8" "reserved low address bits of a large page set"
corrupt pte-outside pointer-outside-image "VT-d 9.8" "level 1 index 1 (iova 0x200000"
corrupt pte-loop table-alias "VT-d 9.8" "table reached more than once"
corrupt pte-alias table-alias "VT-d 9.8" "level 1 index 6 (iova 0xc00000"
corrupt pte-level reserved-bits "VT-d 9.8" "PS is reserved in SS-PML4E"
corrupt pte-bomb table-alias "table walk" "the walk was cut short"

# Damage reported, the rest still decoded.
mkimg vtd slpt-outside
run "inspect keeps other devices" 0 "00:01.0 did 1" "03:00.0 did 5" \
	"1 malformed structure skipped (run validate)" -- inspect $vtd

# ------------------------------------------------------- usage and I/O
run "no arguments" 2 "usage:" --
run "unknown subcommand" 2 "invalid subcommand" -- frobnicate
run "missing image" 2 "--image is required" -- inspect --vtd-rtaddr 0
run "missing start" 2 "required" -- inspect --image "$img"
run "root without format" 2 "--root needs --format" -- inspect --image "$img" --root 0
run "bad format" 2 "invalid --format" -- inspect --image "$img" --root 0 --format sparc
run "bad number" 2 "invalid --base" -- inspect --image "$img" --base 12abc --vtd-rtaddr 0
run "no such file" 2 "No such file" -- inspect --image "$tmp/none" --vtd-rtaddr 0
run "rtaddr outside image" 2 "not inside the image" -- inspect --image "$img" --base "$base" --vtd-rtaddr 0x10000
run "rtaddr misaligned" 2 "not 4 KiB aligned" -- validate --image "$img" --base "$base" --vtd-rtaddr 0x100010
run "root outside image" 2 "root outside the image" -- validate --image "$img" --base "$base" --root 0x40000000 --format vtd-ss
run "help" 0 "usage:" -- --help

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
