#!/bin/sh
# test_control_auth.sh - the control socket off loopback needs a shared
# secret (docs/control.md, "Access"): fplated refuses to start without one,
# refuses a world-readable secret file, and with one answers only requests
# that carry it (the CLI and the scripts send it from $FPLATE_CTL_TOKEN_FILE).
set -u
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
port=$((16000 + $$ % 1000))
tmp=$(mktemp -d)
fail() { echo "FAIL: $*"; [ -n "${dpid:-}" ] && kill "$dpid" 2>/dev/null; exit 1; }

# 1. a network-reachable control endpoint without a secret: refused, exit 2
"$BUILD/fplated" --device 'sim://?runner=0' --pub "tcp://127.0.0.1:$port" \
	--ctl "tcp://0.0.0.0:$((port + 1))" >"$tmp/a.log" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "non-loopback control without secret: exit $rc, expected 2"
grep -q "reachable from the network: set \[control\] secret_file" "$tmp/a.log" ||
	fail "no clear message: $(cat "$tmp/a.log")"

# 2. a secret file others can read: refused
printf 'correct-horse-battery-staple\n' >"$tmp/secret"
chmod 644 "$tmp/secret"
"$BUILD/fplated" --device 'sim://?runner=0' --pub "tcp://127.0.0.1:$port" \
	--ctl "tcp://127.0.0.1:$((port + 1))" --ctl-secret-file "$tmp/secret" >"$tmp/b.log" 2>&1
[ $? -eq 2 ] && grep -q "chmod 600" "$tmp/b.log" || fail "world-readable secret accepted: $(cat "$tmp/b.log")"
chmod 600 "$tmp/secret"

# 3. with the secret: requests without it are refused, with it answered
"$BUILD/fplated" --device 'sim://?runner=0' --pub "tcp://127.0.0.1:$port" \
	--ctl "tcp://127.0.0.1:$((port + 1))" --ctl-secret-file "$tmp/secret" >"$tmp/c.log" 2>&1 &
dpid=$!
export FPLATE_CTL="tcp://127.0.0.1:$((port + 1))"
i=0
until FPLATE_CTL_TOKEN_FILE="$tmp/secret" "$BUILD/fplate" describe >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 30 ] || fail "daemon with secret does not answer: $(cat "$tmp/c.log")"; sleep 0.2
done
"$BUILD/fplate" describe >/dev/null 2>"$tmp/err" && fail "request without token answered"
grep -q "unauthorized" "$tmp/err" && grep -q "field token" "$tmp/err" || fail "no unauthorized error: $(cat "$tmp/err")"
printf 'wrong-token-of-the-same-size\n' >"$tmp/wrong"
FPLATE_CTL_TOKEN_FILE="$tmp/wrong" "$BUILD/fplate" describe >/dev/null 2>&1 && fail "wrong token answered"
FPLATE_CTL_TOKEN_FILE="$tmp/secret" "$BUILD/fplate" set belt-speed 2.5 >/dev/null || fail "set with token refused"
FPLATE_CTL_TOKEN_FILE="$tmp/secret" "$PYTHON" scripts/fplate-tare --ctl "$FPLATE_CTL" --ms 200 \
	--report-dir "$tmp" >/dev/null || fail "fplate-tare with the token failed"
kill "$dpid"; wait "$dpid" || fail "daemon exit status $?"
echo "control access: refused off loopback without secret, refused bad/missing tokens, served the right one"
rm -rf "$tmp"
