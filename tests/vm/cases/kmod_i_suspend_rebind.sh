# kmod_suspend_rebind: a system suspend (s2idle with the kernel's pm_test
# "devices" mode: every device is suspended, then resumed after 1 s) while
# fplated streams through kmod://. On this virtual bus the USB core resets
# the device at resume; fplate.ko has no reset_resume on purpose, so the
# core rebinds it: the open file gets ENODEV, fplated reopens /dev/fplate0
# (as after an unplug) and a subscriber then gets 2 s of data without loss.
# Had the device kept its state, resume() would resubmit the URBs instead.
# Either way the kernel log must stay clean.
# vm-timeout: 60
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget /fplate/bin/fplated
if ! [ -w /sys/power/pm_test ] || ! grep -q freeze /sys/power/state; then
	vm_result kmod_suspend_rebind SKIP "no pm_test or s2idle in this kernel"; exit 0
fi

kmod_up --plates 2 --rate 2000 || { vm_result kmod_suspend_rebind FAIL "device did not come up"; exit 1; }
kmod_start_fplated
vm_wait_for 15 kmod_streaming || { vm_result kmod_suspend_rebind FAIL "fplated did not stream"; exit 1; }
echo 1 >/sys/module/suspend/parameters/pm_test_delay 2>/dev/null
echo devices >/sys/power/pm_test
echo freeze >/sys/power/state; src=$?
echo none >/sys/power/pm_test
entered=$(dmesg | grep -c 'PM: suspend entry')
resets=$(dmesg | grep -c 'reset high-speed USB device')
vm_wait_for 15 kmod_node_present && vm_wait_for 15 kmod_streaming; back=$?
kmod_subscribe 4000
wait "$KMOD_SUB_PID"; rc=$?
sub=$(cat /tmp/sub.out)
running=$(kill -0 "$KMOD_FPLATED_PID" 2>/dev/null && echo yes || echo no)
kmod_down
if [ $src = 0 ] && [ "$entered" -ge 1 ] && [ $back = 0 ] && [ $rc = 0 ] && [ $running = yes ]; then
	vm_result kmod_suspend_rebind PASS "suspends=$entered usb_resets=$resets after: $sub"
else
	vm_result kmod_suspend_rebind FAIL "state_write=$src suspends=$entered usb_resets=$resets streaming_again=$back fplated_running=$running sub_rc=$rc $sub"
	dmesg | grep -i -E 'PM:|fplate|usb 1-1' | tail -n 20
	cat /tmp/fplated.log
	exit 1
fi
