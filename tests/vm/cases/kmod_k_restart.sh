# kmod_restart: the emulator restarts its clock after packet 100 (seq 0,
# sample 0, no sample skipped: its data continues) and sends packet 200 of
# the new run twice, the copy numbered as the next packet. The driver
# delivers the restart with the record index continuing and flagged
# FPLATE_REC_GAP (one flag in the run), loses nothing, drops the copy
# (stale = 1) so no index is delivered twice, and every value matches the
# emulator's source at that index.
# vm-timeout: 60
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget

kmod_up --plates 2 --rate 2000 --restart-after 100 --repeat 200 --stats /tmp/gadget.stats ||
	{ vm_result kmod_restart FAIL "device did not come up"; exit 1; }
out=$(kmod-probe stream $KMOD_NODE 3 lost=0 flagged=1 verify=builtin:1 | tr '\n' ' ')
klost=$(kmod_counter lost_samples)
kstale=$(kmod_counter stale)
kmod_down
gadget=$(cat /tmp/gadget.stats 2>/dev/null)
records=$(vm_kv records "$out")
if [ "$(vm_kv restarts "$gadget")" = 1 ] && [ "$(vm_kv repeated "$gadget")" = 1 ] &&
   [ "$klost" = 0 ] && [ "$kstale" = 1 ] && [ "${records:-0}" -ge 4000 ] &&
   ! echo "$out" | grep -q FAIL; then
	vm_result kmod_restart PASS "$out gadget: $gadget"
else
	vm_result kmod_restart FAIL "k_lost=$klost k_stale=$kstale $out gadget: $gadget"
	exit 1
fi
