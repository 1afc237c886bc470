#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# Set up a fresh Debian 12 machine (as root) and build libiommupt.
#   ./quickstart.sh run    install, build, run the main job (iommu-sim)
#   ./quickstart.sh test   install, build, run make check
# BUILD_DIR (default ./build) holds the out-of-tree build.
set -eu
cd "$(dirname "$0")"
what=${1:-run}
build=${BUILD_DIR:-build}

need="autoconf automake libtool pkg-config make gcc g++ check lcov libpci-dev libbpf-dev qemu-system-x86 busybox-static cpio libjson-c-dev clang bpftool qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq $missing >/dev/null
fi

[ -x configure ] || autoreconf -fi
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || ../configure --enable-werror
make -j"$(nproc)"
case "$what" in
run)
	# the main job: the simulator's default scenario, with its report
	make -j"$(nproc)" tools/iommu-sim >/dev/null
	./tools/iommu-sim
	;;
test)
	make -j"$(nproc)" check
	;;
*)
	echo "usage: $0 run|test" >&2
	exit 2
	;;
esac
