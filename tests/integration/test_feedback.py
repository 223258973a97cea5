#!/usr/bin/python3
"""test_feedback.py - `fplate feedback` on the simulated treadmill.

fplated runs sim:// (rear strike, 3.5 m/s, real pace); `fplate feedback
--metric valr --below 1 --baseline 5 --schedule blocks:3:2 --sound-file
F.wav --log F.csv --plain` runs 14 s. Checks, from the log and the WAV alone:
 - per foot, the first 5 steps are baseline (no cue) and the target is
   their mean VALR x 0.99 (1 % below: steps fall on both sides) (recomputed here from the logged values);
 - each later step's "over" is value > target; the schedule shows 3 steps,
   hides 2, in order;
 - the WAV holds one 150 ms slot per shown step, in order, and a slot holds
   the 880 Hz tone (RMS well above zero, the tone's frequency by zero
   crossings) exactly when that step was over target, silence otherwise.
"""
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import wave

import numpy as np

BUILD = os.environ.get("BUILD", "build")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    tmp = tempfile.mkdtemp(prefix="fp-feedback.")
    ep = "ipc://%s/pub.sock" % tmp
    daemon = subprocess.Popen([os.path.join(BUILD, "fplated"), "--device",
                               "sim://?plates=1&strike=rear&speed=3.5&seed=9", "--pub", ep,
                               "--ctl", "ipc://%s/ctl.sock" % tmp, "--log-level", "warn"])
    logf, wavf = os.path.join(tmp, "cues.csv"), os.path.join(tmp, "cues.wav")
    try:
        r = subprocess.run([os.path.join(BUILD, "fplate"), "feedback", "--endpoint", ep,
                            "--metric", "valr", "--below", "1", "--baseline", "5",
                            "--schedule", "blocks:3:2", "--sound-file", wavf, "--log", logf,
                            "--plain", "--seconds", "14"], capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            fail("fplate feedback exited %d: %s" % (r.returncode, r.stderr))
        rows = list(csv.DictReader(open(logf)))
        with wave.open(wavf) as w:
            if w.getframerate() != 16000 or w.getsampwidth() != 2 or w.getnchannels() != 1:
                fail("WAV format %d Hz %d bytes %d ch" % (w.getframerate(), w.getsampwidth(),
                                                         w.getnchannels()))
            pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(float)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    if len(rows) < 20:
        fail("only %d cues logged in 14 s of running" % len(rows))
    base = {"L": [], "R": []}
    k, shown_rows = 0, []
    for row in rows:
        foot, v = row["foot"], float(row["value"])
        if len(base[foot]) < 5:
            if row["baseline"] != "1" or row["shown"] != "0":
                fail("step %s of foot %s should be baseline: %s" % (len(base[foot]) + 1, foot, row))
            base[foot].append(v)
            continue
        target = np.mean(base[foot]) * 0.99
        if abs(float(row["target"]) - target) > 1e-4 * target:
            fail("foot %s target %s, expected 0.99 x baseline mean = %.6g" % (foot, row["target"], target))
        if int(row["over"]) != int(v > float(row["target"])):
            fail("over flag wrong: %s" % row)
        if int(row["shown"]) != int(k % 5 < 3):
            fail("schedule blocks:3:2: cue %d shown=%s" % (k, row["shown"]))
        k += 1
        if row["shown"] == "1":
            shown_rows.append(row)
    slot = 16000 * 150 // 1000
    if pcm.size != slot * len(shown_rows):
        fail("WAV has %d samples, expected %d slots of %d" % (pcm.size, len(shown_rows), slot))
    n_over = 0
    for i, row in enumerate(shown_rows):
        x = pcm[i * slot:(i + 1) * slot]
        rms = np.sqrt(np.mean(x ** 2))
        if row["over"] == "1":
            n_over += 1
            crossings = np.sum(np.diff(np.signbit(x[100:-100])) != 0)
            hz = crossings / 2 / ((slot - 200) / 16000)
            # a sine at 0.5 full scale with 5 ms ramps: RMS ~ 0.5 * 32767 / sqrt 2
            if rms < 0.3 * 32767 / np.sqrt(2) or abs(hz - 880) > 20:
                fail("slot %d: over target but RMS %.0f, %.0f Hz" % (i, rms, hz))
        elif rms != 0:
            fail("slot %d: under target but RMS %.1f" % (i, rms))
    if n_over < 2 or len(shown_rows) - n_over < 2:
        fail("%d of %d shown steps over target: both kinds needed to test the tone" % (n_over, len(shown_rows)))
    print("ok: %d cues (%d shown, %d over target with a tone, %d silent)"
          % (len(rows), len(shown_rows), n_over, len(shown_rows) - n_over))


if __name__ == "__main__":
    main()
