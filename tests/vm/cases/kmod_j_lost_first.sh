# kmod_lost_first: the emulator drops packet 0, the first after START.
# The driver takes packet 1 as the start of the stream: records arrive from
# index K on (K = samples per packet, from GET_INFO), the first is flagged
# FPLATE_REC_GAP, exactly K samples are counted lost (by the reader from
# the index and by the kernel's lost_samples), nothing is dropped as stale,
# and every record's values are the emulator's (builtin source).
# vm-timeout: 60
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget

kmod_up --plates 2 --rate 2000 --drop 0 ||
	{ vm_result kmod_lost_first FAIL "device did not come up"; exit 1; }
k=$(kmod-probe info $KMOD_NODE | sed -n 's/.*samples_per_packet=\([0-9]*\).*/\1/p')
out=$(kmod-probe stream $KMOD_NODE 2 lost=$k flagged=1 verify=builtin:1 | tr '\n' ' ')
klost=$(kmod_counter lost_samples)
kstale=$(kmod_counter stale)
kmod_down
first=$(vm_kv first "$out")
records=$(vm_kv records "$out")
if [ -n "$k" ] && [ "$first" = "$k" ] && [ "$klost" = "$k" ] && [ "$kstale" = 0 ] &&
   [ "${records:-0}" -ge 2000 ] && ! echo "$out" | grep -q FAIL; then
	vm_result kmod_lost_first PASS "k=$k $out"
else
	vm_result kmod_lost_first FAIL "k=$k k_lost=$klost k_stale=$kstale $out"
	exit 1
fi
