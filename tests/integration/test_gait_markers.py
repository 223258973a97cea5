#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_gait_markers.py - the COP progression's foot frame against the foot
markers of the RBDS treadmill run (../shared/data/c3d/fukuchi_RBDS001runT35.c3d).

fplate analyze builds an anatomical foot frame from the file's heel and
metatarsal-head markers (lib/c3d_fp.c, lib/gait_cop.c). This test reads the
markers again with its own C3D reader (Intel REAL files only, enough for this
file) and measures, per stance fplate reports, the foot's toe-out in the lab:
heel (Heel.Bottom) to the midpoint of the two metatarsal heads, mean over
30-70 % of the stance, against the direction of travel (lab +X; the file is
Y-up, so the runner's right is X x Y = +Z). Checks:

  - every stance that is not truncated uses the marker frame, and fplate's
    foot (L/R) is the foot whose markers are at the COP;
  - per foot, fplate's mean foot_progression_deg is within 5 degrees of the
    markers' (the limit: the markers' own per-step SD is about 2 degrees);
  - the belt speed fplate estimates from the metatarsal heads is the
    dataset's 3.5 m/s within 2 % (the markers' speed noise is far smaller);
  - push-off between the metatarsal heads: the right foot's mean fraction
    is more medial than the left's (as measured from the markers by the
    issue: left 0.30, right 0.56), by more than 4 standard errors of the
    difference predicted by the plate's noise model (pushoff_mt_noise);
  - without markers (--no-markers) the frame is the direction of travel and
    no foot angle is claimed.
It prints the per-step scatter of the COP metrics next to the scatter the
noise model predicts.
"""
import json
import math
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("BUILD", "build")
FPLATE = os.path.join(BUILD, "fplate") if os.path.isabs(BUILD) else os.path.join(TOP, BUILD, "fplate")
FILE = os.path.join(TOP, "..", "shared", "data", "c3d", "fukuchi_RBDS001runT35.c3d")
failures = []


def check(cond, what):
    print("%s: %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        failures.append(what)


def read_c3d(path):
    """(labels, point rate, analog samples per frame, frames[n][points][3])
    of an Intel REAL C3D file."""
    b = open(path, "rb").read()
    pblock = b[0]
    n_points, n_analog_words, first, last = struct.unpack_from("<4h", b, 2)
    scale = struct.unpack_from("<f", b, 12)[0]
    data_start, spf = struct.unpack_from("<2h", b, 16)
    rate = struct.unpack_from("<f", b, 20)[0]
    if b[(pblock - 1) * 512 + 3] != 84 or scale >= 0:
        raise SystemExit("%s: not an Intel REAL C3D file" % path)
    # parameter section: find POINT:LABELS
    off = (pblock - 1) * 512 + 4
    groups, labels = {}, None
    while True:
        nch, gid = struct.unpack_from("<bb", b, off)
        if nch == 0:
            break
        name = b[off + 2:off + 2 + abs(nch)].decode("ascii", "replace").upper()
        nxt = struct.unpack_from("<h", b, off + 2 + abs(nch))[0]
        body = off + 4 + abs(nch)
        if gid < 0:
            groups[-gid] = name
        elif groups.get(gid) == "POINT" and name == "LABELS":
            typ, nd = struct.unpack_from("<bb", b, body)
            dims = list(b[body + 2:body + 2 + nd])
            data = body + 2 + nd
            w, n = dims[0], dims[1] if nd > 1 else 1
            labels = [b[data + i * w:data + (i + 1) * w].decode("ascii", "replace").strip()
                      for i in range(n)]
        if nxt == 0:
            break
        off = off + 2 + abs(nch) + nxt
    frames = []
    pos = (data_start - 1) * 512
    per = n_points * 4 + n_analog_words
    for _ in range(last - first + 1):
        v = struct.unpack_from("<%df" % per, b, pos)
        frames.append([v[4 * i:4 * i + 3] if v[4 * i + 3] >= 0 else None for i in range(n_points)])
        pos += per * 4
    return labels[:n_points], rate, spf, frames


def sub(a, b):
    return [x - y for x, y in zip(a, b)]


def marker_toe_out(frames, idx, foot, f0, f1):
    """Toe-out (deg) of foot 'L'/'R' over point frames [f0, f1): heel to the
    heads' midpoint, mean vector, against +X; + away from the body."""
    vx = vz = 0.0
    for k in range(f0, f1):
        h, a, c = (frames[k][idx[foot][m]] for m in ("heel", "mt1", "mt5"))
        if h is None or a is None or c is None:
            continue
        mid = [(p + q) / 2 for p, q in zip(a, c)]
        d = sub(mid, h)
        vx += d[0]
        vz += d[2]
    right = vz if foot == "R" else -vz        # + toward that foot's outside
    return math.degrees(math.atan2(right, vx))


def foot_at_cop(frames, idx, f0, f1):
    """The foot whose heel is lower (on the belt) over the stance: Y up."""
    y = {}
    for foot in "LR":
        vals = [frames[k][idx[foot]["heel"]][1] for k in range(f0, f1)
                if frames[k][idx[foot]["heel"]] is not None]
        y[foot] = sum(vals) / len(vals) if vals else float("inf")
    return min(y, key=y.get)


def mean_sd(v):
    if not v:
        return float("nan"), float("nan")
    m = sum(v) / len(v)
    return m, math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else 0.0


def analyse(extra):
    p = subprocess.run([FPLATE, "analyze", FILE, "--json"] + extra, capture_output=True, text=True,
                       timeout=300)
    if p.returncode:
        raise SystemExit("FAIL: fplate analyze exited %d: %s" % (p.returncode, p.stderr))
    recs = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return [r for r in recs if "summary" not in r], p.stderr


def main():
    if not os.path.exists(FPLATE):
        print("no %s: build first" % FPLATE, file=sys.stderr)
        return 77
    if not os.path.exists(FILE):
        print("no %s" % FILE, file=sys.stderr)
        return 77
    labels, rate, spf, frames = read_c3d(FILE)
    idx = {}
    for foot in "LR":
        idx[foot] = {"heel": labels.index(foot + ".Heel.Bottom"), "mt1": labels.index(foot + ".MT1"),
                     "mt5": labels.index(foot + ".MT5")}
    steps, err = analyse([])
    check("foot markers found" in err, "fplate analyze says it uses the foot markers")
    steps = [s for s in steps if "truncated" not in s["flags"]]
    check(len(steps) >= 80, "%d complete stances" % len(steps))
    check(all(s["foot_frame"] == "markers" for s in steps), "every stance in the marker frame")
    fpa = {"L": [], "R": []}
    ref = {"L": [], "R": []}
    frac = {"L": [], "R": []}
    noise = {"L": [], "R": []}
    belt = []
    wrong_foot = 0
    for s in steps:
        c, e = s["contact_sample"], s["toeoff_sample"]
        f0 = (c + int(0.3 * (e - c))) // spf
        f1 = max(f0 + 1, (c + int(0.7 * (e - c))) // spf)
        wrong_foot += foot_at_cop(frames, idx, f0, f1) != s["foot"]
        ref[s["foot"]].append(marker_toe_out(frames, idx, s["foot"], f0, f1))
        if s["foot_progression_deg"] is not None:
            fpa[s["foot"]].append(s["foot_progression_deg"])
        if s["pushoff_mt_fraction"] is not None:
            frac[s["foot"]].append(s["pushoff_mt_fraction"])
            noise[s["foot"]].append(s["pushoff_mt_noise"])
        if s["belt_speed_mps"] is not None:
            belt.append(s["belt_speed_mps"])
    check(wrong_foot == 0, "fplate's foot is the foot on the belt on every stance (%d wrong)" % wrong_foot)
    for foot in "LR":
        m, sd = mean_sd(fpa[foot])
        rm, rsd = mean_sd(ref[foot])
        check(len(fpa[foot]) >= 35 and abs(m - rm) <= 5.0,
              "%s foot progression %.1f ± %.1f deg (%d steps), markers %.1f ± %.1f deg" % (
                  foot, m, sd, len(fpa[foot]), rm, rsd))
    bm, bsd = mean_sd(belt)
    check(abs(bm - 3.5) <= 0.02 * 3.5, "belt speed from the metatarsal heads %.3f ± %.3f m/s "
          "(dataset: 3.5)" % (bm, bsd))
    (lm, lsd), (rm, rsd) = mean_sd(frac["L"]), mean_sd(frac["R"])
    if not (frac["L"] and frac["R"]):
        check(False, "push-off fractions for both feet")
        return 1
    ln = math.sqrt(sum(x * x for x in noise["L"]) / len(noise["L"]))
    rn = math.sqrt(sum(x * x for x in noise["R"]) / len(noise["R"]))
    se = math.sqrt(ln ** 2 / len(frac["L"]) + rn ** 2 / len(frac["R"]))
    print("    push-off between the metatarsal heads (0 lateral, 1 medial), per step:")
    print("      left  %.3f ± %.3f (%d steps), noise model %.3f" % (lm, lsd, len(frac["L"]), ln))
    print("      right %.3f ± %.3f (%d steps), noise model %.3f" % (rm, rsd, len(frac["R"]), rn))
    check(rm - lm > 4 * se, "right push-off more medial than left: %.3f - %.3f = %.3f > 4 SE %.3f" % (
        rm, lm, rm - lm, 4 * se))
    for key in ("cop_contact_ml_mm", "pushoff_ml_mm", "inroll_velocity_mm_s", "cop_ap_path_mm"):
        for foot in "LR":
            v = [s[key] for s in steps if s["foot"] == foot and s[key] is not None]
            print("    %-22s %s %9.2f ± %7.2f (%d)" % (key, foot, *mean_sd(v), len(v)))
    plain, _ = analyse(["--no-markers"])
    plain = [s for s in plain if "truncated" not in s["flags"]]
    check(all(s["foot_frame"] == "travel" and s["foot_progression_deg"] is None and
              "no_belt_speed" in s["flags"] and s["cop_ap_path_mm"] is None for s in plain),
          "--no-markers: travel frame, no foot angle, no AP path without a belt speed")
    print("gait markers: %s" % ("FAIL" if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
