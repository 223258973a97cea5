#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_gait_reference.py - fplate's gait module (C) against the independent
Python reference (tests/reference/gait_ref.py) on every real C3D file in
../shared/data/c3d and on 20 s of simulated running.

Both read the same calibrated Fz (`fplate analyze --export-fz`); the C
results must agree with the reference within 1 % for impact peak, VALR and
VILR on every step, with identical contact and toe-off samples and the
same choice of real or virtual (13 %) impact peak. On every stance of
every source, with and without drift correction, VALR <= VILR (the average
slope of one curve over [t20, t80] cannot exceed its steepest sample pair),
in both the C module and the reference. Drift correction is off
on both sides (the reference does not implement it); FORCE_PLATFORM:ZERO
baselines are applied to the input (--zero).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "reference"))
import gait_ref  # noqa: E402

BUILD = os.environ.get("BUILD", "build")
FPLATE = os.path.join(TOP, BUILD, "fplate") if not os.path.isabs(BUILD) else os.path.join(BUILD, "fplate")
DATA = os.path.join(TOP, "..", "shared", "data", "c3d")
TOL = 0.01
# Files whose force data carry no usable contacts (SOURCES.md): unloaded
# plates, and a file whose plates come out with Fz < 0 through c3d://.
NO_CONTACTS = {"ezc3d_FP_Type1.c3d": "plates unloaded (|F| < 10 N)"}
# Kistler.c3d stores the action force (docs/c3d.md): read it with action=1.
URI_PARAMS = {"ezc3d_Kistler.c3d": "&action=1"}
SIM = "sim://?speed=3.5&strike=rear&plates=2&pace=fast&seed=11"


def run(args):
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if p.returncode:
        raise SystemExit("FAIL: %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p.stdout


def analog_rate(path):
    m = re.search(r"analog rate:\s+([0-9.]+) Hz", run([FPLATE, "c3d-info", path]))
    return float(m.group(1))


def loading_rate_invariant(where, steps):
    """VALR <= VILR on every stance that has both (relative slack 1e-9 for
    rounding); a list of error strings."""
    bad = []
    for s in steps:
        a, b = s.get("valr_n_s"), s.get("vilr_n_s")
        if a is not None and b is not None and a > b * (1 + 1e-9) + 1e-9:
            bad.append("%s plate %d contact %d: VALR %.6g > VILR %.6g" % (
                where, s["plate"], s["contact_sample"], a, b))
    return bad


def compare(name, source, rate, extra):
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "fz.csv")
        out = run([FPLATE, "analyze", source, "--no-drift", "--json", "--export-fz", csv] + extra)
        fz, first = gait_ref.load_csv(csv)
    c_steps = [json.loads(line) for line in out.splitlines() if line.strip()]
    c_steps = [s for s in c_steps if "summary" not in s and not
               set(s["flags"]) & {"truncated", "too_short", "too_long"}]
    cutoff = c_steps[0]["cutoff_hz"] if c_steps else min(50.0, 0.4 * rate)
    ref = gait_ref.analyse(fz, rate, cutoff) if fz else []
    for s in ref:
        s["contact_sample"] += first
        s["toeoff_sample"] += first
    errors, worst = [], {"impact_peak_n": 0.0, "valr_n_s": 0.0, "vilr_n_s": 0.0}
    all_c = [json.loads(line) for line in out.splitlines() if line.strip()]
    errors += loading_rate_invariant("C", [s for s in all_c if "summary" not in s])
    errors += loading_rate_invariant("reference", ref)
    # the same with drift correction on (the default analysis)
    drift = run([FPLATE, "analyze", source, "--json"] + extra)
    drift = [json.loads(line) for line in drift.splitlines() if line.strip()]
    errors += loading_rate_invariant("C with drift correction",
                                     [s for s in drift if "summary" not in s])
    if len(c_steps) != len(ref):
        errors.append("%d steps in C, %d in the reference" % (len(c_steps), len(ref)))
    by_key = {(s["plate"], s["contact_sample"]): s for s in ref}
    for s in c_steps:
        r = by_key.get((s["plate"], s["contact_sample"]))
        where = "plate %d contact %d" % (s["plate"], s["contact_sample"])
        if r is None:
            errors.append("%s: no such contact in the reference" % where)
            continue
        if s["toeoff_sample"] != r["toeoff_sample"]:
            errors.append("%s: toe-off %d vs %d" % (where, s["toeoff_sample"], r["toeoff_sample"]))
        if s["impact_virtual"] != r["impact_virtual"]:
            errors.append("%s: impact_virtual %s vs %s" % (where, s["impact_virtual"],
                                                           r["impact_virtual"]))
        for k in worst:
            a, b = s[k], r[k]
            if a is None or b is None:
                if a != b:
                    errors.append("%s: %s %s vs %s" % (where, k, a, b))
                continue
            rel = abs(a - b) / max(abs(b), 1e-9)
            worst[k] = max(worst[k], rel)
            if rel > TOL:
                errors.append("%s: %s %.6g vs %.6g (%.2f %%)" % (where, k, a, b, 100 * rel))
    print("%-40s %4d steps  max diff: impact %.2e  VALR %.2e  VILR %.2e  %s" % (
        name, len(c_steps), worst["impact_peak_n"], worst["valr_n_s"], worst["vilr_n_s"],
        "FAIL" if errors else "ok"))
    for e in errors[:10]:
        print("    " + e)
    return len(c_steps), errors


def main():
    if not os.path.exists(FPLATE):
        print("no %s: build first" % FPLATE, file=sys.stderr)
        return 77
    if not os.path.isdir(DATA):
        print("no C3D data in %s" % DATA, file=sys.stderr)
        return 77
    failed = 0
    for f in sorted(os.listdir(DATA)):
        if not f.endswith(".c3d"):
            continue
        path = os.path.join(DATA, f)
        source, extra = path, ["--zero"]
        if f in URI_PARAMS:
            source = "c3d://%s?rate=fast&zero=1%s" % (os.path.abspath(path), URI_PARAMS[f])
            extra = []
        n, errors = compare(f, source, analog_rate(path), extra)
        if f in NO_CONTACTS:
            print("    (no contacts expected: %s)" % NO_CONTACTS[f])
        elif n == 0:
            errors.append("no step found in a file with contacts")
            print("    no step found in a file with contacts")
        failed += bool(errors)
    n, errors = compare("sim 20 s rear 3.5 m/s split", SIM, 2000.0, ["--seconds", "20"])
    failed += bool(errors) or n < 50
    print("gait reference: %s" % ("FAIL" if failed else "all steps agree within 1 %"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
