#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""analyze_bench.py - `fplate analyze` against the Python reference
(gait_ref.py) on the same recordings, side by side in one run (part of
`make bench-gait`).

For every C3D file of the data directory with force-plate contacts: the
calibrated Fz is exported once (`fplate analyze --export-fz`), then, REPS
times alternating, the CPU time (user + system, from the child's rusage) of

  C       fplate analyze FILE --no-drift --json   (whole process: C3D
          parse, calibration, every metric, JSON out)
  Python  gait_ref.py FZ.csv --rate R             (whole process:
          interpreter, numpy/scipy import, CSV load, contacts + loading
          rates) and, separately, its analysis alone (--bench)

with the minimum of the REPS runs kept for each. Sums over the files give
the ratios. Prints one JSON line and writes it to OUT.json.

usage: analyze_bench.py FPLATE DATA_DIR OUT.json [REPS]
"""
import json
import os
import re
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "gait_ref.py")
# as tests/integration/test_gait_reference.py reads these files
URI_PARAMS = {"ezc3d_Kistler.c3d": "&action=1"}
MAX_PLATES = 4                                # fplate analyze, one pass


def cpu_of(args):
    """(CPU seconds of the child, its stdout); fails loudly."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(args, capture_output=True, text=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode:
        raise SystemExit("analyze_bench: %s exited %d: %s"
                         % (" ".join(args), p.returncode, p.stderr.strip()))
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), p.stdout


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__.split("\n\n")[-1].strip(), file=sys.stderr)
        return 2
    fplate, data, out = sys.argv[1:4]
    reps = int(sys.argv[4]) if len(sys.argv) == 5 else 3
    py = sys.executable
    tot = {"c": 0.0, "py": 0.0, "py_analysis": 0.0}
    counted, steps = set(), 0
    with tempfile.TemporaryDirectory(prefix="fplate-abench.") as tmp:
        csv = os.path.join(tmp, "fz.csv")
        for f in sorted(os.listdir(data)):
            if not f.endswith(".c3d"):
                continue
            path = os.path.join(data, f)
            src, extra = path, ["--zero"]
            if f in URI_PARAMS:
                src = "c3d://%s?rate=fast&zero=1%s" % (os.path.abspath(path), URI_PARAMS[f])
                extra = []
            info = subprocess.run([fplate, "c3d-info", path], capture_output=True, text=True)
            m = re.search(r"analog rate:\s+([0-9.]+) Hz", info.stdout)
            if not m:
                continue
            rate = m.group(1)
            m = re.search(r"force plates:\s+([0-9]+)", info.stdout)
            n_plates = int(m.group(1)) if m else 0
            # fplate analyze takes at most 4 plates in one pass; a file with
            # more (BTS, 6) is measured one plate at a time, both programs
            # on the same plate's Fz.
            passes = [[]] if n_plates <= MAX_PLATES else \
                [["--plate", str(k)] for k in range(1, n_plates + 1)]
            for sel in passes:
                c_cmd = [fplate, "analyze", src, "--no-drift", "--json"] + extra + sel
                _, text = cpu_of(c_cmd + ["--export-fz", csv])
                n = sum(1 for line in text.splitlines() if '"contact_sample"' in line)
                if n == 0:
                    continue                  # no contacts: nothing to compare
                best = {"c": float("inf"), "py": float("inf"), "py_analysis": float("inf")}
                for _ in range(reps):
                    best["c"] = min(best["c"], cpu_of(c_cmd)[0])
                    t, _ = cpu_of([py, REF, csv, "--rate", rate])
                    best["py"] = min(best["py"], t)
                    _, b = cpu_of([py, REF, csv, "--rate", rate, "--bench"])
                    best["py_analysis"] = min(best["py_analysis"], json.loads(b)["seconds"])
                for k in tot:
                    tot[k] += best[k]
                counted.add(f)
                steps += n
                print("analyze_bench: %-40s %4d steps  C %.4f s  Python %.4f s (analysis %.4f s)"
                      % (f + (" " + " ".join(sel) if sel else ""), n, best["c"], best["py"],
                         best["py_analysis"]), file=sys.stderr)
    files = len(counted)
    if not files or tot["c"] <= 0:
        print("analyze_bench: no recording with contacts in %s" % data, file=sys.stderr)
        return 1
    res = {"bench": "analyze", "files": files, "steps": steps, "reps": reps,
           "c_cpu_s": round(tot["c"], 4), "python_cpu_s": round(tot["py"], 4),
           "python_analysis_s": round(tot["py_analysis"], 4),
           "python_over_c": round(tot["py"] / tot["c"], 2),
           "python_analysis_over_c": round(tot["py_analysis"] / tot["c"], 2)}
    line = json.dumps(res)
    print(line)
    with open(out, "w") as fh:
        fh.write(line + "\n")
    print("analyze: fplate analyze %.3f s CPU on %d files (%d steps); Python reference "
          "%.3f s (%.1f x), its analysis alone %.3f s (%.1f x); target >= 20 x"
          % (tot["c"], files, steps, tot["py"], tot["py"] / tot["c"], tot["py_analysis"],
             tot["py_analysis"] / tot["c"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
