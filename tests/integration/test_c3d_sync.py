#!/usr/bin/python3
# test_c3d_sync.py - recorded C3D files can be lined up with motion capture
# from the sync edges and the start time alone (docs/c3d.md "Lining up with
# motion capture"), for both recorders: `fplate record` (from the wire) and
# the daemon's `record` control request.
#
# The reference is the simulator's documented pulse train, independent of
# the recorders: with sync_hz = H at rate R, pulse k is bit 0 high on the
# one sample ceil(k * R / H) (docs/simulator.md). H = 7 Hz at 2 kHz puts the
# pulses on a non-integer period (285.714 samples), so an off-by-one in the
# edge position or in the file's first sample cannot pass. The start time is
# compared with the wire's own time of the file's first sample (t0_ns +
# llround(k * period_ns) of the force frame holding it).
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import zmq

BUILD = os.environ.get("BUILD", "build")
FPLATED = os.path.join(BUILD, "fplated")
FPLATE = os.path.join(BUILD, "fplate")
RATE, SYNC_HZ = 2000.0, 7.0


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def is_pulse(k):
    """Whether device sample k carries a sync pulse (docs/simulator.md)."""
    j = math.floor(k * SYNC_HZ / RATE)  # pulse j falls on sample k only for these j
    return any(math.ceil(i * (RATE / SYNC_HZ) - 1e-9) == k for i in (j, j + 1))


def pulses_between(a, b):
    return [k for k in range(a, b) if is_pulse(k)]


class WireTimes(threading.Thread):
    """Every sample's t_ns from the force frames, by the documented rule."""

    def __init__(self, ep):
        super().__init__(daemon=True)
        self.sub = zmq.Context.instance().socket(zmq.SUB)
        self.sub.setsockopt(zmq.SUBSCRIBE, b"force")
        self.sub.connect(ep)
        self.t = {}
        self.stop = False

    def run(self):
        while not self.stop:
            if self.sub.poll(100):
                _, p = self.sub.recv_multipart()
                first, t0, period, n = (int(np.frombuffer(p, "<u8", 1, 24)[0]),
                                        int(np.frombuffer(p, "<i8", 1, 32)[0]),
                                        float(np.frombuffer(p, "<f8", 1, 40)[0]),
                                        int(np.frombuffer(p, "<u4", 1, 56)[0]))
                for k in range(n):
                    self.t[first + k] = t0 + int(math.floor(k * period + 0.5))


def c3d_info(path):
    r = subprocess.run([FPLATE, "c3d-info", "--json", path], capture_output=True, text=True)
    if r.returncode:
        fail("c3d-info %s: %s" % (path, r.stderr))
    text = subprocess.run([FPLATE, "c3d-info", path], capture_output=True, text=True).stdout
    return json.loads(r.stdout), text


def sync_column(path, info):
    r = subprocess.run([FPLATE, "c3d-info", "--csv", path], capture_output=True, text=True)
    rows = r.stdout.splitlines()
    col = rows[0].split(",").index("SYNC")
    return [int(float(row.split(",")[col])) for row in rows[1:]]


def check_file(name, path, wire, trigger, subject=None, mass=None):
    info, text = c3d_info(path)
    lab, sync = info["lab"], info["sync"]
    first = lab["first_sample"]
    n = info["analog_samples"]
    if sync is None:
        fail("%s: no SYNC channel" % name)
    col = sync_column(path, info)
    want = [1 if is_pulse(first + s) else 0 for s in range(len(col))]
    if col != want:
        bad = [s for s in range(len(col)) if col[s] != want[s]][:5]
        fail("%s: SYNC channel differs from the simulator's pulses at file samples %s" % (name, bad))
    edges = [k - first for k in pulses_between(first, first + n)]
    if not trigger:  # a pulse on the very first sample has no "before": not an edge
        edges = [e for e in edges if e > 0]
    if sync["rising_edges"] != edges:
        fail("%s: c3d-info edges %s, expected %s" % (name, sync["rising_edges"][:5], edges[:5]))
    ev = sorted(round(e["time_s"] * RATE) for e in info["events"] if e["label"] == "Sync")
    if ev != edges[:len(ev)] or len(ev) < min(len(edges), 1000):
        fail("%s: Sync events at samples %s, expected %s" % (name, ev[:5], edges[:5]))
    if trigger and (not edges or edges[0] != 0):
        fail("%s: trigger-started file does not start on the edge sample (edges %s)"
             % (name, edges[:3]))
    if first not in wire.t:
        fail("%s: first sample %d not seen on the wire" % (name, first))
    dt = lab["start_time_ns"] - wire.t[first]
    if abs(dt) > 1000000:
        fail("%s: start time %d ns, the wire says %d ns (%d ns apart)"
             % (name, lab["start_time_ns"], wire.t[first], dt))
    if subject and lab["subject"] != subject:
        fail("%s: subject %r" % (name, lab["subject"]))
    if mass and abs(lab["body_mass_kg"] - mass) > 1e-4:
        fail("%s: body mass %r" % (name, lab["body_mass_kg"]))
    if "start time:" not in text or "rising edges" not in text:
        fail("%s: c3d-info text lacks start time / sync edges:\n%s" % (name, text))
    print("ok: %s: %d samples from device sample %d, %d sync edges at the simulator's "
          "samples, start time %d ns from the wire's" % (name, n, first, len(edges), dt))
    return info


def wait_recording_ended(s, what, path, limit_s=20.0):
    """Until the daemon's status says its recording of path has stopped. A
    recording that never ends still fails (after limit_s, tens of times what
    the recordings here need); a slow or stalled host only makes this wait
    longer, where a fixed sleep raced the recording's end."""
    end = time.monotonic() + limit_s
    rec = None
    while time.monotonic() < end:
        s.send_string(json.dumps({"cmd": "status"}))
        if not s.poll(5000):
            fail("%s: no reply to status" % what)
        rec = json.loads(s.recv()).get("recording")
        if rec and rec["file"] == path and rec["state"] != "recording":
            if rec["state"] != "stopped":
                fail("%s: recording %s" % (what, rec))
            return
        time.sleep(0.05)
    fail("%s: still recording after %g s: %s" % (what, limit_s, rec))


def main():
    tmp = tempfile.mkdtemp(prefix="fplate-it-sync.")
    ep, ctl = "ipc://%s/pub.sock" % tmp, "ipc://%s/ctl.sock" % tmp
    daemon = subprocess.Popen([FPLATED, "--device", "sim://?plates=2&seed=3&sync_hz=%g" % SYNC_HZ,
                               "--pub", ep, "--ctl", ctl, "--record-dir", tmp,
                               "--log-level", "warn"])
    wire = WireTimes(ep)
    wire.start()
    env = dict(os.environ, FPLATE_ENDPOINT=ep, FPLATE_CTL=ctl)
    try:
        # every recording's first sample must be on the wire: the subscriber
        # receives frames before the first recording is asked for
        end = time.monotonic() + 20
        while not wire.t and time.monotonic() < end:
            time.sleep(0.05)
        if not wire.t:
            fail("no force frame from fplated within 20 s")
        # 1. fplate record, whole seconds, with lab metadata
        a = os.path.join(tmp, "a.c3d")
        r = subprocess.run([FPLATE, "record", "-o", a, "--seconds", "3", "--subject", "S01",
                            "--session", "T3", "--body-mass", "72.5"], env=env,
                           capture_output=True, text=True, timeout=30)
        if r.returncode:
            fail("fplate record: %s" % r.stderr)
        info = check_file("fplate record", a, wire, False, "S01", 72.5)
        params = subprocess.run([FPLATE, "c3d-info", "--json", "--params", a],
                                capture_output=True, text=True).stdout
        p = json.loads(params)["parameters"]
        if "SUBJECTS:NAMES" not in p or "PROCESSING:BODYMASS" not in {k.upper() for k in p}:
            fail("SUBJECTS:NAMES / PROCESSING:Bodymass missing: %s" % sorted(p)[:40])
        if info["lab"]["session"] != "T3":
            fail("session %r" % info["lab"]["session"])
        # fplate analyze takes the body mass from the file and reports the recording
        r = subprocess.run([FPLATE, "analyze", a, "--json"], capture_output=True, text=True)
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        steps = [l for l in lines if "summary" not in l]
        sums = [l for l in lines if "summary" in l]
        bw = {s["body_weight_n"] for s in steps}
        if r.returncode or not steps or any(abs(b - 72.5 * 9.80665) > 1e-6 for b in bw):
            fail("analyze: body weight %s, expected 72.5 kg x g from the file (%s)" % (bw, r.stderr))
        if not sums or any(s.get("recording", {}).get("subject") != "S01" for s in sums):
            fail("analyze summary lacks the recording: %s" % sums[:1])
        text = subprocess.run([FPLATE, "analyze", a], capture_output=True, text=True).stdout
        if "recording: subject S01, session T3, started 20" not in text:
            fail("analyze text lacks the recording line:\n%s" % text[:300])
        print("ok: analyze: body weight %.3f N from the file's mass, recording %s"
              % (bw.pop(), sums[0]["recording"]))
        html = os.path.join(tmp, "report.html")
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        r = subprocess.run([os.environ.get("PYTHON", "/usr/bin/python3"),
                            os.path.join(root, "scripts", "fplate-report"), a, "-o", html],
                           env=dict(env, FPLATE=os.path.abspath(FPLATE)),
                           capture_output=True, text=True, timeout=120)
        page = open(html).read() if r.returncode == 0 else ""
        start = info["lab"]["start_time"]
        if "Subject: S01" not in page or "Recorded (UTC): %s" % start not in page:
            fail("report lacks the recording's subject / start time: %s" % r.stderr[-300:])
        print("ok: report names subject S01 and start %s" % start)
        # 2. fplate record --start-on-sync rising --stop-on-sync rising: one pulse period
        b = os.path.join(tmp, "b.c3d")
        r = subprocess.run([FPLATE, "record", "-o", b, "--start-on-sync", "rising",
                            "--stop-on-sync", "rising"], env=env,
                           capture_output=True, text=True, timeout=30)
        if r.returncode:
            fail("fplate record --start-on-sync: %s" % r.stderr)
        info = check_file("fplate record --start-on-sync", b, wire, True)
        first, n = info["lab"]["first_sample"], info["analog_samples"]
        nxt = pulses_between(first + 1, first + 2000)[0]
        # whole C3D frames only (20 samples at 2 kHz): the tail of a partial frame is cut
        if not is_pulse(first) or not (nxt - first - 20 < n <= nxt - first):
            fail("trigger file: %d samples from %d, next pulse at %d" % (n, first, nxt))
        # 3. the daemon's record request with a trigger
        c = os.path.join(tmp, "c.c3d")
        s = zmq.Context.instance().socket(zmq.REQ)
        s.connect(ctl)
        s.send_string(json.dumps({"cmd": "record", "action": "start", "file": os.path.basename(c),
                                  "seconds": 1, "start_on_sync": "rising",
                                  "subject": "S02", "session": "T4"}))
        if not s.poll(5000):
            fail("no reply to record start")
        rep = json.loads(s.recv())
        if not rep.get("ok"):
            fail("record start: %s" % rep)
        wait_recording_ended(s, "daemon record start_on_sync", c)
        info = check_file("daemon record start_on_sync", c, wire, True, "S02")
        if info["analog_samples"] != 2000:
            fail("daemon record: %d samples, expected 1 s = 2000" % info["analog_samples"])
        # 4. stop edges on the first sample of a frame: at sync_hz = 10 every
        # pulse is on a multiple of 200 samples, i.e. starts a 20-sample frame
        s.send_string(json.dumps({"cmd": "device-set", "key": "sync_hz", "value": "10"}))
        s.poll(5000)
        rep = json.loads(s.recv())
        if not rep.get("ok"):
            fail("device-set sync_hz: %s" % rep)
        time.sleep(0.2)
        e = os.path.join(tmp, "e.c3d")
        r = subprocess.run([FPLATE, "record", "-o", e, "--start-on-sync", "rising",
                            "--stop-on-sync", "rising"], env=env,
                           capture_output=True, text=True, timeout=30)
        f = os.path.join(tmp, "f.c3d")
        s.send_string(json.dumps({"cmd": "record", "action": "start", "file": os.path.basename(f),
                                  "start_on_sync": "rising", "stop_on_sync": "rising"}))
        s.poll(5000)
        rep = json.loads(s.recv())
        if r.returncode or not rep.get("ok"):
            fail("trigger at 10 Hz: %s %s" % (r.stderr, rep))
        wait_recording_ended(s, "daemon record at 10 Hz", f)
        for name, path in (("fplate record", e), ("daemon record", f)):
            info, _ = c3d_info(path)
            first, n = info["lab"]["first_sample"], info["analog_samples"]
            if first % 200 or n != 200 or info["sync"]["rising_edges"] != [0]:
                fail("%s at 10 Hz: %d samples from %d, edges %s; expected 200 from a "
                     "multiple of 200, one edge" % (name, n, first, info["sync"]["rising_edges"]))
            print("ok: %s --start/--stop-on-sync at 10 Hz: 200 samples from %d" % (name, first))
        # bad trigger values are refused naming the field
        s.send_string(json.dumps({"cmd": "record", "action": "start", "file": os.path.basename(c),
                                  "start_on_sync": "up"}))
        s.poll(5000)
        rep = json.loads(s.recv())
        if rep.get("ok") or rep.get("field") != "start_on_sync":
            fail("start_on_sync 'up' accepted or field not named: %s" % rep)
    finally:
        wire.stop = True
        daemon.terminate()
        daemon.wait(10)
        os.system("rm -rf '%s'" % tmp)


main()
