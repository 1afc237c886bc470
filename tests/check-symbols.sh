#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# Every symbol libiommupt.so exports is listed in its version script (and
# so versioned), and every listed symbol is exported.
set -eu
lib="$top_builddir/libiommupt/.libs/libiommupt.so"
sym="$top_srcdir/libiommupt/libiommupt.sym"
[ -f "$lib" ] || { echo "no shared library built: skipped"; exit 77; }
exported=$(${NM:-nm} -D --defined-only "$lib" | awk '$2 ~ /[TDRB]/ {print $3}' | sed 's/@.*//' | grep -v '^LIBIOMMUPT_' | sort -u)
listed=$(sed -n 's/^[[:space:]]*\([a-z_][a-z0-9_]*\);.*/\1/p' "$sym" | sort -u)
status=0
for s in $exported; do
	echo "$listed" | grep -qx "$s" || { echo "exported but not in $sym: $s"; status=1; }
done
for s in $listed; do
	echo "$exported" | grep -qx "$s" || { echo "listed but not exported: $s"; status=1; }
done
# Every exported symbol carries a version.
if ${OBJDUMP:-objdump} -T "$lib" | awk '/ DF \.text/ && $0 !~ /LIBIOMMUPT_/' | grep -q .; then
	echo "unversioned exports:"; objdump -T "$lib" | awk '/ DF \.text/ && $0 !~ /LIBIOMMUPT_/'; status=1
fi
echo "$(echo "$exported" | wc -w) exported symbols checked"
exit $status
