#!/usr/bin/python3
"""impact_latency.py - how long after a foot lands fplated publishes its impact.

`make bench-impact` (part of `make bench`). Runs fplated on the simulated
treadmill at its real pace (2 kHz, 10 ms blocks) and subscribes to `force`
and `impact`. For each impact event the contact sample's host time comes
from the force frames' own timestamps (t0_ns + k * period_ns of the frame
holding the contact sample, docs/wire-format.md); the latency is the
subscriber's CLOCK_REALTIME when the impact message arrived minus that
time. It includes the algorithm's wait (the impact decided as soon as the
data determine it), the 10 ms block, processing and ZeroMQ delivery.

Until body weight is known (the first strides) an impact waits for
toe-off (docs/metrics.md, "Impact event"), so the figures are given over
all events and over those with body weight known.

Cases: rear, mid and fore strike at 2.5-5 m/s. Prints per case the
events, the share known before toe-off (from the step record of the same
stance), p50/p99/max latency and the margin to toe-off, and writes JSON.

usage: BUILD=build impact_latency.py [SECONDS_PER_CASE] [OUT.json]
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import zmq

BUILD = os.environ.get("BUILD", "build")
CASES = [("rear", 2.5), ("rear", 3.5), ("rear", 5.0), ("mid", 4.0), ("fore", 4.5)]
HDR = struct.Struct("<IHHIIQQqdqIHHfI")


def run_case(strike, speed, seconds):
    tmp = tempfile.mkdtemp(prefix="fp-impact-bench.")
    ep = "ipc://%s/pub.sock" % tmp
    ctl = "ipc://%s/ctl.sock" % tmp
    uri = "sim://?plates=1&strike=%s&speed=%g&seed=7" % (strike, speed)
    daemon = subprocess.Popen([os.path.join(BUILD, "fplated"), "--device", uri, "--pub", ep,
                               "--ctl", ctl, "--log-level", "warn"])
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.connect(ep)
    for t in (b"force", b"impact", b"step"):
        sub.setsockopt(zmq.SUBSCRIBE, t)
    frames = []          # (first_sample, n, t0_ns, period_ns), recent
    impacts, steps = [], {}
    end = time.time() + seconds
    try:
        while time.time() < end:
            if not sub.poll(200):
                continue
            topic, payload = sub.recv_multipart()
            now = time.clock_gettime_ns(time.CLOCK_REALTIME)
            if topic == b"force":
                h = HDR.unpack_from(payload)
                frames.append((h[6], h[10], h[7], h[8]))
                if len(frames) > 2000:
                    del frames[:1000]
            elif topic == b"impact":
                impacts.append((json.loads(payload), now, list(frames[-300:])))
            elif topic == b"step":
                s = json.loads(payload)
                steps[(s["plate"], s["contact_sample"])] = s
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(10)
        sub.close(0)
        ctx.term()
        shutil.rmtree(tmp, ignore_errors=True)
    lat, steady, margin, in_stance, known = [], [], [], 0, 0
    for e, now, fr in impacts:
        c = e["contact_sample"]
        t_c = None
        for first, n, t0, per in fr:
            if first <= c < first + n:
                t_c = t0 + (c - first) * per
        if t_c is None:
            continue
        ms = (now - t_c) / 1e6
        lat.append(ms)
        if e.get("body_weight_n") is not None:     # after the first strides
            steady.append(ms)
        s = steps.get((e["plate"], c))
        if s is not None and s.get("contact_time_ms") is not None:
            known += 1
            in_stance += ms < s["contact_time_ms"]
            margin.append(s["contact_time_ms"] - ms)
    lat = np.array(lat)
    r = {"strike": strike, "speed_mps": speed, "events": int(lat.size),
         "with_record": known, "before_toeoff": in_stance}
    if lat.size:
        r.update(p50_ms=float(np.percentile(lat, 50)), p99_ms=float(np.percentile(lat, 99)),
                 max_ms=float(lat.max()))
    if steady:
        r.update(steady_events=len(steady), steady_p50_ms=float(np.percentile(steady, 50)),
                 steady_p99_ms=float(np.percentile(steady, 99)))
    if margin:
        r["toeoff_margin_min_ms"] = float(np.min(margin))
    return r


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(BUILD, "bench-impact.json")
    results = []
    for strike, speed in CASES:
        r = run_case(strike, speed, seconds)
        results.append(r)
        print("impact latency %-4s %.1f m/s: %3d events, %3d/%3d before toe-off, "
              "p50 %.1f ms, p99 %.1f ms, max %.1f ms, toe-off margin min %.1f ms"
              % (strike, speed, r["events"], r["before_toeoff"], r["with_record"],
                 r.get("p50_ms", float("nan")), r.get("p99_ms", float("nan")),
                 r.get("max_ms", float("nan")), r.get("toeoff_margin_min_ms", float("nan"))))
        print("    with body weight known (%d events): p50 %.1f ms, p99 %.1f ms"
              % (r.get("steady_events", 0), r.get("steady_p50_ms", float("nan")),
                 r.get("steady_p99_ms", float("nan"))))
    with open(out, "w") as f:
        json.dump({"impact_latency": results, "seconds_per_case": seconds}, f, indent=1)
    print("written to", out)


if __name__ == "__main__":
    main()
