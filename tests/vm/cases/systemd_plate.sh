# systemd_plate: plug-and-play as a lab sees it, with Debian's systemd and
# udevd and the installed rules and units: plugging the amplifier starts
# fplated@fplate0.service through SYSTEMD_WANTS, it reports READY with its
# device and publishes on its own ipc:// endpoints, which a member of group
# fplate can use and another user cannot; unplugging stops it (BindsTo=),
# replugging starts it again.
# vm-timeout: 300
. /fplate/lib.sh
. /fplate/files/vm-udev.sh
vm_need /fplate/files/fplate.ko
command -v fplate-gadget >/dev/null ||
	{ vm_result systemd_plate SKIP missing=fplate-gadget; exit 0; }

UNIT=fplated@fplate0.service
ENDPOINT=ipc:///run/fplate/fplate0/force
fails=""
expect() { # WHAT GOT WANTED
	if [ "$2" != "$3" ]; then
		fails="$fails $1"
		echo "systemd_plate: $1: got '$2', expected '$3'"
	fi
}

systemd_start || { vm_result systemd_plate FAIL reason=systemd-start; exit 1; }
insmod /fplate/files/fplate.ko || { vm_result systemd_plate FAIL reason=insmod; exit 1; }
t0=$(cut -d' ' -f1 /proc/uptime)
vm_gadget_start --serial LAB-TM-0042 ||
	{ vm_result systemd_plate FAIL reason=no-enumeration; systemd_kill; exit 1; }
vm_wait_for 60 sctl_is "$UNIT" active
t1=$(cut -d' ' -f1 /proc/uptime)
expect plug-starts "$(sctl_prop "$UNIT" ActiveState)/$(sctl_prop "$UNIT" SubState)" "active/running"
status=$(sctl_prop "$UNIT" StatusText)
expect status-text "$status" "kmod:///dev/fplate0, publishing on $ENDPOINT"
out=$(fplate status --endpoint "$ENDPOINT" 2>&1)
frc=$?
expect fplate-status "$frc" 0
[ $frc = 0 ] || echo "$out" | tail -n 5

# Access: alice is in group fplate, bob is not.
grep -q '^alice:' /etc/passwd || {
	echo 'alice:x:1000:1000::/tmp:/bin/sh' >>/etc/passwd
	echo 'bob:x:1001:1001::/tmp:/bin/sh' >>/etc/passwd
	printf 'alice:x:1000:\nbob:x:1001:\n' >>/etc/group
	sed -i 's/^fplate:x:990:$/fplate:x:990:alice/' /etc/group
}
as() { su -s /bin/sh -c "$2" "$1" >/tmp/as-$1.log 2>&1; echo $?; }
rundir=$(stat -c '%U %G %a' /run/fplate/fplate0)
expect rundir "$rundir" "fplate fplate 750"
CTL=ipc:///run/fplate/fplate0/control
alice="$(as alice "/usr/bin/fplate status --endpoint $ENDPOINT")"
alice="$alice/$(as alice "/usr/bin/fplate describe --ctl $CTL --timeout 5")"
bob="$(as bob "/usr/bin/fplate status --endpoint $ENDPOINT --timeout 2")"
bob="$bob/$(as bob "/usr/bin/fplate describe --ctl $CTL --timeout 2")"
expect group-member "$alice" "0/0"
expect other-user "$bob" "1/1"
[ "$alice" = "0/0" ] || cat /tmp/as-alice.log

vm_usb_unplug
vm_wait_for 30 sctl_is "$UNIT" inactive
expect unplug-stops "$(sctl_prop "$UNIT" ActiveState)" "inactive"

vm_usb_replug
vm_wait_for 60 sctl_is "$UNIT" active
expect replug-starts "$(sctl_prop "$UNIT" ActiveState)" "active"

vm_gadget_stop
systemd_kill
summary="plug_to_ready_s=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') status='$status'"
summary="$summary rundir='$rundir' member=$alice other=$bob"
if [ -z "$fails" ]; then
	vm_result systemd_plate PASS "$summary"
else
	vm_result systemd_plate FAIL "failed:$fails $summary"
	sctl status "$UNIT" 2>&1 | tail -n 20
	tail -n 20 /run/fplate-vm/*.log
	tail -n 10 /tmp/gadget.log
	exit 1
fi
