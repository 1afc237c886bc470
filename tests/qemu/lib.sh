# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# Shared host half of the QEMU hardware-in-the-loop tests, sourced by
# run-vtd.sh, run-vfio.sh, run-trace.sh, run-amd.sh, run-inspect.sh (x86
# guests) and
# run-smmu.sh (arm64 guest): find QEMU and the tools, get Debian's 6.1
# kernel (and the modules a test loads) once into the build tree, pack an
# initramfs, and turn the guest's console lines into a result.
#
# The guest's Debian architecture is $qemu_arch: amd64 (the default) or
# arm64, whose packages apt fetches as a foreign architecture (added with
# dpkg --add-architecture, once, when apt does not know it and we are root).
#
# x86 guests boot with no_timer_check: under TCG on a loaded host the
# kernel's IO-APIC timer check can miss its ticks and panic the boot.
#
# Environment: IOMMUPT_QEMU_CACHE (kernel cache, default
# $top_builddir/tests/qemu/cache), IOMMUPT_QEMU_KERNEL (an amd64 vmlinuz
# to use instead) with IOMMUPT_QEMU_MODULES (its /lib/modules/<version>
# tree, when the test loads modules), IOMMUPT_QEMU_ARM64_KERNEL (the same
# for arm64).

top_builddir=${top_builddir:-.}
cache=${IOMMUPT_QEMU_CACHE:-$top_builddir/tests/qemu/cache}

# qemu_tools: $qemu (qemu-system-x86_64, or -aarch64 for arm64; skip, 77,
# without it), cpio, gzip and for amd64 a static busybox ($busybox; arm64:
# qemu_busybox).
qemu_tools() {
	case ${qemu_arch:-amd64} in
	arm64) qsys=aarch64 qpkg=qemu-system-arm ;;
	*) qsys=x86_64 qpkg=qemu-system-x86 ;;
	esac
	qemu=$(command -v qemu-system-$qsys || true)
	if [ -z "$qemu" ]; then
		echo "qemu-system-$qsys not found (apt-get install $qpkg): skipped"
		exit 77
	fi
	for tool in cpio gzip; do
		command -v "$tool" >/dev/null || { echo "$tool is missing"; exit 99; }
	done
	[ "${qemu_arch:-amd64}" = amd64 ] || return 0
	busybox=/bin/busybox
	[ -x "$busybox" ] || { echo "$busybox missing (apt-get install busybox-static)"; exit 99; }
	if ! "$busybox" 2>&1 | head -1 | grep -qi busybox ||
	   ldd "$busybox" >/dev/null 2>&1; then
		echo "$busybox is not a static busybox (apt-get install busybox-static)"; exit 99
	fi
}

# qemu_add_arch: let apt fetch $qemu_arch packages (root only); 0 when it
# was added now.
qemu_add_arch() {
	if dpkg --print-foreign-architectures | grep -qx "$qemu_arch" ||
	   [ "$(id -u)" != 0 ]; then
		return 1
	fi
	echo "adding the $qemu_arch architecture to apt"
	dpkg --add-architecture "$qemu_arch"
	apt-get update -qq >/dev/null 2>&1 || true
}

# qemu_download PKG: apt-get download of PKG for $qemu_arch into $cache.
qemu_download() {
	if [ "${qemu_arch:-amd64}" = amd64 ]; then
		(cd "$cache" && apt-get download "$1" >/dev/null 2>&1)
		return
	fi
	if (cd "$cache" && apt-get download "$1:$qemu_arch" >/dev/null 2>&1); then
		return 0
	fi
	qemu_add_arch || return 1
	(cd "$cache" && apt-get download "$1:$qemu_arch" >/dev/null 2>&1)
}

# qemu_kernel_pkg: the newest linux-image-6.1.0-N-$qemu_arch apt knows.
qemu_kernel_pkg() {
	apt-cache search --names-only "^linux-image-6\.1\.0-[0-9]+-${qemu_arch:-amd64}\$" 2>/dev/null |
		awk '{print $1}' | sort -V | tail -1
}

# qemu_kernel [MODULE...]: $kernel, Debian's newest 6.1 image for
# $qemu_arch, and $moddir, where the given modules (paths under kernel/)
# are kept; both downloaded once into $cache. Skips (77) when the package
# cannot be had.
qemu_kernel() {
	qa=${qemu_arch:-amd64}
	if [ "$qa" = amd64 ]; then
		kernel=${IOMMUPT_QEMU_KERNEL:-}
	else
		kernel=${IOMMUPT_QEMU_ARM64_KERNEL:-}
	fi
	moddir=${IOMMUPT_QEMU_MODULES:-}
	if [ -n "$kernel" ] && { [ $# -eq 0 ] || [ -n "$moddir" ]; }; then
		return 0
	fi
	mkdir -p "$cache"
	# One download at a time: make -j runs the QEMU tests in parallel and
	# they share $cache/unpack. Checked again under the lock.
	exec 9>"$cache/.lock"
	flock 9 2>/dev/null || true
	kernel=$(ls "$cache"/boot/vmlinuz-6.1.0-*-"$qa" 2>/dev/null | sort -V | tail -1 || true)
	ver=${kernel##*/vmlinuz-}
	moddir="$cache/modules/$ver"
	missing=
	for m in "$@"; do
		[ -f "$moddir/kernel/$m" ] || missing=1
	done
	if [ -n "$kernel" ] && [ -z "$missing" ]; then
		exec 9>&-
		return 0
	fi
	if [ -n "$kernel" ]; then
		pkg=linux-image-$ver
	else
		pkg=$(qemu_kernel_pkg)
		if [ -z "$pkg" ] && [ "$qa" != amd64 ] && qemu_add_arch; then
			pkg=$(qemu_kernel_pkg)
		fi
	fi
	if [ -z "$pkg" ] || ! qemu_download "$pkg"; then
		echo "cannot download the ${pkg:-linux-image-6.1.0-*-$qa} package: skipped"
		exit 77
	fi
	rm -rf "$cache/unpack"
	dpkg -x "$cache"/"$pkg"_*.deb "$cache/unpack"
	mkdir -p "$cache/boot"
	for k in "$cache"/unpack/boot/vmlinuz-*; do
		[ -e "$cache/boot/${k##*/}" ] || mv "$k" "$cache/boot/"
	done
	kernel=$(ls "$cache"/boot/vmlinuz-6.1.0-*-"$qa" | sort -V | tail -1)
	ver=${kernel##*/vmlinuz-}
	moddir="$cache/modules/$ver"
	# Keep only the modules asked for.
	for m in "$@"; do
		mkdir -p "$moddir/kernel/${m%/*}"
		cp "$cache/unpack/lib/modules/$ver/kernel/$m" "$moddir/kernel/$m" ||
			{ echo "module $m missing in $pkg"; exit 99; }
	done
	rm -rf "$cache/unpack" "$cache"/"$pkg"_*.deb
	exec 9>&-
}

# qemu_busybox: $busybox, a static busybox for a foreign $qemu_arch (the
# busybox-static package), downloaded once into $cache/$qemu_arch. Skips
# (77) when it cannot be had.
qemu_busybox() {
	busybox="$cache/$qemu_arch/busybox"
	[ -x "$busybox" ] && return 0
	mkdir -p "$cache"
	if ! qemu_download busybox-static; then
		echo "cannot download busybox-static:$qemu_arch: skipped"
		exit 77
	fi
	rm -rf "$cache/unpack-bb"
	dpkg -x "$cache"/busybox-static_*_"$qemu_arch".deb "$cache/unpack-bb"
	mkdir -p "$cache/$qemu_arch"
	mv "$cache/unpack-bb/bin/busybox" "$busybox"
	rm -rf "$cache/unpack-bb" "$cache"/busybox-static_*_"$qemu_arch".deb
}

# qemu_tree [DIR...]: $work (removed on exit) and in it $root, an
# initramfs tree with $busybox, the mount points and the given DIRs
# (relative to $root), but no init: for a test whose init differs.
qemu_tree() {
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT INT TERM
	root="$work/root"
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
	for d in "$@"; do
		mkdir -p "$root/$d"
	done
	cp "$busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
}

# qemu_root [DIR...]: qemu_tree, and an init that starts the way every
# test's does; the caller appends its part (cat >> "$root/init") and packs
# it with qemu_initrd.
qemu_root() {
	qemu_tree "$@"
	cat > "$root/init" <<'EOF'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# Locked 4K pages must not migrate while the IOMMU walks them.
echo 0 > /proc/sys/vm/compact_unevictable_allowed 2>/dev/null
EOF
	chmod +x "$root/init"
}

# qemu_initrd ROOT OUT: pack directory ROOT as a gzipped newc cpio.
qemu_initrd() {
	(cd "$1" && find . | cpio -o -H newc --quiet) | gzip -1 > "$2"
}

# qemu_results LOG: print the guest's result lines; fail (return 1) unless
# $want runs printed DONE, none printed FAIL and at least one PASS.
qemu_results() {
	tr -d '\r' < "$1" | grep -E '^IOMMUPT-QEMU:|^  ' || true
	got=$(grep -c '^IOMMUPT-QEMU: DONE' "$1" || true)
	rc=0
	if [ "$got" -ne "${want:-1}" ]; then
		echo "guest finished $got of ${want:-1} runs; console tail:"
		tail -n 40 "$1"
		rc=1
	fi
	if grep -q '^IOMMUPT-QEMU: FAIL' "$1" ||
	   ! grep -q '^IOMMUPT-QEMU: PASS' "$1"; then
		rc=1
	fi
	return $rc
}
