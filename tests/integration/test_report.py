"""scripts/fplate-report end to end: a simulated session and a real recording.

1. fplated runs the simulated treadmill; `fplate record` writes 8 s to C3D.
2. fplate-report turns that file, and the real treadmill run
   ../shared/data/c3d/fukuchi_RBDS001runT35.c3d, into HTML.
For each report: the HTML parses, holds the four SVG figures, has no external
reference (no http, no <script src), and every number of the summary table
equals fplate analyze --json's summary for that file, as printed, the
asymmetry column included (with its sign; none for signed positions). Files
with no steps give a clear error and exit status 1.
"""
import html.parser
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("BUILD", "build")
PY = os.environ.get("PYTHON", "/usr/bin/python3")
FPLATE = os.path.abspath(os.path.join(BUILD, "fplate"))
FPLATED = os.path.join(BUILD, "fplated")
REPORT = os.path.join("scripts", "fplate-report")
DATA = os.path.join("..", "shared", "data", "c3d")
PORT = 19000 + os.getpid() % 900
failures = []


def check(cond, what):
    print("%s: %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        failures.append(what)


class Report(html.parser.HTMLParser):
    """Collects the SVG count, the table cells by data-key/data-foot, src attributes."""

    def __init__(self):
        super().__init__()
        self.svgs = 0
        self.cells = {}
        self.cur = None
        self.srcs = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svgs += 1
        if "src" in a:
            self.srcs.append(a["src"])
        if tag == "td" and "data-key" in a:
            self.cur = (a["data-key"], a.get("data-foot", "asym"))
            self.cells[self.cur] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self.cur = None

    def handle_data(self, data):
        if self.cur:
            self.cells[self.cur] += data


def decimals(text):
    m = re.match(r"-?\d+(?:\.(\d+))?", text.strip())
    return len(m.group(1) or "") if m else 0


def check_report(name, source, html_path, analyze_args):
    r = subprocess.run([PY, REPORT, source, "-o", html_path] + analyze_args, env=dict(os.environ, FPLATE=FPLATE),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    check(r.returncode == 0, "%s: report generated (%s)" % (name, (r.stdout + r.stderr).strip()[-200:]))
    if r.returncode:
        return
    text = open(html_path, encoding="utf-8").read()
    p = Report()
    p.feed(text)
    check(p.svgs == 4, "%s: 4 inline SVG figures (%d)" % (name, p.svgs))
    check("http" not in text and "<script" not in text and not p.srcs,
          "%s: no external reference, no script" % name)
    a = subprocess.run([FPLATE, "analyze", source, "--json"] + analyze_args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=300)
    records = [json.loads(line) for line in a.stdout.splitlines()]
    summaries = {j["summary"]: j for j in records if "summary" in j}
    # keys analyze does not summarise (settings such as the cutoff): from its steps
    for foot, summ in summaries.items():
        steps = [j for j in records if j.get("foot") == foot and "summary" not in j and
                 not set(j.get("flags", [])) & {"too_short", "too_long", "truncated"}]
        for key in ("cutoff_hz", "offset_n", "body_weight_n"):
            v = [j[key] for j in steps if isinstance(j.get(key), (int, float))]
            if key not in summ and v:
                m = sum(v) / len(v)
                sd = (sum((x - m) ** 2 for x in v) / (len(v) - 1)) ** 0.5 if len(v) > 1 else 0.0
                summ[key] = {"mean": m, "sd": sd, "n": len(v)}
    check(summaries, "%s: fplate analyze gives per-foot summaries" % name)
    compared = 0
    # one asymmetry, fplate's (fp_asymmetry_pct), with its sign, and none
    # for signed positions and settings
    asym = {}
    for summ in summaries.values():
        asym.update(summ.get("asymmetry_pct", {}))
    for k in ("cop_contact_ml_mm", "pushoff_ml_mm", "foot_progression_deg", "cutoff_hz",
              "offset_n", "body_weight_n"):
        check(k not in asym, "%s: no asymmetry for %s in analyze's summary" % (name, k))
    for (key, foot), cell in sorted(p.cells.items()):
        if foot != "asym":
            continue
        if key in asym:
            ok = abs(float(cell) - asym[key]) <= 0.05 + 1e-12
        else:
            ok = cell.strip() == "–"
        check(ok, "%s asymmetry %s: table %s, analyze %s" % (name, key, cell, asym.get(key)))
    for (key, foot), cell in sorted(p.cells.items()):
        if foot == "asym":
            continue
        s = summaries.get(foot)
        if s is None:
            check(False, "%s: table has foot %s that analyze does not" % (name, foot))
            continue
        if key == "steps":
            check(int(cell) == s["steps"], "%s %s steps %s == %d" % (name, foot, cell, s["steps"]))
            compared += 1
            continue
        stat = s.get(key)
        if cell.strip() == "–":
            check(stat is None or stat.get("mean") is None, "%s %s %s empty in both" % (name, foot, key))
            continue
        mean_txt, sd_txt = [t.strip() for t in cell.split("±")]
        tol = 0.5 * 10 ** -decimals(mean_txt) + 1e-12
        ok = stat is not None and abs(float(mean_txt) - stat["mean"]) <= tol and \
            abs(float(sd_txt) - (stat["sd"] or 0.0)) <= tol
        check(ok, "%s %s %s: table %s, analyze %s" % (name, foot, key, cell,
                                                      stat and (stat["mean"], stat["sd"])))
        compared += 1
    check(compared >= 20, "%s: %d table numbers compared" % (name, compared))


def record_sim(path):
    pub = "tcp://127.0.0.1:%d" % PORT
    daemon = subprocess.Popen([FPLATED, "--device", "sim://?plates=1&speed=3.5&seed=3", "--pub", pub,
                               "--ctl", "tcp://127.0.0.1:%d" % (PORT + 1)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):   # until the daemon publishes
            if subprocess.run([FPLATE, "status", "--endpoint", pub], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0:
                break
            time.sleep(0.2)
        r = subprocess.run([FPLATE, "record", "-o", path, "--seconds", "8", "--endpoint", pub,
                            "--timeout", "10"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        check(r.returncode == 0 and os.path.getsize(path) > 0, "sim session recorded (%s)" % r.stderr.strip())
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(10)


def main():
    tmp = tempfile.mkdtemp(prefix="fplate-report-")
    sim_c3d = os.path.join(tmp, "sim.c3d")
    record_sim(sim_c3d)
    check_report("sim", sim_c3d, os.path.join(tmp, "sim.html"), [])
    check_report("fukuchi", os.path.join(DATA, "fukuchi_RBDS001runT35.c3d"),
                 os.path.join(tmp, "fukuchi.html"), ["--belt-speed", "3.5"])
    empty = os.path.join(tmp, "empty.jsonl")
    open(empty, "w").write('{"summary": "L", "steps": 0}\n')
    r = subprocess.run([PY, REPORT, empty, "-o", os.path.join(tmp, "x.html")], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    check(r.returncode == 1 and "no steps" in r.stderr, "no steps: clear error (%s)" % r.stderr.strip())
    unloaded = os.path.join(DATA, "ezc3d_FP_Type1.c3d")
    r = subprocess.run([PY, REPORT, unloaded, "-o", os.path.join(tmp, "y.html")],
                       env=dict(os.environ, FPLATE=FPLATE), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    check(r.returncode == 1 and "no steps" in r.stderr, "unloaded plates: clear error (%s)" % r.stderr.strip())
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
