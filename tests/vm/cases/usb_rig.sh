# usb_rig: the rig itself works - the usb area's modules are loaded, the
# dummy UDC exists, configfs is mounted - and how long the guest took from
# kernel start to /init (guest clock, software emulation).
# vm-timeout: 30
. /fplate/lib.sh
udc=$(ls /sys/class/udc 2>/dev/null | head -n 1)
vm_check "a UDC (dummy_udc.0) exists" [ -n "$udc" ]
vm_check "configfs usb_gadget is mounted" [ -d /sys/kernel/config/usb_gadget ]
# (functionfs itself is registered only while a gadget instance exists)
vm_check "libcomposite, dummy_hcd and usb_f_fs are loaded" sh -c "grep -q ^libcomposite /proc/modules && grep -q ^dummy_hcd /proc/modules && grep -q ^usb_f_fs /proc/modules"
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result usb_rig $st "udc=$udc kernel=$(uname -r) init_at_uptime_s=$(cat /run/vm-boot-uptime)"
exit $VM_FAILED
