#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# Host half of the SMMUv3 hardware-in-the-loop test: boot Debian's 6.1
# arm64 kernel in qemu-system-aarch64 (virt,iommu=smmuv3 + edu) with a
# busybox initramfs holding tests/qemu/smmu-edu-arm64 (a static aarch64
# cross build, see tests/Makemodule.am), and turn its console lines into
# an Automake result. Skips (77) only when QEMU or the arm64 packages
# cannot be had.
#
# The arm64 kernel and busybox-static come from apt as foreign-architecture
# packages (tests/qemu/lib.sh with qemu_arch=arm64: when apt does not know
# arm64 yet and we are root, the architecture is added once). Both .debs
# are unpacked once into the cache.
#
# Environment: as tests/qemu/lib.sh (IOMMUPT_QEMU_CACHE,
# IOMMUPT_QEMU_ARM64_KERNEL), and IOMMUPT_QEMU_TIMEOUT (seconds, default
# 300).
#
# QEMU 7.2.22 (Debian 12) SMMUv3, as exercised here: 2-level stream table
# (SPLIT 6, level 2 tables added on attach), one CD per stream (S1CDMax 0,
# the only form QEMU 7.2 takes), stage 1 at 4K, 16K and 64K granules (IDR5
# reports all three), 2M blocks, AP read-only permission faults, command
# queue with CFGI_ALL/CFGI_STE (leaf and non-leaf)/CFGI_CD, TLBI_NH_ASID,
# range TLBI_NH_VA (IDR3.RIL), TLBI_NSNH_ALL and CMD_SYNC completion
# through CMDQ_CONS, event queue (C_BAD_STREAMID with CR2.RECINVSID,
# C_BAD_STE, F_TRANSLATION, F_PERMISSION), CR0/CR0ACK, IRQ_CTRL. Limits
# found (printed by the guest as "IOMMUPT-QEMU: NOTE"): no stage 2
# (IDR0.S2P 0: the driver refuses stage 2 domains, checked), no HTTU, no
# GBPA register (reads 0 after the driver sets ABORT: a disabled SMMU lets
# DMA through), a full event queue drops records without setting
# EVENTQ_PROD.OVFLG, and a faulting DMA is recorded once per 4-byte access
# (a 64-byte edu transfer gives 16 records; the guest checks them all),
# and once STRTAB_BASE_CFG.FMT has selected a 2-level table a later
# linear FMT is ignored until reset (a linear table after a 2-level one
# fails every lookup with C_BAD_STREAMID; seen with this script running
# the two modes in the other order).
# The boot and both runs take about 20 s under TCG.
set -eu

top_builddir=${top_builddir:-.}
srcdir=${top_srcdir:-$(dirname "$0")/../..}
prog="$top_builddir/tests/qemu/smmu-edu-arm64"
timeout_s=${IOMMUPT_QEMU_TIMEOUT:-300}
qemu_arch=arm64

. "$srcdir/tests/qemu/lib.sh"

qemu_tools
for tool in dpkg apt-get; do
	command -v "$tool" >/dev/null || { echo "$tool is missing"; exit 99; }
done
if [ ! -x "$prog" ]; then
	echo "$prog not built (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"
	exit 99
fi
qemu_kernel
qemu_busybox
echo "kernel: $kernel"
"$qemu" --version | head -1

qemu_root
cp "$prog" "$root/smmu-edu"
cat >> "$root/init" <<'EOF'
# Both stream table formats, one after the other: the second run also
# brings up an SMMU that the first one used and shut down. Linear first:
# QEMU 7.2 keeps using 2-level tables once STRTAB_BASE_CFG.FMT selected
# them (until reset), so a linear run after a 2-level one sees
# C_BAD_STREAMID for every stream.
for m in linear 2level; do
	/smmu-edu $m
	echo "IOMMUPT-QEMU: EXIT $m $?"
done
poweroff -f
EOF
qemu_initrd "$root" "$work/initrd.gz"

# virt with the SMMUv3 in front of its PCI host; edu on that host. The
# kernel's SMMUv3 driver stays off (its initcall is blacklisted) so user
# space owns the SMMU through /dev/mem; iomem=relaxed lifts
# CONFIG_IO_STRICT_DEVMEM. TCG: about a minute on a shared host.
log="$work/console.log"
start=$(date +%s)
set +e
timeout "$timeout_s" "$qemu" -accel tcg -M virt,iommu=smmuv3 \
	-cpu cortex-a57 -m 512 -smp 1 -nodefaults -display none \
	-serial stdio -no-reboot -device edu \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyAMA0 initcall_blacklist=arm_smmu_driver_init iomem=relaxed hugepagesz=2M hugepages=16 panic=-1 quiet" \
	</dev/null > "$log" 2>&1
qrc=$?
set -e
echo "qemu exit $qrc after $(( $(date +%s) - start )) s (tcg)"
want=2
qemu_results "$log"
