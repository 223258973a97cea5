# usb_rig: the rig itself works - modules loaded, the dummy UDC exists,
# configfs is mounted - and how long the guest took to reach /init.
# vm-timeout: 30
. /fplate/lib.sh
udc=$(ls /sys/class/udc 2>/dev/null | head -n 1)
up=$(cut -d' ' -f1 /proc/uptime)
if [ -n "$udc" ] && [ -d /sys/kernel/config/usb_gadget ]; then
	vm_result usb_rig PASS "udc=$udc kernel=$(uname -r) uptime_s=$up"
else
	vm_result usb_rig FAIL "udc='${udc}' configfs_gadget=$([ -d /sys/kernel/config/usb_gadget ] && echo yes || echo no)"
	exit 1
fi
