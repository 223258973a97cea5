#!/usr/bin/python3
# test_wire_messages.py - the JSON messages carry what docs/wire-format.md
# promises: `step` has "type":"step" and "version", `status` has time_ns
# also as time_s + time_nsec (exact for a float64 JSON parser), and the last
# status fplated publishes when it is stopped says "stopped", not "running".
import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import zmq

BUILD = os.environ.get("BUILD", "build")


class Timex(ctypes.Structure):
    """struct timex of <sys/timex.h> (Linux, 64- and 32-bit: C long)."""
    L = ctypes.c_long
    _fields_ = [("modes", ctypes.c_uint), ("offset", L), ("freq", L), ("maxerror", L),
                ("esterror", L), ("status", ctypes.c_int), ("constant", L),
                ("precision", L), ("tolerance", L), ("tv_sec", L), ("tv_usec", L),
                ("tick", L), ("ppsfreq", L), ("jitter", L), ("shift", ctypes.c_int),
                ("stabil", L), ("jitcnt", L), ("calcnt", L), ("errcnt", L), ("stbcnt", L),
                ("tai", ctypes.c_int), ("pad", ctypes.c_int * 11)]


def host_clock():
    """The kernel's own word on CLOCK_REALTIME, read here independently."""
    tx = Timex()
    state = ctypes.CDLL(None, use_errno=True).adjtimex(ctypes.byref(tx))
    STA_UNSYNC, TIME_ERROR = 0x0040, 5
    return state != TIME_ERROR and not (tx.status & STA_UNSYNC), tx.esterror, tx.maxerror


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    tmp = tempfile.mkdtemp(prefix="fplate-it-msg.")
    ep = "ipc://%s/pub.sock" % tmp
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    for t in (b"status", b"step"):
        sub.setsockopt(zmq.SUBSCRIBE, t)
    sub.connect(ep)
    d = subprocess.Popen([os.path.join(BUILD, "fplated"), "--device",
                          "sim://?plates=2&seed=4&speed=3", "--pub", ep,
                          "--status-ms", "200", "--log-level", "warn"])
    status, steps = [], []
    try:
        end = time.monotonic() + 15
        while time.monotonic() < end and (len(steps) < 3 or len(status) < 3):
            if sub.poll(100):
                topic, payload = sub.recv_multipart()
                (steps if topic == b"step" else status).append(json.loads(payload))
        if len(steps) < 3:
            fail("only %d steps in 15 s" % len(steps))
        d.send_signal(signal.SIGTERM)
        if d.wait(10) != 0:
            fail("fplated exited %d on SIGTERM" % d.returncode)
        while sub.poll(500):
            topic, payload = sub.recv_multipart()
            (steps if topic == b"step" else status).append(json.loads(payload))
    finally:
        if d.poll() is None:
            d.kill()
            d.wait()
        os.system("rm -rf '%s'" % tmp)
    for s in steps:
        if s.get("type") != "step" or s.get("version") != 1 or "metrics_version" not in s:
            fail("step message without type/version: %s" % sorted(s))
        # the run a step belongs to: the stream_id of the status messages
        if s.get("stream_id") != status[0]["stream_id"]:
            fail("step stream_id %r, status says %r" % (s.get("stream_id"),
                                                        status[0]["stream_id"]))
    for s in status:
        if s["type"] != "status" or s["version"] != 1:
            fail("status type/version: %r %r" % (s["type"], s["version"]))
        if not (0 <= s["time_nsec"] < 10**9):
            fail("time_nsec %r out of range" % s["time_nsec"])
        if s["time_s"] * 10**9 + s["time_nsec"] != s["time_ns"]:
            fail("time_s %r + time_nsec %r != time_ns %r"
                 % (s["time_s"], s["time_nsec"], s["time_ns"]))
        if s["time_s"] >= 2**53:
            fail("time_s %r not exact in a float64" % s["time_s"])
    # clock_sync: the kernel's answer (adjtimex), as this process reads it now
    sync, est, mx = host_clock()
    c = status[-1]["clock_sync"]
    if c["synchronised"] != sync or c["esterror_us"] != est:
        fail("clock_sync %s, adjtimex here says synchronised=%s esterror=%d" % (c, sync, est))
    # maxerror grows by 500 us per s between NTP updates (kernel): < 2 s apart
    if not (abs(mx - c["maxerror_us"]) <= 2500 or sync):  # synced: an update may lower it
        fail("clock_sync maxerror %d us, adjtimex here %d us" % (c["maxerror_us"], mx))
    print("clock_sync: %s (adjtimex here: synchronised=%s esterror=%d maxerror=%d us)"
          % (c, sync, est, mx))
    states = [s["device"]["state"] for s in status]
    if states[-1] != "stopped":
        fail("last status says %r, expected 'stopped' (states %s)" % (states[-1], states[-5:]))
    if "running" not in states[:-1]:
        fail("no 'running' status before the last one: %s" % states)
    print("ok: %d steps with type/version, %d status messages, time_s+time_nsec exact, "
          "last state 'stopped'" % (len(steps), len(status)))


main()
