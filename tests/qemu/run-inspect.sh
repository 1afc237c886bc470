#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# The inspector against tables the Linux kernel built. Boots a Debian 6.1
# kernel in QEMU (q35 + intel-iommu + edu, intel_iommu=on; then the same in
# scalable mode; then amd-iommu with amd_iommu=on). In the guest,
# tests/qemu/inspect-vfio binds edu to vfio-pci, maps buffers at known IOVAs
# through VFIO type1, prints their physical addresses and the IOMMU's table
# register, and waits. The host dumps guest memory over the monitor
# (dump-guest-memory: an ELF core), runs `iommupt inspect` and `iommupt
# validate` on the dump, and checks that the ranges listed for edu are
# exactly what the guest mapped and that the tables validate clean.
# Skips (77) only when QEMU or the kernel cannot be had.
#
# Environment: IOMMUPT_QEMU_CACHE (kernel cache, default
# $top_builddir/tests/qemu/cache), IOMMUPT_QEMU_KERNEL and
# IOMMUPT_QEMU_MODULES (a vmlinuz and its lib/modules/VERSION directory to
# use instead), IOMMUPT_QEMU_TIMEOUT (seconds per boot, default 300),
# IOMMUPT_INSPECT_RUNS (default "vtd vtd-sm amd"), IOMMUPT_INSPECT_KEEP (a
# directory to keep the dumps and reports in).
set -eu

top_builddir=${top_builddir:-.}
srcdir=${top_srcdir:-$(dirname "$0")/../..}
prog="$top_builddir/tests/qemu/inspect-vfio"
inspector="$top_builddir/tools/iommupt"
timeout_s=${IOMMUPT_QEMU_TIMEOUT:-300}
runs=${IOMMUPT_INSPECT_RUNS:-vtd vtd-sm amd}

. "$srcdir/tests/qemu/lib.sh"

qemu_tools
command -v mkfifo >/dev/null || { echo "mkfifo is missing"; exit 99; }
[ -x "$prog" ] && [ -x "$inspector" ] || { echo "$prog or $inspector not built"; exit 99; }

# VFIO is modular in Debian's 6.1 (CONFIG_VFIO=m, CONFIG_VFIO_PCI=m): the
# modules come from the same kernel package, in dependency order.
mods="virt/lib/irqbypass.ko drivers/vfio/vfio.ko drivers/vfio/vfio_virqfd.ko
drivers/vfio/vfio_iommu_type1.ko drivers/vfio/pci/vfio-pci-core.ko
drivers/vfio/pci/vfio-pci.ko"
# shellcheck disable=SC2086 # one argument per module
qemu_kernel $mods
echo "kernel: $kernel"
"$qemu" --version | head -1

qemu_tree mod
qpid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
cp "$prog" "$root/inspect-vfio"
for m in $mods; do
	cp "$moddir/kernel/$m" "$root/mod/" ||
		{ echo "module $m missing under $moddir"; exit 99; }
done
cat > "$root/init" <<EOF
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# No interrupt remapping on this unit (intremap=off): type1 refuses to
# attach unless unsafe interrupts are allowed.
for m in $(for m in $mods; do printf '%s ' "${m##*/}"; done); do
	case \$m in vfio_iommu_type1.ko) opt=allow_unsafe_interrupts=1;; *) opt=;; esac
	insmod /mod/\$m \$opt || echo "IOMMUPT-QEMU: FAIL insmod \$m"
done
for arg in \$(cat /proc/cmdline); do
	case "\$arg" in iommupt_unit=*) unit=\${arg#*=};; esac
done
/inspect-vfio \$unit
echo "IOMMUPT-QEMU: FAIL inspect-vfio exited \$?"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$work/initrd.gz"

accel=${IOMMUPT_QEMU_ACCEL:-tcg}
status=0
keep=${IOMMUPT_INSPECT_KEEP:-}
[ -n "$keep" ] && mkdir -p "$keep"

# covers LISTED ASKED: the listed permissions grant what the guest asked
# for (Linux's VT-d driver installs a write-only VFIO map as read/write).
covers() {
	case $2 in r?) case $1 in r?) ;; *) return 1;; esac;; esac
	case $2 in ?w) case $1 in ?w) ;; *) return 1;; esac;; esac
	return 0
}

# check NAME REPORT: the ranges the report lists under edu's requester ID
# must be exactly the guest's MAP lines (each MAP piece inside one range at
# the same offset, with the permissions asked for, and the same byte count).
check_ranges() {
	awk -v sid="$edu" '
		$1 == sid { on = 1; next }
		/^[^ ]/ { on = 0 }
		on && $2 == "->" { split($1, r, "-"); print r[1], r[2], $3, $4 }
	' "$2" > "$work/ranges"
	grep '^IOMMUPT-QEMU: MAP ' "$log" | tr -d '\r' | awk '{print $3, $4, $5, $6}' > "$work/maps"
	if [ ! -s "$work/ranges" ] || [ ! -s "$work/maps" ]; then
		echo "FAIL $1: no ranges listed for $edu or no mappings"; status=1; return
	fi
	mapped=0
	while read -r iova pa len prot; do
		found=
		while read -r first last oa rprot; do
			if [ $((iova)) -ge $((first)) ] &&
			   [ $((iova + len - 1)) -le $((last)) ] &&
			   [ $((oa + iova - first)) -eq $((pa)) ] &&
			   covers "$rprot" "$prot"; then
				found=1; break
			fi
		done < "$work/ranges"
		if [ -n "$found" ] && [ "$rprot" != "$prot" ]; then
			echo "note $1: $iova asked $prot, the kernel installed $rprot"
		fi
		if [ -z "$found" ]; then
			echo "FAIL $1: guest mapping $iova -> $pa ($len, $prot) not listed"; status=1
		fi
		mapped=$((mapped + len))
	done < "$work/maps"
	listed=0
	while read -r first last oa rprot; do
		listed=$((listed + last - first + 1))
	done < "$work/ranges"
	if [ "$listed" -ne "$mapped" ]; then
		echo "FAIL $1: $listed bytes listed for $edu, the guest mapped $mapped"; status=1
	else
		echo "PASS $1: $(wc -l < "$work/maps") guest mappings ($mapped bytes) listed for $edu"
	fi
}

# boot NAME IOMMU-DEVICE CMDLINE UNIT
boot() {
	name=$1
	log="$work/console-$name.log"
	dump="$work/dump-$name.elf"
	rm -f "$work/mon" "$dump"
	mkfifo "$work/mon"
	echo "== $name: -device $2, $3"
	start=$(date +%s)
	# The monitor reads commands from a FIFO; the console goes to a file.
	# shellcheck disable=SC2086
	nice timeout "$timeout_s" "$qemu" -accel "$accel" -M q35 -m 256 -smp 1 \
		-nodefaults -display none -no-reboot -serial "file:$log" \
		-monitor stdio -device "$2" -device edu \
		-kernel "$kernel" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 no_timer_check $3 iomem=relaxed hugepagesz=2M hugepages=2 panic=-1 quiet iommupt_unit=$4" \
		< "$work/mon" > "$work/monitor-$name.log" 2>&1 &
	qpid=$!
	exec 3> "$work/mon"
	while :; do
		if grep -q '^IOMMUPT-QEMU: \(READY\|FAIL\)' "$log" 2>/dev/null ||
		   ! kill -0 "$qpid" 2>/dev/null; then
			break
		fi
		sleep 1
	done
	if grep -q '^IOMMUPT-QEMU: READY' "$log"; then
		echo "dump-guest-memory $dump" >&3
	fi
	echo "quit" >&3
	exec 3>&-
	wait "$qpid" || true
	qpid=
	echo "guest ran $(( $(date +%s) - start )) s ($accel)"
	tr -d '\r' < "$log" | grep '^IOMMUPT-QEMU:' || true
	if [ ! -s "$dump" ]; then
		echo "FAIL $name: no dump; console tail:"
		tail -n 30 "$log"
		status=1
		return
	fi
	edu=$(tr -d '\r' < "$log" | sed -n 's/^IOMMUPT-QEMU: EDU //p')
	reg=$(tr -d '\r' < "$log" | sed -n 's/^IOMMUPT-QEMU: REG [A-Z_]* //p')
	case $4 in
	vtd) start_opt="--vtd-rtaddr $reg" ;;
	amd) start_opt="--amd-devtab $reg" ;;
	esac
	# shellcheck disable=SC2086
	"$inspector" inspect --image "$dump" $start_opt > "$work/inspect-$name.txt" 2>&1 ||
		{ echo "FAIL $name: inspect exit $?"; status=1; }
	# shellcheck disable=SC2086
	if "$inspector" validate --image "$dump" $start_opt > "$work/validate-$name.txt" 2>&1; then
		echo "PASS $name: the kernel's tables validate clean"
	else
		echo "FAIL $name: validate:"; status=1
		head -20 "$work/validate-$name.txt"
	fi
	echo "-- iommupt inspect --image dump-$name.elf $start_opt"
	cat "$work/inspect-$name.txt"
	check_ranges "$name" "$work/inspect-$name.txt"
	[ -n "$keep" ] && cp "$dump" "$log" "$work/inspect-$name.txt" "$work/validate-$name.txt" "$keep/"
	rm -f "$dump"
}

for r in $runs; do
	case $r in
	vtd) boot vtd "intel-iommu,intremap=off" "intel_iommu=on" vtd ;;
	vtd-sm) boot vtd-sm "intel-iommu,intremap=off,x-scalable-mode=on" \
		"intel_iommu=on,sm_on" vtd ;;
	amd) boot amd "amd-iommu,intremap=off" "amd_iommu=on" amd ;;
	*) echo "unknown run $r"; exit 99 ;;
	esac
done
exit $status
