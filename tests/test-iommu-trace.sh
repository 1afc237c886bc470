#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# iommu-trace on this host: its usage errors, and its BPF program loaded
# and attached (--check) where this kernel and user allow it. Where they
# do not (no root, no tracefs, no iommu tracepoints) it skips (77); the
# real run is tests/qemu/run-trace.sh.
set -u
prog=${top_builddir:-.}/tools/iommu-trace
if [ ! -x "$prog" ]; then
	echo "iommu-trace not built (needs clang, bpftool and libbpf-dev): skipped"
	exit 77
fi
status=0
for bad in "-d x" "-d 0" "-p 0" "-p 12 -a" "--check extra" "-z"; do
	# shellcheck disable=SC2086
	"$prog" $bad >/dev/null 2>&1
	rc=$?
	if [ $rc -ne 2 ]; then
		echo "FAIL: iommu-trace $bad exited $rc, not 2"
		status=1
	fi
done
"$prog" -h | grep -q '^usage: iommu-trace' || { echo "FAIL: no usage"; status=1; }
[ $status -eq 0 ] || exit 1
out=$("$prog" --check 2>&1)
rc=$?
echo "$out"
case $rc in
0) echo "PASS: the BPF program loads and attaches here"; exit 0 ;;
3) echo "this kernel or user cannot run the tracer: skipped"; exit 77 ;;
*) echo "FAIL: iommu-trace --check exited $rc"; exit 1 ;;
esac
