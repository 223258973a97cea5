# lib.sh - sourced by the shell integration tests (not a test itself).
# Set NAME before sourcing; gives TMP (removed on exit), EP (a unique ipc://
# endpoint, so parallel runs do not clash), PID (killed on exit if set),
# and fail / ok / expect_fail.
TMP=$(mktemp -d "/tmp/fplate-it-$NAME.XXXXXX")
EP="ipc://$TMP/pub.sock"
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

# expect_fail CODE PATTERN CMD... : CMD exits CODE and prints PATTERN on stderr.
expect_fail() {
	code=$1; pattern=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
	[ "$rc" -eq "$code" ] || fail "'$*' exited $rc, expected $code: $(cat "$TMP/err")"
	grep -q -- "$pattern" "$TMP/err" || fail "'$*' said '$(cat "$TMP/err")', expected '$pattern'"
	ok "$* -> exit $code, $(head -n 1 "$TMP/err")"
}
