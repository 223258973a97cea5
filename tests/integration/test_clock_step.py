#!/usr/bin/python3
"""test_clock_step.py - a wall-clock step does not stall acquisition.

The real fplated runs on the simulated treadmill (paced in real time on
CLOCK_MONOTONIC) with tests/integration/clockstep.c preloaded: 2 s after
start that process's CLOCK_REALTIME jumps back 10 s, as chrony makestep or
`date -s` would do, with the kernel's semantics for absolute sleeps on the
wall clock (a sleep in progress lasts 10 s longer). The machine's own clock
is not touched.

A subscriber records when each frame arrives on CLOCK_MONOTONIC. The sim
produces sample k at t0 + k / rate, so arrival - k / rate is a frame's
delay; delays are one-sided, the smallest is the pipeline's floor, and a
stall shows as a delay that far above it.

Limit: 2 s, a fifth of the step. The fault this test looks for is a wait
on the wall clock (an absolute sleep, a condition variable or a timeout on
CLOCK_REALTIME), and any such wait stalls for the whole step, 10 s: five
times the limit. What the limit must stay clear of is the host: a CI
virtual machine sharing its cores stalls a process for tens of
milliseconds now and then (37 ms, 2.2 s after the step, failed an earlier
20 ms limit in CI on 2026-12-03), about fifty times below the limit.
The median delay and the worst one are printed for the log.
Indices must stay contiguous and no frame may carry the GAP flag.

The same run is repeated with the clock stepped 10 s forward. There an
absolute sleep on the wall clock would end early instead of late, so what
is checked is the status messages: every `rate_hz` must stay within 1 %
of the simulator's rate (it is measured on CLOCK_MONOTONIC between the
least-delayed blocks of one-second periods: the scheduling floor moves by
well under 10 ms between them). A rate measured on the wall clock is off
by a factor of eleven for the period that holds a forward step.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts"))
from subscribe import decode_force, FLAG_GAP  # noqa: E402

BUILD = os.environ.get("BUILD", "build")
FPLATED = os.path.join(BUILD, "fplated")
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clockstep.c")
RATE = 1000
STEP_AT_MS = 2000
STEPS_MS = (-10000, 10000)
RATE_TOL = 0.01
LISTEN_S = 5.0                 # 3 s of it after the step
LIMIT_S = 2.0                  # a fifth of the 10 s step; see the docstring


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    tmp = tempfile.mkdtemp(prefix="fplate-it-clockstep.")
    try:
        shim = os.path.join(tmp, "clockstep.so")
        cc = os.environ.get("CC", "cc")
        r = subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-shared",
                            "-fPIC", "-o", shim, SRC, "-ldl"], capture_output=True, text=True)
        if r.returncode:
            fail("cannot build the clock-step helper: " + r.stderr)
        for step_by_ms in STEPS_MS:
            run(tmp, shim, step_by_ms)
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp, shim, step_by_ms):
    endpoint = "ipc://" + os.path.join(tmp, "pub%+d.sock" % step_by_ms)
    env = dict(os.environ, LD_PRELOAD=shim, CLOCKSTEP_AT_MS=str(STEP_AT_MS),
               CLOCKSTEP_BY_MS=str(step_by_ms))
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"force")
    sub.setsockopt(zmq.SUBSCRIBE, b"status")
    sub.connect(endpoint)
    start = time.monotonic()
    proc = subprocess.Popen([FPLATED, "--config", os.devnull,
                             "--device", "sim://?rate=%d&seed=5" % RATE,
                             "--pub", endpoint, "--log-level", "warn"],
                            env=env, stderr=subprocess.PIPE, text=True)
    step_at = start + STEP_AT_MS / 1e3
    idx, arrival, rates = [], [], []
    gaps = noncontiguous = 0
    next_index = None
    end = start + LISTEN_S
    try:
        while time.monotonic() < end:
            if not sub.poll(15000):
                fail("no frame for 15 s (the daemon stalls on the wall-clock step)")
            parts = sub.recv_multipart()
            now = time.monotonic()
            if len(parts) == 2 and parts[0] == b"status":
                rate = json.loads(parts[1])["rate_hz"]
                if rate is not None:
                    rates.append((now - start, rate))
                continue
            if len(parts) != 2 or parts[0] != b"force":
                continue
            h, _values, _sync = decode_force(parts[1])
            first, n = int(h["first_sample"]), int(h["n_samples"])
            if next_index is not None and first != next_index:
                noncontiguous += 1
            if h["flags"] & FLAG_GAP:
                gaps += 1
            next_index = first + n
            idx.append(first + n - 1)
            arrival.append(now)
    finally:
        proc.terminate()
        try:
            _out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, err = proc.communicate()
        sub.close()
        ctx.term()
    if proc.returncode != 0:
        fail("fplated exited %d: %s" % (proc.returncode, err))
    if not arrival:
        fail("no frame at all: %s" % err)
    # Nothing since the last frame until the end of listening is a stall too.
    silent = end - arrival[-1]
    if silent > LIMIT_S:
        fail("acquisition stalled: no frame in the last %.1f ms (limit %.0f ms)"
             % (1e3 * silent, 1e3 * LIMIT_S))
    arrival = np.array(arrival)
    idx = np.array(idx, dtype=np.float64)
    delay = arrival - idx / RATE
    excess = delay - delay.min()
    worst = int(np.argmax(excess))
    print("%d frames (%d after the step), delay above the floor: median %.2f ms, "
          "max %.2f ms at %.3f s after start (step at %.3f s)"
          % (len(idx), (arrival > step_at).sum(), 1e3 * np.median(excess), 1e3 * excess[worst],
             arrival[worst] - start, STEP_AT_MS / 1e3))
    print("status rate_hz (s after start: Hz): " +
          ", ".join("%.2f: %.2f" % r for r in rates))
    if noncontiguous or gaps:
        fail("%d discontinuities, %d GAP frames" % (noncontiguous, gaps))
    if excess[worst] > LIMIT_S:
        fail("acquisition stalled %.1f ms (limit %.0f ms)" % (1e3 * excess[worst],
                                                            1e3 * LIMIT_S))
    after = arrival > step_at
    if after.sum() < 100 or (~after).sum() < 50:
        fail("%d frames before and %d after the step: too few to judge"
             % ((~after).sum(), after.sum()))
    bad = [r for r in rates if abs(r[1] / RATE - 1) > RATE_TOL]
    if bad or sum(1 for t, _ in rates if t > STEP_AT_MS / 1e3) < 2:
        fail("status rate_hz off by more than %.0f %% of %d Hz, or fewer than two "
             "statuses after the step: %s" % (100 * RATE_TOL, RATE, bad or rates))
    print("ok: no stall over %.0f ms and the status rate within %.0f %% across a %+d ms "
          "wall-clock step" % (1e3 * LIMIT_S, 100 * RATE_TOL, step_by_ms))


if __name__ == "__main__":
    sys.exit(main())
