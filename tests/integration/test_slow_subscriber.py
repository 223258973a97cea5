#!/usr/bin/python3
# test_slow_subscriber.py - a subscriber that never reads must cost nobody
# else anything: the daemon keeps acquiring at full rate and another
# subscriber receives every frame. With drop_policy=count (default) the
# daemon counts the loss episodes of the stuck one (status.dropped); with
# isolate it cannot see them (dropped stays 0).
import json
import os
import subprocess
import sys
import tempfile
import time

import zmq

BUILD = os.environ.get("BUILD", "build")


def start(ep, policy):
    return subprocess.Popen([os.path.join(BUILD, "fplated"), "--device", "sim://?plates=2",
                             "--pub", ep, "--hwm", "100", "--drop-policy", policy,
                             "--log-level", "warn"])


def last_status(sub, timeout_s=3.0):
    end = time.time() + timeout_s
    status = None
    while time.time() < end:
        if sub.poll(100):
            topic, payload = sub.recv_multipart()
            if topic == b"status":
                status = json.loads(payload)
                break
    return status


def run(policy, seconds=8.0):
    tmp = tempfile.mkdtemp(prefix="fplate-it-slow.")
    ep = "ipc://%s/pub.sock" % tmp
    daemon = start(ep, policy)
    ctx = zmq.Context()
    try:
        stuck = ctx.socket(zmq.SUB)           # subscribes, never reads
        stuck.setsockopt(zmq.RCVHWM, 20)
        stuck.setsockopt(zmq.RCVBUF, 4096)
        stuck.setsockopt(zmq.SUBSCRIBE, b"force")
        stuck.connect(ep)
        reader = ctx.socket(zmq.SUB)          # reads everything
        reader.setsockopt(zmq.SUBSCRIBE, b"force")
        reader.setsockopt(zmq.SUBSCRIBE, b"status")
        reader.connect(ep)
        # `seconds` of the stream by the daemon's sample index, not by this
        # process's clock: a stall of the reader or the daemon delays frames
        # (sim catches up), it does not remove them. A daemon that blocks on
        # the stuck subscriber gets nowhere near within `seconds` + 10 s.
        seqs, status, first, last = [], None, None, None
        end = time.monotonic() + seconds + 10
        while time.monotonic() < end and (first is None or last - first < seconds * 2000):
            if reader.poll(200):
                topic, payload = reader.recv_multipart()
                if topic == b"force":
                    seqs.append(int.from_bytes(payload[16:24], "little"))
                    f0 = int.from_bytes(payload[24:32], "little")
                    first = f0 if first is None else first
                    last = f0 + int.from_bytes(payload[56:60], "little")
        status = last_status(reader)
        missed = sum(b - a - 1 for a, b in zip(seqs, seqs[1:]))
        return status, missed, len(seqs)
    finally:
        ctx.destroy(linger=0)
        daemon.terminate()
        rc = daemon.wait(timeout=10)
        os.system("rm -rf '%s'" % tmp)
        if rc != 0:
            print("FAIL: fplated exited %d on SIGTERM" % rc)
            sys.exit(1)


def main():
    status, missed, frames = run("count")
    assert status, "no status message"
    print("count: dropped %d, reader missed %d of %d frames, rate %.1f Hz, ring overruns %d"
          % (status["dropped"], missed, frames, status["rate_hz"], status["ring"]["overruns"]))
    assert status["dropped"] > 0, "a stuck subscriber caused no counted drops"
    expected = 8.0 * 2000 / status["block_samples"]
    assert missed == 0 and frames >= expected, \
        "the reading subscriber lost frames: %d missed, %d of ~%d received" % (
            missed, frames, expected)
    # Acquisition went on at full speed: nothing lost before publishing.
    assert abs(status["rate_hz"] - 2000) < 10 and status["ring"]["overruns"] == 0, status
    assert status["lost_samples"] == 0 and status["gaps"] == 0, status

    status, missed, frames = run("isolate")
    assert status, "no status message"
    print("isolate: dropped %d, reader missed %d of %d frames, rate %.1f Hz"
          % (status["dropped"], missed, frames, status["rate_hz"]))
    assert missed == 0 and status["dropped"] == 0, (missed, status)
    expected = 8.0 * 2000 / status["block_samples"]
    assert frames >= expected and abs(status["rate_hz"] - 2000) < 10, (frames, status)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
