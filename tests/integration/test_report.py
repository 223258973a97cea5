"""scripts/fplate-report end to end: a simulated session and a real recording.

1. fplated runs the simulated treadmill; `fplate record` writes 8 s to C3D.
2. fplate-report turns that file, and the real treadmill run
   ../shared/data/c3d/fukuchi_RBDS001runT35.c3d, into HTML.
For each report: the HTML parses, holds the four SVG figures, has no external
reference (no http, no <script src) and no link that leaves the page (it
must work once mailed), and every number of the summary table equals the
statistics of fplate analyze --json's steps for that file, as printed:
analyze's own summary lines, or, for a foot that had a step flagged
truncated (left out of the report), mean and SD of the remaining steps.
The header gives the session date (from FPLATE:START_TIME when the file
has it, else marked as the file's date), belt speed, body mass and filter
cutoff, equal to what analyze reports; the asymmetry column equals
analyze's (with its sign); settings carry none, nor do signed positions. Files with no steps give a clear error and exit
status 1.
"""
import datetime
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
        self.hrefs, self.ids = [], set()
        self.fields, self.asym = {}, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svgs += 1
        if "src" in a:
            self.srcs.append(a["src"])
        if "href" in a:
            self.hrefs.append(a["href"])
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "td" and "data-key" in a:
            self.cur = (a["data-key"], a.get("data-foot", "asym"))
            self.cells[self.cur] = ""
        if tag == "td" and "data-field" in a:
            self.cur = ("field", a["data-field"])
            self.fields[a["data-field"]] = ""
        if tag == "td" and "data-asym" in a:
            self.cur = ("asym", a["data-asym"])
            self.asym[a["data-asym"]] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self.cur = None

    def handle_data(self, data):
        if self.cur and self.cur[0] == "field":
            self.fields[self.cur[1]] += data
        elif self.cur and self.cur[0] == "asym":
            self.asym[self.cur[1]] += data
        elif self.cur:
            self.cells[self.cur] += data


def decimals(text):
    m = re.match(r"-?\d+(?:\.(\d+))?", text.strip())
    return len(m.group(1) or "") if m else 0


def check_report(name, source, html_path, analyze_args, start_time=None):
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
    left_out = {"too_short", "too_long", "truncated"}
    all_steps = [j for j in records if "summary" not in j]
    kept = [j for j in all_steps if not set(j.get("flags", [])) & left_out]

    def stat(steps, key):
        v = [j[key] for j in steps if isinstance(j.get(key), (int, float))]
        if not v:
            return None
        m = sum(v) / len(v)
        return {"mean": m, "sd": (sum((x - m) ** 2 for x in v) / (len(v) - 1)) ** 0.5 if len(v) > 1 else 0.0,
                "n": len(v)}

    # a foot with a truncated step: the report's numbers are over the other steps
    for foot, summ in summaries.items():
        if any(j.get("foot") == foot and "truncated" in j.get("flags", []) for j in all_steps):
            steps = [j for j in kept if j.get("foot") == foot]
            for key in list(summ):
                if isinstance(summ[key], dict) and "mean" in summ[key]:
                    summ[key] = stat(steps, key)
            summ["steps"] = len(steps)
    check(summaries, "%s: fplate analyze gives per-foot summaries" % name)

    # the header: session facts, no asymmetry
    f = p.fields
    check(all(k in f for k in ("date", "belt_speed", "body_mass", "cutoff", "steps", "left_out")),
          "%s: header has date, belt speed, body mass, cutoff, steps (%s)" % (name, sorted(f)))
    if start_time:
        # fplate writes nanoseconds; strptime's %f takes at most 6 digits
        t = datetime.datetime.strptime(re.sub(r"(\.\d{6})\d*Z$", r"\1Z", start_time),
                                       "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).astimezone()
        check(f.get("date", "").startswith(t.strftime("%Y-%m-%d %H:%M")),
              "%s: session date '%s' is FPLATE:START_TIME %s in local time" % (name, f.get("date"), start_time))
    else:
        check("date of the file" in f.get("date", ""), "%s: date marked as the file's ('%s')" % (name, f.get("date")))
    check(f.get("belt_speed", "").startswith("3.5 m/s"), "%s: belt speed '%s'" % (name, f.get("belt_speed")))
    bw = stat(kept, "body_weight_n")
    check(bw is not None and f.get("body_mass", "").startswith("%.1f kg" % (bw["mean"] / 9.80665)),
          "%s: body mass '%s' from body weight %s N" % (name, f.get("body_mass"), bw and round(bw["mean"], 1)))
    cut = stat(kept, "cutoff_hz")
    check(cut is not None and f.get("cutoff", "").startswith("%g Hz" % cut["mean"]),
          "%s: cutoff '%s'" % (name, f.get("cutoff")))
    check(int(f.get("steps", "0").split()[0]) == len([j for j in kept if j.get("foot") in ("L", "R")]),
          "%s: steps analysed '%s' == analyze's steps without %s" % (name, f.get("steps"), sorted(left_out)))
    n_trunc = sum("truncated" in j.get("flags", []) for j in all_steps)
    check(("%d truncated" % n_trunc in f.get("left_out", "")) if n_trunc else True,
          "%s: %d truncated steps named as left out ('%s')" % (name, n_trunc, f.get("left_out")))
    for key in ("cutoff_hz", "offset_n", "body_weight_n"):
        check(not any(k == key for k, _ in p.cells) and key not in p.asym,
              "%s: %s is in the header, not a table row with an asymmetry" % (name, key))
    check("cop_contact_ml_mm" not in p.asym or p.asym["cop_contact_ml_mm"].strip() == "–",
          "%s: no asymmetry for the signed ML contact position" % name)
    check(len([v for v in p.asym.values() if v.strip() != "–"]) >= 10,
          "%s: asymmetry given for the unsigned metrics (%d)" % (name, len(p.asym)))
    check("(|L| + |R|) / 2" in text, "%s: the asymmetry formula is stated" % name)
    bad = [h for h in p.hrefs if not h.startswith("#") or h[1:] not in p.ids]
    check(p.hrefs and not bad, "%s: %d links, all to anchors in the page (%s)" % (name, len(p.hrefs), bad[:3]))
    compared = 0
    # one asymmetry, fplate's (fp_asymmetry_pct), with its sign, and none
    # for signed positions and settings
    asym = {}
    for summ in summaries.values():
        asym.update(summ.get("asymmetry_pct", {}))
    for k in ("cop_contact_ml_mm", "pushoff_ml_mm", "foot_progression_deg", "cutoff_hz",
              "offset_n", "body_weight_n"):
        check(k not in asym, "%s: no asymmetry for %s in analyze's summary" % (name, k))
    for key, cell in sorted(p.asym.items()):
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
    info = subprocess.run([FPLATE, "c3d-info", "--json", "--params", sim_c3d], stdout=subprocess.PIPE,
                          text=True)
    start = (json.loads(info.stdout)["parameters"].get("FPLATE:START_TIME") or [None])[0]
    check(bool(start), "sim: fplate record stored FPLATE:START_TIME (%s)" % start)
    check_report("sim", sim_c3d, os.path.join(tmp, "sim.html"), [], start)
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
