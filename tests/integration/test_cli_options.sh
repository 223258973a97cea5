#!/bin/sh
# test_cli_options.sh - one option style for every `fplate` command:
#  - every command `fplate --help` lists answers --help with its usage;
#  - every option with a value in its usage line is taken as --opt=VALUE:
#    given a value no option accepts, the command complains about that
#    value (or runs on), never that the option is unknown;
#  - --opt=value and --opt value give the same result against a daemon;
#  - control commands find the daemon from --endpoint and
#    $FPLATE_ENDPOINT (the control socket beside the publish one) and give
#    up after the documented 3 s (plus the window they average) when
#    nobody answers.
set -u
NAME=cli_options
BUILD=${BUILD:-build}
. tests/integration/lib.sh
F="$BUILD/fplate"

cmds=$("$F" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
n=$(echo "$cmds" | wc -w)
[ "$n" -ge 16 ] || fail "fplate --help lists $n commands, expected at least 16: $cmds"
for c in $cmds; do
	"$F" "$c" --help >"$TMP/help" 2>"$TMP/err" || fail "fplate $c --help exited $?: $(cat "$TMP/err")"
	grep -q "^usage: fplate $c" "$TMP/help" || fail "fplate $c --help: no 'usage: fplate $c' line"
	"$F" "$c" -h >/dev/null 2>&1 || fail "fplate $c -h exited $?"
	# options with a value: --NAME UPPERCASE in the usage (and option) lines
	opts=$(grep -o -- '--[a-z][a-z-]* [A-Z][A-Z./|_]*' "$TMP/help" | awk '{print $1}' | sort -u)
	for o in $opts; do
		"$F" "$c" "$o=@bad@" --help >"$TMP/out" 2>"$TMP/err"
		rc=$?
		if grep -qi "unknown option" "$TMP/err"; then
			fail "fplate $c $o=@bad@: $(cat "$TMP/err")"
		fi
		# refused: the message names the option or the value
		[ $rc -eq 0 ] || grep -q -- "$o\|@bad@" "$TMP/err" ||
			fail "fplate $c $o=@bad@ exited $rc without naming it: $(cat "$TMP/err")"
		tested=$((${tested:-0} + 1))
	done
	# an option nobody has is refused in the same words everywhere
	expect_fail 2 "fplate $c: unknown option '--no-such-option'" "$F" "$c" --no-such-option
done
[ "${tested:-0}" -ge 30 ] || fail "only ${tested:-0} valued options found in the usage texts"
ok "$n commands: --help, -h, $tested valued options as --opt=VALUE"

# The same analysis with either spelling (no daemon needed).
"$F" analyze 'sim://?pace=fast&seed=3' --seconds 3 --belt-speed 3.5 --cutoff 40 >"$TMP/a1" 2>&1 ||
	fail "analyze with --opt value: $(tail -n 2 "$TMP/a1")"
"$F" analyze --seconds=3 --belt-speed=3.5 'sim://?pace=fast&seed=3' --cutoff=40 >"$TMP/a2" 2>&1 ||
	fail "analyze with --opt=value: $(tail -n 2 "$TMP/a2")"
cmp -s "$TMP/a1" "$TMP/a2" || fail "analyze: --opt=value and --opt value differ"
[ "$(grep -c ' L \| R ' "$TMP/a1")" -ge 5 ] || fail "analyze found fewer than 5 steps in 3 s of running"
ok "analyze --belt-speed=3.5 --seconds=3 == --belt-speed 3.5 --seconds 3 ($(grep -c ' L \| R ' "$TMP/a1") lines of steps)"

# A daemon on ipc://: its control socket is beside the publish one (PATH.ctl).
"$BUILD/fplated" --device 'sim://?plates=2&speed=3.5' --pub "$EP" >"$TMP/fplated.log" 2>&1 &
PID=$!
i=0
until "$F" status --endpoint="$EP" --timeout=1 >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 10 ] || fail "fplated did not come up: $(cat "$TMP/fplated.log")"
done
"$F" describe --endpoint="$EP" --json >"$TMP/d1" || fail "describe --endpoint=E"
"$F" describe --endpoint "$EP" --json >"$TMP/d2" || fail "describe --endpoint E"
cmp -s "$TMP/d1" "$TMP/d2" || fail "describe: --endpoint=E and --endpoint E differ"
grep -q '"ok": *true' "$TMP/d1" || fail "describe --json: no ok reply: $(cat "$TMP/d1")"
FPLATE_ENDPOINT="$EP" "$F" describe >/dev/null || fail "describe with \$FPLATE_ENDPOINT"
FPLATE_ENDPOINT="$EP" "$F" set belt-speed 3.25 >"$TMP/set" || fail "set with \$FPLATE_ENDPOINT"
grep -q "belt-speed = 3.25" "$TMP/set" || fail "set said: $(cat "$TMP/set")"
ok "control commands find the daemon from --endpoint=E, --endpoint E and \$FPLATE_ENDPOINT"
"$F" stream --endpoint="$EP" --seconds=0.05 --csv >"$TMP/s1" 2>/dev/null || fail "stream --opt=value"
[ "$(wc -l <"$TMP/s1")" -eq $((1 + 2 * 100)) ] ||
	fail "stream --seconds=0.05 --csv printed $(wc -l <"$TMP/s1") lines, expected 1 + 2 plates x 100 samples"
ok "stream --seconds=0.05 --csv: 2 x 100 rows"

# Nobody on the port: the control commands give up after 3 s (tare: plus its 500 ms).
port=$((20000 + $$ % 20000))
expect_fail 1 "no answer from fplated at tcp://127.0.0.1:$((port + 1)) within 3.5 s" \
	"$F" tare --endpoint "tcp://127.0.0.1:$port"
expect_fail 1 "no answer from fplated at tcp://127.0.0.1:$((port + 1)) within 3.0 s" \
	env FPLATE_ENDPOINT="tcp://127.0.0.1:$port" "$F" describe
expect_fail 1 "no answer from fplated at tcp://127.0.0.1:$((port + 3)) within 3.0 s" \
	env FPLATE_CTL="tcp://127.0.0.1:$((port + 3))" FPLATE_ENDPOINT="tcp://127.0.0.1:$port" "$F" describe
