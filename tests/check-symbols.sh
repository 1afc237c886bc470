#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# Every symbol libiommupt.so, libiommusim.so and libiommudrv.so export is
# listed in its version script (and so versioned), and every listed symbol
# is exported.
set -eu
# check LIB SYM NODE: one shared library against its version script.
check() {
lib="$1"
sym="$2"
node="$3"
[ -f "$lib" ] || { echo "not built, skipped: $lib"; return 0; }
exported=$(${NM:-nm} -D --defined-only "$lib" | awk '$2 ~ /[TDRB]/ {print $3}' | sed 's/@.*//' | grep -v "^${node}_" | sort -u)
listed=$(sed -n 's/^[[:space:]]*\([a-z_][a-z0-9_]*\);.*/\1/p' "$sym" | sort -u)
for s in $exported; do
	echo "$listed" | grep -qx "$s" || { echo "exported but not in $sym: $s"; status=1; }
done
for s in $listed; do
	echo "$exported" | grep -qx "$s" || { echo "listed but not exported: $s"; status=1; }
done
# Every exported symbol carries a version.
if ${OBJDUMP:-objdump} -T "$lib" | awk -v n="${node}_" '/ DF \.text/ && index($0, n) == 0' | grep -q .; then
	echo "unversioned exports:"; objdump -T "$lib" | awk -v n="${node}_" '/ DF \.text/ && index($0, n) == 0'; status=1
fi
echo "$(echo "$exported" | wc -w) exported symbols checked in $(basename "$lib")"
}
status=0
[ -f "$top_builddir/libiommupt/.libs/libiommupt.so" ] || { echo "no shared library built: skipped"; exit 77; }
check "$top_builddir/libiommupt/.libs/libiommupt.so" "$top_srcdir/libiommupt/libiommupt.sym" LIBIOMMUPT
check "$top_builddir/sim/.libs/libiommusim.so" "$top_srcdir/sim/libiommusim.sym" LIBIOMMUSIM
check "$top_builddir/drivers/.libs/libiommudrv.so" "$top_srcdir/drivers/libiommudrv.sym" LIBIOMMUDRV
check "$top_builddir/drivers/.libs/libiommudrv-pci.so" "$top_srcdir/drivers/libiommudrv-pci.sym" LIBIOMMUDRV_PCI
exit $status
