# usb_replug_rate: fplated reads usb:// at the amplifier's default rate
# (2000 Hz). The amplifier is unplugged and comes back power-cycled to
# another default rate (1000 Hz; emulated by restarting the emulator with
# --rate 1000): fplated must not resume on it (status "gone", the error
# saying what changed, the device never started), and must resume when it
# comes back at 2000 Hz, still at the nominal 2000 Hz.
# vm-timeout: 120
. /fplate/lib.sh
name=usb_replug_rate
ep=ipc:///run/fplated-usbrate.sock
vm_need /fplate/bin/fplate-gadget /fplate/bin/fplated /fplate/bin/fplate
gadget() { vm_gadget_start --plates 2 --source builtin:12 --rate "$@"; }
status() { fplate status --json --endpoint "$ep" --timeout 2 2>/dev/null; }
field() { status | grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }
num() { status | grep -o "\"$1\":[0-9.]*" | head -n 1 | cut -d: -f2; }
running() { [ "$(vm_device_state "$ep")" = running ]; }
gone() { [ "$(vm_device_state "$ep")" = gone ]; }
gadget 2000 || { vm_result $name FAIL "emulator did not enumerate"; exit 1; }
fplated --device 'usb://?serial=FPEMU0001' --pub "$ep" --log-level warn >/tmp/fplated.log 2>&1 &
fpd=$!
vm_check "fplated runs at 2000 Hz" vm_wait_for 30 running
rate0=$(num nominal_rate_hz)
vm_gadget_stop
vm_check "status says gone" vm_wait_for 10 gone
gadget 1000 --stats /tmp/wrong.stats || VM_FAILED=1
sleep 3   # ~12 rescans
err=$(field error)
echo "error while the amplifier runs at 1000 Hz: $err"
vm_check "still gone at 1000 Hz" gone
says_rate() { case $err in *"at 1000 Hz"*"at 2000 Hz"*"not resuming"*) return 0 ;; esac; return 1; }
vm_check "the error says the rate changed" says_rate
vm_gadget_stop
vm_check "the 1000 Hz amplifier was never started" [ "$(vm_kv starts "$(cat /tmp/wrong.stats)")" = 0 ]
gadget 2000 || VM_FAILED=1
vm_check "fplated resumes at 2000 Hz" vm_wait_for 30 running
rate1=$(num nominal_rate_hz)
vm_check "nominal rate still 2000 Hz" eval 'vm_between "$rate0" 1999.9 2000.1 && vm_between "$rate1" 1999.9 2000.1'
kill -TERM $fpd
wait $fpd
vm_gadget_stop
st=PASS; [ $VM_FAILED = 0 ] || { st=FAIL; tail -n 20 /tmp/fplated.log; }
vm_result $name $st "rate_before=$rate0 rate_after=$rate1" \
	"wrong_starts=$(vm_kv starts "$(cat /tmp/wrong.stats)")"
exit $VM_FAILED
