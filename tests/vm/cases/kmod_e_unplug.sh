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
# START done, packets arriving and the reader asleep in read(): unplug now.
vm_wait_for 20 kmod_reader_blocked $pid && blocked=yes || blocked=no
vm_usb_unplug
# The reader must wake up by itself.
vm_wait_for 10 kmod_pid_gone $pid
if kill -0 $pid 2>/dev/null; then
	kill $pid
	vm_result kmod_unplug FAIL "reader still blocked 10 s after unplug (blocked_before=$blocked)"; exit 1
fi
wait $pid; rc=$?
out=$(tr '\n' ' ' </tmp/br.out)
vm_gadget_stop
if rmmod fplate; then rmmod_ok=1; else rmmod_ok=0; fi
left=$(ls /sys/class/usbmisc 2>/dev/null | grep -c fplate)
nodes=$(ls /dev 2>/dev/null | grep -c '^fplate')
kmod_load
if [ $blocked = yes ] && [ $rc = 0 ] && [ $rmmod_ok = 1 ] && [ "$left" = 0 ] && [ "$nodes" = 0 ]; then
	vm_result kmod_unplug PASS "blocked_before=$blocked $out rmmod=ok minors_left=$left nodes_left=$nodes"
else
	vm_result kmod_unplug FAIL "blocked_before=$blocked rc=$rc $out rmmod_ok=$rmmod_ok minors_left=$left nodes_left=$nodes"
	exit 1
fi
