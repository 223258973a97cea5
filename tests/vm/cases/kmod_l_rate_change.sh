# kmod_rate_change: the device is probed at 1000 Hz; the node is then
# streamed at 2000 Hz (SET_RATE) and back at 1000 Hz. Each run: zero loss,
# every value the emulator's, and the K the driver checks packets against
# (GET_INFO after SET_RATE) is the K the emulator used for that run (its
# --t0-file line 'TIME RATE K INDEX' at each START; INDEX is where the
# emulator's source stands at the run's sample 0).
# vm-timeout: 60
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget

kmod_up --plates 2 --rate 1000 --max-rate 10000 --t0-file /tmp/t0 ||
	{ vm_result kmod_rate_change FAIL "device did not come up"; exit 1; }
res=""
ok=1
for rate in 2000 1000; do
	rm -f /tmp/t0
	out=$(kmod-probe stream $KMOD_NODE 2 rate=$rate lost=0 verify=builtin:1 t0=/tmp/t0 |
		tr '\n' ' ')
	dev_rate=$(vm_kv t0_rate "$out")
	dev_k=$(vm_kv t0_k "$out")
	records=$(vm_kv records "$out")
	res="$res [rate $rate: device $dev_rate Hz k=$dev_k; $out]"
	if [ "$dev_rate" != $rate ] || [ "$(vm_kv k "$out")" != "$dev_k" ] ||
	   [ "$(vm_kv rate_hz "$out")" != $rate ] || [ "${records:-0}" -lt $rate ] ||
	   echo "$out" | grep -q FAIL; then
		ok=0
	fi
done
kmod_down
if [ $ok = 1 ]; then
	vm_result kmod_rate_change PASS "$res"
else
	vm_result kmod_rate_change FAIL "$res"
	exit 1
fi
