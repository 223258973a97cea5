#!/bin/sh
# test_view.sh - `fplate view` in a real terminal (tmux): it starts, shows
# both plate labels and a changing vertical force from the simulated
# treadmill, names a restart of fplated in its title, and quits cleanly on
# q, restoring the terminal.
set -u
BUILD=${BUILD:-build}
command -v tmux >/dev/null 2>&1 || { echo "tmux not installed (make deps-check installs it)" >&2; exit 77; }
port=$((18000 + $$ % 1000))
pub="tcp://127.0.0.1:$port"
sess="fpview$$"
tmp=$(mktemp -d)
fail() { echo "FAIL: $*"; tmux kill-session -t "$sess" 2>/dev/null; kill "$dpid" 2>/dev/null; exit 1; }

"$BUILD/fplated" --device 'sim://?plates=2&speed=3.5' --pub "$pub" --ctl "tcp://127.0.0.1:$((port + 1))" \
	>"$tmp/fplated.log" 2>&1 &
dpid=$!
tmux new-session -d -s "$sess" -x 120 -y 50 "$BUILD/fplate view --endpoint $pub --hz 20; echo VIEW-EXIT=\$?; sleep 30"
# wait for the first status message (once a second) and some force frames
i=0
while [ $i -lt 40 ]; do
	sleep 0.25
	tmux capture-pane -p -t "$sess" >"$tmp/a.txt"
	grep -q "rate 2000\|rate 1999" "$tmp/a.txt" && grep -q "Plate 2" "$tmp/a.txt" && break
	i=$((i + 1))
done
sleep 1
tmux capture-pane -p -t "$sess" >"$tmp/b.txt"
cat "$tmp/b.txt"
grep -q "Plate 1" "$tmp/a.txt" || fail "no 'Plate 1' label"
grep -q "Plate 2" "$tmp/a.txt" || fail "no 'Plate 2' label"
fz_a=$(grep -o "Plate 1  Fz *[-0-9.]*" "$tmp/a.txt" | awk '{print $4}')
fz_b=$(grep -o "Plate 1  Fz *[-0-9.]*" "$tmp/b.txt" | awk '{print $4}')
[ -n "$fz_a" ] && [ -n "$fz_b" ] || fail "no Fz value on screen"
[ "$fz_a" != "$fz_b" ] || fail "Fz did not change between captures ($fz_a)"
rate=$(grep -o "rate [0-9.]* Hz" "$tmp/b.txt" | awk '{print $2}')
[ -n "$rate" ] && awk "BEGIN { exit !($rate > 1980 && $rate < 2020) }" ||
	fail "status line does not show the 2 kHz rate (got '$rate')"
# fplated restarts (a new stream_id): the title line says so
kill "$dpid"; wait "$dpid"
"$BUILD/fplated" --device 'sim://?plates=2&speed=3.5' --pub "$pub" --ctl "tcp://127.0.0.1:$((port + 1))" \
	>"$tmp/fplated2.log" 2>&1 &
dpid=$!
i=0
while [ $i -lt 60 ] && ! grep -q "fplated restarted (stream_id [0-9]* -> [0-9]*)" "$tmp/r.txt" 2>/dev/null; do
	sleep 0.25
	tmux capture-pane -p -t "$sess" >"$tmp/r.txt"
	i=$((i + 1))
done
grep -q "fplated restarted (stream_id [0-9]* -> [0-9]*)" "$tmp/r.txt" ||
	fail "no restart in the title: $(head -n 1 "$tmp/r.txt")"
tmux send-keys -t "$sess" q
# poll for the exit line (10 s at most): a fixed 1 s sleep raced a stalled host
i=0
while [ $i -lt 100 ]; do
	tmux capture-pane -p -t "$sess" >"$tmp/c.txt"
	grep -q "VIEW-EXIT=" "$tmp/c.txt" && break
	sleep 0.1
	i=$((i + 1))
done
grep -q "VIEW-EXIT=0" "$tmp/c.txt" || fail "view did not quit cleanly on q"
tmux kill-session -t "$sess"
# At 80 x 24 (the classic terminal) the whole picture fits: the title stays
# on the first line, both plates and the step count are on screen.
tmux new-session -d -s "$sess" -x 80 -y 24 "$BUILD/fplate view --endpoint $pub --hz 20; sleep 30"
sleep 3
tmux capture-pane -p -t "$sess" >"$tmp/d.txt"
tmux kill-session -t "$sess"
cat "$tmp/d.txt"
head -n 1 "$tmp/d.txt" | grep -q "^fplate view  rate" || fail "80x24: first line is '$(head -n 1 "$tmp/d.txt")', not the title"
grep -q "Plate 2" "$tmp/d.txt" && grep -q "^steps [0-9]" "$tmp/d.txt" ||
	fail "80x24: Plate 2 or the step count is off screen"
[ "$(awk 'length($0) > 0' "$tmp/d.txt" | wc -l)" -le 24 ] || fail "80x24: more than 24 lines"
kill "$dpid"; wait "$dpid"
echo "view: Plate 1 Fz $fz_a -> $fz_b N, restart shown, quit on q with status 0; title kept at 80x24"
rm -rf "$tmp"
