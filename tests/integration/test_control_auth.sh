#!/bin/sh
# test_control_auth.sh - who may use the control socket (docs/control.md,
# "Security"): an endpoint reachable from the network needs CURVE, so
# fplated refuses to start without it; a world-readable key file is
# refused; with CURVE only allow-listed client keys connect, a "read" key
# or the read endpoint gets describe/status only, a "control" key
# everything; the loopback shared secret still keeps tokenless clients out.
# Loopback only: CURVE, once configured, guards loopback TCP too.
set -u
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
port=$((16000 + $$ % 1000))
tmp=$(mktemp -d)
fail() { echo "FAIL: $*"; [ -n "${dpid:-}" ] && kill "$dpid" 2>/dev/null; exit 1; }
wait_up() {  # wait_up ENV-ASSIGNMENTS... : until describe answers
	i=0
	until env "$@" "$BUILD/fplate" describe --timeout 0.5 >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 30 ] || fail "daemon does not answer: $(cat "$tmp"/*.log)"; sleep 0.2
	done
}

# 1. a network-reachable control endpoint without CURVE: refused, exit 2
"$BUILD/fplated" --device 'sim://?runner=0' --pub "tcp://127.0.0.1:$port" \
	--ctl "tcp://0.0.0.0:$((port + 1))" >"$tmp/a.log" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "non-loopback control without CURVE: exit $rc, expected 2"
grep -q "reachable from the network: set \[control\] curve_secret_file" "$tmp/a.log" ||
	fail "no clear message: $(cat "$tmp/a.log")"
# ... and a shared secret is not enough there
printf 'correct-horse-battery-staple\n' >"$tmp/secret"
chmod 600 "$tmp/secret"
"$BUILD/fplated" --device 'sim://?runner=0' --pub "tcp://127.0.0.1:$port" \
	--ctl "tcp://0.0.0.0:$((port + 1))" --ctl-secret-file "$tmp/secret" >"$tmp/a2.log" 2>&1
[ $? -eq 2 ] || fail "a clear-text secret accepted off loopback"

# 2. key files others can read: refused
"$BUILD/fplate" keygen "$tmp/server" >/dev/null || fail "fplate keygen"
"$BUILD/fplate" keygen "$tmp/server" >/dev/null 2>&1 && fail "keygen overwrote a key"
[ "$(stat -c %a "$tmp/server.key")" = 600 ] || fail "secret key not mode 600"
"$BUILD/fplate" keygen "$tmp/tech" >/dev/null && "$BUILD/fplate" keygen "$tmp/viewer" >/dev/null &&
	"$BUILD/fplate" keygen "$tmp/stranger" >/dev/null || fail "client keygen"
{ echo "# role key"; echo "control $(head -1 "$tmp/tech.pub") technician";
  echo "read $(head -1 "$tmp/viewer.pub")"; } >"$tmp/clients"
chmod 644 "$tmp/server.key"
"$BUILD/fplated" --device 'sim://?runner=0' --pub "tcp://127.0.0.1:$port" \
	--ctl "tcp://127.0.0.1:$((port + 1))" --curve-secret-file "$tmp/server.key" \
	--curve-clients "$tmp/clients" >"$tmp/b.log" 2>&1
[ $? -eq 2 ] && grep -q "chmod 600" "$tmp/b.log" || fail "world-readable key accepted: $(cat "$tmp/b.log")"
chmod 600 "$tmp/server.key"

# 3. CURVE with roles: control endpoint, read endpoint, PUB, all on CURVE
"$BUILD/fplated" --device 'sim://?runner=0' --pub "tcp://127.0.0.1:$port" \
	--ctl "tcp://127.0.0.1:$((port + 1))" --ctl-read "tcp://127.0.0.1:$((port + 2))" \
	--curve-secret-file "$tmp/server.key" --curve-clients "$tmp/clients" >"$tmp/c.log" 2>&1 &
dpid=$!
export FPLATE_CTL="tcp://127.0.0.1:$((port + 1))" FPLATE_CTL_SERVER_KEY="$tmp/server.pub"
TECH="FPLATE_CTL_KEY_FILE=$tmp/tech.key"
VIEW="FPLATE_CTL_KEY_FILE=$tmp/viewer.key"
wait_up "$TECH"
env "$TECH" "$BUILD/fplate" set belt-speed 2.5 >/dev/null || fail "control key refused"
env "$TECH" "$PYTHON" scripts/fplate-tare --ctl "$FPLATE_CTL" --ms 200 --report-dir "$tmp" >/dev/null ||
	fail "fplate-tare with the control key failed"
env "$VIEW" "$BUILD/fplate" describe >/dev/null || fail "read key cannot describe"
env "$VIEW" "$BUILD/fplate" reset-counters >/dev/null 2>"$tmp/err" && fail "read key could reset counters"
grep -q "forbidden" "$tmp/err" && grep -q "field cmd" "$tmp/err" || fail "no forbidden error: $(cat "$tmp/err")"
env "$TECH" "$BUILD/fplate" tare --ctl "tcp://127.0.0.1:$((port + 2))" >/dev/null 2>"$tmp/err" &&
	fail "control command answered on the read endpoint"
grep -q "forbidden" "$tmp/err" || fail "read endpoint: no forbidden error: $(cat "$tmp/err")"
env "$TECH" "$BUILD/fplate" status --ctl "tcp://127.0.0.1:$((port + 2))" >/dev/null 2>&1 ||
	env "$TECH" "$BUILD/fplate" describe --ctl "tcp://127.0.0.1:$((port + 2))" >/dev/null ||
	fail "read endpoint does not describe"
# unknown key and no key at all: no answer, refusals logged
env FPLATE_CTL_KEY_FILE="$tmp/stranger.key" "$BUILD/fplate" describe --timeout 1 >/dev/null 2>&1 &&
	fail "unknown key answered"
env -u FPLATE_CTL_SERVER_KEY "$BUILD/fplate" describe --timeout 1 >/dev/null 2>&1 &&
	fail "plain client answered on a CURVE endpoint"
grep -q "CURVE key not in curve_clients" "$tmp/c.log" || fail "unknown key not logged: $(cat "$tmp/c.log")"
# the PUB socket: a plain subscriber gets nothing, a listed key the stream
env -u FPLATE_CTL_SERVER_KEY "$BUILD/fplate" status --endpoint "tcp://127.0.0.1:$port" \
	--timeout 1 >/dev/null 2>&1 && fail "plain subscriber got the stream of a CURVE PUB"
env "$VIEW" "$BUILD/fplate" status --endpoint "tcp://127.0.0.1:$port" --timeout 3 >/dev/null ||
	fail "read key cannot subscribe to the CURVE PUB"
# ... and the Python example subscriber the same, with the same two variables
env -u FPLATE_CTL_SERVER_KEY "$PYTHON" scripts/subscribe.py --endpoint "tcp://127.0.0.1:$port" \
	--timeout 1 --frames 1 >/dev/null 2>&1 && fail "subscribe.py without CURVE got the stream"
env FPLATE_CTL_KEY_FILE="$tmp/stranger.key" "$PYTHON" scripts/subscribe.py \
	--endpoint "tcp://127.0.0.1:$port" --timeout 1 --frames 1 >/dev/null 2>&1 &&
	fail "subscribe.py with an unlisted key got the stream"
env "$VIEW" "$PYTHON" scripts/subscribe.py --endpoint "tcp://127.0.0.1:$port" --timeout 3 \
	--frames 20 --summary >"$tmp/sub.json" || fail "subscribe.py with the read key: $(cat "$tmp/sub.json")"
grep -q '"frames": 20' "$tmp/sub.json" || fail "subscribe.py over CURVE: $(cat "$tmp/sub.json")"
env FPLATE_CTL_KEY_FILE= "$PYTHON" scripts/subscribe.py --endpoint "tcp://127.0.0.1:$port" \
	--timeout 1 >/dev/null 2>"$tmp/err" && fail "subscribe.py: server key without own key accepted"
grep -q "needs FPLATE_CTL_KEY_FILE" "$tmp/err" || fail "subscribe.py: no message for a missing key file"
kill "$dpid"; wait "$dpid" || fail "daemon exit status $?"

# 4. the loopback shared secret: requests without it refused, with it answered
"$BUILD/fplated" --device 'sim://?runner=0' --pub "tcp://127.0.0.1:$port" \
	--ctl "tcp://127.0.0.1:$((port + 1))" --ctl-secret-file "$tmp/secret" >"$tmp/d.log" 2>&1 &
dpid=$!
unset FPLATE_CTL_SERVER_KEY
wait_up FPLATE_CTL_TOKEN_FILE="$tmp/secret"
"$BUILD/fplate" describe >/dev/null 2>"$tmp/err" && fail "request without token answered"
grep -q "unauthorized" "$tmp/err" && grep -q "field token" "$tmp/err" || fail "no unauthorized error: $(cat "$tmp/err")"
printf 'wrong-token-of-the-same-size\n' >"$tmp/wrong"
FPLATE_CTL_TOKEN_FILE="$tmp/wrong" "$BUILD/fplate" describe >/dev/null 2>&1 && fail "wrong token answered"
FPLATE_CTL_TOKEN_FILE="$tmp/secret" "$BUILD/fplate" set belt-speed 2.5 >/dev/null || fail "set with token refused"
grep -q "refused: wrong token" "$tmp/d.log" || grep -q "refused: no token" "$tmp/d.log" ||
	fail "refusals not logged: $(cat "$tmp/d.log")"
kill "$dpid"; wait "$dpid" || fail "daemon exit status $?"
echo "control access: CURVE required off loopback, keys and roles enforced, loopback token enforced"
rm -rf "$tmp"
