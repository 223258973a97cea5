#!/bin/sh
# run.sh - `make run`: fplated on the simulated treadmill plus the live
# terminal view (fplate view on a terminal, else fplate watch) until Ctrl-C
# or RUN_SECONDS; the daemon is
# stopped on the way out whatever happens.
#   RUN_SECONDS=N   stop after N seconds
#   RUN_DEVICE=URI  another source (default sim://)
#   RUN_ENDPOINT=E  another endpoint (default tcp://127.0.0.1:5555, so
#                   `fplate stream` / `fplate status` in another terminal work)
set -u
BUILD=${BUILD:-build}
DEV=${RUN_DEVICE:-sim://}
EP=${RUN_ENDPOINT:-tcp://127.0.0.1:5555}
LOG=$BUILD/fplated-run.log
PID=

stop_daemon() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	PID=
}
trap stop_daemon EXIT
trap 'stop_daemon; exit 0' INT TERM

echo "make run: fplated --device '$DEV' --pub $EP (log: $LOG)"
# Not the installed /etc/fplate/fplate.conf: its control socket is in
# /run/fplate, for the service. Control beside the publish endpoint (TCP
# port + 1), recordings and calibrations in folders of $BUILD.
mkdir -p "$BUILD/recordings" "$BUILD/calibrations"
"$BUILD/fplated" --config /dev/null --device "$DEV" --pub "$EP" \
	--record-dir "$BUILD/recordings" --calibration-dir "$BUILD/calibrations" 2>"$LOG" &
PID=$!
i=0
until "$BUILD/fplate" status --endpoint "$EP" --timeout 1 >/dev/null 2>&1; do
	i=$((i + 1))
	if ! kill -0 "$PID" 2>/dev/null || [ $i -ge 8 ]; then
		echo "make run: fplated did not start:" >&2
		cat "$LOG" >&2
		exit 1
	fi
done
# the live picture (fplate view) on a terminal, one line a second otherwise
VIEW=watch
[ -t 1 ] && VIEW=view
if [ -n "${RUN_SECONDS:-}" ]; then
	"$BUILD/fplate" $VIEW --endpoint "$EP" --seconds "$RUN_SECONDS"
else
	"$BUILD/fplate" $VIEW --endpoint "$EP"
fi
rc=$?
stop_daemon
echo "make run: fplated stopped: $(tail -n 1 "$LOG")"
exit $rc
