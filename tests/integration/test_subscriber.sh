#!/bin/sh
# test_subscriber.sh - libfplate's subscriber API (include/fplate/sub.h)
# against a running daemon: scripts/examples/subscribe.c, built as a lab
# would build it (public headers, the shared library), receives contiguous
# samples whose every value equals what `fplate stream --csv` printed for
# the same sample index and plate, and no frame is missed.
set -u
NAME=subscriber
BUILD=${BUILD:-build}
. tests/integration/lib.sh

cc -std=c11 -Wall -Wextra -Werror -Iinclude scripts/examples/subscribe.c -L"$BUILD" -lfplate \
	-Wl,-rpath,"$(cd "$BUILD" && pwd)" -lm -o "$TMP/subscribe" || fail "the example does not build"
"$BUILD/fplated" --device 'sim://?plates=2&speed=3.5' --pub "$EP" >"$TMP/fplated.log" 2>&1 &
PID=$!
i=0
until "$BUILD/fplate" status --endpoint "$EP" --timeout 1 >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 10 ] || fail "fplated did not come up: $(cat "$TMP/fplated.log")"
done
# both subscribers at once: 3 s of the stream, the example 4000 samples (2 s)
"$BUILD/fplate" stream --endpoint "$EP" --csv --seconds 3 >"$TMP/cli.csv" 2>"$TMP/cli.err" &
cli=$!
"$TMP/subscribe" "$EP" 4000 >"$TMP/sub.csv" 2>"$TMP/sub.err" || fail "subscribe: $(cat "$TMP/sub.err")"
wait $cli || fail "fplate stream: $(cat "$TMP/cli.err")"
cat "$TMP/sub.err"
grep -q " 0 missed frames, 0 malformed" "$TMP/sub.err" || fail "the example missed frames: $(cat "$TMP/sub.err")"
head -n 1 "$TMP/sub.csv" | cmp -s - "$(head -n 1 "$TMP/cli.csv" >"$TMP/h"; echo "$TMP/h")" ||
	fail "headers differ: $(head -n 1 "$TMP/sub.csv") / $(head -n 1 "$TMP/cli.csv")"
rows=$(($(wc -l <"$TMP/sub.csv") - 1))
[ "$rows" -eq 8000 ] || fail "the example printed $rows rows, expected 4000 samples x 2 plates"
# contiguous: sample index +1 every two rows, plates 1 and 2 in turn
awk -F, 'NR == 2 { first = $1 } NR > 1 {
	want = first + int((NR - 2) / 2); p = (NR % 2 == 0) ? 1 : 2
	if ($1 != want || $3 != p) { print "row " NR ": sample " $1 " plate " $3 ", expected " want " " p; exit 1 }
}' "$TMP/sub.csv" || fail "the example's samples are not contiguous"
# equal to fplate stream --csv where both have the sample (t_ns too: same frame header)
awk -F, 'NR == FNR { if (FNR > 1) v[$1 "," $3] = $0; next }
	FNR > 1 && (($1 "," $3) in v) { n++; if (v[$1 "," $3] != $0) { bad++; if (bad < 4) print "differs: " $0 " / " v[$1 "," $3] } }
	END { print n + 0, bad + 0 > "/dev/stderr"; exit !(n >= 4000 && bad == 0) }' \
	"$TMP/cli.csv" "$TMP/sub.csv" 2>"$TMP/cmp" || fail "values differ from fplate stream --csv ($(cat "$TMP/cmp") rows common / differing)"
ok "subscribe.c: $rows rows contiguous, $(cut -d' ' -f1 "$TMP/cmp") rows equal to fplate stream --csv, 0 frames missed"
