#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gait_ref.py - an independent reference for fplate's step detection and
loading rates (docs/metrics.md), in Python with numpy/scipy.

It shares only the input with the C module: the calibrated vertical force
that `fplate analyze --export-fz FILE.csv` writes (one line per sample:
sample index, then Fz in N of each plate). Everything else is written
again from the documented definitions, in a different style (vectorised
runs instead of a streaming state machine, scipy.signal.find_peaks for the
impact peak, scipy.signal.filtfilt for the zero-lag filter):

  contact     runs of Fz >= off (20 N) that reach on (50 N); runs separated by
              less than min_gap (20 ms) below off are one contact; contacts
              shorter than 100 ms or longer than 3 s carry no metrics
  window      [contact - pad, toe-off + pad), pad = max(round(0.05 rate), 10),
              filtered with a 2nd-order Butterworth forward and backward
  gait        walking if the stance lasts 450 ms or more or another contact
              (any plate) overlaps it, else running
  impact      running: first local maximum in the first 30 % of the expected
              contact time with a prominence >= 0.5 % of the stance maximum
              and a higher sample later; else Fz at 13 % of the expected
              contact time (virtual). The expected contact time is the
              median contact time of the same foot's previous up to three
              stances (2, 4 and 6 contacts back on any plate, every step
              between under 2 s, each 100-450 ms, none truncated); the
              stance's own when there is none; rounded to a sample
              (metrics_version 4). Walking:
              the largest Fz in the first half of the stance (first peak),
              and that running impact peak, if earlier and lower, as the
              heel-strike transient
  VALR        0.6 F_impact / (t80 - t20), t20 the last upward crossing of
              20 % of the impact peak before it (the filtered curve's own
              onset, walking back from the peak), t80 the first crossing of
              80 % after t20, both linearly interpolated
  VILR        the largest (F[i+1] - F[i]) rate over sample pairs overlapping
              [t20, t80]

Drift correction is not part of the reference: compare with
`fplate analyze --no-drift`.

usage: gait_ref.py FZ.csv --rate HZ [--cutoff HZ] [--bench]
"""
import argparse
import json
import sys
import time

import numpy as np
import scipy.signal as ss

ON_N, OFF_N = 50.0, 20.0
MIN_CONTACT_S, MIN_GAP_S, MAX_STANCE_S = 0.100, 0.020, 3.0
PROMINENCE = 0.005
WALK_CONTACT_MS = 450.0


def contacts(fz, rate, with_edges=False):
    """(contact, toe-off) sample pairs of one plate, stance = [contact, toe-off).
    with_edges: also the stances the data begins or ends inside (neighbours)."""
    above = fz >= OFF_N
    edges = np.diff(np.concatenate(([0], above.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    loaded = [(s, e) for s, e in zip(starts, ends) if fz[s:e].max() >= ON_N]
    min_gap = max(1, int(round(MIN_GAP_S * rate)))
    merged = []
    for s, e in loaded:
        if merged and s - merged[-1][1] < min_gap:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    # belt noise: short and weak contacts are no contacts at all
    merged = [(s, e) for s, e in merged
              if e - s >= MIN_CONTACT_S * rate or fz[s:e].max() >= 4 * ON_N]
    if with_edges:
        return merged
    # a stance loaded at the first sample began before the data; one that
    # has not been unloaded for min_gap samples at the end has not ended
    return [(s, e) for s, e in merged if e + min_gap <= len(fz) and s > 0]


def gait_of(c, e, plate, neighbours, rate):
    """'walking' when the stance lasts 450 ms or more or another contact
    (any plate) overlaps [c, e) (double support), else 'running'."""
    if (e - c) * 1000.0 / rate >= WALK_CONTACT_MS:
        return "walking"
    if any(not (p == plate and s == c) and s < e and t > c for p, s, t in neighbours):
        return "walking"
    return "running"


def first_crossing(f, start, stop, level):
    """Fractional index of the first upward crossing of level in f[start..stop]."""
    idx = np.flatnonzero(f[start:stop + 1] >= level)
    if idx.size == 0:
        return None
    k = start + idx[0]
    if k == 0 or f[k - 1] >= level:
        return float(k)
    return (k - 1) + (level - f[k - 1]) / (f[k] - f[k - 1])


def last_crossing(f, top, level):
    """Fractional index of the last upward crossing of level in f[..top]: the
    filtered curve's own onset, found walking back from the peak."""
    k = np.flatnonzero((f[1:top + 1] >= level) & (f[:top] < level))
    if k.size == 0:
        return None
    k = k[-1] + 1
    return (k - 1) + (level - f[k - 1]) / (f[k] - f[k - 1])


def expected_contact(k, seq, rate):
    """Median contact time (samples) of the same foot's previous up to three
    stances of stance seq[k] (seq: every (contact, plate, toe-off), sorted):
    2, 4 and 6 contacts back (any plate), while every step between is under
    2 s and no stance is truncated (began with the data), each of running
    length; None when there is none."""
    if seq[k][0] == 0:
        return None
    lens = []
    for m in range(1, 7):
        if m > k:
            break
        s, _, t = seq[k - m]
        if seq[k - m + 1][0] - s > 2 * rate or s == 0:
            break
        if m % 2:
            continue
        if not (round(MIN_CONTACT_S * rate) <= t - s < WALK_CONTACT_MS * rate / 1000.0):
            break
        lens.append(t - s)
    # rounded to a whole sample, half up
    return float(np.floor(np.median(lens) + 0.5)) if lens else None


def step_metrics(fz, rate, c, e, cutoff, gait="running", ref_ct=None):
    pad = max(int(round(0.05 * rate)), 10)
    lo, hi = max(c - pad, 0), min(e + pad, len(fz))
    b, a = ss.butter(2, cutoff / (rate / 2))
    f = ss.filtfilt(b, a, fz[lo:hi])
    c0, e0 = c - lo, e - lo
    seg = f[c0:e0]
    active = seg.max()
    peaks, props = ss.find_peaks(seg, prominence=PROMINENCE * active)
    ref = float(e - c) if ref_ct is None else ref_ct
    last = int(np.floor(0.3 * ref))
    impact = None
    for p, prom in zip(peaks, props["prominences"]):
        if p > last:
            break
        if seg[p + 1:].max() > seg[p]:
            impact = c0 + p
            break
    transient = None
    if gait == "walking":
        # the first vertical force peak: the largest Fz in the first half
        i1 = c0 + int(np.argmax(f[c0:c0 + (e - c) // 2 + 1]))
        if impact is not None and impact < i1 and f[impact] < f[i1]:
            transient = float(f[impact])
        virtual, peak_t, peak_n = False, float(i1), f[i1]
    elif impact is not None:
        virtual, peak_t, peak_n = False, float(impact), f[impact]
    else:
        virtual = True
        peak_t = c0 + 0.13 * ref
        peak_n = float(np.interp(peak_t, np.arange(len(f)), f))
    out = {"contact_sample": int(c), "toeoff_sample": int(e), "impact_virtual": virtual,
           "gait": gait, "transient_peak_n": transient,
           "impact_peak_n": float(peak_n),
           "time_to_impact_ms": (peak_t - c0) * 1000.0 / rate,
           "active_peak_n": float(active), "valr_n_s": None, "vilr_n_s": None}
    top = int(np.ceil(peak_t))
    if top >= len(f):
        return out
    t20 = last_crossing(f, top, 0.2 * peak_n)
    if t20 is None:
        return out
    t80 = first_crossing(f, int(np.floor(t20)), top, 0.8 * peak_n)
    if t80 is None or t80 <= t20:
        return out
    out["valr_n_s"] = 0.6 * peak_n / ((t80 - t20) / rate)
    i = np.arange(int(np.floor(t20)), int(np.ceil(t80)))
    i = i[i + 1 < len(f)]
    out["vilr_n_s"] = float(np.max(np.diff(f)[i]) * rate) if i.size else out["valr_n_s"]
    return out


def analyse(fz_by_plate, rate, cutoff):
    steps = []
    neighbours = [(p, s, e) for p, fz in enumerate(fz_by_plate) for s, e in contacts(fz, rate, True)]
    seq = sorted((s, p, e) for p, s, e in neighbours)
    at = {(s, p): k for k, (s, p, _) in enumerate(seq)}
    for plate, fz in enumerate(fz_by_plate):
        for c, e in contacts(fz, rate):
            if not (MIN_CONTACT_S * rate <= e - c <= MAX_STANCE_S * rate):
                continue
            s = step_metrics(fz, rate, c, e, cutoff, gait_of(c, e, plate, neighbours, rate),
                             expected_contact(at[(c, plate)], seq, rate))
            s["plate"] = plate + 1   # numbered from 1, as fplate's step records
            steps.append(s)
    steps.sort(key=lambda s: (s["contact_sample"], s["plate"]))
    return steps


def load_csv(path):
    data = np.loadtxt(path, delimiter=",", ndmin=2)
    if data.size == 0:
        return [], 0
    first = int(data[0, 0])
    return [data[:, p] for p in range(1, data.shape[1])], first


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv", help="fplate analyze --export-fz output")
    ap.add_argument("--rate", type=float, required=True, help="samples per second")
    ap.add_argument("--cutoff", type=float, default=None,
                    help="Butterworth cutoff, Hz (default min(50, 0.4 rate))")
    ap.add_argument("--bench", action="store_true",
                    help="print only {steps, samples, seconds} of the analysis (no I/O)")
    args = ap.parse_args()
    cutoff = args.cutoff if args.cutoff else min(50.0, 0.4 * args.rate)
    fz, first = load_csv(args.csv)
    if args.bench:
        t0 = time.process_time()
        steps = analyse(fz, args.rate, cutoff)
        dt = time.process_time() - t0
        print(json.dumps({"steps": len(steps), "samples": int(sum(len(f) for f in fz)),
                          "seconds": dt}))
        return 0
    for s in analyse(fz, args.rate, cutoff):
        s["contact_sample"] += first
        s["toeoff_sample"] += first
        print(json.dumps(s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
