"""An attacker of the published site: reads what a visitor can read, and tries to recover a count
of people from 1 to 10.

It reads every CSV under data/, every table of every page, the data of every chart (the JSON
Plotly draws from) and the overview's figures; it knows what the site's words mean (which columns
add up to which, which rate is over which count), nothing of the site's code. It joins the files
on their shared keys and tries:

  (a) a count 1..10 read directly (CSV, HTML table, chart data, overview);
  (b) a rate times its denominator (and its complement), and a count divided by its rate, over
      the counts shown or worked out;
  (c) totals minus their other cells: every published relation (a total and its parts, a
      population and a part of it, one figure in two files) as a linear system over the hidden
      values, non-negative; each hidden value's range by linear programming; a range of one value
      in 1..10 is a leak;
  (d) the steps of each survival curve with its numbers at risk: the dropouts between two shown
      points that are consistent with the rounded estimates, alone and as the overall curve minus
      the other groups;
  (e) the same figure in two places (two files, a file and its page table, a file and its chart,
      the overview and its page) shown in one and hidden in the other, or different.

`attack(site)` returns the leaks found and how many cells or combinations each attack tried.
"""

from __future__ import annotations

import base64
import csv
import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np
from scipy.optimize import linprog

SMALL = range(1, 11)
DAYS = (0, 30, 60, 90, 180, 270, 365)
HORIZONS = (30, 90, 180)
QUALITY = {"rows-loaded", "validation-history"}  # rows and runs, not people


def is_hidden(v: str) -> bool:
    return v.startswith("<")


def as_int(v: str) -> int | None:
    v = v.strip().replace(",", "")
    return int(v) if re.fullmatch(r"-?\d+", v) else None


def as_float(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


@dataclass
class Report:
    tried: Counter = field(default_factory=Counter)
    leaks: list[str] = field(default_factory=list)

    def leak(self, attack: str, what: str) -> None:
        self.leaks.append(f"({attack}) {what}")


# ---------------------------------------------------------------- reading the site


def read_csvs(site: Path) -> dict[str, list[dict[str, str]]]:
    out = {}
    for path in sorted((site / "data").glob("*.csv")):
        with path.open(newline="") as f:
            out[path.stem] = list(csv.DictReader(f))
    return out


_TABLE = re.compile(r'<table class="data">(.*?)</table>\s*<p><a href="data/([^"]+)\.csv"', re.S)
_CELL = re.compile(r"<t[hd]>(.*?)</t[hd]>", re.S)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)


def read_page_tables(site: Path) -> dict[str, list[list[str]]]:
    """The tables under the charts, by the slug of the CSV they offer (header row first)."""
    out = {}
    for page in site.glob("*.html"):
        text = page.read_text()
        for body, slug in _TABLE.findall(text):
            out[slug] = [[html.unescape(c) for c in _CELL.findall(r)] for r in _ROW.findall(body)]
    return out


def _decode(v):
    if isinstance(v, dict) and "bdata" in v:
        arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        if "shape" in v:
            arr = arr.reshape([int(s) for s in str(v["shape"]).split(",")])
        return arr.tolist()
    return v


def read_charts(site: Path) -> dict[str, list[dict]]:
    """Every chart's traces, by its div id (the slug of its CSV)."""
    out = {}
    decoder = json.JSONDecoder()
    for page in site.glob("*.html"):
        text = page.read_text()
        for m in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', text):
            traces, _ = decoder.raw_decode(text, m.end())
            out[m.group(1)] = [{k: _decode(v) for k, v in t.items()} for t in traces]
    return out


def read_overview(site: Path) -> dict[str, str]:
    text = (site / "index.html").read_text()
    cards = re.findall(
        r'<div class="label">(.*?)</div><div class="value">(.*?)</div><div class="note">(.*?)<a',
        text,
        re.S,
    )
    return {html.unescape(k): html.unescape(v + " | " + n) for k, v, n in cards}


# ---------------------------------------------------------------- the published cells


class System:
    """Counts as the attacker sees them: known values, unknowns (hidden or never shown), and
    linear relations between them (sum of coef * cell = 0)."""

    def __init__(self) -> None:
        self.known: dict[tuple, int] = {}
        self.unknown: set[tuple] = set()
        self.rows: list[dict[tuple, float]] = []
        self.seen: dict[tuple, list[str]] = {}  # cell -> how it was shown in each place

    def cell(self, key: tuple, text: str | None) -> tuple:
        """A published cell (text as shown), or a never-shown one (None)."""
        if text is None:
            if key not in self.known:
                self.unknown.add(key)
            return key
        self.seen.setdefault(key, []).append(text)
        v = as_int(text)
        if v is None:
            if key not in self.known:
                self.unknown.add(key)
        else:
            self.known[key] = v
            self.unknown.discard(key)
        return key

    def total(self, total: tuple, parts: list[tuple]) -> None:
        if parts:
            row = {total: 1.0}
            for p in parts:
                row[p] = row.get(p, 0.0) - 1.0
            self.rows.append(row)

    def remainder(self, total: tuple, part: tuple, name: tuple) -> None:
        self.cell(name, None)
        self.total(total, [part, name])


def build_system(csvs: dict[str, list[dict[str, str]]]) -> System:
    s = System()

    def rows(slug):
        return csvs.get(slug, [])

    # Numbers at risk, their curves, the funnel.
    for slug, kind in (("retention-km-cohort", "cohort"), ("retention-km-care-track", "track")):
        groups = []
        for r in rows(f"{slug}-at-risk"):
            g = r["group"]
            groups.append(g)
            for t in DAYS:
                s.cell(_risk(kind, g, t), r[f"n_at_risk_day_{t}"])
            for a, b in pairwise(DAYS):
                s.remainder(_risk(kind, g, a), _risk(kind, g, b), ("left", kind, g, a, b))
        for t in DAYS:
            s.total(_risk(kind, "all", t), [_risk(kind, g, t) for g in groups if g != "all"])
        for r in rows(slug):
            s.cell(_risk(kind, r["group"], int(r["day"])), r["n_at_risk"])
    tracks = [r["care_track"] for r in rows("enrolment-funnel") if r["care_track"] != "all"]
    for r in rows("enrolment-funnel"):
        t = r["care_track"]
        s.cell(("enrolled", t), r["n_enrolled"])
        s.cell(_risk("track", t, 0), r["n_started"])
        s.remainder(("enrolled", t), _risk("track", t, 0), ("not_started", t))
        for h in HORIZONS:
            s.cell(("known", h, t, "all"), r[f"n_known_{h}d"])
            s.cell(("retained", h, t, "all"), r[f"n_retained_{h}d"])
            s.remainder(("known", h, t, "all"), ("retained", h, t, "all"), ("no", h, t, "all"))
            s.remainder(_risk("track", t, 0), ("known", h, t, "all"), ("unknown", h, t))
    for name in ("enrolled", "not_started"):
        s.total((name, "all"), [(name, t) for t in tracks])
    cohorts = sorted({r["cohort_month"] for r in rows("retention-by-cohort")})
    for r in rows("retention-by-cohort"):
        t, c = r["care_track"], r["cohort_month"]
        for h in HORIZONS:
            s.cell(("known", h, t, c), r[f"n_known_{h}d"])
            s.cell(("retained", h, t, c), None)
            s.remainder(("known", h, t, c), ("retained", h, t, c), ("no", h, t, c))
    if cohorts:
        for h in HORIZONS:
            for name in ("known", "retained", "no"):
                for c in [*cohorts, "all"]:
                    s.total((name, h, "all", c), [(name, h, t, c) for t in tracks])
                for t in ["all", *tracks]:
                    s.total((name, h, t, "all"), [(name, h, t, c) for c in cohorts])
            for c in cohorts:
                s.remainder(_risk("cohort", c, 0), ("known", h, "all", c), ("unknown_c", h, c))
    # Drinking, medication, craving: one row per group and month.
    groups_by_month: dict[int, set[str]] = {}
    for slug, cols in (
        ("drink-free-days-by-month", ("participants", "reporting")),
        ("heavy-days-by-month", ("participants", "reporting")),
        ("medication-use", ("medication",)),
        ("craving", ("craving",)),
    ):
        for r in rows(slug):
            g, m = r["group"], int(r["treatment_month"])
            groups_by_month.setdefault(m, set()).add(g)
            for col in cols:
                src = "n_participants_reporting" if col == "reporting" else "n_participants"
                s.cell(("dm", col, g, m), r[src])
    for m, groups in groups_by_month.items():
        for g in groups:
            for col in ("reporting", "medication", "craving"):
                s.remainder(
                    ("dm", "participants", g, m), ("dm", col, g, m), ("dm", "no" + col, g, m)
                )
            if not g.startswith("Sex: "):
                track = "all" if g == "All participants" else g.split(": ", 1)[1]
                s.remainder(
                    _risk("track", track, 0), ("dm", "participants", g, m), ("absent", g, m)
                )
        for col in ("participants", "reporting", "medication", "craving",
                    "noreporting", "nomedication", "nocraving"):  # fmt: skip
            _partition(s, lambda g, col=col, m=m: ("dm", col, g, m), groups)
    paired = [r["group"] for r in rows("baseline-vs-month-3")]
    for r in rows("baseline-vs-month-3"):
        s.cell(("paired", r["group"]), r["n_participants"])
        for m in (0, 3):
            s.remainder(
                ("dm", "reporting", r["group"], m), ("paired", r["group"]), ("unp", r["group"], m)
            )
    _partition(s, lambda g: ("paired", g), paired)
    for m in (0, 3):
        _partition(s, lambda g, m=m: ("unp", g, m), paired)
    resp_groups = set()
    for slug, measures in (
        ("no-heavy-drinking-responders", ("nhdd",)),
        ("who-risk-level-reduction", ("risk1", "risk2")),
    ):
        for r in rows(slug):
            g = r["group"]
            resp_groups.add(g)
            for m in measures:
                s.cell(("elig", m, g), r[f"n_{m}_eligible"])
                s.cell(("resp", m, g), None)
                s.remainder(("elig", m, g), ("resp", m, g), ("non", m, g))
                if not g.startswith("Sex: "):
                    track = "all" if g == "All participants" else g.split(": ", 1)[1]
                    s.remainder(_risk("track", track, 0), ("elig", m, g), ("inelig", m, g))
    for g in resp_groups:
        if ("elig", "risk1", g) in s.known or ("elig", "risk1", g) in s.unknown:
            s.remainder(("elig", "risk1", g), ("elig", "risk2", g), ("e12", g))
    for m in ("nhdd", "risk1", "risk2"):
        for name in ("elig", "resp", "non", "inelig"):
            _partition(s, lambda g, name=name, m=m: (name, m, g), resp_groups)
    _partition(s, lambda g: ("e12", g), resp_groups)
    shift = rows("who-risk-level-shift")
    if shift:
        cols = [c for c in shift[0] if c.startswith("n_")]
        for r in shift:
            for c in cols:
                s.cell(("shift", r["baseline_level"], c), r[c])
            b = r["baseline_level"]
            s.total(("shift", b, "n_total"), [("shift", b, c) for c in cols if c != "n_total"])
        levels = [r["baseline_level"] for r in shift if r["baseline_level"] != "all"]
        for c in cols:
            s.total(("shift", "all", c), [("shift", lv, c) for lv in levels])
    types_by_month: dict[str, set[str]] = {}
    statuses = ("attended", "noshow", "cancelled", "unresolved")
    for r in rows("appointment-outcomes"):
        m, t = r["month"], r["appointment_type"]
        types_by_month.setdefault(m, set()).add(t)
        s.cell(("appt", "scheduled", m, t), r["n_scheduled"])
        for st in statuses:
            s.cell(("appt", st, m, t), r[f"n_{st}"])
        s.cell(("appt", "other", m, t), None)
        s.total(("appt", "scheduled", m, t), [("appt", x, m, t) for x in (*statuses, "other")])
        s.cell(("appt", "aon", m, t), None)
        s.total(("appt", "aon", m, t), [("appt", "attended", m, t), ("appt", "noshow", m, t)])
    for m, types in types_by_month.items():
        for st in ("scheduled", *statuses, "other", "aon"):
            s.total(
                ("appt", st, m, "all types"),
                [("appt", st, m, t) for t in types if t != "all types"],
            )
    for r in rows("overview"):
        s.cell(("in_care",), r["n_participants_in_care"])
        s.remainder(_risk("cohort", "all", 0), ("in_care",), ("not_in_care",))
    return s


def _risk(kind: str, group: str, day: int) -> tuple:
    # The overall curve is the same under both charts; started per track is its day 0.
    return ("risk", "all", day) if group == "all" else ("risk", kind, group, day)


def _partition(s: System, key, groups) -> None:
    groups = list(groups)
    if "All participants" not in groups:
        return
    for prefix in ("Care track: ", "Sex: "):
        parts = [key(g) for g in groups if g.startswith(prefix)]
        if parts:
            s.total(key("All participants"), parts)


# ---------------------------------------------------------------- rates (b)

RATES = (
    # (file, rate column, denominator cell, numerator cell) for each row
    *(
        ("retention-by-cohort", f"retained_{h}d",
         lambda r, h=h: ("known", h, r["care_track"], r["cohort_month"]),
         lambda r, h=h: ("retained", h, r["care_track"], r["cohort_month"]))
        for h in HORIZONS
    ),
    *(
        ("enrolment-funnel", f"retained_{h}d_rate",
         lambda r, h=h: ("known", h, r["care_track"], "all"),
         lambda r, h=h: ("retained", h, r["care_track"], "all"))
        for h in HORIZONS
    ),
    ("no-heavy-drinking-responders", "nhdd_rate",
     lambda r: ("elig", "nhdd", r["group"]), lambda r: ("resp", "nhdd", r["group"])),
    ("who-risk-level-reduction", "risk1_rate",
     lambda r: ("elig", "risk1", r["group"]), lambda r: ("resp", "risk1", r["group"])),
    ("who-risk-level-reduction", "risk2_rate",
     lambda r: ("elig", "risk2", r["group"]), lambda r: ("resp", "risk2", r["group"])),
    ("attendance-rate", "attendance_rate",
     lambda r: ("appt", "aon", r["month"], r["appointment_type"]),
     lambda r: ("appt", "attended", r["month"], r["appointment_type"])),
)  # fmt: skip


def rate_attack(csvs, s: System, values: dict, report: Report) -> dict:
    """New exact values from rates: numerator = rate x n, n = numerator / rate."""
    found = {}
    for slug, col, den, num in RATES:
        for r in csvs.get(slug, []):
            rate = as_float(r.get(col, ""))
            if rate is None:
                continue
            d, n = den(r), num(r)
            report.tried["b"] += 1
            # The CSV drops trailing zeros; the site's rates have 4 decimals.
            digits = max(len(r[col].split(".")[1]) if "." in r[col] else 0, 4)
            half = 0.5 * 10**-digits
            if d in values:
                k = _unique_int(values[d] * (rate - half), values[d] * (rate + half))
                if k is not None:
                    found[n] = k
                    for what, v in (("numerator", k), ("denominator - numerator", values[d] - k)):
                        if v in SMALL:
                            report.leak("b", f"{slug} {col} {_row(r)}: {what} {v}")
            if n in values and rate > half and d not in values:
                d_value = _unique_int(values[n] / (rate + half), values[n] / (rate - half))
                if d_value is not None:
                    found[d] = d_value
                    for what, v in (("denominator", d_value), ("complement", d_value - values[n])):
                        if v in SMALL:
                            report.leak("b", f"{slug} {col} {_row(r)}: {what} {v}")
    return found


def _unique_int(lo: float, hi: float) -> int | None:
    import math

    a, b = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    return a if a == b else None


def _row(r: dict) -> str:
    return ",".join(v for k, v in r.items() if not k.startswith("n_"))[:60]


# ---------------------------------------------------------------- totals (c)


def lp_attack(s: System, values: dict, report: Report) -> dict:
    """The range of every unknown under the relations (non-negative): exact ones are found."""
    unknown = sorted((k for k in s.unknown if k not in values), key=str)
    index = {k: i for i, k in enumerate(unknown)}
    a_eq, b_eq = [], []
    for row in s.rows:
        coefs = np.zeros(len(unknown))
        rhs = 0.0
        for k, c in row.items():
            if k in index:
                coefs[index[k]] += c
            elif k in values:
                rhs -= c * values[k]
            else:
                break
        else:
            if coefs.any():
                a_eq.append(coefs)
                b_eq.append(rhs)
    found = {}
    if not unknown or not a_eq:
        return found
    a = np.array(a_eq)
    b = np.array(b_eq)
    # Connected blocks of unknowns; in each, equality-determined unknowns by the null space,
    # and the rest by linear programming unless a strictly positive solution exists (then each
    # can move both ways along the null space and none is pinned by the bounds).
    parent = list(range(len(unknown)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in a:
        nz = np.flatnonzero(row)
        for j in nz[1:]:
            parent[find(j)] = find(nz[0])
    blocks: dict[int, list[int]] = {}
    for i in np.flatnonzero(np.abs(a).sum(axis=0) > 0):
        blocks.setdefault(find(int(i)), []).append(int(i))
    for cols in blocks.values():
        rows_i = np.flatnonzero(np.abs(a[:, cols]).sum(axis=1) > 0)
        sub, rhs = a[np.ix_(rows_i, cols)], b[rows_i]
        report.tried["c"] += len(cols)
        for j, v in _pinned(sub, rhs).items():
            found[unknown[cols[j]]] = v
    for k, v in found.items():
        if v in SMALL:
            report.leak("c", f"{k} = {v} from totals and their cells")
    return found


def _pinned(sub: np.ndarray, rhs: np.ndarray) -> dict[int, int]:
    """The unknowns of A x = b, x >= 0, that have one possible value.

    First those forced to 0 (repeated LPs maximising min(x_j, 1) over the not yet positive
    ones); the average of the solutions found is then positive in every other unknown, so one of
    those is pinned exactly when the null space of the system without the forced zeros is 0 in
    its coordinate."""
    n = sub.shape[1]
    todo, points = set(range(n)), []
    while todo:
        idx = sorted(todo)
        c = np.zeros(2 * n)
        c[[n + j for j in idx]] = -1.0
        a_ub = np.hstack([-np.eye(n), np.eye(n)])  # t_j <= x_j
        a_eq = np.hstack([sub, np.zeros_like(sub)])
        bounds = [(0, None)] * n + [(0, 1)] * n
        res = linprog(c, A_ub=a_ub, b_ub=np.zeros(n), A_eq=a_eq, b_eq=rhs, bounds=bounds,
                      method="highs")  # fmt: skip
        if res.status != 0:
            return {}
        points.append(res.x[:n])
        positive = {j for j in idx if res.x[n + j] > 1e-7}
        if not positive:
            break
        todo -= positive
    out = {j: 0 for j in todo}
    free = [j for j in range(n) if j not in todo]
    if not free:
        return out
    x = np.mean(points, axis=0)
    reduced = sub[:, free]
    _, sv, vt = np.linalg.svd(reduced)
    rank = int((sv > 1e-9 * max(reduced.shape)).sum())
    null = vt[rank:]
    for k, j in enumerate(free):
        if null.shape[0] == 0 or np.abs(null[:, k]).max() < 1e-9:
            out[j] = round(x[j])
    return out


# ---------------------------------------------------------------- survival curves (d)


def km_attack(csvs, values: dict, bounds: dict, report: Report) -> None:
    for slug, kind in (("retention-km-cohort", "cohort"), ("retention-km-care-track", "track")):
        rows = csvs.get(slug, [])
        groups = [r["group"] for r in csvs.get(f"{slug}-at-risk", [])]
        points: dict[str, dict[int, str]] = {}
        for r in rows:
            points.setdefault(r["group"], {})[int(r["day"])] = r["retention"]
        sets: dict[tuple[str, int, int], set[int]] = {}
        for g in groups:
            pts = points.get(g, {})
            # A hidden number at risk: no more than the last shown before it (at risk never
            # grows), no fewer than the next shown after it, and 11 or more where the curve
            # still has a row (it is cut below 11).
            for i, t in enumerate(DAYS):
                key = _risk(kind, g, t)
                if key in values:
                    continue
                before = [
                    values[_risk(kind, g, u)] for u in DAYS[:i] if _risk(kind, g, u) in values
                ]
                after = [
                    values[_risk(kind, g, u)] for u in DAYS[i + 1 :] if _risk(kind, g, u) in values
                ]
                lo = max([*after, 11 if t in pts else 0])
                bounds[key] = (lo, min(before) if before else float("inf"))
            shown = [(-1, 1.0, 0.0)] + [
                (t, float(v), 0.005) for t, v in sorted(pts.items()) if as_float(v) is not None
            ]
            for i, (a, sa, ha) in enumerate(shown):
                for b, sb, hb in shown[i + 1 :]:
                    report.tried["d"] += 1
                    n_a = _range(values, bounds, _risk(kind, g, max(a, 0)))
                    n_b = _range(values, bounds, _risk(kind, g, b))
                    d = _consistent(sa, ha, sb, hb, n_a, n_b)
                    sets[(g, a, b)] = d
                    if len(d) == 1 and next(iter(d)) in SMALL:
                        report.leak("d", f"{slug} {g}: {next(iter(d))} dropouts in ({a}, {b}]")
        # The overall curve minus the other groups.
        for (g, a, b), d_all in sets.items():
            if g != "all" or len(d_all) != 1:
                continue
            others = [x for x in groups if x != "all"]
            unknown = [x for x in others if len(sets.get((x, a, b), set())) != 1]
            report.tried["d"] += 1
            if len(unknown) == 1:
                rest = next(iter(d_all)) - sum(
                    next(iter(sets[(x, a, b)])) for x in others if x not in unknown
                )
                if rest in SMALL:
                    report.leak(
                        "d", f"{slug} {unknown[0]}: {rest} dropouts in ({a}, {b}] (all - others)"
                    )


def _range(values, bounds, key) -> tuple[float, float]:
    if key in values:
        return values[key], values[key]
    return bounds.get(key, (0.0, float("inf")))


def _consistent(sa, ha, sb, hb, n_a, n_b) -> set[int]:
    """Dropout counts d in (a, b] that fit both rounded estimates: the step ratio S_b/S_a lies
    between 1 - d/n_b (all d at the end, fewest at risk) and 1 - d/n_a (all at the start)."""
    lo_r = max(sb - hb, 0.0) / (sa + ha)
    hi_r = min(sb + hb, 1.0) / max(sa - ha, 1e-12)
    if sa - ha <= 0:
        return set(range(0, 1000))
    n_hi = n_a[1]
    if n_hi == float("inf"):
        return set(range(0, 1000))
    out = set()
    for d in range(0, int(n_hi) + 1):
        top = 1 - d / n_hi if n_hi else 1.0
        bottom = 1 - d / n_b[0] if n_b[0] > 0 else -1.0
        bottom = min(bottom, top)
        if bottom <= hi_r + 1e-12 and top >= lo_r - 1e-12:
            out.add(d)
    return out


# ---------------------------------------------------------------- two places (e)


def same_figure_attack(site, csvs, s: System, report: Report) -> None:
    for key, shown in s.seen.items():
        if len(shown) > 1:
            report.tried["e"] += 1
            if len(set(shown)) > 1:
                report.leak("e", f"{key} shown as {sorted(set(shown))}")
    tables = read_page_tables(site)
    for slug, table in tables.items():
        rows = csvs.get(slug, [])
        for r, cells in zip(rows, table[1:], strict=False):
            for (col, v), text in zip(r.items(), cells, strict=False):
                if col.startswith("n_"):
                    report.tried["e"] += 1
                    if text.replace(",", "") != v:
                        report.leak("e", f"{slug} table {col}: {text!r} vs csv {v!r}")
    charts = read_charts(site)
    for slug, traces in charts.items():
        if slug in QUALITY:
            continue
        csv_values = {v for r in csvs.get(slug, []) for c, v in r.items() if c.startswith("n_")}
        for t in traces:
            for v in _flat(t.get("customdata")):
                report.tried["e"] += 1
                if isinstance(v, str) and as_int(v) is not None and v not in csv_values:
                    report.leak("e", f"{slug} chart data {v!r} is in no count of its CSV")


def _flat(v):
    if isinstance(v, list):
        for x in v:
            yield from _flat(x)
    elif v is not None:
        yield v


# ---------------------------------------------------------------- direct (a)


COUNT_CHART_VALUES = {
    "appointment-outcomes": "y",
    "enrolment-funnel": "x",
    "who-risk-level-shift": "z",
}


def direct_attack(site, csvs, report: Report) -> None:
    for slug, rows in csvs.items():
        if slug in QUALITY:
            continue
        for r in rows:
            for col, v in r.items():
                if col.startswith("n_"):
                    report.tried["a"] += 1
                    if as_int(v) in SMALL:
                        report.leak("a", f"{slug} {col} = {v}")
    for slug, table in read_page_tables(site).items():
        if slug in QUALITY:
            continue
        header = table[0] if table else []
        for row in table[1:]:
            for h, v in zip(header, row, strict=False):
                if h.startswith("Day") or h in ("known 30d", "known 90d", "known 180d"):
                    report.tried["a"] += 1
                    if as_int(v) in SMALL:
                        report.leak("a", f"{slug} table {h} = {v}")
    for slug, traces in read_charts(site).items():
        if slug in QUALITY:
            continue
        for t in traces:
            values = list(_flat(t.get("customdata"))) + list(_flat(t.get("text")))
            values += list(_flat(t.get(COUNT_CHART_VALUES.get(slug, "-"))))
            for v in values:
                report.tried["a"] += 1
                for n in (
                    re.findall(r"(?<![\d.<])(\d+)(?![\d.%])", str(v)) if isinstance(v, str) else [v]
                ):
                    if isinstance(n, float) and not n.is_integer():
                        continue
                    if int(float(n)) in SMALL and not _is_percent(v):
                        report.leak("a", f"{slug} chart value {v!r}")
    for label, text in read_overview(site).items():
        report.tried["a"] += 1
        value, note = text.split(" | ")
        for n in [*re.findall(r"\((\d[\d,]*) ", note), value]:
            if as_int(n) in SMALL:
                report.leak("a", f"overview {label}: {text!r}")


def _is_percent(v) -> bool:
    return isinstance(v, str) and v.endswith("%")


# ---------------------------------------------------------------- all of it


def attack(site: Path) -> Report:
    report = Report()
    csvs = read_csvs(site)
    direct_attack(site, csvs, report)
    s = build_system(csvs)
    values = dict(s.known)
    for _ in range(3):  # rates and totals feed each other
        new = rate_attack(csvs, s, values, report)
        new |= lp_attack(s, values | new, report)
        new = {k: v for k, v in new.items() if k not in values}
        if not new:
            break
        values |= new
    km_attack(csvs, values, {}, report)  # bounds of hidden numbers at risk: worked out there
    same_figure_attack(site, csvs, s, report)
    return report
