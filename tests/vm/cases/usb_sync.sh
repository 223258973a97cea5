# usb_sync: the emulated amplifier's sync input reaches every output a lab
# keeps, at the exact sample. fplate-gadget raises bit 0 of the sync word on
# the first 20 of every 200 samples (tests/vm/fpgen.h: idx % 200 < 20), so
# a rising edge is every sample index that is a multiple of 200.
#   1. fplate stream --csv: the sync column is that pattern on every row;
#   2. fplate record --start-on-sync rising --stop-on-sync rising: the file
#      starts on an edge sample and holds exactly one period (200 samples),
#      with SYNC's single rising edge on its first sample.
# vm-timeout: 120
. /fplate/lib.sh
name=usb_sync
vm_need /fplate/bin/fplated /fplate/bin/fplate
ep=ipc:///run/fplated-sync.sock
vm_gadget_start --plates 2 --rate 2000 --source builtin:5 ||
	{ vm_result $name FAIL "emulator did not enumerate"; exit 1; }
fplated --device 'usb://?serial=FPEMU0001' --pub "$ep" --log-level warn >/tmp/fplated.log 2>&1 &
fpd=$!
running() { fplate status --json --endpoint "$ep" --timeout 2 2>/dev/null | grep -q '"state":"running"'; }
vm_check "fplated reports the device running" vm_wait_for 30 running

# 1. CSV: column 14 is sync (after flags); bad rows counted by awk
fplate stream --csv --seconds 1 --endpoint "$ep" >/tmp/s.csv 2>/tmp/s.err
head -n 1 /tmp/s.csv
rows=$(awk 'END { print NR - 1 }' /tmp/s.csv)
bad=$(awk -F, 'NR > 1 { w = ($1 % 200 < 20) ? 1 : 0; if ($14 != w) b++ } END { print b + 0 }' /tmp/s.csv)
edges=$(awk -F, 'NR > 1 && $3 == 1 && $1 % 200 == 0 { e++ } END { print e + 0 }' /tmp/s.csv)
vm_check "CSV header ends with flags,sync" sh -c 'head -n 1 /tmp/s.csv | grep -q ",tz,flags,sync$"'
# (--seconds counts by the fitted period, which TCG's clock makes approximate)
vm_check "about 1 s of 2 plates in the CSV" [ "$rows" -ge 3000 -a $((rows % 2)) = 0 ]
vm_check "sync column = the amplifier's pulse on every row" [ "$bad" = 0 ]

# 2. trigger-started recording of one pulse period
fplate record -o /tmp/t.c3d --start-on-sync rising --stop-on-sync rising --endpoint "$ep" \
	>/tmp/rec.out 2>&1
cat /tmp/rec.out
info=$(fplate c3d-info /tmp/t.c3d)
echo "$info" | grep -E "^(frames|first sample|sync)"
first=$(echo "$info" | sed -n 's/^first sample: device index \([0-9]*\).*/\1/p')
vm_check "file starts on the sync edge" sh -c "echo '$info' | grep -q 'started on the sync edge rising 0'"
vm_check "first sample $first is an edge sample (multiple of 200)" [ -n "$first" -a $((first % 200)) = 0 ]
vm_check "exactly one period: 10 frames of 20 samples" sh -c "echo '$info' | grep -q '^frames: *10 '"
vm_check "SYNC has one rising edge, on sample 0" \
	sh -c "echo '$info' | grep -q '1 rising edges, first at sample 0 '"
kill -TERM $fpd
wait $fpd
vm_check "fplated exits 0 on SIGTERM" [ $? = 0 ]
vm_gadget_stop
st=PASS; [ $VM_FAILED = 0 ] || { st=FAIL; tail -n 20 /tmp/fplated.log; }
vm_result $name $st "csv_rows=$rows csv_bad_sync=$bad csv_edges=$edges record_first=$first"
exit $VM_FAILED
