#!/usr/bin/python3
# test_gait_identity.py - live and offline gait analysis agree: fplated
# replaying a real treadmill recording (c3d://, paced in real time) publishes
# `step` records identical to those `fplate analyze --json` prints for the
# same file, key by key, for every stance both have completed (analyze
# without the foot markers the daemon cannot have). Both build
# their gait configuration with fp_gait_config_build() (lib/gait/), so any
# difference is a bug in one of the two paths.
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import zmq

BUILD = os.environ.get("BUILD", "build")
FILE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                    "shared", "data", "c3d", "fukuchi_RBDS001runT35.c3d"))
LIVE_S = 6.0            # seconds of live replay
COMPARE_BEFORE_S = 4.5  # steps whose next contact is before this are complete in both


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    if not os.path.exists(FILE):
        fail("%s missing (../shared/data)" % FILE)
    tmp = tempfile.mkdtemp(prefix="fp-identity-")
    try:
        compare(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def offline_steps():
    off = subprocess.run([os.path.join(BUILD, "fplate"), "analyze", FILE, "--json",
                          "--facing", "+y", "--no-markers", "--seconds", str(LIVE_S)],
                         capture_output=True, text=True)
    if off.returncode != 0:
        fail("fplate analyze: %s" % off.stderr)
    offline = [json.loads(l) for l in off.stdout.splitlines()]
    return [s for s in offline if s.get("type", "step") == "step" and "contact_sample" in s]


def key(s):
    return (s["plate"], s["contact_sample"])


def compare(tmp):
    rate = 300.0
    done = [s for s in offline_steps() if s["toeoff_sample"] / rate < COMPARE_BEFORE_S - 1.0]
    if len(done) < 4:
        fail("only %d offline steps before %.1f s" % (len(done), COMPARE_BEFORE_S))
    want = {key(s) for s in done}
    ep = "ipc://%s/pub" % tmp
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.RECONNECT_IVL, 5)
    sub.setsockopt(zmq.SUBSCRIBE, b"step")
    sub.connect(ep)   # before the daemon binds: no step can be missed
    d = subprocess.Popen([os.path.join(BUILD, "fplated"), "--device",
                          "c3d://%s?rate=realtime" % FILE, "--pub", ep,
                          "-q"], stderr=subprocess.PIPE)
    # Until every offline step is in, or the replay reached LIVE_S of the
    # file (by the steps' own sample index, not this process's clock: a
    # stall delays steps, it does not lose them); the wall-clock limit only
    # ends a run where the daemon publishes nothing, at several times the
    # LIVE_S that a real-time replay needs.
    live = []
    end = time.monotonic() + LIVE_S + 20
    while time.monotonic() < end and not want <= {key(s) for s in live}:
        if live and live[-1]["contact_sample"] / rate >= LIVE_S:
            break
        if sub.poll(100):
            topic, payload = sub.recv_multipart()
            live.append(json.loads(payload))
        if d.poll() is not None:
            fail("fplated exited early: %s" % d.stderr.read().decode())
    d.send_signal(signal.SIGTERM)
    d.wait(10)
    live_by = {key(s): s for s in live}
    for s in done:
        l = live_by.get(key(s))
        if l is None:
            fail("step at sample %d (plate %d) offline but not live; live: %s"
                 % (s["contact_sample"], s["plate"], sorted(live_by)))
        for k, v in s.items():
            if k not in l:
                fail("step %s: key %s offline only" % (key(s), k))
            if l[k] != v and not (v != v and l[k] != l[k]):
                fail("step %s: %s live %r offline %r" % (key(s), k, l[k], v))
    print("ok: %d steps identical live and offline (%d live, up to sample %d)"
          % (len(done), len(live), max((s["contact_sample"] for s in live), default=-1)))

main()
