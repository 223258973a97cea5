# kmod_e_unplug: unplug the device while a reader is blocked in read():
# read() returns ENODEV, so does every later ioctl on the open file; after
# the reader closes, rmmod succeeds and no fplate minor or node is left.
# vm-timeout: 60
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget

kmod_up --plates 2 --rate 2000 || { vm_result kmod_unplug FAIL "device did not come up"; exit 1; }
kmod-probe blocked-read $KMOD_NODE >/tmp/br.out 2>&1 &
pid=$!
vm_wait_for 10 grep -q reading /tmp/br.out
sleep 1
vm_usb_unplug
# The reader must wake up by itself.
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 $pid 2>/dev/null; then
	kill $pid
	vm_result kmod_unplug FAIL "reader still blocked 5 s after unplug"; exit 1
fi
wait $pid; rc=$?
out=$(tr '\n' ' ' </tmp/br.out)
vm_gadget_stop
if rmmod fplate; then rmmod_ok=1; else rmmod_ok=0; fi
left=$(ls /sys/class/usbmisc 2>/dev/null | grep -c fplate)
nodes=$(ls /dev 2>/dev/null | grep -c '^fplate')
kmod_load
if [ $rc = 0 ] && [ $rmmod_ok = 1 ] && [ "$left" = 0 ] && [ "$nodes" = 0 ]; then
	vm_result kmod_unplug PASS "$out rmmod=ok minors_left=$left nodes_left=$nodes"
else
	vm_result kmod_unplug FAIL "rc=$rc $out rmmod_ok=$rmmod_ok minors_left=$left nodes_left=$nodes"
	exit 1
fi
