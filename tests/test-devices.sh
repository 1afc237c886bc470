#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# tools/iommupt-devices: on a small fake sysfs tree (exact text and JSON,
# reserved regions of the group), then on this machine's real sysfs, where
# every device it lists must agree with what sysfs says (vendor, device,
# driver link, IOMMU group link). The real half skips (77) when the
# machine shows no PCI devices.
set -eu
top_builddir=${top_builddir:-.}
tool="$top_builddir/tools/iommupt-devices"
[ -x "$tool" ] || { echo "$tool not built"; exit 99; }
status=0
fail() { echo "FAIL: $*"; status=1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# ---- fake tree ----------------------------------------------------------
d="$tmp/sys/bus/pci/devices/0000:00:03.0"
mkdir -p "$d" "$tmp/sys/bus/pci/drivers/vfio-pci" "$tmp/sys/kernel/iommu_groups/5"
echo 0x1234 > "$d/vendor"
echo 0x11e8 > "$d/device"
echo 0x00ff00 > "$d/class"
echo 0 > "$d/irq"
echo "0x0000000000000000 0x0000000000000000 0x0000000000000000" > "$d/resource"
head -c 4096 /dev/zero > "$d/config"
ln -s ../../drivers/vfio-pci "$d/driver"
ln -s ../../../../kernel/iommu_groups/5 "$d/iommu_group"
printf '0x00000000fee00000 0x00000000feefffff msi\n' \
	> "$tmp/sys/kernel/iommu_groups/5/reserved_regions"

"$tool" --sysfs "$tmp/sys" > "$tmp/out.txt" || fail "text run: exit $?"
cat > "$tmp/want.txt" <<'EOF'
0000:00:03.0 1234:11e8 class 00ff00 group 5 driver vfio-pci caps -
  reserved 0x00000000fee00000-0x00000000feefffff msi
EOF
cmp -s "$tmp/out.txt" "$tmp/want.txt" || { fail "fake tree text:"; diff "$tmp/want.txt" "$tmp/out.txt" || true; }

"$tool" --sysfs "$tmp/sys" --json > "$tmp/out.json" || fail "json run: exit $?"
cat > "$tmp/want.json" <<'EOF'
[
 {"bdf": "0000:00:03.0", "vendor": "1234", "device": "11e8", "class": "00ff00", "iommu_group": 5, "driver": "vfio-pci", "ats": false, "pri": false, "pasid": false, "pasid_bits": 0, "config_readable": true, "reserved_regions": [{"start": "0xfee00000", "last": "0xfeefffff", "type": "msi"}]}
]
EOF
cmp -s "$tmp/out.json" "$tmp/want.json" || { fail "fake tree json:"; diff "$tmp/want.json" "$tmp/out.json" || true; }

# A broken reserved_regions file is reported, not fatal.
printf 'garbage\n' > "$tmp/sys/kernel/iommu_groups/5/reserved_regions"
"$tool" --sysfs "$tmp/sys" | grep -q '^  reserved regions: Invalid argument$' ||
	fail "malformed reserved_regions not reported"
"$tool" --sysfs "$tmp/nonexistent" >/dev/null 2>&1 && fail "missing tree accepted"
rc=0
"$tool" --bogus >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "bad option not a usage error (exit $rc)"
[ $status -eq 0 ] && echo "PASS: fake sysfs tree (text, json, errors)"

# ---- real sysfs -----------------------------------------------------------
if [ -z "$(ls /sys/bus/pci/devices 2>/dev/null)" ]; then
	echo "no PCI devices in /sys: real half skipped"
	[ $status -eq 0 ] && exit 77
	exit $status
fi
"$tool" > "$tmp/real.txt" || fail "real sysfs: exit $?"
n=0
while read -r bdf ids _class _cls _g group _d driver _c _caps; do
	case "$bdf" in *:*:*.*) ;; *) continue ;; esac
	s="/sys/bus/pci/devices/$bdf"
	[ -d "$s" ] || { fail "$bdf listed but not in sysfs"; continue; }
	v=$(sed 's/^0x//' "$s/vendor"); dv=$(sed 's/^0x//' "$s/device")
	[ "$ids" = "$v:$dv" ] || fail "$bdf: ids $ids, sysfs $v:$dv"
	if [ -L "$s/driver" ]; then want=$(basename "$(readlink "$s/driver")"); else want=-; fi
	[ "$driver" = "$want" ] || fail "$bdf: driver $driver, sysfs $want"
	if [ -L "$s/iommu_group" ]; then want=$(basename "$(readlink "$s/iommu_group")"); else want=-; fi
	[ "$group" = "$want" ] || fail "$bdf: group $group, sysfs $want"
	n=$((n + 1))
done < "$tmp/real.txt"
total=$(ls /sys/bus/pci/devices | wc -l)
[ "$n" -eq "$total" ] || fail "listed $n devices, sysfs has $total"
"$tool" --json > "$tmp/real.json" || fail "real sysfs json: exit $?"
[ "$(grep -c '"bdf"' "$tmp/real.json")" -eq "$total" ] || fail "json lists a different count"
[ $status -eq 0 ] && echo "PASS: real sysfs, $n devices agree with sysfs"
exit $status
