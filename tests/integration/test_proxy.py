#!/usr/bin/python3
# test_proxy.py - several treadmills through ZeroMQ's own proxy
# (docs/wire-format.md, "Several daemons, several hosts"): two fplated with
# different stream ids and names behind one zmq_proxy (XSUB -> XPUB, run
# here by python3-zmq's zmq.proxy, no broker of ours); one subscriber reads
# both, tells them apart by stream_id, and each stream arrives contiguous
# (sequence and sample index without a hole); status carries each daemon's
# name and describe gives the same stream id and name.
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import zmq

BUILD = os.environ.get("BUILD", "build")
PY = os.environ.get("PYTHON", "/usr/bin/python3")
FPLATED = os.path.join(BUILD, "fplated")
FPLATE = os.path.join(BUILD, "fplate")
SECONDS = 3.0

# The proxy of the doc, as a lab would run it: XSUB connects to every
# daemon, XPUB is the one endpoint subscribers use.
PROXY = r"""
import sys, zmq
ctx = zmq.Context()
xsub, xpub = ctx.socket(zmq.XSUB), ctx.socket(zmq.XPUB)
for ep in sys.argv[2:]:
    xsub.connect(ep)
xpub.bind(sys.argv[1])
zmq.proxy(xsub, xpub)
"""


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    tmp = tempfile.mkdtemp(prefix="fplate-it-proxy.")
    streams = {0x11: "treadmill-a", 0x22: "treadmill-b"}
    eps = {sid: "ipc://%s/pub-%x.sock" % (tmp, sid) for sid in streams}
    front = "ipc://%s/front.sock" % tmp
    procs = []
    try:
        for sid, name in streams.items():
            procs.append(subprocess.Popen(
                [FPLATED, "--device", "sim://?plates=2&seed=%d" % sid, "--pub", eps[sid],
                 "--stream-id", str(sid), "--name", name, "--log-level", "warn"]))
        proxy = subprocess.Popen([PY, "-c", PROXY, front] + list(eps.values()))
        procs.append(proxy)
        sub = zmq.Context.instance().socket(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"force")
        sub.setsockopt(zmq.SUBSCRIBE, b"status")
        sub.connect(front)
        frames = {sid: [] for sid in streams}
        names = {}
        end = time.monotonic() + SECONDS + 5
        while time.monotonic() < end and min(len(f) for f in frames.values()) < SECONDS * 100:
            if not sub.poll(200):
                continue
            topic, p = sub.recv_multipart()
            if topic == b"status":
                s = json.loads(p)
                names[s["stream_id"]] = s["stream_name"]
                continue
            sid, seq, first, n = (int(np.frombuffer(p, "<u4", 1, 8)[0]),
                                  int(np.frombuffer(p, "<u8", 1, 16)[0]),
                                  int(np.frombuffer(p, "<u8", 1, 24)[0]),
                                  int(np.frombuffer(p, "<u4", 1, 56)[0]))
            if sid not in frames:
                fail("frame with stream_id %#x, expected one of %s" % (sid, list(streams)))
            frames[sid].append((seq, first, n))
        for sid, fr in frames.items():
            if len(fr) < SECONDS * 100:
                fail("stream %#x: %d frames through the proxy in %g s" % (sid, len(fr), SECONDS))
            for (s0, f0, n0), (s1, f1, _) in zip(fr, fr[1:]):
                if s1 != s0 + 1 or f1 != f0 + n0:
                    fail("stream %#x not contiguous: sequence %d -> %d, sample %d+%d -> %d"
                         % (sid, s0, s1, f0, n0, f1))
            if names.get(sid) != streams[sid]:
                fail("status of stream %#x names it %r, expected %r"
                     % (sid, names.get(sid), streams[sid]))
            print("ok: stream %#x (%s): %d frames, %d samples, contiguous through the proxy"
                  % (sid, names[sid], len(fr), sum(f[2] for f in fr)))
        # describe on each daemon's control socket (beside its PUB endpoint)
        for sid, name in streams.items():
            r = subprocess.run([FPLATE, "describe", "--json", "--ctl", eps[sid] + ".ctl"],
                               capture_output=True, text=True, timeout=20)
            if r.returncode:
                fail("describe %s: %s" % (name, r.stderr))
            dsc = json.loads(r.stdout)["stream"]
            if dsc.get("stream_id") != sid or dsc.get("stream_name") != name:
                fail("describe: stream_id %r name %r, expected %#x %r"
                     % (dsc.get("stream_id"), dsc.get("stream_name"), sid, name))
        print("ok: describe gives each daemon's stream_id and stream_name")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        os.system("rm -rf '%s'" % tmp)


main()
