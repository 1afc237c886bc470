#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# Host half of the VT-d hardware-in-the-loop test: boot a Debian 6.1 kernel
# in QEMU (q35 + intel-iommu + edu) with a busybox initramfs holding the
# statically linked tests/qemu/vtd-edu, and turn its console lines into an
# Automake result. Skips (77) only when QEMU or the kernel cannot be had.
#
# Environment: IOMMUPT_QEMU_CACHE (kernel cache, default
# $top_builddir/tests/qemu/cache), IOMMUPT_QEMU_KERNEL (a vmlinuz to use
# instead), IOMMUPT_QEMU_TIMEOUT (seconds, default 300), IOMMUPT_QEMU_ACCEL
# (tcg, the default, or kvm).
set -eu

top_builddir=${top_builddir:-.}
prog="$top_builddir/tests/qemu/vtd-edu"
cache=${IOMMUPT_QEMU_CACHE:-$top_builddir/tests/qemu/cache}
timeout_s=${IOMMUPT_QEMU_TIMEOUT:-300}

qemu=$(command -v qemu-system-x86_64 || true)
if [ -z "$qemu" ]; then
	echo "qemu-system-x86_64 not found (apt-get install qemu-system-x86): skipped"
	exit 77
fi
for tool in cpio gzip; do
	command -v "$tool" >/dev/null || { echo "$tool is missing"; exit 99; }
done
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "$busybox missing (apt-get install busybox-static)"; exit 99; }
if ! "$busybox" 2>&1 | head -1 | grep -qi busybox ||
   ldd "$busybox" >/dev/null 2>&1; then
	echo "$busybox is not a static busybox (apt-get install busybox-static)"; exit 99
fi
[ -x "$prog" ] || { echo "$prog not built"; exit 99; }

# The kernel: Debian's 6.1 image, downloaded once into the build tree.
kernel=${IOMMUPT_QEMU_KERNEL:-}
if [ -z "$kernel" ]; then
	mkdir -p "$cache"
	kernel=$(ls "$cache"/boot/vmlinuz-6.1.0-*-amd64 2>/dev/null | sort -V | tail -1 || true)
	if [ -z "$kernel" ]; then
		pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' 2>/dev/null |
		      awk '{print $1}' | sort -V | tail -1)
		if [ -z "$pkg" ] ||
		   ! (cd "$cache" && apt-get download "$pkg" >/dev/null 2>&1); then
			echo "cannot download a linux-image-6.1.0-*-amd64 package: skipped"
			exit 77
		fi
		dpkg -x "$cache"/"$pkg"_*.deb "$cache/unpack"
		# Keep the kernel image only (the modules are not needed).
		mkdir -p "$cache/boot"
		mv "$cache"/unpack/boot/vmlinuz-* "$cache/boot/"
		rm -rf "$cache/unpack" "$cache"/"$pkg"_*.deb
		kernel=$(ls "$cache"/boot/vmlinuz-6.1.0-*-amd64 | sort -V | tail -1)
	fi
fi
echo "kernel: $kernel"
"$qemu" --version | head -1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
root="$work/root"
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$prog" "$root/vtd-edu"
# The modes to run come from the kernel command line (iommupt_modes=a,b).
cat > "$root/init" <<'EOF'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# Locked 4K pages must not migrate while the IOMMU walks them.
echo 0 > /proc/sys/vm/compact_unevictable_allowed 2>/dev/null
for arg in $(cat /proc/cmdline); do
	case "$arg" in iommupt_modes=*) modes=$(echo "${arg#*=}" | tr , ' ');; esac
done
for m in $modes; do
	/vtd-edu "$m"
	echo "IOMMUPT-QEMU: EXIT $m $?"
done
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$work/initrd.gz"

# TCG by default: the guest boots in about ten seconds, and nested KVM is
# not always sound (a 6.1 kernel hangs early under some nested hosts).
accel=${IOMMUPT_QEMU_ACCEL:-tcg}
accel_opts="-accel $accel"

# One boot: $1 = extra intel-iommu properties, $2 = guest modes. intel-iommu
# must come before the PCI devices it translates. The kernel's VT-d and
# interrupt-remapping drivers stay off the unit so that user space owns it
# through /dev/mem (iomem=relaxed lifts CONFIG_IO_STRICT_DEVMEM).
status=0
boot() {
	log="$work/console-$2.log"
	start=$(date +%s)
	echo "== boot: intel-iommu${1}, modes $2"
	set +e
	# shellcheck disable=SC2086
	timeout "$timeout_s" "$qemu" $accel_opts -M q35 -m 512 -smp 1 \
		-nodefaults -display none -serial stdio -no-reboot \
		-device "intel-iommu,intremap=off$1" \
		-device edu \
		-kernel "$kernel" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 intel_iommu=off intremap=off iomem=relaxed hugepagesz=2M hugepages=16 panic=-1 quiet iommupt_modes=$2" \
		</dev/null > "$log" 2>&1
	qrc=$?
	set -e
	echo "qemu exit $qrc after $(( $(date +%s) - start )) s ($accel)"
	tr -d '\r' < "$log" | grep -E '^IOMMUPT-QEMU:|^  ' || true
	want=$(echo "$2" | tr , '\n' | wc -l)
	got=$(grep -c '^IOMMUPT-QEMU: DONE' "$log" || true)
	if [ "$got" -ne "$want" ]; then
		echo "guest finished $got of $want runs; console tail:"
		tail -n 40 "$log"
		status=1
	fi
	if grep -q '^IOMMUPT-QEMU: FAIL' "$log" ||
	   ! grep -q '^IOMMUPT-QEMU: PASS' "$log"; then
		status=1
	fi
}

boot "" legacy,regs
boot ",x-scalable-mode=on,aw-bits=48" scalable
exit $status
