#!/usr/bin/python3
# test_restart.py - the CLI clients across a restart of the real fplated
# (sim://, one ipc:// endpoint). A restarted daemon publishes a new
# stream_id and its sample indices start again (docs/wire-format.md).
#
# 1. Random stream_id, SIGTERM and a new daemon (systemctl restart):
#    `fplate record` closes its file at the restart and exits 3 naming the
#    file, its samples and both stream_ids; the file (read back with
#    `fplate c3d-info`) holds exactly the samples of the first run that
#    `fplate stream` printed, from its first sample to the last before the
#    restart (in whole C3D frames), no NaN, nothing of the second run. `stream`, `watch`, `steps`
#    and `feedback` (and scripts/subscribe.py) name the restart on stderr and
#    go on; stream prints the second run after it.
# 2. A fixed stream_id (--stream-id 7) and SIGKILL (a crash): the stream_id
#    does not change, record and steps still see the restart (sequence and
#    status uptime_s start again).
# 3. A scripted publisher whose device counter runs on across the restart
#    (a new stream_id, sample indices that do not go back, frames before the
#    new status): record must still stop at the first frame of the new run,
#    not fill the pause with NaN and join both runs. A restart while record
#    still waits for the first status drops the old run's frames and
#    records the new run.
# 4. The daemon killed and not restarted: record exits 3 after --timeout,
#    saying the data stopped before the end (a replay that ends: exit 0,
#    test_c3d.sh).
# 5. A step of the new run before any of its status or frames: steps see
#    the restart from the step's stream_id.
# No timing limit: every wait is for a condition, with a deadline far above
# what a stalled VM needs.
import csv
import json
import math
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import zmq

BUILD = os.environ.get("BUILD", "build")
FPLATE = os.path.join(BUILD, "fplate")
FPLATED = os.path.join(BUILD, "fplated")
DEVICE = "sim://?plates=2&seed=3"
failures = []
procs = []   # every process started, killed at the end if still running


def check(cond, what):
    print("%s: %s" % ("ok" if cond else "FAIL", what), flush=True)
    if not cond:
        failures.append(what)
    return cond


def wait_for(cond, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return check(False, "waited %g s for %s" % (seconds, what))


def status(ep):
    r = subprocess.run([FPLATE, "status", "--json", "--endpoint", ep, "--timeout", "1"],
                       capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


def start_daemon(ep, tmp, name, extra=()):
    log = open(os.path.join(tmp, name + ".log"), "w")
    d = subprocess.Popen([FPLATED, "--device", DEVICE, "--pub", ep] + list(extra),
                         stderr=log, stdout=log)
    procs.append(d)
    for _ in range(15):
        st = status(ep)
        if st:
            return d, st
        if d.poll() is not None:
            break
    d.kill()
    d.wait()
    raise SystemExit("FAIL: fplated did not come up: %s"
                     % open(os.path.join(tmp, name + ".log")).read())


def client(tmp, name, args, program=(FPLATE,)):
    out = open(os.path.join(tmp, name + ".out"), "w")
    err = open(os.path.join(tmp, name + ".err"), "w")
    p = subprocess.Popen(list(program) + args, stdin=subprocess.DEVNULL, stdout=out,
                         stderr=err)
    procs.append(p)
    return p


def text(tmp, name):
    with open(os.path.join(tmp, name)) as f:
        return f.read()


def c3d_samples(path):
    r = subprocess.run([FPLATE, "c3d-info", "--json", path], capture_output=True, text=True)
    return json.loads(r.stdout)["analog_samples"] if r.returncode == 0 else 0


def read_c3d(path):
    """(first device sample, samples, samples per C3D frame, [(Fz1, ...) per
    sample]) as the file holds them (z down)."""
    info = json.loads(subprocess.run([FPLATE, "c3d-info", "--json", "--params", path],
                                     capture_output=True, text=True, check=True).stdout)
    words = info["parameters"]["FPLATE:FIRST_SAMPLE"]   # 4 int16, least significant first
    first = sum((int(w) % 65536) << (16 * k) for k, w in enumerate(words))
    rows = subprocess.run([FPLATE, "c3d-info", "--csv", path], capture_output=True, text=True,
                          check=True).stdout.splitlines()
    labels = rows[0].split(",")
    cols = [i for i, label in enumerate(labels) if re.fullmatch(r"Fz\d+", label)]
    fz = []
    for row in rows[1:]:
        v = row.split(",")
        fz.append(tuple(float(v[i]) for i in cols))
    spf = int(round(info["analog_rate"] / info["point_rate"]))
    return first, info["analog_samples"], spf, fz


def stream_runs(path):
    """fplate stream --csv rows split where the sample index goes back:
    [{sample: (fz plate 1, fz plate 2)}, ...] per run."""
    runs, prev = [{}], None
    with open(path) as f:
        for row in csv.DictReader(f):
            if row.get("sync") is None:
                continue   # the line being written while we read
            s = int(row["sample"])
            if row["plate"] == "1" and prev is not None and s < prev:
                runs.append({})
            if row["plate"] == "1":
                prev = s
            runs[-1].setdefault(s, [None, None])[int(row["plate"]) - 1] = float(row["fz"])
    return runs


def stop(procs):
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    for p in procs:
        try:
            check(p.wait(timeout=10) == 0, "%s ends with status 0 on SIGINT" % p.args[1])
        except subprocess.TimeoutExpired:
            check(False, "%s ends within 10 s of SIGINT" % p.args[1])
            p.kill()
            p.wait()


def phase_random_id(tmp, ep):
    c3d = os.path.join(tmp, "run1.c3d")
    d1, st1 = start_daemon(ep, tmp, "fplated1")
    rec = client(tmp, "record", ["record", "-o", c3d, "--endpoint", ep, "--timeout", "20"])
    others = [client(tmp, "stream", ["stream", "--csv", "--endpoint", ep, "--timeout", "20"]),
              client(tmp, "watch", ["watch", "--endpoint", ep, "--timeout", "20"]),
              client(tmp, "steps", ["steps", "--json", "--endpoint", ep, "--timeout", "20"]),
              client(tmp, "feedback", ["feedback", "--plain", "--no-sound", "--endpoint", ep,
                                       "--timeout", "20", "--log",
                                       os.path.join(tmp, "fb.csv")]),
              client(tmp, "subscribe", ["--endpoint", ep, "--timeout", "20", "--summary"],
                     (os.environ.get("PYTHON", "/usr/bin/python3"), "scripts/subscribe.py"))]
    # the recording has samples, and the stream printed some too
    wait_for(lambda: os.path.exists(c3d) and c3d_samples(c3d) >= 1000, 15,
             "fplate record to write 1000 samples")
    wait_for(lambda: os.path.getsize(os.path.join(tmp, "stream.out")) > 100000, 15,
             "fplate stream to print")
    d1.send_signal(signal.SIGTERM)
    check(d1.wait(timeout=15) == 0, "first fplated stopped on SIGTERM")
    d2, st2 = start_daemon(ep, tmp, "fplated2")
    id1, id2 = st1["stream_id"], st2["stream_id"]
    print("stream_id %d, then %d" % (id1, id2))
    rc, err = finish(rec, tmp, "record")
    check(rc == 3, "fplate record exits 3 at the restart (exit %d)" % rc)
    check("fplated restarted (stream_id %d -> %d)" % (id1, id2) in err,
          "record names the restart and both stream_ids")
    m = re.search(r"stopping: (\S+) holds the (\d+) samples", err)
    check(m is not None and m.group(1) == c3d, "record names the file")

    # stream goes on with the second run: wait for 0.5 s of it
    def second_run():
        runs = stream_runs(os.path.join(tmp, "stream.out"))
        return len(runs) > 1 and len(runs[1]) >= 1000
    wait_for(second_run, 15, "fplate stream to print the new daemon's samples")
    stop(others)
    d2.send_signal(signal.SIGTERM)
    d2.wait(timeout=15)

    first, n, spf, fz = read_c3d(c3d)
    runs = stream_runs(os.path.join(tmp, "stream.out"))
    check(m is not None and int(m.group(2)) == n, "the message's sample count is the file's (%d)" % n)
    check(n == len(fz) and n >= 1000, "the file holds %d samples" % n)
    check(not any(math.isnan(x) for row in fz for x in row),
          "no NaN in the file: nothing lost, nothing joined")
    run1 = runs[0]
    last1 = max(run1)
    print("file: device samples %d..%d; stream run 1: %d..%d, run 2: %d samples from %d"
          % (first, first + n - 1, min(run1), last1, len(runs[1]) if len(runs) > 1 else 0,
             min(runs[1]) if len(runs) > 1 else -1))
    # C3D holds whole frames of spf samples: an incomplete last one is cut
    # (docs/c3d.md), so the file ends within the last frame before the restart
    want = (last1 + 1 - first) // spf * spf
    check(n == want, "the file holds every sample up to the first run's last (%d), as "
          "fplate stream saw it, in whole C3D frames of %d: %d samples, expected %d"
          % (last1, spf, n, want))
    # the file's values are the first run's (C3D is z down: Fz negated),
    # wherever both clients had joined
    both = [s for s in range(first, first + n) if s in run1]
    bad = [s for s in both if any(abs(-fz[s - first][p] - run1[s][p]) >
                                  1e-5 * (1 + abs(run1[s][p])) for p in range(2))]
    check(len(both) >= 1000 and not bad, "the file's samples are the first run's values "
          "(%d compared, %d differ, first %s)" % (len(both), len(bad), bad[:3]))
    check(len(runs) == 2, "fplate stream printed two runs (%d)" % len(runs))

    for name in ("stream", "watch", "steps", "feedback"):
        e = text(tmp, name + ".err")
        check("fplate %s: fplated restarted (stream_id %d -> %d)" % (name, id1, id2) in e,
              "%s names the restart on stderr" % name)
    e = text(tmp, "stream.err")
    e2 = text(tmp, "subscribe.err")
    check("subscribe.py: fplated restarted (stream_id %d -> %d)" % (id1, id2) in e2,
          "subscribe.py names the restart on stderr")
    summary = json.loads(text(tmp, "subscribe.out"))
    got = {k: summary.get(k) for k in ("restarts", "stream_id", "contiguous", "missed_frames",
                                       "first_sample", "samples")}
    check(got["restarts"] == 1 and got["stream_id"] == id2 and got["contiguous"] is True
          and got["missed_frames"] == 0 and got["first_sample"] < last1,
          "subscribe.py's summary describes the new stream alone: %s" % got)
    check(" 1 daemon restarts" in e, "stream's summary counts it: %s" % e.strip().split("\n")[-1])
    check("baselines and targets kept" in text(tmp, "feedback.err"), "feedback keeps its targets")


def phase_fixed_id(tmp, ep):
    c3d = os.path.join(tmp, "run3.c3d")
    d3, st3 = start_daemon(ep, tmp, "fplated3", ["--stream-id", "7"])
    rec = client(tmp, "record3", ["record", "-o", c3d, "--endpoint", ep, "--timeout", "20"])
    steps = client(tmp, "steps3", ["steps", "--endpoint", ep, "--timeout", "20"])
    wait_for(lambda: os.path.exists(c3d) and c3d_samples(c3d) >= 1000, 15,
             "fplate record to write 1000 samples")
    # steps sees only status: the new daemon's first uptime_s must be below
    # the last one of this daemon, whichever status steps gets first
    wait_for(lambda: (status(ep) or {}).get("uptime_s", 0) >= 3, 15, "uptime 3 s")
    d3.kill()
    d3.wait()
    d4, st4 = start_daemon(ep, tmp, "fplated4", ["--stream-id", "7"])
    check(st3["stream_id"] == 7 and st4["stream_id"] == 7, "both runs are stream_id 7")
    rc, err = finish(rec, tmp, "record3")
    check(rc == 3, "fixed stream_id, SIGKILL: fplate record exits 3 (exit %d)" % rc)
    check("fplated restarted (stream_id 7, fixed" in err, "record names the restart")
    m = re.search(r"holds the (\d+) samples", err)
    n = c3d_samples(c3d)
    check(m is not None and int(m.group(1)) == n and n >= 1000,
          "the file is readable and holds the %d samples the message says" % n)
    wait_for(lambda: "fplated restarted" in text(tmp, "steps3.err"), 15,
             "fplate steps to see the restart in the status")
    stop([steps])
    d4.send_signal(signal.SIGTERM)
    d4.wait(timeout=15)
    check("fplate steps: fplated restarted (stream_id 7, fixed" in text(tmp, "steps3.err"),
          "steps names the restart (status uptime_s went back)")


def phase_daemon_gone(tmp, ep):
    """The daemon dies and does not come back: the recording did not reach
    its end (no --seconds, no Ctrl-C), so record says so and exits 3 after
    --timeout, with the file valid and holding what came. (A replayed file
    that ends is the other case: exit 0, test_c3d.sh.)"""
    c3d = os.path.join(tmp, "gone.c3d")
    d5, _ = start_daemon(ep, tmp, "fplated5")
    rec = client(tmp, "record5", ["record", "-o", c3d, "--endpoint", ep, "--timeout", "1"])
    wait_for(lambda: os.path.exists(c3d) and c3d_samples(c3d) >= 1000, 15,
             "fplate record to write 1000 samples")
    d5.kill()
    d5.wait()
    rc, err = finish(rec, tmp, "record5")
    n = c3d_samples(c3d)
    check(rc == 3, "daemon gone for good: fplate record exits 3 (exit %d)" % rc)
    check("before the end of the recording: it stops here" in err,
          "record says the data stopped before the end")
    check(n >= 1000, "the file is readable and holds the %d samples that came" % n)


def frame(stream_id, seq, first, n, value):
    """A docs/wire-format.md force frame: 1 plate, 9 fields, Fz = value."""
    head = struct.pack("<IHHIIQQqdqIHHfI", 0x464C5046, 1, 72, stream_id, 0, seq, first,
                       time.time_ns(), 1e6, time.time_ns(), n, 1, 9, float("nan"), 0)
    return head + struct.pack("<%df" % (9 * n), *([0.0, 0.0, value, 0, 0, 0, 0, 0, 0] * n))


def scripted_record(tmp, pub, ep, name, c3d, extra=()):
    """Start fplate record on the scripted publisher; return once it subscribed."""
    rec = client(tmp, name, ["record", "-o", c3d, "--endpoint", ep, "--timeout", "20"] +
                 list(extra))
    subs, deadline = set(), time.monotonic() + 15
    while subs != {b"force", b"status", b"step"} and time.monotonic() < deadline:
        if pub.poll(100):
            m = pub.recv()
            if m[:1] == b"\x01":
                subs.add(m[1:])
    check(subs == {b"force", b"status", b"step"}, "record subscribed (%r)" % subs)
    return rec


def finish(rec, tmp, name):
    try:
        rc = rec.wait(timeout=15)
    except subprocess.TimeoutExpired:
        rec.kill()
        rc = rec.wait()
    err = text(tmp, name + ".err")
    print("record: " + err.strip().replace("\n", "\n        "))
    return rc, err


def phase_counter_runs_on(tmp):
    ep = "ipc://%s/scripted.sock" % tmp
    c3d = os.path.join(tmp, "scripted.c3d")
    pub = zmq.Context.instance().socket(zmq.XPUB)
    pub.bind(ep)
    rec = scripted_record(tmp, pub, ep, "record5", c3d)
    status = {"type": "status", "stream_id": 11, "uptime_s": 5.0,
              "device": {"uri": "fake://counter", "nominal_rate_hz": 1000.0}}
    pub.send_multipart([b"status", json.dumps(status).encode()])
    for k in range(100):                 # run 1: samples 5000..5999, Fz 100 N
        pub.send_multipart([b"force", frame(11, k, 5000 + 10 * k, 10, 100.0)])
    for k in range(100):                 # run 2, 2 s later on the counter, Fz 200 N
        pub.send_multipart([b"force", frame(12, k, 8000 + 10 * k, 10, 200.0)])
    status.update(stream_id=12, uptime_s=0.5)
    pub.send_multipart([b"status", json.dumps(status).encode()])
    rc, err = finish(rec, tmp, "record5")
    check(rc == 3, "counter runs on: fplate record exits 3 (exit %d)" % rc)
    check("fplated restarted (stream_id 11 -> 12)" in err, "record names the restart")
    first, n, spf, fz = read_c3d(c3d)
    check((first, n) == (5000, 1000), "the file holds samples 5000..5999 of the first run "
          "(%d from %d)" % (n, first))
    check(len(fz) == n and all(-row[0] == 100.0 for row in fz), "every sample is the first run's (Fz 100 N), "
          "no NaN pause, nothing of the second run")

    # a restart before the first sample is written (frames waiting for the
    # first status): the old run's frames are dropped, the new one recorded
    c3d = os.path.join(tmp, "scripted2.c3d")
    rec = scripted_record(tmp, pub, ep, "record6", c3d, ["--seconds", "0.5"])
    for k in range(5):
        pub.send_multipart([b"force", frame(21, k, 900 + 10 * k, 10, 100.0)])
    status.update(stream_id=22, uptime_s=0.1)
    pub.send_multipart([b"status", json.dumps(status).encode()])
    for k in range(60):
        pub.send_multipart([b"force", frame(22, k, 10 * k, 10, 300.0)])
    rc, err = finish(rec, tmp, "record6")
    pub.close()
    check(rc == 0 and "fplated restarted (stream_id 21 -> 22) before the first sample was "
          "written" in err, "restart before the first sample: said, and recorded (exit %d)" % rc)
    first, n, spf, fz = read_c3d(c3d)
    check((first, n) == (0, 500) and all(-row[0] == 300.0 for row in fz),
          "the file holds the new run only: %d samples from %d" % (n, first))


def phase_step_first(tmp):
    """A step of the new run arriving before any of its status or force
    messages (steps carry the stream_id): fplate steps must see the restart
    at that step, not file it under the old run."""
    ep = "ipc://%s/scripted-steps.sock" % tmp
    r = subprocess.run([FPLATE, "analyze", "sim://?pace=fast&plates=2&seed=3", "--seconds", "4",
                        "--json"], capture_output=True, text=True, check=True)
    step = next(json.loads(line) for line in r.stdout.splitlines() if '"contact_sample"' in line)
    step.update(type="step", version=1)
    pub = zmq.Context.instance().socket(zmq.XPUB)
    pub.bind(ep)
    steps = client(tmp, "steps7", ["steps", "--endpoint", ep, "--timeout", "20"])
    subs, deadline = set(), time.monotonic() + 15
    while not {b"step", b"status"} <= subs and time.monotonic() < deadline:
        if pub.poll(100):
            m = pub.recv()
            if m[:1] == b"\x01":
                subs.add(m[1:])
    check({b"step", b"status"} <= subs, "steps subscribed (%r)" % subs)
    pub.send_multipart([b"status", json.dumps({"type": "status", "stream_id": 31,
                                               "uptime_s": 5.0}).encode()])
    for sid in (31, 31, 32):
        pub.send_multipart([b"step", json.dumps(dict(step, stream_id=sid)).encode()])
    wait_for(lambda: "fplated restarted" in text(tmp, "steps7.err"), 10,
             "fplate steps to see the restart in a step")
    stop([steps])
    pub.close()
    check("fplated restarted (stream_id 31 -> 32)" in text(tmp, "steps7.err"),
          "steps names the restart from a step's stream_id alone")


def main():
    tmp = tempfile.mkdtemp(prefix="fplate-it-restart.")
    ep = "ipc://%s/pub.sock" % tmp
    try:
        phase_random_id(tmp, ep)
        phase_fixed_id(tmp, ep)
        phase_daemon_gone(tmp, ep)
        phase_counter_runs_on(tmp)
        phase_step_first(tmp)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("FAIL: %d checks: %s" % (len(failures), "; ".join(failures)))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
