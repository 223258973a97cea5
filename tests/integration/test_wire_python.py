#!/usr/bin/python3
# test_wire_python.py - the same live force frames decoded twice: by the C
# decoder (`fplate stream --json`) and by numpy following docs/wire-format.md
# (scripts/subscribe.py). Every value, index and time must agree, so the
# documented layout is the one the daemon actually sends.
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from subscribe import decode_force  # noqa: E402

BUILD = os.environ.get("BUILD", "build")


def main():
    tmp = tempfile.mkdtemp(prefix="fplate-it-wire.")
    ep = "ipc://%s/pub.sock" % tmp
    daemon = subprocess.Popen([os.path.join(BUILD, "fplated"), "--device",
                               "sim://?plates=2&seed=9", "--pub", ep, "--log-level", "warn"])
    try:
        ctx = zmq.Context()
        sub = ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"force")
        sub.connect(ep)
        if not sub.poll(5000):
            print("FAIL: no frames from fplated")
            return 1
        py_frames = {}
        stop = threading.Event()

        def collect():
            while not stop.is_set():
                if sub.poll(100):
                    topic, payload = sub.recv_multipart()
                    h, values, _ = decode_force(payload)
                    py_frames[int(h["sequence"])] = (h, values.copy())

        t = threading.Thread(target=collect)
        t.start()
        out = subprocess.run([os.path.join(BUILD, "fplate"), "stream", "--json", "--endpoint",
                              ep, "--seconds", "1"], capture_output=True, text=True, timeout=20)
        time.sleep(0.2)
        stop.set()
        t.join()
        if out.returncode != 0:
            print("FAIL: fplate stream exited %d: %s" % (out.returncode, out.stderr))
            return 1
        compared = 0
        for line in out.stdout.splitlines():
            c = json.loads(line)
            seq = c["sequence"]
            if seq not in py_frames:
                continue
            h, values = py_frames[seq]
            assert c["first_sample"] == int(h["first_sample"]), (c["first_sample"], h)
            assert c["t0_ns"] == int(h["t0_ns"]) and c["t_recv_ns"] == int(h["t_recv_ns"])
            assert abs(c["period_ns"] - float(h["period_ns"])) < 1e-3
            assert c["stream_id"] == int(h["stream_id"]) and c["flags"] == int(h["flags"])
            assert c["fields"] == ["fx", "fy", "fz", "mx", "my", "mz", "cop_x", "cop_y", "tz"]
            cv = np.array([[[np.nan if v is None else v for v in plate] for plate in s]
                           for s in c["data"]], dtype=np.float64)
            # --seconds may cut the last frame short: compare what was printed.
            assert c["n_samples"] == cv.shape[0] <= values.shape[0], (cv.shape, values.shape)
            values = values[:cv.shape[0]]
            same_nan = np.isnan(cv) == np.isnan(values)
            assert same_nan.all(), "NaN pattern differs in frame %d" % seq
            # %.9g round-trips float32 exactly.
            ok = np.isnan(cv) | (cv.astype(np.float32) == values)
            assert ok.all(), "values differ in frame %d: %s" % (seq, cv[~ok][:3])
            compared += 1
        print("compared %d frames decoded by C and by numpy: identical" % compared)
        if compared < 150:
            print("FAIL: only %d frames overlapped" % compared)
            return 1
        return 0
    finally:
        daemon.terminate()
        rc = daemon.wait(timeout=10)
        if rc != 0:
            print("FAIL: fplated exited %d on SIGTERM" % rc)
            sys.exit(1)
        os.system("rm -rf '%s'" % tmp)


if __name__ == "__main__":
    sys.exit(main())
