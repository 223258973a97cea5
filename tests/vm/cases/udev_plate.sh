# udev_plate: with fplate.ko loaded and Debian's systemd-udevd running,
# plugging the emulated amplifier gives /dev/fplate0 group fplate, mode 0660,
# the link /dev/fplate/by-serial/SERIAL, the uaccess and systemd tags and
# SYSTEMD_WANTS=fplated@fplate0.service; the raw USB node gets the same
# permissions, the root hub does not; `udevadm test` shows our rule lines;
# unplugging removes node and link, replugging brings them back; a serial
# with '/' gets the node but no link.
# vm-timeout: 120
. /fplate/lib.sh
. /fplate/files/vm-udev.sh
vm_need /fplate/files/fplate.ko
command -v fplate-gadget >/dev/null ||
	{ vm_result udev_plate SKIP missing=fplate-gadget; exit 0; }

SERIAL=LAB-TM-0042
LINK=/dev/fplate/by-serial/$SERIAL
fails=""
# expect WHAT GOT WANTED
expect() {
	if [ "$2" != "$3" ]; then
		fails="$fails $1"
		echo "udev_plate: $1: got '$2', expected '$3'"
	fi
}

udev_start || { vm_result udev_plate FAIL reason=udevd-start; exit 1; }
insmod /fplate/files/fplate.ko || { vm_result udev_plate FAIL reason=insmod; exit 1; }
vm_gadget_start --serial "$SERIAL" ||
	{ vm_result udev_plate FAIL reason=no-enumeration; exit 1; }
udevadm settle --timeout=30
vm_wait_for 15 test -L "$LINK"

# The kernel module's node and its stable link.
node_perm=$(udev_perm /dev/fplate0)
expect node-perm "$node_perm" "root fplate 660"
expect link "$(readlink "$LINK")" "../../fplate0"
props=$(udevadm info --query=property --name=/dev/fplate0)
expect wants "$(echo "$props" | sed -n 's/^SYSTEMD_WANTS=//p')" "fplated@fplate0.service"
tags=$(echo "$props" | sed -n 's/^TAGS=//p')
case $tags in *:uaccess:*) ;; *) expect tags-uaccess "$tags" ":uaccess:" ;; esac
case $tags in *:systemd:*) ;; *) expect tags-systemd "$tags" ":systemd:" ;; esac

# The raw USB device node (usb:// backend), and a device that is not ours.
sys=$(grep -l "^$SERIAL\$" /sys/bus/usb/devices/*/serial | head -n 1)
sys=${sys%/serial}
usbnode=/dev/bus/usb/$(printf %03d "$(cat "$sys/busnum")")/$(printf %03d "$(cat "$sys/devnum")")
usb_perm=$(udev_perm "$usbnode")
expect usb-perm "$usb_perm" "root fplate 660"
hub_perm=$(udev_perm /dev/bus/usb/001/001)
case $hub_perm in *fplate*|"") expect root-hub "$hub_perm" "not group fplate" ;; esac

# udevadm test shows which rule lines did it.
udevadm test "$(udevadm info --query=path --name=/dev/fplate0)" >/tmp/test-plate.log 2>&1
rule_lines=$(grep -c '60-fplate.rules:[0-9]* ' /tmp/test-plate.log)
grep -q "60-fplate.rules:[0-9]* MODE 0660" /tmp/test-plate.log ||
	expect udevadm-test-mode "$(grep 'MODE' /tmp/test-plate.log | head -n 1)" "60-fplate.rules:N MODE 0660"
grep -q "60-fplate.rules:[0-9]* LINK 'fplate/by-serial/$SERIAL'" /tmp/test-plate.log ||
	expect udevadm-test-link "$(grep 'LINK' /tmp/test-plate.log | head -n 1)" \
		"60-fplate.rules:N LINK 'fplate/by-serial/$SERIAL'"

# Unplug: node, link and raw USB node go away.
vm_usb_unplug
udevadm settle --timeout=30
vm_wait_for 15 sh -c "[ ! -e /dev/fplate0 ] && [ ! -L $LINK ] && [ ! -e $usbnode ]"
gone="node=$([ -e /dev/fplate0 ] && echo present || echo gone)"
gone="$gone,link=$([ -L "$LINK" ] && echo present || echo gone)"
gone="$gone,usb=$([ -e "$usbnode" ] && echo present || echo gone)"
expect unplug "$gone" "node=gone,link=gone,usb=gone"

# Replug: the link comes back, to whichever minor the module hands out.
vm_usb_replug
udevadm settle --timeout=30
vm_wait_for 20 test -L "$LINK"
relink=$(readlink "$LINK")
case $relink in ../../fplate[0-9]*) ;; *) expect replug-link "$relink" "../../fplateN" ;; esac
replug_perm=$(udev_perm "$LINK")
expect replug-perm "$replug_perm" "root fplate 660"

vm_gadget_stop

# A serial with '/': the node, but no by-serial link (it would nest), and
# the module says why.
vm_gadget_start --serial "LAB/TM/7" ||
	{ vm_result udev_plate FAIL reason=no-enumeration-slash; exit 1; }
udevadm settle --timeout=30
vm_wait_for 15 sh -c 'ls /dev/fplate[0-9]* >/dev/null 2>&1'
slash="node=$(ls /dev/fplate[0-9]* >/dev/null 2>&1 && echo present || echo missing)"
slash="$slash,link=$([ -e /dev/fplate/by-serial/LAB ] && echo present || echo none)"
slash="$slash,log=$(dmesg | grep -q "serial \"LAB/TM/7\" contains '/'" && echo yes || echo no)"
expect slash-serial "$slash" "node=present,link=none,log=yes"
vm_gadget_stop

summary="node='$node_perm' link=$(basename "$LINK")->fplate0 usb='$usb_perm' hub='$hub_perm'"
summary="$summary rule_lines=$rule_lines unplug=$gone replug=$relink slash:$slash"
if [ -z "$fails" ]; then
	vm_result udev_plate PASS "$summary"
else
	vm_result udev_plate FAIL "failed:$fails $summary"
	grep -E '60-fplate|fplate' /tmp/test-plate.log | tail -n 20
	udev_show_log
	tail -n 20 /tmp/gadget.log
	exit 1
fi
