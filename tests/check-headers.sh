#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# Each public header compiles on its own as C11 -pedantic and as C++.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
n=0
for h in "$top_srcdir"/include/iommupt/*.h; do
	name=$(basename "$h")
	printf '#include <iommupt/%s>\n#include <iommupt/%s>\n' "$name" "$name" > "$tmp/t.c"
	cp "$tmp/t.c" "$tmp/t.cpp"
	if ! ${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only \
		-I"$top_srcdir/include" "$tmp/t.c"; then
		echo "C11: $name does not compile alone"; status=1
	fi
	if ! ${CXX:-c++} -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only \
		-I"$top_srcdir/include" "$tmp/t.cpp"; then
		echo "C++: $name does not compile alone"; status=1
	fi
	n=$((n + 1))
done
echo "$n headers checked as C11 and C++"
exit $status
