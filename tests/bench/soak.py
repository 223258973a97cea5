#!/usr/bin/python3
# soak.py - `make soak`: is fplated's memory flat over a long run? (issue 23)
#
# Runs the real fplated on the simulated treadmill (2 plates x 2 kHz, real
# time, default settings, so the gait stage runs and publishes `step`) with
#  - one subscriber (this process) that receives every `force` frame and
#    counts gaps: jumps of the frame sequence (frames this subscriber
#    missed) and breaks of the device sample index (samples the daemon
#    lost, also flagged GAP / OVERRUN);
#  - the control socket kept busy: a `status` request every 100 ms;
#  - a C3D recording (`record start` / `stop` on the control socket) over
#    the second quarter of the run;
# and samples the daemon's VmRSS from /proc every 10 s. After the first
# 60 s (start-up: buffers allocated, libzmq and the allocator settled) a
# least-squares line is fitted to RSS against time; its slope in KiB per
# minute is the result. Everything in the daemon is bounded, so the slope
# should be 0 within the page granularity: a slope of 1 KiB/min is 1.4 MiB
# a day.
#
# Writes JSON (--json): seconds, rss_start_kib, rss_end_kib,
# rss_slope_kib_per_min, samples ([t_s, rss_kib] every interval), gaps,
# plus what the run did (frames, rows, steps, status replies, recording).
# Exit status 0 when the run was clean (daemon alive to the end, exit 0,
# every status request answered, the recording made); the slope is a
# measurement, reported, not judged here.
import argparse
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

import zmq

HEADER = struct.Struct("<IHHIIQQqdqIHHfI")
MAGIC = 0x464C5046
FLAG_GAP, FLAG_OVERRUN = 1, 4


def vm_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s in /proc/%d/status" % (key, pid))


def slope_per_min(points):
    """Least-squares slope of (t_s, kib) points, KiB per minute."""
    n = len(points)
    if n < 2:
        return float("nan")
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    sxx = sum((t - mt) ** 2 for t, _ in points)
    sxy = sum((t - mt) * (v - mv) for t, v in points)
    return sxy / sxx * 60.0 if sxx > 0 else float("nan")


class Subscriber(threading.Thread):
    """Receives every force frame; counts frames, rows, steps and gaps."""

    def __init__(self, ctx, endpoint):
        super().__init__(daemon=True)
        self.sock = ctx.socket(zmq.SUB)
        self.sock.setsockopt(zmq.RCVHWM, 100000)
        for topic in (b"force", b"step"):
            self.sock.setsockopt(zmq.SUBSCRIBE, topic)
        self.sock.connect(endpoint)
        self.stop = threading.Event()
        self.frames = self.rows = self.steps = 0
        self.missed_frames = self.index_breaks = self.flagged = 0
        self.errors = []
        self.first_frame_s = None

    def run(self):
        seq = nxt = stream = None
        while not self.stop.is_set():
            if not self.sock.poll(200):
                continue
            topic, payload = self.sock.recv_multipart()
            if topic == b"step":
                self.steps += 1
                continue
            h = HEADER.unpack_from(payload)
            if h[0] != MAGIC or h[1] != 1:
                self.errors.append("bad force frame header %r" % (h[:2],))
                continue
            if self.first_frame_s is None:
                self.first_frame_s = time.monotonic()
            if stream is not None and h[3] != stream:
                self.errors.append("stream_id changed: the daemon restarted")
            if seq is not None and h[5] != seq + 1:
                self.missed_frames += 1
            if nxt is not None and h[6] != nxt:
                self.index_breaks += 1
            if h[4] & (FLAG_GAP | FLAG_OVERRUN):
                self.flagged += 1
            stream, seq, nxt = h[3], h[5], h[6] + h[10]
            self.frames += 1
            self.rows += h[10] * h[11]


class Control(threading.Thread):
    """A `status` request every period; record start/stop at given times."""

    def __init__(self, ctx, endpoint, period_s, rec_file, rec_from_s, rec_to_s, t0):
        super().__init__(daemon=True)
        self.ctx, self.endpoint, self.period_s = ctx, endpoint, period_s
        self.rec_file, self.rec_from_s, self.rec_to_s, self.t0 = rec_file, rec_from_s, rec_to_s, t0
        self.stop = threading.Event()
        self.requests = self.replies = 0
        self.rec_started = self.rec_samples = None
        self.errors = []
        self.sock = None

    def connect(self):
        if self.sock is not None:
            self.sock.close(0)
        self.sock = self.ctx.socket(zmq.REQ)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(self.endpoint)

    def ask(self, req):
        self.requests += 1
        self.sock.send(json.dumps(req).encode())
        if not self.sock.poll(5000):
            self.errors.append("no reply to %s within 5 s" % req["cmd"])
            self.connect()           # REQ after a lost reply: start over
            return None
        self.replies += 1
        rep = json.loads(self.sock.recv())
        if not rep.get("ok"):
            self.errors.append("%s: %s" % (req["cmd"], rep.get("error")))
        return rep

    def run(self):
        self.connect()
        nxt = time.monotonic()
        while not self.stop.is_set():
            now = time.monotonic() - self.t0
            if self.rec_file and self.rec_started is None and now >= self.rec_from_s:
                rep = self.ask({"cmd": "record", "action": "start",
                                "file": os.path.basename(self.rec_file)})
                self.rec_started = bool(rep and rep.get("ok"))
            elif self.rec_started and self.rec_samples is None and now >= self.rec_to_s:
                rep = self.ask({"cmd": "record", "action": "stop"})
                self.rec_samples = rep.get("samples") if rep and rep.get("ok") else -1
            elif self.period_s > 0:
                self.ask({"cmd": "status"})
            nxt += self.period_s if self.period_s > 0 else 0.5
            self.stop.wait(max(0.0, nxt - time.monotonic()))
        self.sock.close(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fplated", default="build/fplated")
    ap.add_argument("--device", default="sim://?plates=2")
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--interval", type=float, default=10, help="RSS sampling period, s")
    ap.add_argument("--warmup", type=float, default=60, help="s left out of the fit")
    ap.add_argument("--ctl-period", type=float, default=0.1,
                    help="s between status requests (0: none)")
    ap.add_argument("--no-record", action="store_true", help="no recording")
    ap.add_argument("--json", default="build/soak.json")
    ap.add_argument("--smaps", metavar="DIR",
                    help="also save /proc/PID/smaps at every sample into DIR (which mapping grew)")
    a = ap.parse_args()
    if a.seconds < a.warmup + 2 * a.interval:
        sys.exit("soak: --seconds %g leaves fewer than 2 RSS samples after the %g s warm-up"
                 % (a.seconds, a.warmup))

    tmp = tempfile.mkdtemp(prefix="fplate-soak.")
    pub_ep, ctl_ep = "ipc://%s/pub" % tmp, "ipc://%s/ctl" % tmp
    rec_file = None if a.no_record else os.path.join(tmp, "soak.c3d")
    daemon = subprocess.Popen([a.fplated, "--device", a.device, "--pub", pub_ep,
                               "--ctl", ctl_ep, "--record-dir", tmp, "-q"],
                              stderr=subprocess.PIPE, text=True)
    ctx = zmq.Context()
    sub = Subscriber(ctx, pub_ep)
    sub.start()
    t0 = time.monotonic()
    ctl = Control(ctx, ctl_ep, a.ctl_period, rec_file, a.seconds * 0.25, a.seconds * 0.5, t0)
    ctl.start()
    points, failure = [], None
    print("soak: fplated pid %d on %s for %g s, RSS every %g s" %
          (daemon.pid, a.device, a.seconds, a.interval), flush=True)
    try:
        k = 1                        # the first sample one interval in: the daemon is up
        while True:
            t = k * a.interval
            time.sleep(max(0.0, t0 + t - time.monotonic()))
            if daemon.poll() is not None:
                failure = "fplated exited with status %d at %.0f s" % (daemon.returncode, t)
                break
            rss = vm_kib(daemon.pid, "VmRSS")
            if a.smaps:
                os.makedirs(a.smaps, exist_ok=True)
                shutil.copyfile("/proc/%d/smaps" % daemon.pid,
                                os.path.join(a.smaps, "smaps.%05d" % round(t)))
            points.append([round(time.monotonic() - t0, 3), rss])
            print("soak: %6.0f s  VmRSS %6d KiB  frames %d" % (t, rss, sub.frames), flush=True)
            if t >= a.seconds:
                break
            k += 1
        hwm = vm_kib(daemon.pid, "VmHWM") if failure is None else None
    finally:
        ctl.stop.set()
        ctl.join(10)
        sub.stop.set()
        sub.join(10)
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGINT)
        try:
            _, err = daemon.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
            _, err = daemon.communicate()
        rec_bytes = os.path.getsize(rec_file) if rec_file and os.path.exists(rec_file) else 0
        shutil.rmtree(tmp, ignore_errors=True)
    if failure is None and daemon.returncode != 0:
        failure = "fplated exited with status %d" % daemon.returncode

    fit = [(t, v) for t, v in points if t >= a.warmup]
    out = {
        "seconds": a.seconds,
        "device": a.device,
        "rss_start_kib": fit[0][1] if fit else None,
        "rss_end_kib": points[-1][1] if points else None,
        "rss_slope_kib_per_min": slope_per_min(fit),
        "rss_peak_kib": hwm,
        "warmup_s": a.warmup,
        "samples": points,
        "gaps": sub.missed_frames + sub.index_breaks + sub.flagged,
        "missed_frames": sub.missed_frames,
        "index_breaks": sub.index_breaks,
        "gap_flagged_frames": sub.flagged,
        "frames": sub.frames,
        "rows": sub.rows,
        "steps": sub.steps,
        "status_requests": ctl.requests,
        "status_replies": ctl.replies,
        "record_from_s": None if a.no_record else a.seconds * 0.25,
        "record_to_s": None if a.no_record else a.seconds * 0.5,
        "record_samples": ctl.rec_samples,
        "record_bytes": rec_bytes,
        "errors": sub.errors + ctl.errors + ([failure] if failure else []),
    }
    if rec_file and not (ctl.rec_started and (ctl.rec_samples or 0) > 0):
        out["errors"].append("the recording was not made")
    os.makedirs(os.path.dirname(a.json) or ".", exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("soak: RSS %s -> %s KiB after the %g s warm-up, slope %.2f KiB/min; "
          "%d frames, %d rows, %d steps, %d gaps; %d/%d control replies; recorded %s samples"
          % (out["rss_start_kib"], out["rss_end_kib"], a.warmup, out["rss_slope_kib_per_min"],
             sub.frames, sub.rows, sub.steps, out["gaps"], ctl.replies, ctl.requests,
             ctl.rec_samples))
    print("soak: wrote %s" % a.json)
    if err.strip():
        sys.stderr.write(err)
    if out["errors"]:
        for e in out["errors"]:
            print("soak: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
