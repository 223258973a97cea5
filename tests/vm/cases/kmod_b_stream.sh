# kmod_b_stream: the emulated 2-plate device at 2 kHz through fplate.ko,
# kmod:// and fplated into a subscriber for 30 s (5 s on the 6.12 smoke
# kernels): every sample arrives (contiguous sample index, no frame missed)
# and the kernel counted no gap, overrun or malformed packet.
# vm-timeout: 90
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget /fplate/bin/fplated
secs=30; kmod_short && secs=5

kmod_up --plates 2 --rate 2000 || { vm_result kmod_stream FAIL "device did not come up"; exit 1; }
# Subscribed before fplated starts: it counts $secs s from the first frame.
kmod_subscribe "$secs" || { vm_result kmod_stream FAIL "subscriber did not start"; exit 1; }
kmod_start_fplated
wait "$KMOD_SUB_PID"; rc=$?
sub=$(cat /tmp/sub.out)
counters=$(kmod_counters)
kmod_down
samples=$(echo "$sub" | sed -n 's/.*samples=\([0-9]*\).*/\1/p')
want=$((secs * 2000))
case "$counters" in
*k_seq_gaps=0\ k_lost_samples=0\ k_overrun_samples=0\ k_malformed=0*) kclean=1 ;;
*) kclean=0 ;;
esac
if [ $rc = 0 ] && [ "${samples:-0}" -ge $want ] && [ $kclean = 1 ]; then
	vm_result kmod_stream PASS "seconds=$secs $sub $counters"
else
	vm_result kmod_stream FAIL "rc=$rc seconds=$secs want_samples=$want $sub $counters"
	cat /tmp/fplated.log
	exit 1
fi
