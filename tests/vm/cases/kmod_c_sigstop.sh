# kmod_c_sigstop: as kmod_b_stream, but fplated (the process reading
# /dev/fplateN) is stopped with SIGSTOP for 500 ms every 2 s. The kernel
# ring (2 s at the device's maximum rate) holds the samples meanwhile:
# still zero loss, and the kernel counted no ring overrun. Each stop is
# confirmed (the process in state T) and timed with /proc/uptime: under host
# load the loop runs slower and stops fewer times, so what is required is
# that fplated was really stopped, at least twice and for at least half the
# planned time (0.5 s in every 2 s: secs/4; at least secs/8), not a count.
# vm-timeout: 90
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget /fplate/bin/fplated
secs=30; kmod_short && secs=6

kmod_up --plates 2 --rate 2000 || { vm_result kmod_sigstop FAIL "device did not come up"; exit 1; }
kmod_subscribe $((secs * 2000)) || { vm_result kmod_sigstop FAIL "subscriber did not start"; exit 1; }
kmod_start_fplated
is_stopped() { [ "$(cut -d' ' -f3 /proc/"$KMOD_FPLATED_PID"/stat)" = T ]; }
add() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { printf "%.3f", a + c - b }'; }
stops=0 unseen=0 stopped_s=0 max_stop_s=0
sleep 1.5
while kill -0 "$KMOD_SUB_PID" 2>/dev/null; do
	t_a=$(vm_uptime)
	kill -STOP "$KMOD_FPLATED_PID"
	if vm_wait_for 10 is_stopped; then
		# stopped at least from now until the CONT
		t_b=$(vm_uptime)
		sleep 0.5
		t_c=$(vm_uptime)
		stops=$((stops + 1))
		stopped_s=$(add "$stopped_s" "$t_b" "$t_c")
	else
		unseen=$((unseen + 1))
	fi
	kill -CONT "$KMOD_FPLATED_PID"
	# at most from before the STOP until after the CONT
	t_d=$(vm_uptime)
	max_stop_s=$(awk -v m="$max_stop_s" -v a="$t_a" -v d="$t_d" 'BEGIN { printf "%.3f", (d - a > m ? d - a : m) }')
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
stopped_enough() { [ $unseen = 0 ] && [ $stops -ge 2 ] && vm_between "$stopped_s" "$(echo "$secs" | awk '{ print $1 / 8 }')" 1e9; }
stop_figures="stops=$stops unseen_stops=$unseen stopped_s=$stopped_s max_stop_s=$max_stop_s"
if [ $rc = 0 ] && [ "${samples:-0}" -ge $want ] && [ $kclean = 1 ] && stopped_enough; then
	vm_result kmod_sigstop PASS "seconds=$secs $stop_figures ring_records=$ring $sub $counters"
else
	vm_result kmod_sigstop FAIL "rc=$rc seconds=$secs $stop_figures want_samples=$want $sub $counters"
	cat /tmp/fplated.log
	exit 1
fi
