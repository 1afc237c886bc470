#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# Host half of the VFIO type1 and UIO hardware-in-the-loop tests: boot
# Debian's 6.1 kernel in QEMU (q35 + intel-iommu + edu) with a busybox
# initramfs holding the statically linked tests/qemu/vfio-edu and the
# vfio/uio modules of the same kernel package, and turn the guest's console
# lines into an Automake result.
#   boot 1: intel_iommu=on; vfio, vfio_iommu_type1 (dma_entry_limit=64,
#           allow_unsafe_interrupts=1: the unit has no interrupt
#           remapping), vfio-pci; runs "vfio-edu vfio", then
#           devices-check.sh (tools/iommupt-devices on the real sysfs,
#           when built), then the extra command if one is given.
#   boot 2: intel_iommu=off, 256 MiB of memory (edu reaches 28 bits);
#           uio, uio_pci_generic; runs "vfio-edu uio".
# Skips (77) only when QEMU or the kernel cannot be had.
#
# Environment (lib.sh has the kernel and cache variables):
#   IOMMUPT_QEMU_TIMEOUT    seconds per boot (default 300)
#   IOMMUPT_QEMU_ACCEL      tcg (default) or kvm
#   IOMMUPT_VFIO_BOOTS      which boots (default "vfio uio")
#   IOMMUPT_QEMU_EXTRA_FILES  host files copied into the guest's /extra
#   IOMMUPT_QEMU_EXTRA_MODS   more modules (paths under kernel/) to load
#                             in boot 1, in this order
#   IOMMUPT_QEMU_EXTRA_CMD  a shell command boot 1 runs after vfio-edu;
#                           it must print "IOMMUPT-QEMU: PASS|FAIL ..."
#                           lines and one "IOMMUPT-QEMU: DONE" line
set -eu

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(dirname "$0")/../..}
prog="$top_builddir/tests/qemu/vfio-edu"
timeout_s=${IOMMUPT_QEMU_TIMEOUT:-300}
boots=${IOMMUPT_VFIO_BOOTS:-vfio uio}
extra_files=${IOMMUPT_QEMU_EXTRA_FILES:-}
extra_mods=${IOMMUPT_QEMU_EXTRA_MODS:-}
extra_cmd=${IOMMUPT_QEMU_EXTRA_CMD:-}

. "$top_srcdir/tests/qemu/lib.sh"

qemu_tools
[ -x "$prog" ] || { echo "$prog not built"; exit 99; }

# Modular in Debian's 6.1 (CONFIG_VFIO=m, CONFIG_VFIO_PCI=m,
# CONFIG_UIO_PCI_GENERIC=m): listed in dependency order.
vfio_mods="virt/lib/irqbypass.ko drivers/vfio/vfio.ko
drivers/vfio/vfio_virqfd.ko drivers/vfio/vfio_iommu_type1.ko
drivers/vfio/pci/vfio-pci-core.ko drivers/vfio/pci/vfio-pci.ko"
uio_mods="drivers/uio/uio.ko drivers/uio/uio_pci_generic.ko"
# shellcheck disable=SC2086
qemu_kernel $vfio_mods $uio_mods $extra_mods
echo "kernel: $kernel"
"$qemu" --version | head -1

qemu_tree mod/vfio mod/uio mod/extra extra
cp "$prog" "$root/vfio-edu"
i=0
for m in $vfio_mods; do
	i=$((i + 1)); cp "$moddir/kernel/$m" "$root/mod/vfio/$i-${m##*/}"
done
for m in $uio_mods; do
	i=$((i + 1)); cp "$moddir/kernel/$m" "$root/mod/uio/$i-${m##*/}"
done
for m in $extra_mods; do
	i=$((i + 1)); cp "$moddir/kernel/$m" "$root/mod/extra/$i-${m##*/}"
done
for f in $extra_files; do
	cp "$f" "$root/extra/"
done
printf '%s\n' "$extra_cmd" > "$root/extra-cmd"
# iommupt-devices (libpci), when built, with the shared libraries it needs
# (the build's and the system's) and the loader: Debian has no static
# libpci.
devtool="$top_builddir/tools/.libs/iommupt-devices"
[ -x "$devtool" ] || devtool="$top_builddir/tools/iommupt-devices"
devices=
if [ -x "$devtool" ] && head -c 4 "$devtool" | grep -q ELF; then
	mkdir -p "$root/libs" "$root/lib64"
	cp "$devtool" "$root/iommupt-devices"
	cp "$top_srcdir/tests/qemu/devices-check.sh" "$root/devices-check.sh"
	b=$(cd "$top_builddir" && pwd)
	LD_LIBRARY_PATH="$b/drivers/.libs:$b/libiommupt/.libs" \
		ldd "$devtool" > "$work/ldd" || { echo "ldd $devtool failed"; exit 99; }
	if grep -q 'not found' "$work/ldd"; then
		echo "ldd $devtool:"; cat "$work/ldd"; exit 99
	fi
	for l in $(awk '$2 == "=>" && $3 ~ /^\// {print $3}' "$work/ldd"); do
		cp -L "$l" "$root/libs/"
	done
	for l in $(awk '$1 ~ /^\/.*ld-linux/ {print $1}' "$work/ldd"); do
		cp -L "$l" "$root/lib64/"
	done
	devices=1
else
	echo "iommupt-devices not built (needs libpci): its guest check is left out"
fi
cat > "$root/init" <<'EOF'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin:/extra
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# Locked 4K pages must not migrate while a device uses them.
echo 0 > /proc/sys/vm/compact_unevictable_allowed 2>/dev/null
# Modules in dependency order (the file names are numbered).
load() {
	for m in $(ls /mod/$1 | sort -n); do
		case $m in
		*vfio_iommu_type1.ko) opt="allow_unsafe_interrupts=1 dma_entry_limit=64";;
		*) opt=;;
		esac
		insmod /mod/$1/$m $opt || echo "IOMMUPT-QEMU: FAIL $1/insmod: $m"
	done
}
for arg in $(cat /proc/cmdline); do
	case "$arg" in iommupt_boot=*) boot=${arg#*=};; esac
done
case "$boot" in
vfio)
	load vfio
	load extra
	/vfio-edu vfio
	echo "IOMMUPT-QEMU: EXIT vfio $?"
	if [ -x /iommupt-devices ]; then
		sh /devices-check.sh
		echo "IOMMUPT-QEMU: EXIT devices $?"
	fi
	if [ -s /extra-cmd ] && [ -n "$(cat /extra-cmd)" ]; then
		sh /extra-cmd
		echo "IOMMUPT-QEMU: EXIT extra $?"
	fi
	;;
uio)
	load uio
	/vfio-edu uio
	echo "IOMMUPT-QEMU: EXIT uio $?"
	;;
esac
poweroff -f
EOF
chmod +x "$root/init"
qemu_initrd "$root" "$work/initrd.gz"

accel=${IOMMUPT_QEMU_ACCEL:-tcg}
status=0

# boot NAME MEMORY KERNEL-ARGS
boot() {
	log="$work/console-$1.log"
	start=$(date +%s)
	echo "== boot $1: $3"
	set +e
	nice timeout "$timeout_s" "$qemu" -accel "$accel" -M q35 -m "$2" -smp 1 \
		-nodefaults -display none -serial stdio -no-reboot \
		-device intel-iommu,intremap=off -device edu \
		-kernel "$kernel" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 no_timer_check $3 panic=-1 quiet iommupt_boot=$1" \
		</dev/null > "$log" 2>&1
	qrc=$?
	set -e
	echo "qemu exit $qrc after $(( $(date +%s) - start )) s ($accel)"
	want=1
	if [ "$1" = vfio ]; then
		[ -z "$devices" ] || want=$((want + 1))
		[ -z "$extra_cmd" ] || want=$((want + 1))
	fi
	qemu_results "$log" || status=1
}

for b in $boots; do
	case $b in
	vfio) boot vfio 512M "intel_iommu=on intremap=off" ;;
	uio) boot uio 256M "intel_iommu=off intremap=off" ;;
	*) echo "unknown boot $b"; exit 99 ;;
	esac
done
exit $status
