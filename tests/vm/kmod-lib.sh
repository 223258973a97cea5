# SPDX-License-Identifier: LGPL-2.1-or-later
# kmod-lib.sh - helpers of the kmod_* VM cases (fplate.ko), sourced after
# /fplate/lib.sh. Installed in the guest as /fplate/files/kmod-lib.sh.

KMOD_KO=/fplate/files/fplate.ko
KMOD_NODE=/dev/fplate0
KMOD_SYSFS=/sys/class/usbmisc/fplate0/device
KMOD_EP=ipc:///run/fplated.sock

# kmod_short: 0 (true) on kernels that get the shortened smoke run: the
# 30 s figures are measured on Debian's stable 6.1; 6.12 and 6.12-rt run
# the same cases with shorter durations to keep make check in minutes.
kmod_short() {
	case $VM_KVER in 6.1.*) return 1 ;; *) return 0 ;; esac
}

# kmod_load [PARAM=VALUE...]: insmod fplate.ko unless it is loaded.
kmod_load() {
	grep -q '^fplate ' /proc/modules && return 0
	insmod "$KMOD_KO" "$@"
}

# kmod_reload [PARAM=VALUE...]: rmmod (must succeed) and insmod again.
kmod_reload() {
	if grep -q '^fplate ' /proc/modules; then
		rmmod fplate || return 1
	fi
	insmod "$KMOD_KO" "$@"
}

kmod_node_present() { [ -c "$KMOD_NODE" ] && [ -e "$KMOD_SYSFS/serial" ]; }
kmod_node_absent() { ! [ -e "$KMOD_NODE" ]; }

# kmod_up [fplate-gadget options]: load the module, start the emulator,
# wait for /dev/fplate0.
kmod_up() {
	kmod_load || return 1
	vm_gadget_start "$@" || return 1
	if ! vm_wait_for 25 kmod_node_present; then
		echo "kmod: $KMOD_NODE did not appear; dmesg:"
		dmesg | tail -n 20
		return 1
	fi
}

# kmod_reader_blocked PID: PID sleeps in read() (x86_64 syscall 0) while
# fplate0 streams: the state "a reader blocked in read()" that the unplug
# cases need before they pull the device.
kmod_reader_blocked() {
	_kr_nr=
	read -r _kr_nr _kr_rest <"/proc/$1/syscall" 2>/dev/null
	[ "$_kr_nr" = 0 ] && kmod_streaming
}

# kmod_pid_gone PID: the process has exited.
kmod_pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# kmod_counter NAME: a kernel counter of fplate0 from sysfs.
kmod_counter() { cat "$KMOD_SYSFS/counters/$1"; }

# kmod_streaming: fplate0 has received packets since it was plugged in.
kmod_streaming() { [ "$(kmod_counter packets 2>/dev/null || echo 0)" -gt 0 ]; }

# kmod_counters: the counters as key=value for a result line.
kmod_counters() {
	for c in packets samples seq_gaps lost_samples overrun_samples malformed stale urb_errors; do
		printf 'k_%s=%s ' "$c" "$(kmod_counter $c 2>/dev/null)"
	done
}

# kmod_start_fplated: fplated reading kmod:///dev/fplate0, publishing on $KMOD_EP.
kmod_start_fplated() {
	fplated --device "kmod://$KMOD_NODE" --pub "$KMOD_EP" --log-level warn \
		>/tmp/fplated.log 2>&1 &
	KMOD_FPLATED_PID=$!
}

kmod_stop_fplated() {
	[ -n "${KMOD_FPLATED_PID:-}" ] || return 0
	kill "$KMOD_FPLATED_PID" 2>/dev/null
	wait "$KMOD_FPLATED_PID" 2>/dev/null
	KMOD_FPLATED_PID=
}

# kmod_subscribe SAMPLES: run kmod-sub in the background (result in
# /tmp/sub.out) and wait until it is subscribed.
kmod_subscribe() {
	rm -f /tmp/sub.ready
	kmod-sub "$KMOD_EP" "$1" /tmp/sub.ready >/tmp/sub.out 2>&1 &
	KMOD_SUB_PID=$!
	vm_wait_for 15 test -e /tmp/sub.ready
}

# kmod_down: stop what the case started (the module stays loaded).
kmod_down() {
	kmod_stop_fplated
	[ -n "${KMOD_SUB_PID:-}" ] && kill "$KMOD_SUB_PID" 2>/dev/null
	vm_gadget_stop
	vm_wait_for 15 kmod_node_absent
}
