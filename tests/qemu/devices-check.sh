#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# Guest half of the libpci check (run-vfio.sh copies it, iommupt-devices
# and the shared libraries it needs into the initramfs): on the real 6.1
# kernel with intel_iommu=on and edu bound to vfio-pci, iommupt-devices
# must list every PCI device sysfs has, edu with its IDs, class, driver
# and IOMMU group, and the group's MSI window from reserved_regions; the
# JSON output must say the same.
# Prints "IOMMUPT-QEMU: PASS|FAIL devices/<name>" lines, then DONE.
tool=/iommupt-devices
export LD_LIBRARY_PATH=/libs
pass=0
fail=0
result() {
	if [ "$1" = 0 ]; then
		echo "IOMMUPT-QEMU: PASS devices/$2"; pass=$((pass + 1))
	else
		echo "IOMMUPT-QEMU: FAIL devices/$2: $3"; fail=$((fail + 1))
	fi
}

bdf=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ]; then
		bdf=${d##*/}
	fi
done
grp=$(readlink "/sys/bus/pci/devices/$bdf/iommu_group")
grp=${grp##*/}

"$tool" > /tmp/dev.txt 2>/tmp/dev.err
rc=$?
result $rc run "exit $rc: $(cat /tmp/dev.err)"
sed 's/^/  /' /tmp/dev.txt

want="$bdf 1234:11e8 class 00ff00 group $grp driver vfio-pci caps -"
line=$(grep "^$bdf " /tmp/dev.txt)
[ -n "$bdf" ] && [ -n "$grp" ] && [ "$line" = "$want" ]
result $? edu "got '$line', want '$want'"

# The region lines follow their device's line.
awk -v b="$bdf" '$1 == b { on = 1; next } /^[^ ]/ { on = 0 } on' /tmp/dev.txt > /tmp/resv.txt
grep -qx '  reserved 0x00000000fee00000-0x00000000feefffff msi' /tmp/resv.txt
result $? edu-msi-window "regions listed: $(cat /tmp/resv.txt)"

n=$(grep -c '^[0-9a-f]\{4\}:' /tmp/dev.txt)
total=$(ls /sys/bus/pci/devices | wc -l)
[ "$n" -eq "$total" ]
result $? all-devices "listed $n, sysfs has $total"

# Every device with an iommu_group link is listed with that group.
bad=
for d in /sys/bus/pci/devices/*; do
	[ -L "$d/iommu_group" ] || continue
	g=$(readlink "$d/iommu_group")
	grep -q "^${d##*/} .* group ${g##*/} " /tmp/dev.txt || bad="$bad ${d##*/}"
done
[ -z "$bad" ]
result $? groups "wrong or missing group for:$bad"

"$tool" --json > /tmp/dev.json
grep -q "\"bdf\": \"$bdf\", \"vendor\": \"1234\", \"device\": \"11e8\", \"class\": \"00ff00\", \"iommu_group\": $grp, \"driver\": \"vfio-pci\"" /tmp/dev.json &&
	grep -q '"start": "0xfee00000", "last": "0xfeefffff", "type": "msi"' /tmp/dev.json
result $? json "edu's JSON object differs"

echo "IOMMUPT-QEMU: DONE devices $pass passed $fail failed"
[ "$fail" -eq 0 ]
