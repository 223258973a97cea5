# usb_detach: with fplate.ko bound to the amplifier, usb:// refuses to take
# it over (the message says detach=1) and leaves /dev/fplate0 working; with
# detach=1 it detaches the kernel driver, streams, and on close gives the
# interface back to the kernel driver. SKIP when fplate.ko is not built.
# vm-timeout: 60
. /fplate/lib.sh
name=usb_detach
vm_need /fplate/files/fplate.ko
insmod /fplate/files/fplate.ko || { vm_result $name FAIL "insmod fplate.ko failed"; exit 1; }
vm_gadget_start --plates 2 --rate 2000 --source builtin:4 ||
	{ vm_result $name FAIL "emulator did not enumerate"; rmmod fplate; exit 1; }
node() { ls /dev/fplate* >/dev/null 2>&1; }
vm_check "fplate.ko bound: /dev/fplate* exists" vm_wait_for 15 node
busy=$(fplate-usbtest --probe 'usb://?serial=FPEMU0001' 2>&1)
echo "without detach: $busy"
vm_check "without detach=1 usb:// refuses, naming detach=1" sh -c "echo '$busy' | grep -q 'detach=1'"
vm_check "the kernel driver still has it" node
out=$(fplate-usbtest --seconds 3 --verify builtin:4 'usb://?serial=FPEMU0001&detach=1')
echo "detach=1: $out"
vm_check "detach=1 streams exact data" [ "$(vm_kv samples "$out")" -ge 4000 -a "$(vm_kv mismatches "$out")" = 0 ]
rebound=no
vm_wait_for 15 node && rebound=yes
vm_check "after close the kernel driver is bound again" [ $rebound = yes ]
vm_gadget_stop
rmmod fplate
vm_check "fplate.ko unloads" sh -c '! grep -q "^fplate " /proc/modules'
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result $name $st "refused=$(echo "$busy" | grep -c detach=1) samples=$(vm_kv samples "$out")" \
	"mismatches=$(vm_kv mismatches "$out") rebound=$rebound"
exit $VM_FAILED
