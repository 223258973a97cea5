# vm-udev.sh - helpers for the udev_* VM cases (sourced after lib.sh).
# Shipped into the guest as /fplate/files/vm-udev.sh (tests/vm/files.d/udev.list).

# As `make install` does on a real machine (groupadd --system fplate).
udev_add_group() {
	grep -q '^fplate:' /etc/group || echo 'fplate:x:990:' >>/etc/group
}

# ... and useradd --system --gid fplate fplate.
udev_add_user() {
	udev_add_group
	grep -q '^fplate:' /etc/passwd ||
		echo 'fplate:x:990:990:fplate acquisition daemon:/nonexistent:/bin/false' >>/etc/passwd
}

# Debian's systemd as PID 1 of a new PID namespace (the rig's /init stays
# PID 1 of the VM), with systemd-udevd as its service; logs in
# /tmp/systemd.log. systemd refuses clients whose PID it cannot see, so
# `sctl` runs systemctl inside the namespace.
sctl() { nsenter -t "$SYSTEMD_PID" -p -m systemctl --no-pager --no-ask-password "$@"; }

# sctl_prop UNIT PROPERTY: one property's value
sctl_prop() { sctl show -P "$2" "$1" 2>/dev/null; }

# sctl_is UNIT STATE: ActiveState is STATE
sctl_is() { [ "$(sctl_prop "$1" ActiveState)" = "$2" ]; }

systemd_start() {
	udev_add_user
	rm -rf /run/systemd /run/udev   # what an earlier case's manager left
	mkdir -p /etc/systemd/system
	cat >/etc/systemd/system/fplate-vm.target <<-EOF
	[Unit]
	Description=fplate VM test
	Wants=fplate-udevd.service
	EOF
	cat >/etc/systemd/system/fplate-udevd.service <<-EOF
	[Unit]
	Description=systemd-udevd for the fplate VM test
	[Service]
	Type=notify
	ExecStart=/lib/systemd/systemd-udevd
	EOF
	# The daemons' output in /run/fplate-vm/UNIT.log (the sandbox forbids
	# /dev/console, and there is no journald here).
	mkdir -p /run/fplate-vm /etc/systemd/system/fplated.service.d \
		/etc/systemd/system/fplated@.service.d
	for d in fplated.service.d fplated@.service.d; do
		printf '[Service]\nStandardOutput=append:/run/fplate-vm/%%n.log\nStandardError=inherit\n' \
			>/etc/systemd/system/$d/vm-log.conf
	done
	unshare -p -f --mount-proc /lib/systemd/systemd --system --unit=fplate-vm.target \
		--log-target=console --log-level=info --show-status=no \
		--default-standard-output=inherit --default-standard-error=inherit \
		</dev/null >>/tmp/systemd.log 2>&1 &
	SYSTEMD_NS_PID=$!
	vm_wait_for 15 pidof systemd
	SYSTEMD_PID=$(pidof systemd | cut -d' ' -f1)
	if [ -z "$SYSTEMD_PID" ] || ! vm_wait_for 90 sctl_is fplate-udevd.service active; then
		echo "vm-udev: systemd or its udevd did not come up; log:"
		tail -n 40 /tmp/systemd.log
		sctl status fplate-udevd.service 2>&1 | tail -n 20
		return 1
	fi
	# udevd too refuses control clients whose PID it cannot see.
	nsenter -t "$SYSTEMD_PID" -p -m udevadm trigger --type=subsystems --action=add &&
		nsenter -t "$SYSTEMD_PID" -p -m udevadm trigger --type=devices --action=add &&
		nsenter -t "$SYSTEMD_PID" -p -m udevadm settle --timeout=30
}

# End the namespace: SIGKILL to its PID 1 kills every process in it.
systemd_kill() {
	kill -KILL "$SYSTEMD_PID" 2>/dev/null
	wait "$SYSTEMD_NS_PID" 2>/dev/null
}
# Start Debian's systemd-udevd once per boot (the cases share the VM), log
# in /tmp/udevd.log, and replay "add" for every device that exists already.
udev_start() {
	udev_add_group
	if [ ! -S /run/udev/control ]; then
		SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=info \
			/lib/systemd/systemd-udevd >>/tmp/udevd.log 2>&1 &
		if ! vm_wait_for 20 test -S /run/udev/control; then
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
