# vm-udev.sh - helpers for the udev_* VM cases (sourced after lib.sh).
# Shipped into the guest as /fplate/files/vm-udev.sh (tests/vm/files.d/udev.list).

# As `make install` does on a real machine (groupadd --system fplate).
udev_add_group() {
	grep -q '^fplate:' /etc/group || echo 'fplate:x:990:' >>/etc/group
}

# Start Debian's systemd-udevd once per boot (the cases share the VM), log
# in /tmp/udevd.log, and replay "add" for every device that exists already.
udev_start() {
	udev_add_group
	if [ ! -S /run/udev/control ]; then
		SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=info \
			/lib/systemd/systemd-udevd >>/tmp/udevd.log 2>&1 &
		if ! vm_wait_for 15 test -S /run/udev/control; then
			echo "vm-udev: systemd-udevd did not start; its log:"
			cat /tmp/udevd.log
			return 1
		fi
	fi
	udevadm trigger --type=subsystems --action=add &&
		udevadm trigger --type=devices --action=add &&
		udevadm settle --timeout=30
}

# owner, group and octal mode of a node: "root fplate 660"
udev_perm() { stat -L -c '%U %G %a' "$1" 2>/dev/null; }

# udev_show_log: the daemon's log, for a failure's context.
udev_show_log() {
	echo "---- udevd log (last 40 lines)"
	tail -n 40 /tmp/udevd.log
	echo "----"
}
