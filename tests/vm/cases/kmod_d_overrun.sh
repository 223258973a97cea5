# kmod_d_overrun: a reader that stops reading for longer than the ring
# holds. fplate.ko is reloaded with a small ring (ring_ms=250); kmod-probe
# starts the stream, sleeps for the ring's duration + 1 s, then drains:
# the samples missing in the records it read must equal the kernel's
# overrun_samples exactly, the records before the gap must fill the ring
# exactly, and no sample may be lost any other way.
# vm-timeout: 60
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget

if ! kmod_reload ring_ms=250; then
	vm_result kmod_overrun FAIL "rmmod/insmod ring_ms=250 failed"; exit 1
fi
kmod_up --plates 2 --rate 2000 || { vm_result kmod_overrun FAIL "device did not come up"; exit 1; }
ring=$(cat $KMOD_SYSFS/ring_records) rate=$(cat $KMOD_SYSFS/rate)
pause_ms=$((ring * 1000 / rate + 1000))
kmod-probe overrun $KMOD_NODE $pause_ms >/tmp/overrun.out 2>&1
rc=$?
out=$(cat /tmp/overrun.out)
kmod_down
kmod_reload || { vm_result kmod_overrun FAIL "reload with default ring failed"; exit 1; }
if [ $rc = 0 ]; then
	vm_result kmod_overrun PASS "$out"
else
	vm_result kmod_overrun FAIL "rc=$rc $out"
	exit 1
fi
