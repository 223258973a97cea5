#!/usr/bin/python3
"""test_sd_notify.py - fplated speaks systemd's notification protocol.

Plays the service manager: binds the $NOTIFY_SOCKET datagram socket, starts
the real fplated on the simulated treadmill with a watchdog, and checks what
a Type=notify unit with WatchdogSec= relies on: READY=1 once the daemon
publishes, WATCHDOG=1 pings never more than half of WatchdogSec apart,
STOPPING=1 and exit status 0 after SIGTERM. A second run with WATCHDOG_PID
naming another process must send no pings at all.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("BUILD", "build")
FPLATED = os.path.join(BUILD, "fplated")
# WatchdogSec=2s: fplated pings every quarter (0.5 s); the limit is half
# (1 s), so a host stall of up to 0.5 s (CI VMs stall for tens of ms) cannot
# fail the test, while a daemon pinging at half the interval or slower does.
WATCHDOG_USEC = 2000000
RUN_S = 4.0


def run(tmp, name, env_extra):
    """Start fplated, collect datagrams for RUN_S after READY, stop it."""
    path = os.path.join(tmp, name + ".sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=str(WATCHDOG_USEC))
    env.update(env_extra)
    endpoint = "ipc://" + os.path.join(tmp, name + ".pub")
    proc = subprocess.Popen([FPLATED, "--config", os.devnull, "--device", "sim://",
                             "--pub", endpoint, "--log-level", "warn"],
                            env=env, stderr=subprocess.PIPE, text=True)
    msgs = []                   # (monotonic time, message)
    ready_at = None
    deadline = time.monotonic() + 10
    stop_sent = None
    sock.settimeout(0.05)
    try:
        while time.monotonic() < deadline:
            try:
                data = sock.recv(4096).decode()
                msgs.append((time.monotonic(), data))
                if data.startswith("READY=1") and ready_at is None:
                    ready_at = time.monotonic()
                    deadline = ready_at + RUN_S
                if data == "STOPPING=1":
                    break
            except socket.timeout:
                pass
            if proc.poll() is not None:
                break
            if ready_at is not None and time.monotonic() >= deadline and stop_sent is None:
                proc.send_signal(signal.SIGTERM)
                stop_sent = time.monotonic()
                deadline = stop_sent + 5
        if stop_sent is None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
        # Anything sent between STOPPING and exit.
        sock.settimeout(0)
        try:
            while True:
                msgs.append((time.monotonic(), sock.recv(4096).decode()))
        except (BlockingIOError, socket.timeout):
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()
    return rc, msgs, proc.stderr.read()


def main():
    if not os.access(FPLATED, os.X_OK):
        print(f"{FPLATED} not built", file=sys.stderr)
        return 1
    failures = []
    with tempfile.TemporaryDirectory(prefix="fplate-notify.") as tmp:
        rc, msgs, err = run(tmp, "own", {})
        texts = [m for _, m in msgs]
        print(f"own watchdog: rc={rc} messages={len(texts)} first={texts[:1]}")
        ready = [m for m in texts if m.startswith("READY=1")]
        if len(ready) != 1:
            failures.append(f"expected one READY=1, got {len(ready)}: {texts[:3]}")
        elif "STATUS=sim://" not in ready[0]:
            failures.append(f"READY without a STATUS naming the device: {ready[0]!r}")
        pings = [t for t, m in msgs if m == "WATCHDOG=1"]
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        max_gap = max(gaps) if gaps else float("inf")
        print(f"  pings={len(pings)} max_gap_s={max_gap:.3f} "
              f"(limit {WATCHDOG_USEC / 2e6:.3f})")
        if len(pings) < int(RUN_S / (WATCHDOG_USEC / 2e6)):
            failures.append(f"only {len(pings)} WATCHDOG=1 in {RUN_S} s")
        if max_gap > WATCHDOG_USEC / 2e6:
            failures.append(f"watchdog pings {max_gap:.3f} s apart, more than half "
                            f"of WatchdogSec")
        if "STOPPING=1" not in texts:
            failures.append(f"no STOPPING=1 after SIGTERM; last: {texts[-3:]}")
        if rc != 0:
            failures.append(f"fplated exited {rc} after SIGTERM: {err.strip()[-300:]}")

        rc, msgs, err = run(tmp, "other", {"WATCHDOG_PID": "1"})
        texts = [m for _, m in msgs]
        print(f"watchdog of pid 1: rc={rc} messages={texts}")
        if any(m == "WATCHDOG=1" for m in texts):
            failures.append("pinged a watchdog that WATCHDOG_PID gives to another process")
        if not any(m.startswith("READY=1") for m in texts) or rc != 0:
            failures.append(f"second run: no READY or exit {rc}: {err.strip()[-300:]}")
    for f in failures:
        print("FAIL:", f)
    print("test_sd_notify:", "FAIL" if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
