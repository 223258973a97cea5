#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Subscribe to fplated and decode its `force` frames with numpy.

Written from docs/wire-format.md alone (no fplate code is imported), as an
example for your own subscribers. Prints one line per frame, or with
--summary a JSON object describing what was received (used by the
integration tests): sample indices contiguous or not, the sample rate
measured as device sample indices against this process's receive clock
(between the least-delayed frames at the start and the end of the run),
pipeline latency, mean Fz per plate. When fplated restarts (a new
stream_id, or a sequence that goes back) it says so on stderr and the
summary describes the stream after the last restart ("restarts" counts them).

Needs Debian's python3-zmq and python3-numpy.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import zmq

HDR = np.dtype([("magic", "<u4"), ("version", "<u2"), ("header_len", "<u2"),
                ("stream_id", "<u4"), ("flags", "<u4"), ("sequence", "<u8"),
                ("first_sample", "<u8"), ("t0_ns", "<i8"), ("period_ns", "<f8"),
                ("t_recv_ns", "<i8"), ("n_samples", "<u4"), ("n_plates", "<u2"),
                ("n_fields", "<u2"), ("belt_speed_mps", "<f4"), ("reserved", "<u4")])
assert HDR.itemsize == 72
MAGIC = 0x464C5046
FLAG_GAP, FLAG_SYNC = 0x1, 0x100
FIELDS = ["fx", "fy", "fz", "mx", "my", "mz", "cop_x", "cop_y", "tz"]


def decode_force(payload):
    """Return (header, values[sample, plate, field], sync or None); raise ValueError."""
    if len(payload) < HDR.itemsize:
        raise ValueError("frame of %d bytes is shorter than the header" % len(payload))
    h = np.frombuffer(payload, HDR, count=1)[0]
    if h["magic"] != MAGIC or h["version"] != 1:
        raise ValueError("magic 0x%08x version %d: not a version-1 force frame"
                         % (h["magic"], h["version"]))
    n, p, f = int(h["n_samples"]), int(h["n_plates"]), int(h["n_fields"])
    off = int(h["header_len"])
    if off < 72 or off % 8 or not (1 <= n <= 65536 and 1 <= p <= 16 and 1 <= f <= 64):
        raise ValueError("header_len %d, %d samples, %d plates, %d fields out of range"
                         % (off, n, p, f))
    has_sync = bool(h["flags"] & FLAG_SYNC)
    size = off + 4 * n * p * f + (4 * n if has_sync else 0)
    if len(payload) != size:
        raise ValueError("frame of %d bytes, expected %d" % (len(payload), size))
    values = np.frombuffer(payload, "<f4", count=n * p * f, offset=off).reshape(n, p, f)
    sync = (np.frombuffer(payload, "<u4", count=n, offset=off + 4 * n * p * f)
            if has_sync else None)
    return h, values, sync


def _read_key(what, value):
    """A 40-character Z85 key: the value itself, or the first line of the file it names."""
    if len(value) == 40 and "/" not in value:
        return value.encode()
    try:
        with open(value) as fh:
            line = fh.readline().strip()
    except OSError as e:
        raise SystemExit("subscribe.py: %s '%s': cannot read it: %s" % (what, value, e.strerror))
    if len(line) != 40:
        raise SystemExit("subscribe.py: %s '%s': the first line must be a 40-character Z85 "
                         "key (fplate keygen)" % (what, value))
    return line.encode()


def curve_client(sock):
    """CURVE on sock when $FPLATE_CTL_SERVER_KEY is set, as the fplate CLI does
    (docs/control.md, "Security"): the daemon's public key (or its .pub file)
    and $FPLATE_CTL_KEY_FILE, this client's secret key from fplate keygen.
    Returns True when CURVE was set up."""
    server = os.environ.get("FPLATE_CTL_SERVER_KEY")
    if not server:
        return False
    mine = os.environ.get("FPLATE_CTL_KEY_FILE")
    if not mine:
        raise SystemExit("subscribe.py: FPLATE_CTL_SERVER_KEY needs FPLATE_CTL_KEY_FILE (this "
                         "client's secret key, fplate keygen) too")
    secret = _read_key("FPLATE_CTL_KEY_FILE", mine)
    sock.curve_serverkey = _read_key("FPLATE_CTL_SERVER_KEY", server)
    sock.curve_secretkey = secret
    sock.curve_publickey = zmq.curve_public(secret)
    return True


def frames(endpoint=None, timeout_s=3.0):
    """Yield (header, values[sample, plate, field], missed_frames) per force frame.

    endpoint defaults to $FPLATE_ENDPOINT, else tcp://127.0.0.1:5555;
    missed_frames counts the frames of the same stream lost just before
    this one. Raises TimeoutError when nothing arrives for timeout_s.
    Library use:  from fplate.subscribe import frames
    """
    endpoint = endpoint or os.environ.get("FPLATE_ENDPOINT") or "tcp://127.0.0.1:5555"
    sub = zmq.Context.instance().socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    curve_client(sub)
    sub.setsockopt(zmq.SUBSCRIBE, b"force")
    sub.connect(endpoint)
    stream = next_seq = None
    try:
        while True:
            if not sub.poll(int(timeout_s * 1000)):
                raise TimeoutError("nothing from fplated at %s within %g s" % (endpoint, timeout_s))
            parts = sub.recv_multipart()
            if len(parts) != 2 or parts[0] != b"force":
                continue
            h, values, _sync = decode_force(parts[1])
            seq = int(h["sequence"])
            missed = seq - next_seq if stream == int(h["stream_id"]) and seq > next_seq else 0
            stream, next_seq = int(h["stream_id"]), seq + 1
            yield h, values, missed
    finally:
        sub.close()


def fit_rate(indices, times_ns):
    """Samples per second: least-squares slope of sample index over time."""
    if len(indices) < 3:
        return None
    t = (np.asarray(times_ns, dtype=np.int64) - times_ns[0]) / 1e9
    x = np.asarray(indices, dtype=np.float64) - indices[0]
    slope = np.polyfit(t, x, 1)[0]
    return float(slope)


def envelope_rate(indices, times_ns):
    """Samples per second between the least-delayed frames of the first and
    the last fifth of the run. Delivery delays are one-sided (a frame is
    never early), so the minimum delay is stable while a scheduling stall
    of a few hundred ms on a loaded machine would bias a least-squares fit."""
    if len(indices) < 10:
        return fit_rate(indices, times_ns)
    t = (np.asarray(times_ns, dtype=np.int64) - times_ns[0]).astype(np.float64)
    x = np.asarray(indices, dtype=np.float64) - indices[0]
    rough = fit_rate(indices, times_ns)
    delay = t - x * 1e9 / rough
    k = max(1, len(x) // 5)
    a = int(np.argmin(delay[:k]))
    b = len(x) - k + int(np.argmin(delay[-k:]))
    return float((x[b] - x[a]) * 1e9 / (t[b] - t[a]))


def main():
    ap = argparse.ArgumentParser(
        description="Subscribe to fplated's force frames and decode them with numpy "
                    "(docs/wire-format.md).",
        epilog="CURVE (a daemon with [control] curve_secret_file, docs/control.md): set "
               "FPLATE_CTL_SERVER_KEY to the daemon's public key or its .pub file and "
               "FPLATE_CTL_KEY_FILE to this client's .key (fplate keygen), as for the fplate "
               "CLI; the key must be listed in the daemon's curve_clients.")
    ap.add_argument("--endpoint", default=os.environ.get("FPLATE_ENDPOINT",
                                                         "tcp://127.0.0.1:5555"),
                    help="fplated PUB endpoint (default $FPLATE_ENDPOINT or %(default)s)")
    ap.add_argument("--seconds", type=float, default=0,
                    help="stop after this many seconds of received frames (default: Ctrl-C)")
    ap.add_argument("--frames", type=int, default=0, help="stop after this many frames")
    ap.add_argument("--timeout", type=float, default=3.0,
                    help="exit 1 when nothing arrives for this long (default %(default)s s)")
    ap.add_argument("--summary", action="store_true",
                    help="print one JSON summary at the end instead of a line per frame")
    args = ap.parse_args()

    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    curve_client(sub)
    sub.setsockopt(zmq.SUBSCRIBE, b"force")
    sub.connect(args.endpoint)

    frames = samples = missed = gaps = noncontiguous = 0
    next_index = next_seq = None
    end_index, recv_ns, daemon_recv_ns, latency_us = [], [], [], []
    fz_sum = None
    first_sample = last_sample = None
    start = stream = None
    restarts = total_frames = 0
    status = 0
    try:
        while True:
            if not sub.poll(int(args.timeout * 1000)):
                print("subscribe.py: nothing from fplated at %s within %g s"
                      % (args.endpoint, args.timeout), file=sys.stderr)
                status = 1
                break
            parts = sub.recv_multipart()
            now = time.time_ns()          # wall clock, as the daemon's t_recv_ns
            mono = time.monotonic_ns()    # for rates and durations: never stepped
            if len(parts) != 2 or parts[0] != b"force":
                continue
            h, values, _sync = decode_force(parts[1])
            n = int(h["n_samples"])
            first = int(h["first_sample"])
            seq = int(h["sequence"])
            if stream is not None and (int(h["stream_id"]) != stream or seq < next_seq):
                # a new run of fplated: its sequence and sample indices start
                # again; what follows describes it alone
                print("subscribe.py: fplated restarted (stream_id %d -> %d)"
                      % (stream, int(h["stream_id"])), file=sys.stderr, flush=True)
                restarts += 1
                frames = samples = missed = gaps = noncontiguous = 0
                next_index = next_seq = None
                end_index, recv_ns, daemon_recv_ns, latency_us = [], [], [], []
                fz_sum = None
            stream = int(h["stream_id"])
            if start is None:
                start = mono
            if fz_sum is None:
                fz_sum = np.zeros(values.shape[1])
                first_sample = first
            if next_index is not None and first != next_index:
                noncontiguous += 1
            if next_seq is not None and int(h["sequence"]) != next_seq:
                missed += int(h["sequence"]) - next_seq
            if h["flags"] & FLAG_GAP:
                gaps += 1
            next_index = first + n
            next_seq = int(h["sequence"]) + 1
            last_sample = first + n - 1
            frames += 1
            total_frames += 1
            samples += n
            end_index.append(last_sample)
            recv_ns.append(mono)
            daemon_recv_ns.append(int(h["t_recv_ns"]))
            latency_us.append((now - int(h["t_recv_ns"])) / 1e3)
            fz_sum += values[:, :, 2].sum(axis=0)
            if not args.summary:
                cop = values[-1, :, 6:8]
                print("#%d sample %d n %d  " % (h["sequence"], first, n) + "  ".join(
                    "plate %d Fz %7.1f N COP %6.1f %6.1f mm" % (p + 1, values[-1, p, 2],
                                                              cop[p, 0], cop[p, 1])
                    for p in range(values.shape[1])), flush=True)
            if args.frames and total_frames >= args.frames:
                break
            if args.seconds and (mono - start) / 1e9 >= args.seconds:
                break
    except KeyboardInterrupt:
        pass
    except ValueError as e:
        print("subscribe.py: malformed force frame: %s" % e, file=sys.stderr)
        status = 1
    if args.summary:
        lat = np.array(latency_us) if latency_us else np.array([np.nan])
        print(json.dumps({
            "endpoint": args.endpoint,
            "frames": frames,
            "samples": samples,
            "first_sample": first_sample,
            "last_sample": last_sample,
            "contiguous": frames > 0 and noncontiguous == 0 and
                          last_sample - first_sample + 1 == samples,
            "noncontiguous": noncontiguous,
            "missed_frames": missed,
            "gap_frames": gaps,
            "seconds": (recv_ns[-1] - recv_ns[0]) / 1e9 if recv_ns else 0,
            "rate_hz": envelope_rate(end_index, recv_ns),
            "rate_hz_lsq": fit_rate(end_index, recv_ns),
            "rate_hz_daemon_clock": envelope_rate(end_index, daemon_recv_ns),
            "latency_us_p50": float(np.percentile(lat, 50)),
            "latency_us_p99": float(np.percentile(lat, 99)),
            "mean_fz_n": (fz_sum / samples).tolist() if samples else [],
            "stream_id": stream,
            "restarts": restarts,
        }))
    sub.close()
    ctx.term()
    return status


if __name__ == "__main__":
    sys.exit(main())
