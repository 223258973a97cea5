# kmod_g_faults: packets the emulator drops (seq 5 and 6) and corrupts
# (seq 10, a byte flipped after the CRC) are accounted exactly by the
# driver: malformed=1, two sequence gaps, 3 packets of samples lost, and
# the records a reader gets jump by exactly that, flagged FPLATE_REC_GAP.
# vm-timeout: 60
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget

kmod_up --plates 2 --rate 2000 --drop 5,6 --corrupt 10 ||
	{ vm_result kmod_faults FAIL "device did not come up"; exit 1; }
k=$(kmod-probe info $KMOD_NODE | sed -n 's/.*samples_per_packet=\([0-9]*\).*/\1/p')
out=$(kmod-probe stream $KMOD_NODE 2 | head -n 1)
counters=$(kmod_counters)
kmod_down
lost=$(echo "$out" | sed -n 's/.* lost=\([0-9]*\).*/\1/p')
gaps=$(echo "$out" | sed -n 's/.* gaps=\([0-9]*\).*/\1/p')
want=$((3 * k))
case "$counters" in
*k_seq_gaps=2\ k_lost_samples=$want\ k_overrun_samples=0\ k_malformed=1\ *) kok=1 ;;
*) kok=0 ;;
esac
if [ -n "$k" ] && [ "$lost" = $want ] && [ "$gaps" = 2 ] && [ $kok = 1 ]; then
	vm_result kmod_faults PASS "k=$k $out $counters"
else
	vm_result kmod_faults FAIL "k=$k want_lost=$want $out $counters"
	exit 1
fi
