# SPDX-License-Identifier: LGPL-2.1-or-later
# lib.sh - helpers for the VM case scripts (sourced: `. /fplate/lib.sh`).
# Runs in the guest under busybox sh. A case reports each result with
# vm_result and exits non-zero if anything failed.

# vm_result NAME PASS|FAIL|SKIP [key=value ...]
vm_result() {
	_n=$1 _s=$2
	shift 2
	echo "vmtest: $_n $_s $*"
}

# vm_need PATH...: report SKIP for $VM_CASE and exit 0 when a file is missing
# (an artefact of another branch not built yet, say).
vm_need() {
	for _f in "$@"; do
		if [ ! -e "$_f" ]; then
			vm_result "$VM_CASE" SKIP "missing=$_f"
			exit 0
		fi
	done
}

# vm_now_cs: set VM_NOW_CS to /proc/uptime in centiseconds (an integer for
# $((...)); no fork, so polling loops stay cheap under TCG).
vm_now_cs() {
	read -r _vn_u _vn_r </proc/uptime
	_vn_u=${_vn_u%.*}${_vn_u#*.}
	while [ "${_vn_u#0}" != "$_vn_u" ] && [ ${#_vn_u} -gt 1 ]; do _vn_u=${_vn_u#0}; done
	VM_NOW_CS=$_vn_u
}

# vm_wait_for SECONDS COMMAND...: retry COMMAND every 0.1 s until it succeeds,
# for at most SECONDS (a whole number) of wall-clock time, however long
# COMMAND itself takes (fplate status in TCG: a large part of a second), so a
# failing case prints its own result before its vm-timeout (a try started
# before the deadline may end after it). On giving up it says so on stderr.
vm_wait_for() {
	vm_now_cs
	_vw_t0=$VM_NOW_CS
	_vw_end=$((VM_NOW_CS + $1 * 100))
	_vw_n=0
	shift
	while :; do
		_vw_n=$((_vw_n + 1))
		"$@" >/dev/null 2>&1 && return 0
		vm_now_cs
		[ "$VM_NOW_CS" -lt "$_vw_end" ] || break
		sleep 0.1
	done
	echo "vm_wait_for: gave up after $(((VM_NOW_CS - _vw_t0) / 100)).$(((VM_NOW_CS - _vw_t0) % 100 / 10)) s, $_vw_n tries: $*" >&2
	return 1
}

# vm_uptime: seconds since boot (decimals): measure what sleeps really took
# (under host load a `sleep 0.5` can last much longer).
vm_uptime() { cut -d' ' -f1 /proc/uptime; }

# vm_usbsub_start ENDPOINT: fplate-usbsub in the background until SIGTERM
# (output /tmp/sub.out, pid $VM_SUB_PID); returns when its first frame came
# (fails after 20 s without one).
vm_usbsub_start() {
	rm -f /tmp/sub.ready
	fplate-usbsub "$1" 0 /tmp/sub.ready >/tmp/sub.out 2>&1 &
	VM_SUB_PID=$!
	vm_wait_for 20 test -e /tmp/sub.ready
}

# ---- the emulated fplate USB device (tests/vm/bin/fplate-gadget.c) --------
VM_GADGET=/sys/kernel/config/usb_gadget/fplate

# vm_usb_present: the emulated device is enumerated on the host side.
vm_usb_present() {
	grep -qx 1209 /sys/bus/usb/devices/*/idVendor 2>/dev/null &&
		grep -qx f9a7 /sys/bus/usb/devices/*/idProduct 2>/dev/null
}

# vm_gadget_start [fplate-gadget options]: start the emulator in the
# background (log /tmp/gadget.log), wait until the host enumerated it.
vm_gadget_start() {
	fplate-gadget "$@" >/tmp/gadget.log 2>&1 &
	VM_GADGET_PID=$!
	if ! vm_wait_for 25 vm_usb_present; then
		echo "vm: emulated device did not enumerate; gadget log:"
		cat /tmp/gadget.log
		return 1
	fi
}

vm_gadget_stop() {
	[ -n "${VM_GADGET_PID:-}" ] || return 0
	kill "$VM_GADGET_PID" 2>/dev/null
	wait "$VM_GADGET_PID" 2>/dev/null
	VM_GADGET_PID=
}

# Unplug / replug the emulated device: unbind / rebind the UDC.
vm_usb_unplug() { echo "" >"$VM_GADGET/UDC"; }
vm_usb_replug() { ls /sys/class/udc | head -n 1 >"$VM_GADGET/UDC"; }

# vm_check DESCRIPTION COMMAND...: run a check; on failure say which and
# set VM_FAILED=1 (the case then reports FAIL and exits 1).
VM_FAILED=0
vm_check() {
	_d=$1
	shift
	if ! "$@"; then
		echo "check failed: $_d"
		VM_FAILED=1
	fi
}

# vm_between VALUE MIN MAX: MIN <= VALUE <= MAX (decimals allowed).
vm_between() {
	awk -v v="$1" -v a="$2" -v b="$3" 'BEGIN { exit !(v != "" && v + 0 >= a && v + 0 <= b) }'
}

# vm_kv KEY TEXT: the value of KEY=value in a line of key=value words.
vm_kv() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# vm_device_state EP: the device state in fplated's status ("running",
# "gone", ...): the "state" of the "device" object, not the other "state"
# keys status carries (clock_sync.state).
vm_device_state() {
	fplate status --json --endpoint "$1" --timeout 2 2>/dev/null |
		sed -n 's/.*"device":{[^{}]*"state":"\([a-z]*\)".*/\1/p'
}
