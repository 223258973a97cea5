# kmod_hc_remove: the host controller (dummy_hcd) is unbound while
# /dev/fplate0 is open and a reader is blocked in read(), as when a dock is
# unplugged or xhci is unbound. The reader gets ENODEV, closes; rmmod
# fplate works; no oops or WARN (vm.sh checks the kernel log). The URB
# buffers belong to the controller and are freed at disconnect. The
# controller is bound again for whatever runs next.
# vm-timeout: 60
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget
hcd=$(ls /sys/bus/platform/drivers/dummy_hcd 2>/dev/null | grep '^dummy_hcd\.' | head -n 1)
[ -n "$hcd" ] || { vm_result kmod_hc_remove SKIP "no dummy_hcd host controller"; exit 0; }

kmod_up --plates 2 --rate 2000 || { vm_result kmod_hc_remove FAIL "device did not come up"; exit 1; }
kmod-probe blocked-read $KMOD_NODE >/tmp/br.out 2>&1 &
pid=$!
# START done, packets arriving and the reader asleep in read(): unplug now.
vm_wait_for 20 kmod_reader_blocked $pid && blocked=yes || blocked=no
echo "$hcd" >/sys/bus/platform/drivers/dummy_hcd/unbind
vm_wait_for 10 kmod_pid_gone $pid
if kill -0 $pid 2>/dev/null; then
	kill $pid
	rc=blocked
else
	wait $pid; rc=$?
fi
out=$(tr '\n' ' ' </tmp/br.out)
if rmmod fplate; then rmmod_ok=1; else rmmod_ok=0; fi
echo "$hcd" >/sys/bus/platform/drivers/dummy_hcd/bind
vm_gadget_stop
kmod_load
if [ $blocked = yes ] && [ "$rc" = 0 ] && [ $rmmod_ok = 1 ]; then
	vm_result kmod_hc_remove PASS "blocked_before=$blocked $out rmmod=ok"
else
	vm_result kmod_hc_remove FAIL "blocked_before=$blocked reader=$rc $out rmmod_ok=$rmmod_ok"
	exit 1
fi
