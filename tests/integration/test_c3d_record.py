#!/usr/bin/python3
# test_c3d_record.py - `fplate record` against a scripted publisher that
# speaks docs/wire-format.md: known force values, a transit gap and two
# gait "step" messages. The C3D file must hold every value (in the file's
# z-down plate frame, moments in N.mm), NaN for the gap, the device sample
# index of its first sample, the metadata and Foot Strike / Foot Off events.
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import zmq

BUILD = os.environ.get("BUILD", "build")
FPLATE = os.path.join(BUILD, "fplate")
RATE, PLATES, NF, BLOCK = 1000.0, 2, 9, 10
FIRST = (3 << 32) + 5000     # the daemon has run 74 days at 1 kHz: 64-bit indices
GAP = range(FIRST + 600, FIRST + 620)      # samples never published


def fields(sample, plate):
    """Known values of one sample (float32-exact)."""
    k = sample - FIRST
    return [0.5 * plate + 0.25, -1.5, 100.0 + (k % 700), 0.125 * (k % 8), -0.5, 0.75,
            1.0, 2.0, 0.0]


def frame(seq, first, n, flags=0):
    head = struct.pack("<IHHIIQQqdqIHHfI", 0x464C5046, 1, 72, 77, flags, seq, first,
                       time.time_ns(), 1e6, time.time_ns(), n, PLATES, NF, 3.25, 0)
    vals = []
    for s in range(first, first + n):
        for p in range(PLATES):
            vals += fields(s, p)
    return head + struct.pack("<%df" % len(vals), *vals)


def main():
    tmp = tempfile.mkdtemp(prefix="fplate-it-rec.")
    ep = "ipc://%s/pub.sock" % tmp
    out = os.path.join(tmp, "rec.c3d")
    ctx = zmq.Context()
    pub = ctx.socket(zmq.XPUB)   # XPUB: we see the recorder's subscriptions arrive
    pub.bind(ep)
    rec = subprocess.Popen([FPLATE, "record", "-o", out, "--seconds", "1.2", "--endpoint", ep],
                           stderr=subprocess.PIPE, text=True)
    subs = set()
    deadline = time.time() + 15
    while subs != {b"force", b"status", b"step"} and time.time() < deadline:
        if pub.poll(100):
            m = pub.recv()
            if m[:1] == b"\x01":
                subs.add(m[1:])
    if subs != {b"force", b"status", b"step"}:
        rec.kill()
        print("FAIL: fplate record subscribed to %r" % subs)
        return 1
    status = {"type": "status", "device": {"uri": "fake://scripted", "serial": "SN-77",
                                           "calibration": "cal-x", "nominal_rate_hz": RATE}}
    # a force frame before the first status must not be lost
    pub.send_multipart([b"force", frame(0, FIRST, BLOCK)])
    pub.send_multipart([b"status", json.dumps(status).encode()])
    seq, s = 1, FIRST + BLOCK
    steps = [{"type": "step", "foot": "L", "plate": 1, "contact_sample": FIRST + 100,
              "toeoff_sample": FIRST + 350},
             {"type": "step", "foot": "R", "plate": 2, "contact_sample": FIRST + 400,
              "toeoff_sample": FIRST + 650}]
    while s < FIRST + 1500 and rec.poll() is None:
        if s in GAP:
            s = GAP.stop
            flags = 1
        else:
            flags = 0
        pub.send_multipart([b"force", frame(seq, s, BLOCK, flags)])
        if seq == 20:
            for st in steps:
                pub.send_multipart([b"step", json.dumps(st).encode()])
        seq += 1
        s += BLOCK
        time.sleep(0.001)
    try:
        rec.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rec.kill()
        print("FAIL: fplate record did not stop after --seconds 1.2")
        return 1
    err = rec.stderr.read()
    print(err.strip())
    if rec.returncode != 0:
        print("FAIL: fplate record exited %d" % rec.returncode)
        return 1

    info = json.loads(subprocess.run([FPLATE, "c3d-info", "--json", "--params", out],
                                     capture_output=True, text=True, check=True).stdout)
    prm = info["parameters"]
    words = prm["FPLATE:FIRST_SAMPLE"]      # 4 int16 words, least significant first
    checks = [
        (info["analog_rate"], RATE), (info["analog_samples"], 1200),
        (sum((int(w) % 65536) << (16 * k) for k, w in enumerate(words)), FIRST), (len(info["plates"]), PLATES),
        ([p["type"] for p in info["plates"]], [2, 2]),
        (prm["FPLATE:DEVICE"], ["fake://scripted"]), (prm["FPLATE:SERIAL"], ["SN-77"]),
        (prm["FPLATE:CALIB_ID"], ["cal-x"]), (prm["FPLATE:BELT_SPEED"], [3.25]),
        ([(e["context"], e["label"], round(e["time_s"], 4)) for e in info["events"]],
         [("Left", "Foot Strike", 0.1), ("Left", "Foot Off", 0.35),
          ("Right", "Foot Strike", 0.4), ("Right", "Foot Off", 0.65)]),
    ]
    for got, want in checks:
        if got != want:
            print("FAIL: got %r, expected %r" % (got, want))
            return 1

    csv = subprocess.run([FPLATE, "c3d-info", "--csv", out], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    labels = csv[0].split(",")[2:]
    if labels[:6] != ["Fx1", "Fy1", "Fz1", "Mx1", "My1", "Mz1"]:
        print("FAIL: labels %r" % labels)
        return 1
    sign = [1, -1, -1, 1000, -1000, -1000]   # fplate frame -> file frame, N.m -> N.mm
    nan_rows = 0
    for row in csv[1:]:
        v = [float(x) for x in row.split(",")]
        dev = FIRST + int(v[0])
        if dev in GAP:
            nan_rows += all(math.isnan(x) for x in v[2:])
            continue
        for p in range(PLATES):
            want = fields(dev, p)
            for k in range(6):
                got = v[2 + 6 * p + k]
                if abs(got - sign[k] * want[k]) > 1e-6 * (1 + abs(sign[k] * want[k])):
                    print("FAIL: sample %d plate %d field %d: %r, expected %r"
                          % (dev, p, k, got, sign[k] * want[k]))
                    return 1
    if nan_rows != len(GAP):
        print("FAIL: %d NaN rows for a %d-sample gap" % (nan_rows, len(GAP)))
        return 1
    # --stats over a file with a NaN gap: the gap is left out, not propagated
    stats = json.loads(subprocess.run([FPLATE, "c3d-info", "--json", "--stats", out],
                                      capture_output=True, text=True, check=True).stdout)
    valid = [s for s in range(FIRST, FIRST + 1200) if s not in GAP]
    want_mean = sum(fields(s, 0)[2] for s in valid) / len(valid)
    st = stats["plates"][0]
    if st["fz_max"] != 799.0 or st["lab_mean_f"] is None or \
            st["lab_mean_f"][2] is None or abs(st["lab_mean_f"][2] - want_mean) > 1e-3:
        print("FAIL: --stats plate 1 fz_max %r lab_mean_f %r, expected 799 and Fz %.4f"
              % (st["fz_max"], st["lab_mean_f"], want_mean))
        return 1
    print("PASS: 1200 samples, %d NaN (gap), 4 events, metadata, stats" % nan_rows)
    return 0


def run():
    tmp_before = set(os.listdir(tempfile.gettempdir()))
    try:
        return main()
    finally:
        for d in set(os.listdir(tempfile.gettempdir())) - tmp_before:
            if d.startswith("fplate-it-rec."):
                shutil.rmtree(os.path.join(tempfile.gettempdir(), d), ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run())
