#!/usr/bin/python3
# test_wire_messages.py - the JSON messages carry what docs/wire-format.md
# promises: `step` has "type":"step" and "version", `status` has time_ns
# also as time_s + time_nsec (exact for a float64 JSON parser), and the last
# status fplated publishes when it is stopped says "stopped", not "running".
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import zmq

BUILD = os.environ.get("BUILD", "build")


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
    states = [s["device"]["state"] for s in status]
    if states[-1] != "stopped":
        fail("last status says %r, expected 'stopped' (states %s)" % (states[-1], states[-5:]))
    if "running" not in states[:-1]:
        fail("no 'running' status before the last one: %s" % states)
    print("ok: %d steps with type/version, %d status messages, time_s+time_nsec exact, "
          "last state 'stopped'" % (len(steps), len(status)))


main()
