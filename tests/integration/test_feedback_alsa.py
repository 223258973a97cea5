#!/usr/bin/python3
"""test_feedback_alsa.py - `fplate feedback`'s tone through ALSA itself.

The tone is played by aplay on an ALSA device. Here the device is ALSA's
null PCM (`-D null`, part of every alsa-lib configuration: it accepts and
discards samples). `aplay` on PATH is a wrapper that records each run's
arguments and the PCM it was given, then runs the real aplay with the same
arguments and exits with its status, so ALSA really opens the device and
fplate sees the real result. On one sim:// run, at the same time:
 - `--audio-device null`: exit 0 and nothing on stderr; one 10 ms probe
   of silence before the session, then exactly one aplay run per logged
   step that was shown and over target (schedule blocks:3:2, so hidden
   over-target steps must stay silent), each on `-D null` with the same
   150 ms non-silent tone;
 - `--no-sound`: exit 0 and aplay never started.
Then `--audio-device nosuchdev` must stop before the session with exit 2
and an error naming the option, the device and aplay's reason.
"""
import csv
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile

BUILD = os.environ.get("BUILD", "build")
SLOT = 16000 * 150 // 1000               # samples of one tone
PROBE = 16000 // 100                     # samples of the probe


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def calls(d):
    """The wrapper's records: (args, pcm bytes), in start order."""
    out = []
    for a in sorted(glob.glob(os.path.join(d, "*.args")), key=os.path.getmtime):
        with open(a) as f, open(a[:-5] + ".pcm", "rb") as g:
            out.append((f.read().split(), g.read()))
    return out


def main():
    real = shutil.which("aplay")
    if not real:
        fail("aplay not found: alsa-utils is a run dependency (make deps)")
    tmp = tempfile.mkdtemp(prefix="fp-fbalsa.")
    bindir = os.path.join(tmp, "bin")
    os.mkdir(bindir)
    with open(os.path.join(bindir, "aplay"), "w") as f:
        f.write('#!/bin/sh\n'
                'r=$(mktemp "$APLAY_LOG/run.XXXXXX")\n'
                'printf "%%s\\n" "$@" >"$r.args"\n'
                'cat >"$r.pcm"\n'
                'exec %s "$@" <"$r.pcm"\n' % real)
    os.chmod(os.path.join(bindir, "aplay"), 0o755)
    ep = "ipc://%s/pub.sock" % tmp
    daemon = subprocess.Popen([os.path.join(BUILD, "fplated"), "--device",
                               "sim://?plates=1&strike=rear&speed=3.5&seed=11", "--pub", ep,
                               "--ctl", "ipc://%s/ctl.sock" % tmp, "--log-level", "warn"])
    fplate = os.path.join(BUILD, "fplate")
    common = ["feedback", "--endpoint", ep, "--metric", "valr", "--below", "0",
              "--baseline", "5", "--schedule", "blocks:3:2", "--plain", "--seconds", "10"]
    runs = {}
    try:
        procs = {}
        for name, extra in (("null", ["--audio-device", "null"]), ("mute", ["--no-sound"])):
            d = os.path.join(tmp, name)
            os.mkdir(d)
            env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], APLAY_LOG=d)
            procs[name] = subprocess.Popen([fplate] + common + extra +
                                           ["--log", os.path.join(d, "cues.csv")],
                                           env=env, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True)
        for name, p in procs.items():
            out, err = p.communicate(timeout=60)
            runs[name] = (p.returncode, err, calls(os.path.join(tmp, name)),
                          list(csv.DictReader(open(os.path.join(tmp, name, "cues.csv")))))
        env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], APLAY_LOG=tmp)
        bad = subprocess.run([fplate] + common[:3] + ["--audio-device", "nosuchdev",
                                                      "--seconds", "1"],
                             env=env, capture_output=True, text=True, timeout=30)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)

    rc, err, got, rows = runs["null"]
    if rc != 0 or err:
        fail("--audio-device null: exit %d, stderr '%s'" % (rc, err))
    if not got or got[0][1] != bytes(2 * PROBE):
        fail("--audio-device null: the first aplay run is not the %d-sample silent probe" % PROBE)
    tones = got[1:]
    cued = [r for r in rows if r["shown"] == "1" and r["over"] == "1"]
    hidden_over = [r for r in rows if r["shown"] == "0" and r["over"] == "1"]
    under = [r for r in rows if r["shown"] == "1" and r["over"] == "0"]
    if len(cued) < 3 or len(under) < 2 or not hidden_over:
        fail("need over, under and hidden over-target steps to test: %d/%d/%d of %d"
             % (len(cued), len(under), len(hidden_over), len(rows)))
    if len(tones) != len(cued):
        fail("%d aplay tone runs for %d shown over-target steps (%d logged steps)"
             % (len(tones), len(cued), len(rows)))
    for args, pcm in tones:
        if args[args.index("-D") + 1] != "null" or "S16_LE" not in args or "16000" not in args:
            fail("aplay arguments %s" % args)
        if len(pcm) != 2 * SLOT or pcm != tones[0][1] or pcm == bytes(2 * SLOT):
            fail("a tone of %d bytes (want %d, identical, not silent)" % (len(pcm), 2 * SLOT))

    rc, err, got, rows = runs["mute"]
    if rc != 0 or err or got:
        fail("--no-sound: exit %d, stderr '%s', %d aplay runs" % (rc, err, len(got)))
    if not any(r["over"] == "1" and r["shown"] == "1" for r in rows):
        fail("--no-sound run had no shown over-target step: proves nothing")

    if bad.returncode != 2 or "--audio-device nosuchdev" not in bad.stderr or \
            "audio open error" not in bad.stderr:
        fail("--audio-device nosuchdev: exit %d, stderr '%s'" % (bad.returncode, bad.stderr))
    print("ok: ALSA null: %d tones for %d shown over-target steps (%d hidden over, %d under "
          "silent), probe first; --no-sound: no aplay in %d steps; nosuchdev: '%s'"
          % (len(tones), len(cued), len(hidden_over), len(under), len(rows),
             bad.stderr.strip()))


if __name__ == "__main__":
    main()
