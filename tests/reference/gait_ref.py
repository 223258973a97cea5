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
  impact      first local maximum in the first 30 % of stance with a
              prominence >= 0.5 % of the stance maximum and a higher sample
              later; else Fz at 13 % of stance (virtual)
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


def contacts(fz, rate):
    """(contact, toe-off) sample pairs of one plate, stance = [contact, toe-off)."""
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
    # a stance loaded at the first sample began before the data; one that
    # has not been unloaded for min_gap samples at the end has not ended
    return [(s, e) for s, e in merged if e + min_gap <= len(fz) and s > 0]


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


def step_metrics(fz, rate, c, e, cutoff):
    pad = max(int(round(0.05 * rate)), 10)
    lo, hi = max(c - pad, 0), min(e + pad, len(fz))
    b, a = ss.butter(2, cutoff / (rate / 2))
    f = ss.filtfilt(b, a, fz[lo:hi])
    c0, e0 = c - lo, e - lo
    seg = f[c0:e0]
    active = seg.max()
    peaks, props = ss.find_peaks(seg, prominence=PROMINENCE * active)
    last = int(np.floor(0.3 * (e - c)))
    impact = None
    for p, prom in zip(peaks, props["prominences"]):
        if p > last:
            break
        if seg[p + 1:].max() > seg[p]:
            impact = c0 + p
            break
    if impact is not None:
        virtual, peak_t, peak_n = False, float(impact), f[impact]
    else:
        virtual = True
        peak_t = c0 + 0.13 * (e - c)
        peak_n = float(np.interp(peak_t, np.arange(len(f)), f))
    out = {"contact_sample": int(c), "toeoff_sample": int(e), "impact_virtual": virtual,
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
    for plate, fz in enumerate(fz_by_plate):
        for c, e in contacts(fz, rate):
            if not (MIN_CONTACT_S * rate <= e - c <= MAX_STANCE_S * rate):
                continue
            s = step_metrics(fz, rate, c, e, cutoff)
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
