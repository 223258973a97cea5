#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# init.sh - /init of the rig's initramfs (busybox sh, runs as PID 1).
#
# Mounts the pseudo file systems, loads the area's kernel modules in the
# order vm.sh resolved, runs every case script in /fplate/cases with a
# timeout, prints the kernel log between markers and powers off. The host
# (vm.sh) reads all of this from the serial console; the line formats are
# the interface:
#   vminit: start uptime=S          /init began (guest uptime in s)
#   vmcase-begin: NAME / vmcase-end: NAME rc=N
#   vmtest: NAME PASS|FAIL|SKIP key=value...   (printed by the cases)
#   vmkernel-log-begin ... vmkernel-log-end
#   vminit: done
export PATH=/fplate/bin:/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/ TMPDIR=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
echo # the firmware leaves its last line unterminated
cut -d' ' -f1 /proc/uptime >/run/vm-boot-uptime 2>/dev/null
echo "vminit: start uptime=$(cut -d' ' -f1 /proc/uptime)"
. /fplate/config
export VM_AREA VM_KVER

# Loopback for daemons that bind 127.0.0.1; ipc:// sockets live in /run.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

while read -r mod; do
	[ -n "$mod" ] || continue
	if ! out=$(insmod "$mod" 2>&1); then
		case $out in
		*"File exists"*) ;;
		*) echo "vminit: insmod $mod failed: $out" ;;
		esac
	fi
done </fplate/modules.order
# configfs (a module, or built in) is needed by the gadget cases.
if grep -q configfs /proc/filesystems; then
	mount -t configfs none /sys/kernel/config 2>/dev/null
fi
echo "vminit: modules loaded uptime=$(cut -d' ' -f1 /proc/uptime)"

for c in /fplate/cases/*.sh; do
	[ -e "$c" ] || continue
	name=$(basename "$c" .sh)
	t=$(sed -n 's/^# *vm-timeout: *\([0-9][0-9]*\).*/\1/p' "$c" | head -n 1)
	echo "vmcase-begin: $name"
	rm -f /tmp/case.rc /tmp/case.out
	( cd /tmp && VM_CASE=$name timeout "${t:-120}" sh "$c" 2>&1; echo $? >/tmp/case.rc ) |
		tee /tmp/case.out
	rc=$(cat /tmp/case.rc 2>/dev/null || echo 255)
	if ! grep -q '^vmtest: ' /tmp/case.out; then
		echo "vmtest: $name FAIL no result printed (exit status $rc)"
	elif [ "$rc" != 0 ] && ! grep -q '^vmtest: [^ ]* FAIL' /tmp/case.out; then
		echo "vmtest: $name FAIL exit status $rc$([ "$rc" = 143 ] && echo ' (timeout)')"
	fi
	echo "vmcase-end: $name rc=$rc"
done

echo "vmkernel-log-begin"
dmesg
echo "vmkernel-log-end"
echo "vminit: done uptime=$(cut -d' ' -f1 /proc/uptime)"
sync
poweroff -f
