# kmod_q_stop_after_error: a stream ended by an I/O error starts again
# without a replug. The emulator fails its bulk endpoint for good before
# packet 40 of every session (--stall 40 --stall-ms 10000: the endpoint is
# halted again whenever the host clears it, until STOP). The driver clears
# and resubmits until FPLATE_ERR_ROUNDS (4) x n_urbs transfers in a row have
# failed, waits 500 ms in which an unplug would show as ENODEV, then ends
# the stream: read() returns the 40 packets from sample 0, then EIO once,
# then 0. STOP + START on the same open file must stream again from sample
# 0, the same way, three runs in a row.
# vm-timeout: 120
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget

runs=3
kmod_up --plates 2 --rate 2000 --stall 40 --stall-ms 10000 --stats /tmp/gadget.stats ||
	{ vm_result kmod_stop_after_error FAIL "device did not come up"; exit 1; }
k=$(kmod-probe info $KMOD_NODE | sed -n 's/.*samples_per_packet=\([0-9]*\).*/\1/p')
n_urbs=$(cat /sys/module/fplate/parameters/n_urbs)
kmod-probe error-restart $KMOD_NODE $runs $((40 * k)) >/tmp/er.out 2>&1
rc=$?
urb_errors=$(kmod_counter urb_errors)
kmod_down
out=$(tr '\n' ' ' </tmp/er.out)
gstats=$(cat /tmp/gadget.stats 2>/dev/null)
# Each run must have retried up to the bound, not given up at the first error.
min_errors=$((runs * 4 * n_urbs))
if [ -n "$k" ] && [ $rc = 0 ] && [ "${urb_errors:-0}" -ge $min_errors ]; then
	vm_result kmod_stop_after_error PASS "k=$k n_urbs=$n_urbs $out gadget: $gstats"
else
	vm_result kmod_stop_after_error FAIL "k=$k rc=$rc urb_errors=$urb_errors min=$min_errors $out gadget: $gstats"
	echo "dmesg:"; dmesg | grep fplate | tail -n 20
	exit 1
fi
