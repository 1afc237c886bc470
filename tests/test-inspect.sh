#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# iommupt inspect/validate on images the library built (tests/inspect-mkimage;
# VT-d legacy and scalable mode, AMD-Vi device tables, SMMUv3 stream tables,
# bare page tables; raw and as ELF cores):
# clean images decode to the mappings that were made and validate clean;
# each corruption yields its finding class with the spec section and exit
# status 1; usage and I/O errors exit 2; hostile aliasing ends quickly.
set -u
b=${top_builddir:-.}
tool="$b/tools/iommupt"
mk="$b/tests/inspect-mkimage"
[ -x "$tool" ] && [ -x "$mk" ] && [ -x "$b/tests/inspect-simimage" ] ||
	{ echo "tools not built: skipped"; exit 77; }
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

# json FILE NAME: the output parses as JSON (when python3 is there).
json() {
	if [ -n "$py" ]; then
		if $py -m json.tool "$out" >/dev/null 2>&1; then ok "$1 json parses"; else ko "$1 json parses"; fi
	fi
}

# corrupt_kind KIND NAME CLASS SPEC TEXT: start options in $start.
corrupt_kind() {
	mkimg "$1" "$2"
	run "$1 $2 validate" 1 "$3: [$4]" "$5" -- validate $start
	run "$1 $2 inspect survives" 0 -- inspect $start
	run "$1 $2 validate --json" 1 "\"kind\": \"$3\"" "\"spec\": \"$4\"" -- validate $start --json
	json "$1 $2"
}

# ------------------------------------------------ VT-d scalable mode
mkimg vtd-sm
start="--image $img --base $base --vtd-rtaddr $rtaddr"
run "vtd-sm inspect" 0 "VT-d scalable-mode root table $base" \
	"00:01.0 pasid 0 (rid_pasid) did 1 pgtt second-stage aw 48-bit (4-level) $slpt1" \
	"  0x0000000000200000-0x0000000000203fff -> 0x0000000080000000 r- 4K x4" \
	"00:01.0 pasid 1 did 7 pgtt first-stage 4-level $fspt" \
	"  0x0000000000007000-0x0000000000007fff -> 0x00000000a0000000 rw 4K x1" \
	"00:01.0 pasid 69 did 9 pgtt pass-through" \
	"00:02.0 pasid 0 (rid_pasid) did 1 pgtt second-stage aw 48-bit (4-level) $slpt1 (same table as 00:01.0 pasid 0)" \
	"00:10.0 pasid 3 (rid_pasid) did 2 pgtt nested first-stage 4-level $fspt (guest-physical, not decoded) second-stage aw 39-bit (3-level) $slpt2" \
	"  0x0000000000010000-0x0000000000011fff -> 0x0000000090000000 -w 4K x2" -- inspect $start
run "vtd-sm inspect --json" 0 '"sid": "00:10.0", "pasid": 3, "rid_pasid": true' \
	'"pgtt": "nested"' '"second_stage_ranges": [' -- inspect $start --json
json "vtd-sm inspect"
run "vtd-sm validate clean" 0 "0 findings" -- validate $start
corrupt_kind vtd-sm sm-root-rsvd reserved-bits "VT-d 9.2" "reserved bit set in a root entry"
corrupt_kind vtd-sm sm-ctx-shared table-alias "VT-d 9.2" "context table reached from two root entries"
corrupt_kind vtd-sm sm-ctx-rsvd reserved-bits "VT-d 9.4" "reserved bit set in a scalable-mode context entry"
corrupt_kind vtd-sm sm-pdir-outside pointer-outside-image "VT-d 9.4" "PASID directory outside the image"
corrupt_kind vtd-sm sm-pdir-alias table-alias "VT-d 9.4" "PASID directory is a root or context table"
corrupt_kind vtd-sm sm-pde-rsvd reserved-bits "VT-d 9.5" "reserved bit set in a PASID directory entry"
corrupt_kind vtd-sm sm-ptab-shared table-alias "VT-d 9.5" "PASID table reached from two directory entries"
corrupt_kind vtd-sm sm-ptab-outside pointer-outside-image "VT-d 9.5" "PASID table pointer outside the image"
corrupt_kind vtd-sm sm-pgtt bad-encoding "VT-d 9.6" "PGTT encoding is reserved"
corrupt_kind vtd-sm sm-pe-rsvd reserved-bits "VT-d 9.6" "bits 511:192 of a PASID table entry"
corrupt_kind vtd-sm sm-fspm bad-encoding "VT-d 9.6" "first-stage paging mode is reserved"
corrupt_kind vtd-sm sm-aw bad-encoding "VT-d 9.6" "address width encoding is reserved"
corrupt_kind vtd-sm sm-ss-outside pointer-outside-image "VT-d 9.6" "second-stage table pointer outside the image"
corrupt_kind vtd-sm sm-bomb table-alias "table walk" "the walk was cut short"
corrupt_kind vtd-sm sm-fs-pte reserved-bits "SDM Vol.3A 4.5" "00:01.0 pasid 1: page table"

# ------------------------------------------------------------ AMD-Vi
mkimg amd
start="--image $img --base $base --amd-devtab $devtab"
run "amd inspect" 0 "AMD-Vi device table $(printf 0x%x $((devtab - 1))), 256 entries" \
	"00:01.0 devid 0x0008 domain 3 mode 3 (3-level) root $root1 ir=1 iw=1" \
	"  0x0000000000008000-0x000000000000ffff -> 0x0000000050008000 rw 32K x1" \
	"00:02.0 devid 0x0010 domain 3 mode 3 (3-level) root $root1 ir=1 iw=1 (same table as 00:01.0)" \
	"00:03.0 devid 0x0018 domain 4 mode 2 (2-level) root $root2 ir=1 iw=0" \
	"  0x0000000000003000-0x0000000000003fff -> 0x0000000070000000 -w 4K x1" \
	"00:04.0 devid 0x0020 domain 0 mode 0 (untranslated) ir=1 iw=1" \
	"2 more valid entries translate nothing and block all DMA" -- inspect $start
run "amd inspect --json" 0 '"devid": 24, "domain": 4' '"blocked": 2' -- inspect $start --json
json "amd inspect"
run "amd validate clean" 0 "0 findings" -- validate $start
run "amd explicit size" 0 "256 entries" -- inspect --image "$img" --base "$base" --amd-devtab $((devtab - 1)) --amd-devtab-size 8192
corrupt_kind amd dte-rsvd reserved-bits "AMD IOMMU 2.2.2.1" "reserved bit set in a device table entry"
corrupt_kind amd dte-mode bad-encoding "AMD IOMMU 2.2.2.1" "paging mode 7 is reserved"
corrupt_kind amd dte-outside pointer-outside-image "AMD IOMMU 2.2.2.1" "host page table root pointer outside the image"
corrupt_kind amd amd-pte-outside pointer-outside-image "AMD IOMMU 2.2.3" "00:01.0: page table"
corrupt_kind amd amd-pte-alias table-alias "AMD IOMMU 2.2.3" "00:01.0: page table"
corrupt_kind amd amd-pte-level bad-level-or-size "AMD IOMMU 2.2.3" "NextLevel is not the level below"

# ------------------------------------------------------------ SMMUv3
for kind in smmu smmu-2lvl; do
	mkimg $kind
	if [ $kind = smmu ]; then geo="--log2size 6"; shape=linear; else geo="--log2size 8 --split 6"; shape=2-level; fi
	start="--image $img --base $base --smmu-strtab $strtab $geo"
	run "$kind inspect" 0 "SMMUv3 $shape stream table $strtab" \
		"sid 0x1 ssid 0 asid 5 stage-1 4K 48-bit ttb0 $ttb0" \
		"  0x0000000000010000-0x0000000000012fff -> 0x0000000050010000 rw 4K x3" \
		"  0x0000000000200000-0x00000000003fffff -> 0x0000000060000000 r- 2M x1" \
		"sid 0x2 vmid 9 stage-2 4K 40-bit 3-level s2ttb $s2ttb" \
		"  0x0000000040000000-0x0000000040000fff -> 0x0000000070000000 rw 4K x1" \
		"sid 0x3 config bypass" "sid 0x4 config abort" \
		"sid 0x5 ssid 67 asid 6 stage-1 4K 48-bit ttb0 $ttb0 (same table as sid 0x1 ssid 0)" \
		"sid 0x6 config nested: CD table at IPA 0x80000000 (stage 1 not decoded)" \
		"sid 0x6 vmid 9 stage-2 4K 40-bit 3-level s2ttb $s2ttb (same table as sid 0x2)" \
		-- inspect $start
	run "$kind inspect --json" 0 '"sid": 2, "vmid": 9, "stage": 2' -- inspect $start --json
	json "$kind inspect"
	run "$kind validate clean" 0 "0 findings" -- validate $start
done
start="--image $img --base $base --smmu-strtab $strtab --log2size 6"
corrupt_kind smmu ste-cfg bad-encoding "SMMUv3 5.2" "Config 001b-011b is reserved"
corrupt_kind smmu ste-s1fmt bad-encoding "SMMUv3 5.2" "S1Fmt 11b is reserved"
corrupt_kind smmu ste-cd-outside pointer-outside-image "SMMUv3 5.2" "CD table outside the image"
corrupt_kind smmu ste-sl0 bad-level-or-size "SMMUv3 5.2" "S2SL0 and S2T0SZ disagree"
corrupt_kind smmu ste-s2-outside pointer-outside-image "SMMUv3 5.2" "S2TTB"
corrupt_kind smmu cd-tg bad-encoding "SMMUv3 5.4" "TG0 encoding 11b is reserved"
corrupt_kind smmu cd-ttb-outside pointer-outside-image "SMMUv3 5.4" "TTB0"
corrupt_kind smmu l1cd-rsvd reserved-bits "SMMUv3 5.4.1" "reserved bit set in an L1 CD descriptor"
corrupt_kind smmu cd-bomb table-alias "table walk" "the walk was cut short"
corrupt_kind smmu s1-pte-rsvd reserved-bits "Arm ARM D8.3" "sid 0x1 ssid 0: page table"
start="--image $img --base $base --smmu-strtab $strtab --log2size 8 --split 6"
corrupt_kind smmu-2lvl l1std-span bad-encoding "SMMUv3 5.2" "Span larger than SPLIT + 1"
corrupt_kind smmu-2lvl l1std-align misaligned-pointer "SMMUv3 5.2" "L2Ptr not aligned"

# ------------------------------------------- images from the simulator
# Set-ups built in simulated memory (VT-d by the driver; AMD-Vi and SMMUv3
# by hand) whose translations the simulator's own walker confirmed.
sim="$b/tests/inspect-simimage"
simimg() {
	eval "$("$sim" "$img" "$1")" || { ko "inspect-simimage $1"; return 1; }
}
if simimg vtd; then
	start="--image $img --base $base --vtd-rtaddr $rtaddr"
	run "sim vtd scalable inspect" 0 "VT-d scalable-mode root table $base" \
		"00:01.0 pasid 0 (rid_pasid) did 1 pgtt second-stage aw 48-bit (4-level) $root1" \
		"  0x0000000000001000-0x0000000000003fff -> 0x0000000040000000 rw 4K x3" \
		"  0x0000000000200000-0x00000000003fffff -> 0x0000000040200000 r- 2M x1" \
		"00:02.0 pasid 0 (rid_pasid) did 1 pgtt second-stage aw 48-bit (4-level) $root1 (same table as 00:01.0 pasid 0)" \
		"01:00.0 pasid 0 (rid_pasid) did 2 pgtt second-stage aw 39-bit (3-level) $root2" \
		"  0x0000000000010000-0x0000000000010fff -> 0x0000000050000000 -w 4K x1" -- inspect $start
	run "sim vtd scalable validate" 0 "0 findings" -- validate $start
fi
# The same memory as an ELF core (no --base: the segments place it).
if eval "$("$sim" --elf "$img" vtd)"; then
	run "sim vtd scalable as ELF core" 0 "VT-d scalable-mode root table $base" \
		"01:00.0 pasid 0 (rid_pasid) did 2 pgtt second-stage aw 39-bit (3-level) $root2" \
		"  0x0000000000010000-0x0000000000010fff -> 0x0000000050000000 -w 4K x1" \
		-- inspect --image "$img" --vtd-rtaddr $rtaddr
	run "sim vtd scalable as ELF core validate" 0 "0 findings" -- validate --image "$img" --vtd-rtaddr $rtaddr
else
	ko "inspect-simimage --elf vtd"
fi
if simimg vtd-legacy; then
	start="--image $img --base $base --vtd-rtaddr $rtaddr"
	run "sim vtd legacy inspect" 0 "VT-d legacy-mode root table $base" \
		"00:01.0 did 1 tt untranslated aw 48-bit (4-level) second-stage $root1" \
		"  0x0000000000001000-0x0000000000003fff -> 0x0000000040000000 rw 4K x3" \
		"01:00.0 did 2 tt untranslated aw 39-bit (3-level) second-stage $root2" -- inspect $start
	run "sim vtd legacy validate" 0 "0 findings" -- validate $start
fi
if simimg amd; then
	start="--image $img --base $base --amd-devtab $devtab"
	run "sim amd inspect" 0 "00:01.0 devid 0x0008 domain 3 mode 3 (3-level) root $root1 ir=1 iw=1" \
		"  0x0000000000008000-0x000000000000ffff -> 0x0000000050008000 rw 32K x1" \
		"  0x0000000000100000-0x0000000000100fff -> 0x0000000060000000 r- 4K x1" \
		"00:02.0 devid 0x0010 domain 0 mode 0 (untranslated) ir=1 iw=1" -- inspect $start
	run "sim amd validate" 0 "0 findings" -- validate $start
fi
if simimg smmu; then
	start="--image $img --base $base --smmu-strtab $strtab --log2size 6"
	run "sim smmu inspect" 0 "sid 0x1 ssid 0 asid 5 stage-1 4K 48-bit ttb0 $ttb0" \
		"  0x0000000000010000-0x0000000000012fff -> 0x0000000050010000 rw 4K x3" \
		"sid 0x2 vmid 9 stage-2 4K 40-bit 3-level s2ttb $s2ttb" \
		"  0x0000000040000000-0x0000000040000fff -> 0x0000000070000000 rw 4K x1" \
		"sid 0x3 config bypass" -- inspect $start
	run "sim smmu validate" 0 "0 findings" -- validate $start
fi

# ------------------------------------------------------------ ELF cores
mkelf() {
	eval "$("$mk" "--elf=$1" "$img" "$2")" || { echo "inspect-mkimage --elf=$1 failed"; exit 99; }
}
mkelf none vtd
run "elf vtd inspect" 0 \
	"00:01.0 did 1 tt untranslated aw 48-bit (4-level) second-stage $slpt1" \
	"  0x0000000040000000-0x000000007fffffff -> 0x00000000c0000000 rw 1G x1" \
	"03:00.0 did 5 tt pass-through" -- inspect --image "$img" --vtd-rtaddr $rtaddr
run "elf vtd validate" 0 "0 findings" -- validate --image "$img" --vtd-rtaddr $rtaddr
run "elf with --base" 2 "places itself" -- inspect --image "$img" --base 0x1000 --vtd-rtaddr $rtaddr
run "elf read raw" 2 "not inside the image" -- inspect --image "$img" --raw --base 0x100000000 --vtd-rtaddr $rtaddr
mkelf xnum vtd-sm
run "elf PN_XNUM vtd-sm" 0 "00:10.0 pasid 3 (rid_pasid)" -- inspect --image "$img" --vtd-rtaddr $rtaddr
mkelf none amd
run "elf amd" 0 "00:03.0 devid 0x0018 domain 4" -- inspect --image "$img" --elf --amd-devtab $devtab
# elfbad CORRUPTION MESSAGE
elfbad() {
	mkelf "$1" vtd
	run "elf $1 refused" 2 "$2" -- inspect --image "$img" --vtd-rtaddr $rtaddr
}
elfbad outside "is outside the file"
elfbad overlap "segments overlap"
elfbad wrap "wraps the physical address space"
elfbad phnum "program headers outside the file"
elfbad not-core "is not a core"
elfbad class32 "not a little-endian ELF64 file"
# A segment hole: the table behind it is outside the image, and said so.
mkelf none vtd
run "elf hole: rtaddr outside" 2 "not inside the image" -- inspect --image "$img" --vtd-rtaddr 0x40000000

# ------------------------------------------------------- usage and I/O
mkimg vtd
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
run "rtaddr TTM 10b" 2 "has no root table" -- inspect --image "$img" --vtd-rtaddr 0x100800
run "rtaddr TTM 11b" 2 "abort DMA mode" -- inspect --image "$img" --vtd-rtaddr 0x100c00
run "amd devtab reserved" 2 "reserved bits" -- inspect --image "$img" --amd-devtab 0x100e00
run "amd devtab size" 2 "4 KiB..2 MiB" -- inspect --image "$img" --amd-devtab 0x100000 --amd-devtab-size 0x1234
run "smmu without log2size" 2 "needs --log2size" -- inspect --image "$img" --smmu-strtab 0x100000
run "smmu bad split" 2 "invalid --split" -- inspect --image "$img" --smmu-strtab 0x100000 --log2size 8 --split 7
run "smmu split above size" 2 "is not a stream table" -- inspect --image "$img" --smmu-strtab 0x100000 --log2size 6 --split 8
run "raw and elf" 2 "exclude each other" -- inspect --image "$img" --raw --elf --vtd-rtaddr 0
run "help" 0 "usage:" -- --help

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
