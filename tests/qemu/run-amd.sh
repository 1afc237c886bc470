#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# Host half of the AMD-Vi hardware-in-the-loop test: boot Debian's 6.1
# kernel in QEMU (q35 + amd-iommu + edu) with a busybox initramfs holding
# the statically linked tests/qemu/amd-edu, and turn its console lines
# into an Automake result. Skips (77) only when QEMU or the kernel cannot
# be had.
#
# The kernel's AMD-Vi driver stays off the unit (amd_iommu=off; the unit
# has no interrupt remapping: intremap=off on both sides), so user space
# owns the register block through /dev/mem (iomem=relaxed lifts
# CONFIG_IO_STRICT_DEVMEM). amd-iommu must come before the PCI devices it
# translates. QEMU 7.2's amd-iommu options: intremap, device-iotlb, pt.
#
# Environment: as tests/qemu/lib.sh, and IOMMUPT_QEMU_TIMEOUT (seconds,
# default 300), IOMMUPT_QEMU_ACCEL (tcg, the default, or kvm),
# IOMMUPT_QEMU_ARGS (more QEMU arguments, e.g. -trace 'amdvi_*').
set -eu

top_builddir=${top_builddir:-.}
srcdir=${top_srcdir:-$(dirname "$0")/../..}
prog="$top_builddir/tests/qemu/amd-edu"
timeout_s=${IOMMUPT_QEMU_TIMEOUT:-300}

. "$srcdir/tests/qemu/lib.sh"

qemu_tools
[ -x "$prog" ] || { echo "$prog not built"; exit 99; }
qemu_kernel
echo "kernel: $kernel"
qver=$("$qemu" --version | head -1)
echo "$qver"
# QEMU before 10.1 writes no event at all (amdvi_log_event gives up on
# every event), and its walk reports no not-present PTE; the guest then
# notes an empty log instead of failing (amd-edu.c, top comment).
qnum=$(echo "$qver" | sed -n 's/^QEMU emulator version \([0-9]*\)\.\([0-9]*\).*/\1 * 100 + \2/p')
args=
if [ -n "$qnum" ] && [ $(($qnum)) -lt 1001 ]; then
	args=qemu-old
fi

qemu_root
cp "$prog" "$root/amd-edu"
cat >> "$root/init" <<'EOF'
for arg in $(cat /proc/cmdline); do
	case "$arg" in iommupt_args=*) args=$(echo "${arg#*=}" | tr , ' ');; esac
done
/amd-edu $args
echo "IOMMUPT-QEMU: EXIT amd $?"
poweroff -f
EOF
qemu_initrd "$root" "$work/initrd.gz"

# TCG by default: the guest boots in about ten seconds, and nested KVM is
# not always sound (a 6.1 kernel hangs early under some nested hosts).
accel=${IOMMUPT_QEMU_ACCEL:-tcg}
log="$work/console.log"
start=$(date +%s)
echo "== boot: amd-iommu,intremap=off, args '$args'"
set +e
nice timeout "$timeout_s" "$qemu" -accel "$accel" -M q35 -m 512 -smp 1 \
	-nodefaults -display none -serial stdio -no-reboot \
	-device amd-iommu,intremap=off \
	-device edu \
	-kernel "$kernel" -initrd "$work/initrd.gz" ${IOMMUPT_QEMU_ARGS:-} \
	-append "console=ttyS0 no_timer_check amd_iommu=off intremap=off iomem=relaxed hugepagesz=2M hugepages=16 panic=-1 quiet iommupt_args=$args" \
	</dev/null > "$log" 2>&1
qrc=$?
set -e
echo "qemu exit $qrc after $(( $(date +%s) - start )) s ($accel)"
want=1
qemu_results "$log"
