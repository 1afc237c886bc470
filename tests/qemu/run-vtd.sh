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
srcdir=${top_srcdir:-$(dirname "$0")/../..}
prog="$top_builddir/tests/qemu/vtd-edu"
timeout_s=${IOMMUPT_QEMU_TIMEOUT:-300}

# QEMU, the tools and the kernel (downloaded once): tests/qemu/lib.sh.
. "$srcdir/tests/qemu/lib.sh"
qemu_tools
[ -x "$prog" ] || { echo "$prog not built"; exit 99; }
qemu_kernel
echo "kernel: $kernel"
"$qemu" --version | head -1

qemu_root
cp "$prog" "$root/vtd-edu"
# The modes to run come from the kernel command line (iommupt_modes=a,b).
cat >> "$root/init" <<'EOF'
for arg in $(cat /proc/cmdline); do
	case "$arg" in iommupt_modes=*) modes=$(echo "${arg#*=}" | tr , ' ');; esac
done
for m in $modes; do
	/vtd-edu "$m"
	echo "IOMMUPT-QEMU: EXIT $m $?"
done
poweroff -f
EOF
qemu_initrd "$root" "$work/initrd.gz"

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
		-append "console=ttyS0 no_timer_check intel_iommu=off intremap=off iomem=relaxed hugepagesz=2M hugepages=16 panic=-1 quiet iommupt_modes=$2" \
		</dev/null > "$log" 2>&1
	qrc=$?
	set -e
	echo "qemu exit $qrc after $(( $(date +%s) - start )) s ($accel)"
	want=$(echo "$2" | tr , '\n' | wc -l)
	qemu_results "$log" || status=1
}

boot "" legacy,regs
boot ",x-scalable-mode=on,aw-bits=48" scalable
# Scalable mode again with caching mode (flush after map, DID 0 reserved)
# and PASID support (context entries with PASIDE): about 20 s more.
boot ",x-scalable-mode=on,aw-bits=48,x-pasid-mode=on,caching-mode=on" scalable-cm
exit $status
