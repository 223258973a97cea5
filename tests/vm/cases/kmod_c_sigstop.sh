# kmod_c_sigstop: as kmod_b_stream, but fplated (the process reading
# /dev/fplateN) is stopped with SIGSTOP for 500 ms every 2 s. The kernel
# ring (2 s at the device's maximum rate) holds the samples meanwhile:
# still zero loss, and the kernel counted no ring overrun.
# vm-timeout: 90
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget /fplate/bin/fplated
secs=30; kmod_short && secs=6

kmod_up --plates 2 --rate 2000 || { vm_result kmod_sigstop FAIL "device did not come up"; exit 1; }
kmod_subscribe "$secs" || { vm_result kmod_sigstop FAIL "subscriber did not start"; exit 1; }
kmod_start_fplated
stops=0
sleep 1.5
while kill -0 "$KMOD_SUB_PID" 2>/dev/null; do
	kill -STOP "$KMOD_FPLATED_PID"
	sleep 0.5
	kill -CONT "$KMOD_FPLATED_PID"
	stops=$((stops + 1))
	sleep 1.5
done
wait "$KMOD_SUB_PID"; rc=$?
sub=$(cat /tmp/sub.out)
counters=$(kmod_counters)
ring=$(cat $KMOD_SYSFS/ring_records)
kmod_down
samples=$(echo "$sub" | sed -n 's/.*samples=\([0-9]*\).*/\1/p')
want=$((secs * 2000))
case "$counters" in
*k_seq_gaps=0\ k_lost_samples=0\ k_overrun_samples=0\ k_malformed=0*) kclean=1 ;;
*) kclean=0 ;;
esac
if [ $rc = 0 ] && [ "${samples:-0}" -ge $want ] && [ $kclean = 1 ] && [ $stops -ge $((secs / 2 - 1)) ]; then
	vm_result kmod_sigstop PASS "seconds=$secs stops=$stops ring_records=$ring $sub $counters"
else
	vm_result kmod_sigstop FAIL "rc=$rc seconds=$secs stops=$stops want_samples=$want $sub $counters"
	cat /tmp/fplated.log
	exit 1
fi
