# systemd_units: the installed fplated.service under Debian's systemd (PID 1
# of its own PID namespace): Type=notify start with the shipped default
# configuration (sim://), the sandbox (user fplate, no capabilities,
# NoNewPrivileges, seccomp), data on the default endpoint, the watchdog fed
# and enforced (a stopped daemon is restarted), a clean stop, and real-time
# priority only through the drop-in fplated(8) documents.
# vm-timeout: 210
. /fplate/lib.sh
. /fplate/files/vm-udev.sh

fails=""
expect() { # WHAT GOT WANTED
	if [ "$2" != "$3" ]; then
		fails="$fails $1"
		echo "systemd_units: $1: got '$2', expected '$3'"
	fi
}
prop() { sctl_prop "$@"; }

udev_add_user
# A short watchdog keeps the case quick; everything else is the unit as installed.
mkdir -p /etc/systemd/system/fplated.service.d
printf '[Service]\nWatchdogSec=2s\n' >/etc/systemd/system/fplated.service.d/vm.conf
systemd_start || { vm_result systemd_units FAIL reason=systemd-start; exit 1; }

t0=$(cut -d' ' -f1 /proc/uptime)
sctl start fplated.service
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
expect start-rc "$rc" 0
expect active "$(prop fplated.service ActiveState)/$(prop fplated.service SubState)" "active/running"
status=$(prop fplated.service StatusText)
expect status-text "$status" "sim://, publishing on tcp://127.0.0.1:5555"

# The sandbox, seen from outside the namespace.
pid=$(pidof fplated | cut -d' ' -f1)
uid=$(awk '/^Uid:/ { print $2 }' /proc/"$pid"/status 2>/dev/null)
expect uid "$uid" "$(id -u fplate)"
expect no-new-privs "$(awk '/^NoNewPrivs:/ { print $2 }' /proc/"$pid"/status)" 1
seccomp=$(awk '/^Seccomp:/ { print $2 }' /proc/"$pid"/status)
expect seccomp "$seccomp" 2
expect cap-eff "$(awk '/^CapEff:/ { print $2 }' /proc/"$pid"/status)" 0000000000000000
expect cap-bnd "$(awk '/^CapBnd:/ { print $2 }' /proc/"$pid"/status)" 0000000000000000

# Data flows on the default endpoint.
out=$(fplate status 2>&1)
frc=$?
expect fplate-status "$frc" 0
[ $frc = 0 ] || echo "$out" | tail -n 5

# Watchdog: pings keep it alive for more than two WatchdogSec (2 s): wait
# for a ping (systemd's WatchdogTimestamp, set at the start and at every
# WATCHDOG=1) at least 4.5 s after the first one, not restarted meanwhile.
# Waiting for the pings rather than sleeping: a loaded host slows the guest.
w_first=$(prop fplated.service WatchdogTimestampMonotonic)
pinged_late() {
	w=$(prop fplated.service WatchdogTimestampMonotonic)
	[ "$(prop fplated.service NRestarts)" != 0 ] && return 0
	# no ping seen yet (0): the first one seen is the reference
	[ "${w_first:-0}" -gt 0 ] || { w_first=$w; return 1; }
	[ -n "$w" ] && [ -n "$w_first" ] && [ $((w - w_first)) -ge 4500000 ]
}
vm_wait_for 45 pinged_late
w_span_s=$(awk -v a="${w_first:-0}" -v b="${w:-0}" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
[ "${w_first:-0}" -gt 0 ] && [ $((w - w_first)) -ge 4500000 ] || expect pings-over-4.5s "$w_span_s s" ">= 4.5 s"
expect alive-after-pings "$(prop fplated.service ActiveState)/$(prop fplated.service NRestarts)" "active/0"
# ... and a daemon that stops answering is killed and restarted.
kill -STOP "$pid"
restarted() { [ "$(prop fplated.service NRestarts)" = 1 ] && sctl_is fplated.service active; }
vm_wait_for 30 restarted
restarts=$(prop fplated.service NRestarts)
expect watchdog-restart "$restarts/$(prop fplated.service ActiveState)" "1/active"
newpid=$(pidof fplated | cut -d' ' -f1)
[ -n "$newpid" ] && [ "$newpid" != "$pid" ] || expect new-pid "$newpid" "not $pid"

# Normal scheduling by default: every thread SCHED_OTHER (policy 0).
policies() { # "rt_priority/policy" of every thread of $1, sorted, unique
	for t in /proc/"$1"/task/*; do awk '{ print $40 "/" $41 }' "$t/stat"; done | sort -u | tr '\n' ' '
}
pol_default=$(policies "$newpid")
expect sched-default "$pol_default" "0/0 "

sctl stop fplated.service
expect stopped "$(prop fplated.service ActiveState)/$(prop fplated.service Result)" "inactive/success"
pidof fplated >/dev/null && expect daemon-gone present gone

# Real time as fplated(8) documents it, in a drop-in. (With RestrictRealtime
# left on, libzmq's threads abort: they re-apply the inherited policy.)
printf '[Service]\nRestrictRealtime=no\nCPUSchedulingPolicy=fifo\nCPUSchedulingPriority=50\n' \
	>/etc/systemd/system/fplated.service.d/realtime.conf
sctl daemon-reload
sctl start fplated.service
expect rt-start "$(prop fplated.service ActiveState)" "active"
rtpid=$(pidof fplated | cut -d' ' -f1)
sleep 1
pol_rt=$(policies "$rtpid")
expect sched-realtime "$pol_rt" "50/1 "
sctl stop fplated.service

systemd_kill
summary="start_s=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') status='$status'"
summary="$summary uid=$uid seccomp=$seccomp watchdog_pings_s=$w_span_s restarts_after_sigstop=$restarts"
summary="$summary sched_default='$pol_default' sched_dropin='$pol_rt'"
if [ -z "$fails" ]; then
	vm_result systemd_units PASS "$summary"
else
	vm_result systemd_units FAIL "failed:$fails $summary"
	sctl status fplated.service 2>&1 | tail -n 20
	tail -n 20 /run/fplate-vm/*.log
	exit 1
fi
