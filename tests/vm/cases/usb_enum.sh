# usb_enum: the emulated amplifier enumerates with the protocol's IDs,
# interface class and bulk IN endpoint; unplug/replug re-enumerates it.
# vm-timeout: 60
. /fplate/lib.sh
fail=0
vm_gadget_start --serial FPENUM01 || { vm_result usb_enum FAIL "no enumeration"; exit 1; }
dev=$(grep -l FPENUM01 /sys/bus/usb/devices/*/serial | head -n 1)
dev=${dev%/serial}
speed=$(cat "$dev/speed")
cls=$(cat "$dev"/*:1.0/bInterfaceClass 2>/dev/null)
sub=$(cat "$dev"/*:1.0/bInterfaceSubClass 2>/dev/null)
ep=$(ls -d "$dev"/*:1.0/ep_81 2>/dev/null)
mps=$(cat "$ep/wMaxPacketSize" 2>/dev/null)
[ "$cls" = ff ] && [ "$sub" = 46 ] && [ -n "$ep" ] || fail=1
vm_usb_unplug
vm_wait_for 10 sh -c '! grep -q FPENUM01 /sys/bus/usb/devices/*/serial' || fail=1
vm_usb_replug
vm_wait_for 10 grep -q FPENUM01 /sys/bus/usb/devices/*/serial || fail=1
vm_gadget_stop
[ -d /sys/kernel/config/usb_gadget/fplate ] && fail=1 # cleaned up on exit
st=PASS; [ $fail = 0 ] || { st=FAIL; cat /tmp/gadget.log; }
vm_result usb_enum $st "speed=$speed class=$cls subclass=$sub ep=$(basename "${ep:-none}") mps=$mps"
exit $fail
