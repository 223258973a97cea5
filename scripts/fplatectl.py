"""fplatectl - the small Python client the technician scripts share.

Talks to fplated's control socket (ZeroMQ REQ, JSON; docs/control.md) and
writes dated report files. Debian packages only: python3-zmq, python3-numpy.
"""
import datetime
import json
import os
import sys

import zmq



def ctl_beside(pub):
    """The control endpoint fplated puts beside a publish endpoint (docs/control.md)."""
    if pub.startswith("ipc://"):
        return pub + ".ctl"
    host, _, port = pub.rpartition(":")
    if pub.startswith("tcp://") and port.isdigit() and 0 < int(port) < 65535:
        return "%s:%d" % (host, int(port) + 1)
    raise ValueError("publish endpoint %r: cannot place the control socket beside it "
                     "(set FPLATE_CTL)" % pub)


def default_ctl():
    """$FPLATE_CTL, else beside $FPLATE_ENDPOINT, else tcp://127.0.0.1:5556 (as the CLI)."""
    if os.environ.get("FPLATE_CTL"):
        return os.environ["FPLATE_CTL"]
    if os.environ.get("FPLATE_ENDPOINT"):
        try:
            return ctl_beside(os.environ["FPLATE_ENDPOINT"])
        except ValueError:
            pass
    return "tcp://127.0.0.1:5556"


DEFAULT_CTL = default_ctl()
G = 9.80665


class ControlError(Exception):
    """The daemon answered ok=false, or did not answer."""


class Control:
    """One REQ socket to fplated. A timed-out socket is rebuilt (REQ rule)."""

    def __init__(self, endpoint=DEFAULT_CTL, timeout_s=10.0):
        self.endpoint = endpoint
        self.timeout_ms = int(timeout_s * 1000)
        self.ctx = zmq.Context.instance()
        self.sock = None
        # shared secret of a control socket off loopback (docs/control.md)
        self.token = None
        path = os.environ.get("FPLATE_CTL_TOKEN_FILE")
        if path:
            try:
                with open(path) as f:
                    self.token = f.readline().strip()
            except OSError as e:
                die("FPLATE_CTL_TOKEN_FILE %s: %s" % (path, e))

    def _open(self):
        self.sock = self.ctx.socket(zmq.REQ)
        self.sock.setsockopt(zmq.LINGER, 0)
        # CURVE off loopback (docs/control.md, "Security"): the daemon's public
        # key (or its .pub file) and this client's secret key file (fplate keygen)
        server, mine = os.environ.get("FPLATE_CTL_SERVER_KEY"), os.environ.get("FPLATE_CTL_KEY_FILE")
        if server:
            if not mine:
                die("FPLATE_CTL_SERVER_KEY needs FPLATE_CTL_KEY_FILE (this client's secret key) too")
            skey, sec = _key(server), _key(mine)
            self.sock.curve_serverkey = skey
            self.sock.curve_secretkey = sec
            self.sock.curve_publickey = zmq.curve_public(sec)
        self.sock.connect(self.endpoint)

    def request(self, cmd, timeout_s=None, **fields):
        if self.sock is None:
            self._open()
        fields["cmd"] = cmd
        if self.token:
            fields["token"] = self.token
        self.sock.send_string(json.dumps(fields))
        timeout = self.timeout_ms if timeout_s is None else int(timeout_s * 1000)
        if not self.sock.poll(timeout):
            self.sock.close()
            self.sock = None
            raise ControlError("no answer from fplated at %s within %.1f s (is it running?)"
                               % (self.endpoint, timeout / 1000.0))
        reply = json.loads(self.sock.recv_string())
        if not reply.get("ok"):
            where = " (field %s)" % reply["field"] if reply.get("field") else ""
            raise ControlError("%s: %s%s" % (cmd, reply.get("error", "failed"), where))
        return reply

    def average(self, ms):
        """Mean and SD of every field per plate over ms of data."""
        return self.request("average", timeout_s=ms / 1000.0 + 10, ms=int(ms))["plates"]

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class Report:
    """A dated plain-text report, also echoed to stdout."""

    def __init__(self, kind, directory):
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        os.makedirs(directory, exist_ok=True)
        self.path = os.path.join(directory, "fplate-%s-%s.txt" % (kind, stamp))
        self.lines = []
        self.line("fplate %s report, %s" % (kind, datetime.datetime.now().isoformat(timespec="seconds")))

    def line(self, text=""):
        self.lines.append(text)
        print(text)

    def save(self):
        with open(self.path, "w") as f:
            f.write("\n".join(self.lines) + "\n")
        print("report written to %s" % self.path)
        return self.path


def die(msg, code=1):
    print("%s: %s" % (os.path.basename(sys.argv[0]), msg), file=sys.stderr)
    sys.exit(code)


def add_common_args(parser):
    parser.add_argument("--ctl", default=DEFAULT_CTL,
                        help="fplated control endpoint (default %(default)s: $FPLATE_CTL, else "
                             "beside $FPLATE_ENDPOINT)")
    parser.add_argument("--report-dir", default=".",
                        help="folder for the dated report file (default: current folder)")


def _key(v):
    """A 40-character Z85 key given as is or as the first line of a file."""
    if len(v) == 40 and "/" not in v:
        return v.encode()
    try:
        with open(v) as f:
            line = f.readline().strip()
    except OSError as e:
        die("key file %s: %s" % (v, e))
    if len(line) != 40:
        die("key file %s: the first line must be a 40-character Z85 key (fplate keygen)" % v)
    return line.encode()


def describe(ctl):
    return ctl.request("describe")["stream"]


def load_placements(path):
    """Placement file: JSON list of {"mass_kg", "x_mm", "y_mm", "plate"}.

    x_mm, y_mm: position of the mass's centre relative to the centre of the
    plate's working surface (calibration frame: x right, y forward).
    """
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        die("%s: cannot read placement file: %s" % (path, e))
    if isinstance(data, dict):
        data = data.get("placements")
    if not isinstance(data, list) or not data:
        die("%s: expected a JSON list of placements (or {\"placements\": [...]})" % path)
    out = []
    for i, p in enumerate(data):
        try:
            item = {"mass_kg": float(p["mass_kg"]), "x_mm": float(p.get("x_mm", 0.0)),
                    "y_mm": float(p.get("y_mm", 0.0)), "plate": int(p.get("plate", 1)),
                    "label": str(p.get("label", "placement %d" % (i + 1)))}
        except (KeyError, TypeError, ValueError) as e:
            die("%s: placements[%d]: %s (need mass_kg, x_mm, y_mm, plate)" % (path, i, e))
        if not 0 < item["mass_kg"] < 1000:
            die("%s: placements[%d].mass_kg: %g is not in (0, 1000) kg" % (path, i, item["mass_kg"]))
        out.append(item)
    return out


class Placer:
    """Puts each known mass on the plate: a person (prompt) or the simulator."""

    def __init__(self, ctl, simulate):
        self.ctl = ctl
        self.simulate = simulate

    def place(self, p):
        if self.simulate:
            self.ctl.request("device-set", key="load",
                             value="%g,%g,%g,%d" % (p["mass_kg"], p["x_mm"], p["y_mm"], p["plate"]))
        else:
            input("Place %.3f kg on plate %d at x=%.0f mm, y=%.0f mm (%s), step away, press Enter "
                  % (p["mass_kg"], p["plate"], p["x_mm"], p["y_mm"], p["label"]))

    def clear(self, prompt="Remove every mass and step off the plates, then press Enter "):
        if self.simulate:
            self.ctl.request("device-set", key="load", value="off")
        else:
            input(prompt)


def measure(ctl, placer, p, ms, settle_ms=200):
    """Average a placement: returns (fz_n, copx_mm, copy_mm, means dict)."""
    placer.place(p)
    if settle_ms:
        ctl.average(settle_ms)  # let filters and the load settle
    plates = ctl.average(ms)
    m = plates[p["plate"] - 1]["mean"]
    return m["fz"], m["cop_x"], m["cop_y"], m
