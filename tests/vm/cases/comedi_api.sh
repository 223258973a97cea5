# comedi_api: the comedi:// backend through the libfplate API (comedi-probe)
# on comedi_test: period and amplitude of its waveforms after conversion to
# volts at 2 kHz and 10 kHz, ranges mixed in a scan, other waveform parameters and a +-5 V range,
# belt-speed and sync channels, a forced buffer overflow (gap marked, sample
# index continues), refusals naming what the card accepts, and the device
# removed and loaded again mid-stream.
# comedi_test: channel 0 sawtooth, 1 square wave (both +-amplitude, period
# given at load), channels 2-7 flat at 0 V; 8 channels, ranges +-10 V, +-5 V.
# vm-timeout: 120
. /fplate/lib.sh
fails=0
DEV=comedi:///dev/comedi0

# val KEY: the value of KEY=... in $out
val() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
# near VALUE TARGET REL_TOL: |VALUE - TARGET| <= REL_TOL * |TARGET|
near() { awk -v v="$1" -v t="$2" -v r="$3" 'BEGIN { d = v - t; if (d < 0) d = -d;
	a = t < 0 ? -t : t; exit !(v != "" && d <= r * a) }'; }
# amp MIN MAX [N]: (MAX - MIN) / 2; a ramp sampled N times a period spans
# only N - 1 steps of its full height, hence the factor N / (N - 1).
amp() { awk -v a="$1" -v b="$2" -v n="${3:-0}" 'BEGIN { f = n > 1 ? n / (n - 1) : 1;
	printf "%.5f", (b - a) / 2 * f }'; }
result() { # NAME OK(0/1) FIGURES
	if [ "$2" = 0 ]; then vm_result "$1" PASS "$3"; else vm_result "$1" FAIL "$3"; fails=$((fails + 1)); fi
}
# waveform NAME SECONDS PERIOD_SAMPLES AMPLITUDE_V URI: run the probe, check
# period (+-0.5 %) and amplitude (+-1 %) of both waveforms, no gaps.
waveform() {
	out=$(comedi-probe --seconds "$2" "$5" 2>&1)
	a0=$(amp "$(val ch0_min)" "$(val ch0_max)" "$(val ch0_period)")
	a1=$(amp "$(val ch1_min)" "$(val ch1_max)")
	rate=$(echo "$5" | sed -n 's/.*rate=\([0-9]*\).*/\1/p')
	ok=0
	near "$(val ch0_period)" "$3" 0.005 && near "$(val ch1_period)" "$3" 0.005 &&
		near "$a0" "$4" 0.01 && near "$a1" "$4" 0.01 &&
		near "$(val rate_hz)" "$rate" 0.000001 &&
		[ "$(val gap_blocks)" = 0 ] && [ "$(val discontinuities)" = 0 ] &&
		[ "$(val overruns)" = 0 ] && near "$(val samples)" $(($2 * rate)) 0.05 &&
		awk -v f="$(val flat_max_abs)" 'BEGIN { exit !(f < 0.001) }' || ok=1
	result "$1" $ok "rate_hz=$(val rate_hz) samples=$(val samples) period0=$(val ch0_period) period1=$(val ch1_period) amp_saw_v=$a0 amp_square_v=$a1 gaps=$(val gap_blocks) overruns=$(val overruns) flat_max_abs=$(val flat_max_abs)${ok:+$([ $ok = 1 ] && echo " probe: $out")}"
}

# fplate list: the card, its analog-input subdevice, channels and ranges.
out=$(fplate list 2>&1)
ok=0
echo "$out" | grep -qx "comedi:///dev/comedi0?subdevice=0" &&
	echo "$out" | grep -q "comedi_test (comedi_test) analog input, 8 channels, 16-bit, ranges 0=\[-10,10\] V, 1=\[-5,5\] V" || ok=1
result comedi_api_list $ok "$(echo "$out" | tr '\n' ' ')"

waveform comedi_api_2khz 5 200 1 "$DEV?channels=0-5&rate=2000"
waveform comedi_api_10khz 5 1000 1 "$DEV?channels=0-5&rate=10000"
# Ranges mixed within a scan: each channel must keep its own converter
# (a swap would read the square wave as 0.5 V or 2 V).
waveform comedi_api_mixed_ranges 2 200 1 "$DEV?channels=0-5&rate=2000&range=0,1,0,0,0,0"

# Belt speed on a flat channel (0 V: speed = 2 m/s/V * (0 - -0.5 V) = 1 m/s)
# and sync on the square wave (high half of the time).
out=$(comedi-probe --seconds 3 "$DEV?channels=0,2-6&rate=2000&belt=7&belt_scale=2&belt_offset=-0.5&sync=1&sync_threshold=0" 2>&1)
share=$(awk -v a="$(val sync_ones)" -v n="$(val samples)" 'BEGIN { printf "%.4f", n ? a / n : 0 }')
ok=0
near "$(val belt_mps)" 1.0 0.005 && near "$share" 0.5 0.04 || ok=1
result comedi_api_belt_sync $ok "belt_mps=$(val belt_mps) sync_high_share=$share samples=$(val samples)"

# Other waveform parameters (2.5 V, 40 ms -> 80 samples at 2 kHz), read
# through the +-5 V range chosen by voltage.
rmmod comedi_test && insmod /fplate/files/comedi_test.ko amplitude=2500000 period=40000 &&
	vm_wait_for 10 test -e /dev/comedi0
waveform comedi_api_params 4 80 2.5 "$DEV?channels=0-5&rate=2000&range=5V"

rmmod comedi_test && insmod /fplate/files/comedi_test.ko && vm_wait_for 10 test -e /dev/comedi0

# Overflow: a 32 KiB driver buffer (0.27 s at 10 kHz) and a reader that
# stalls 2 s: about 1.7 s of samples lost, marked as one gap (a loaded host
# may add a short second overrun while the reader catches up).
out=$(comedi-probe --seconds 4 --stall-ms 2000 "$DEV?channels=0-5&rate=10000&buffer_kb=32" 2>&1)
ok=0
[ "$(val overruns)" -ge 1 ] && [ "$(val overrun_blocks)" = "$(val overruns)" ] &&
	[ "$(val gap_blocks)" = "$(val overruns)" ] &&
	awk -v l="$(val lost)" 'BEGIN { exit !(l >= 12000 && l <= 26000) }' &&
	near "$(val ch1_period)" 1000 0.005 || ok=1
result comedi_api_overrun $ok "overruns=$(val overruns) overrun_blocks=$(val overrun_blocks) gap_blocks=$(val gap_blocks) lost=$(val lost) period1=$(val ch1_period) samples=$(val samples)"

# Refusals: what the user asked, and what the card accepts instead.
refuse() { # NAME URI EXPECTED-TEXT...
	n=$1 u=$2
	shift 2
	out=$(comedi-probe --seconds 1 "$u" 2>&1)
	ok=0
	[ "$(val open)" = fail ] || ok=1
	for t in "$@"; do echo "$out" | grep -qF -- "$t" || ok=1; done
	result "$n" $ok "msg=\"$(echo "$out" | sed -n 's/.*msg=//p')\""
}
refuse comedi_api_refuse_rate "$DEV?channels=0-5&rate=5000000" \
	"parameter 'rate' value '5e+06'" "accepts" "to 1e+06 Hz for 6 channels"
refuse comedi_api_refuse_channels "$DEV?channels=0-5,8-13" \
	"channel 8 does not exist" "has 8 channels (0-7)"
refuse comedi_api_refuse_range "$DEV?channels=0-5&range=2" \
	"range 2 does not exist" "0=[-10,10] V, 1=[-5,5] V"
refuse comedi_api_refuse_subdevice "$DEV?channels=0-5&subdevice=1" \
	"parameter 'subdevice' value '1': not an analog input" "the first analog input is 0"
refuse comedi_api_refuse_aref "$DEV?channels=0-5&aref=diff" \
	"aref=diff not supported" "supports: ground"

# Removal mid-stream (forced module removal = the card vanishing, as an
# unplugged USB DAQ), then the driver comes back: -ENODEV, then resumed.
# Each step waits for the probe's state (streaming, removal seen), not for a
# fixed time; the probe ends 1 s after it resumed (20 s is only a cap).
rm -f /tmp/rm.ready
comedi-probe --seconds 20 --until-enodev --ready /tmp/rm.ready "$DEV?channels=0-5&rate=2000" >/tmp/rm.out 2>&1 &
pid=$!
streaming=$(vm_wait_for 20 test -e /tmp/rm.ready && echo yes || echo no)
# a plain rmmod is refused while the device is open (that is why -f)
plain=$(rmmod comedi_test 2>/dev/null && echo removed || echo refused)
rmmod -f comedi_test
gone=$([ -e /dev/comedi0 ] && echo no || echo yes)
seen=$(vm_wait_for 20 grep -q "device removed" /tmp/rm.out && echo yes || echo no)
insmod /fplate/files/comedi_test.ko
wait $pid
out=$(cat /tmp/rm.out)
ok=0
[ "$streaming" = yes ] && [ "$gone" = yes ] && [ "$seen" = yes ] &&
	[ "$(val enodev)" -ge 1 ] && [ "$(val disconnects)" = 1 ] &&
	[ "$(val resumed_blocks)" = 1 ] || ok=1
result comedi_api_removed $ok "streaming_before=$streaming plain_rmmod=$plain node_gone=$gone removal_seen=$seen enodev_reads=$(val enodev) disconnects=$(val disconnects) resumed_blocks=$(val resumed_blocks) samples=$(val samples)"

exit $fails
