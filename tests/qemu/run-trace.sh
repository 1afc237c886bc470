#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# The libbpf tracer on a real kernel: boot Debian's 6.1 kernel in QEMU
# (q35 + edu, with intel-iommu and intel_iommu=on, then with amd-iommu),
# bind edu to vfio-pci, start tests/qemu/trace-vfio (plain VFIO type1
# ioctls), attach a statically linked iommu-trace to it (-p), let it map
# three buffers and unmap one, stop the tracer, and ship the trace out on
# the console between markers. On the host the trace must rebuild exactly
# the mappings the guest says it holds (IOVA, size and physical address
# of every page): checked by replaying it page by page here, and with
# `iommu-sim replay --mappings` when iommu-sim is built. The AMD run also
# has edu write to the unmapped buffer; when the kernel logs that fault,
# the trace must hold it (QEMU 7.2 does not deliver it: noted, not failed).
# Skips (77) only when QEMU or the kernel cannot be had, or iommu-trace is
# not built (needs clang, bpftool and libbpf).
#
# Environment: as tests/qemu/lib.sh, and IOMMUPT_QEMU_TIMEOUT (seconds,
# default 300), IOMMUPT_QEMU_ACCEL (tcg or kvm), IOMMUPT_TRACE_RUNS
# (default "vtd amd"), IOMMUPT_TRACE_KEEP (a directory to keep the console
# logs and traces in).
set -eu

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
prog="$top_builddir/tests/qemu/trace-vfio"
tracer="$top_builddir/tests/qemu/iommu-trace-static"
sim="$top_builddir/tools/iommu-sim"
timeout_s=${IOMMUPT_QEMU_TIMEOUT:-300}

if [ ! -x "$tracer" ]; then
	echo "iommu-trace not built (needs clang, bpftool and libbpf-dev): skipped"
	exit 77
fi
[ -x "$prog" ] || { echo "$prog not built"; exit 99; }
. "$top_srcdir/tests/qemu/lib.sh"
qemu_tools
command -v mkfifo >/dev/null || { echo "mkfifo is missing"; exit 99; }
# VFIO is modular in Debian's 6.1, loaded in dependency order.
mods="virt/lib/irqbypass.ko drivers/vfio/vfio.ko drivers/vfio/vfio_virqfd.ko
drivers/vfio/vfio_iommu_type1.ko drivers/vfio/pci/vfio-pci-core.ko
drivers/vfio/pci/vfio-pci.ko"
# shellcheck disable=SC2086
qemu_kernel $mods
echo "kernel: $kernel"
"$qemu" --version | head -1

qemu_tree mod
cp "$prog" "$root/trace-vfio"
cp "$tracer" "$root/iommu-trace"
for m in $mods; do
	cp "$moddir/kernel/$m" "$root/mod/" ||
		{ echo "module $m missing under $moddir"; exit 99; }
done
modnames=$(for m in $mods; do printf '%s ' "${m##*/}"; done)
cat > "$root/init" <<EOF
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# libbpf finds tracepoint ids under tracefs.
mount -t tracefs nodev /sys/kernel/tracing
echo 1 > /proc/sys/kernel/printk
# No interrupt remapping on this unit (intremap=off): type1 refuses to
# attach unless unsafe interrupts are allowed.
for m in $modnames; do
	case \$m in vfio_iommu_type1.ko) opt=allow_unsafe_interrupts=1;; *) opt=;; esac
	insmod /mod/\$m \$opt || echo "IOMMUPT-QEMU: FAIL trace/insmod \$m"
done
bdf=
for d in /sys/bus/pci/devices/*; do
	[ "\$(cat \$d/vendor)" = 0x1234 ] && [ "\$(cat \$d/device)" = 0x11e8 ] && bdf=\${d##*/}
done
[ -n "\$bdf" ] || echo "IOMMUPT-QEMU: FAIL trace/edu: not found"
echo vfio-pci > /sys/bus/pci/devices/\$bdf/driver_override
echo \$bdf > /sys/bus/pci/drivers_probe
group=\$(basename \$(readlink /sys/bus/pci/devices/\$bdf/iommu_group))
# wait_for FILE PATTERN: up to 60 s.
wait_for() {
	n=0
	while ! grep -q "\$2" "\$1" 2>/dev/null; do
		n=\$((n + 1)); [ \$n -gt 600 ] && return 1; sleep 0.1
	done
}
for arg in \$(cat /proc/cmdline); do
	case "\$arg" in iommupt_trace=fault) fault=fault;; esac
done
# The tracepoint layouts the BPF program assumes, against this kernel's.
/iommu-trace --check > /tmp/check.out 2>&1
echo "IOMMUPT-QEMU: CHECK-EXIT \$?"
sed 's/^/IOMMUPT-QEMU: check: /' /tmp/check.out
mkfifo /tmp/ctl
/trace-vfio \$group /tmp/ctl \$fault > /tmp/guest.out 2>&1 &
gpid=\$!
wait_for /tmp/guest.out 'READY\|FAIL' || echo "IOMMUPT-QEMU: FAIL trace/guest: not ready"
/iommu-trace -p \$gpid -o /tmp/trace.txt 2> /tmp/tracer.err &
tpid=\$!
# The header is written once the tracepoints are attached.
wait_for /tmp/trace.txt '^# iommupt-trace' || echo "IOMMUPT-QEMU: FAIL trace/tracer: not attached"
echo go > /tmp/ctl
wait_for /tmp/guest.out 'MAPPED\|FAIL' || echo "IOMMUPT-QEMU: FAIL trace/guest: no mappings"
kill -INT \$tpid
wait \$tpid
echo "IOMMUPT-QEMU: TRACER-EXIT \$?"
echo exit > /tmp/ctl
wait \$gpid
echo "IOMMUPT-QEMU: GUEST-EXIT \$?"
# Faults the kernel's IOMMU driver logged (AMD-Vi: IO_PAGE_FAULT events).
echo "IOMMUPT-QEMU: KERNEL-FAULTS \$(dmesg | grep -c IO_PAGE_FAULT)"
cat /tmp/guest.out
sed 's/^/IOMMUPT-QEMU: tracer: /' /tmp/tracer.err
echo "IOMMUPT-QEMU: TRACE-BEGIN"
cat /tmp/trace.txt
echo "IOMMUPT-QEMU: TRACE-END"
echo "IOMMUPT-QEMU: DONE"
poweroff -f
EOF
chmod +x "$root/init"
qemu_initrd "$root" "$work/initrd.gz"

accel=${IOMMUPT_QEMU_ACCEL:-tcg}
keep=${IOMMUPT_TRACE_KEEP:-}
[ -n "$keep" ] && mkdir -p "$keep"
status=0
fail() { echo "FAIL $name: $*"; status=1; }

# runs: "IOVA SIZE OA" lines (any order, hex or decimal) into maximal runs
# of contiguous IOVA and OA, sorted, in hex.
runs() {
	while read -r iova size oa; do
		printf '%d %d %d\n' "$iova" "$size" "$oa"
	done | sort -n | {
		ci= cs= co=
		while read -r iova size oa; do
			if [ -n "$ci" ] && [ "$iova" -eq $((ci + cs)) ] &&
			   [ "$oa" -eq $((co + cs)) ]; then
				cs=$((cs + size))
				continue
			fi
			if [ -n "$ci" ]; then
				printf '0x%x 0x%x 0x%x\n' "$ci" "$cs" "$co"
			fi
			ci=$iova cs=$size co=$oa
		done
		if [ -n "$ci" ]; then
			printf '0x%x 0x%x 0x%x\n' "$ci" "$cs" "$co"
		fi
	}
}

# one NAME IOMMU-DEVICE KERNEL-ARGS: boot, collect the trace, check it.
one() {
	local name=$1 log="$work/console-$1.log" qrc start maps unmaps p
	local -A page
	local con="$work/console-$1.txt" tr="$work/trace-$1.txt"
	echo "== $name: -device $2, $3"
	start=$(date +%s)
	set +e
	nice timeout "$timeout_s" "$qemu" -accel "$accel" -M q35 -m 512 -smp 1 \
		-nodefaults -display none -serial stdio -no-reboot \
		-device "$2" -device edu \
		-kernel "$kernel" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 no_timer_check $3 hugepagesz=2M hugepages=4 panic=-1 quiet" \
		</dev/null > "$log" 2>&1
	qrc=$?
	set -e
	echo "qemu exit $qrc after $(( $(date +%s) - start )) s ($accel)"
	tr -d '\r' < "$log" > "$con"
	[ -n "$keep" ] && cp "$con" "$keep/"
	grep -E '^IOMMUPT-QEMU: (FAIL|TRACER-EXIT|GUEST-EXIT|CHECK-EXIT|GONE|FAULT|tracer|check)' "$con" || true
	if ! grep -q '^IOMMUPT-QEMU: DONE' "$con"; then
		fail "the guest did not finish; console tail:"
		tail -n 40 "$con"
		return
	fi
	! grep -q '^IOMMUPT-QEMU: FAIL' "$con" || fail "the guest reported a failure"
	grep -q '^IOMMUPT-QEMU: TRACER-EXIT 0$' "$con" || fail "iommu-trace exited non-zero"
	grep -q '^IOMMUPT-QEMU: GUEST-EXIT 0$' "$con" || fail "trace-vfio exited non-zero"
	if grep -q '^IOMMUPT-QEMU: CHECK-EXIT 0$' "$con" &&
	   grep -q '^IOMMUPT-QEMU: check: iommu-trace: tracepoint formats match' "$con"; then
		echo "PASS trace/formats: the kernel's iommu tracepoint layouts are the BPF program's"
	else
		fail "trace/formats: iommu-trace --check failed"
	fi

	# The trace: the lines between the markers that are trace lines
	# (kernel messages on the console start with '[').
	sed -n '/^IOMMUPT-QEMU: TRACE-BEGIN$/,/^IOMMUPT-QEMU: TRACE-END$/p' "$con" |
		grep -E '^(# |[0-9]+ )' > "$tr" || true
	[ -n "$keep" ] && cp "$tr" "$keep/"
	head -1 "$tr" | grep -q '^# iommupt-trace 1$' || fail "no trace header"
	maps=$(grep -c ' map ' "$tr" || true)
	unmaps=$(grep -c ' unmap ' "$tr" || true)
	echo "trace: $maps map, $unmaps unmap, $(grep -c ' fault ' "$tr" || true) fault events"
	[ "$maps" -ge 3 ] || fail "fewer map events than buffers mapped"
	[ "$unmaps" -ge 1 ] || fail "no unmap event"

	# What the guest says it holds.
	grep '^IOMMUPT-QEMU: EXPECT ' "$con" | awk '{print $3, $4, $5}' |
		runs > "$work/expect-$name"
	[ -s "$work/expect-$name" ] || fail "the guest listed no mappings"
	echo "expected (guest pagemap):"; sed 's/^/  /' "$work/expect-$name"

	# Replay the trace page by page: map sets, unmap clears.
	while read -r _t _dev op iova size oa _flags; do
		case $op in
		map)
			for ((off = 0; off < size; off += 4096)); do
				page[$((iova + off))]=$((oa + off))
			done ;;
		unmap)
			for ((off = 0; off < size; off += 4096)); do
				unset "page[$((iova + off))]"
			done ;;
		esac
	done < <(grep -v '^#' "$tr")
	for p in "${!page[@]}"; do
		echo "$p 4096 ${page[$p]}"
	done | runs > "$work/replayed-$name"
	if cmp -s "$work/expect-$name" "$work/replayed-$name"; then
		echo "PASS trace/replay-pages: the trace rebuilds the guest's $(wc -l < "$work/expect-$name") mapped runs"
	else
		fail "trace/replay-pages: the trace's final mappings differ from the guest's"
		echo "from the trace:"; sed 's/^/  /' "$work/replayed-$name"
	fi
	# The unmapped buffer must be gone.
	grep '^IOMMUPT-QEMU: GONE ' "$con" | while read -r _a _b iova size; do
		for ((off = 0; off < size; off += 4096)); do
			[ -z "${page[$((iova + off))]:-}" ] || { echo "FAIL: $iova+$off still mapped"; exit 1; }
		done
	done || fail "trace/unmapped: an unmapped page is still mapped after replay"
	# A fault the guest provoked must be in the trace, naming the device,
	# when the kernel saw it: QEMU 7.2's AMD-Vi model does not deliver its
	# event log to Linux 6.1, and then the fault path stays unverified.
	if grep -q '^IOMMUPT-QEMU: FAULT ' "$con" &&
	   grep -q '^IOMMUPT-QEMU: KERNEL-FAULTS 0$' "$con"; then
		echo "note $name: the kernel logged no IO_PAGE_FAULT for edu's write: the fault tracepoint was not exercised"
	else
		grep '^IOMMUPT-QEMU: FAULT ' "$con" | while read -r _a _b iova acc dev; do
			if grep -Eq "^[0-9]+ $dev fault $iova 0x1 - $acc\$" "$tr"; then
				echo "PASS trace/fault: $dev's $acc at $iova is in the trace"
			else
				echo "no fault event for $dev $acc $iova in the trace"
				exit 1
			fi
		done || fail "trace/fault: the provoked fault is missing"
	fi

	# The simulator's replay, when iommu-sim is built.
	if [ -x "$sim" ]; then
		if "$sim" replay --mappings "$tr" > "$work/sim-$name.out" 2> "$work/sim-$name.err"; then
			awk '{print $2, $3, $4}' "$work/sim-$name.out" | runs > "$work/sim-maps-$name"
			if cmp -s "$work/expect-$name" "$work/sim-maps-$name"; then
				echo "PASS trace/iommu-sim-replay: iommu-sim replay --mappings rebuilds the same mappings"
			else
				fail "trace/iommu-sim-replay: iommu-sim's final mappings differ"
				sed 's/^/  /' "$work/sim-$name.out"
			fi
		else
			fail "trace/iommu-sim-replay: iommu-sim replay failed"
			cat "$work/sim-$name.err"
		fi
	else
		echo "iommu-sim not built: its replay not run; the page-by-page replay above stands"
	fi
}

# VT-d: map/unmap (the VT-d driver of 6.1 does not report faults through
# the io_page_fault tracepoint). AMD-Vi: map/unmap, and edu writing to the
# unmapped buffer must show up as a fault event naming edu.
for run in ${IOMMUPT_TRACE_RUNS:-vtd amd}; do
	case $run in
	vtd) one vtd intel-iommu,intremap=off "intel_iommu=on intremap=off" ;;
	amd) one amd amd-iommu,intremap=off "intremap=off iommupt_trace=fault" ;;
	*) echo "unknown run $run"; exit 99 ;;
	esac
done
exit $status
