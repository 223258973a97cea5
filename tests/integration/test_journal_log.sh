#!/bin/sh
# test_journal_log.sh - fplated's log lines for journald: when stderr is
# the stream $JOURNAL_STREAM names (device:inode, as systemd sets it) each
# line starts with its syslog priority (<3> error, <4> warning, <6> info)
# and carries no timestamp of ours; on any other stderr (a terminal, a
# file, a stale $JOURNAL_STREAM) lines keep the timestamp and no prefix.
set -u
NAME=journal_log
BUILD=${BUILD:-build}
. tests/integration/lib.sh

# run_daemon LOG [ENV...]: 1.5 s of fplated with stderr to LOG
run_daemon() {
	log=$1; shift
	: >"$log"
	env "$@" "$BUILD/fplated" --device 'sim://?plates=1' --pub "$EP" 2>>"$log" &
	PID=$!
	sleep 1.5
	kill "$PID"; wait "$PID"; PID=
}
stream_of() { stat -L -c '%d:%i' "$1"; }

: >"$TMP/j.log"
run_daemon "$TMP/j.log" JOURNAL_STREAM="$(stream_of "$TMP/j.log")"
cat "$TMP/j.log"
grep -q '^<6>info: sim://' "$TMP/j.log" || fail "no '<6>info: ' start-up line with JOURNAL_STREAM set"
bad=$(grep -v '^<[3467]>[a-z]*: ' "$TMP/j.log" | head -n 1)
[ -z "$bad" ] || fail "a journal line without a priority prefix: '$bad'"
grep -q '^<[0-9]>[0-9][0-9]:[0-9][0-9]:' "$TMP/j.log" && fail "journal lines still carry our timestamp"
ok "JOURNAL_STREAM = stderr: $(wc -l <"$TMP/j.log") lines, each '<N>level: ...', no timestamp"

# an error before the daemon starts (bad option value): priority 3
: >"$TMP/e.log"
JOURNAL_STREAM="$(stream_of "$TMP/e.log")" "$BUILD/fplated" --block-ms 0 2>>"$TMP/e.log"
[ $? -eq 2 ] || fail "fplated --block-ms 0 did not exit 2"
grep -q "^<3>fplated: option --block-ms '0'" "$TMP/e.log" || fail "bad option under journald: '$(cat "$TMP/e.log")'"
: >"$TMP/e2.log"
JOURNAL_STREAM="$(stream_of "$TMP/e2.log")" "$BUILD/fplated" --device 'sim://?plates=1' \
	--pub "ipc://$TMP/nodir/x/pub" 2>>"$TMP/e2.log"
grep -q '^<3>error: cannot bind' "$TMP/e2.log" || fail "bind error under journald: '$(cat "$TMP/e2.log")'"
ok "errors under journald start with <3>"

# JOURNAL_STREAM naming another stream (inherited, stale): plain lines
: >"$TMP/other"
run_daemon "$TMP/p.log" JOURNAL_STREAM="$(stream_of "$TMP/other")"
grep -q '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9][0-9][0-9] fplated: info: sim://' "$TMP/p.log" ||
	fail "stale JOURNAL_STREAM: expected timestamped lines, got '$(head -n 1 "$TMP/p.log")'"
grep -q '^<[0-9]>' "$TMP/p.log" && fail "stale JOURNAL_STREAM: priority prefixes on a plain file"
run_daemon "$TMP/n.log"
grep -q '^<[0-9]>' "$TMP/n.log" && fail "no JOURNAL_STREAM: priority prefixes"
ok "other stderr: timestamped lines without prefixes"
