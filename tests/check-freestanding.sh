#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# The core (libiommupt-core) calls nothing from libc: its only undefined
# symbols may be the hosted object allocator, what compilers emit
# themselves (memset/memcpy/memmove) and instrumentation runtimes.
set -eu
lib="$top_builddir/libiommupt/.libs/libiommupt-core.a"
[ -f "$lib" ] || { echo "core archive not built: skipped"; exit 77; }
bad=$(${NM:-nm} -u "$lib" | awk 'NF == 2 {print $2}' | sort -u | grep -Ev \
	'^(pt_default_obj_(alloc|free)|memset|memcpy|memmove|__stack_chk_fail|__(a|t|ub|l)san_.*|__gcov_.*|__llvm_.*|_GLOBAL_OFFSET_TABLE_)$' || true)
# Symbols the core defines itself are not outside references.
defined=$(${NM:-nm} --defined-only "$lib" | awk 'NF == 3 {print $3}' | sort -u)
status=0
for s in $bad; do
	echo "$defined" | grep -qx "$s" && continue
	echo "core references $s"; status=1
done
[ $status = 0 ] && echo "core is free of libc references"
exit $status
