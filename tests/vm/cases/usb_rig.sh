# usb_rig: the rig itself works - the usb area's modules are loaded, the
# dummy UDC exists, configfs is mounted - and how long the guest took from
# kernel start to /init (guest clock, software emulation).
# vm-timeout: 30
. /fplate/lib.sh
udc=$(ls /sys/class/udc 2>/dev/null | head -n 1)
vm_check "a UDC (dummy_udc.0) exists" [ -n "$udc" ]
vm_check "configfs usb_gadget is mounted" [ -d /sys/kernel/config/usb_gadget ]
vm_check "usb_f_fs provides functionfs" grep -q functionfs /proc/filesystems
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result usb_rig $st "udc=$udc kernel=$(uname -r) init_at_uptime_s=$(cat /run/vm-boot-uptime)"
exit $VM_FAILED
