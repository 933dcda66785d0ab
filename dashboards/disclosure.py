"""The one disclosure-control step between the marts and everything the site publishes.

`disclose(data, min_cell)` turns the marts' frames (dashboards/queries.py) into `Published`: every
table the site shows or offers for download, keyed by its slug (data/<slug>.csv), with hidden
values written as "<11". Pages, charts, hover text, tables and CSVs are built from `Published`
only (publish.render_site builds it and hands it to the page builders), so no chart can bypass it.

How it works (docs/disclosure.md says what each file may reveal):

1. Every count of people (or of their appointments) that a reader can see or work out is one
   cell, named by what it counts, the same name wherever the figure appears. Cells that are
   never shown but follow from shown ones (enrolled - started, the numerator of a shown rate,
   the participants who left between two days of the numbers at risk ...) are cells too.
2. Every relation between cells that holds by definition is one equation: a total and its parts
   (care tracks, sexes, cohorts, appointment types, statuses, risk levels), a population and a
   part of it shown elsewhere (the remainder is a cell), the same figure in two places.
3. One `suppress_cells` over all of them together: counts 1..min_cell-1 are hidden, then
   complements (the next-smallest cell of a line) until no hidden cell follows from the shown
   ones by any combination of the equations.
4. A rate is shown only when its denominator, numerator and denominator minus numerator are all
   shown cells (so all are 0 or >= min_cell); a mean only when its denominator is a shown cell.
5. Survival curves: the estimate (rounded to whole percent) only at the fixed days of the numbers
   at risk, only where min_cell or more remain at risk (the curve is cut there), and only where
   the dropouts since the group's previous shown point are 0 or >= min_cell; a point of the
   overall curve is hidden too where the dropouts of the groups not shown on both sides of a
   step would add up to 1..min_cell-1 (the overall step minus the shown groups' steps).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise

import pandas as pd

from core.privacy import scrub
from dashboards.queries import AT_RISK_DAYS, SiteData
from dashboards.suppress import Constraint, is_small, small_label, suppress_cells

HORIZONS = (30, 90, 180)
KM_DIGITS = 2  # whole percent: a step of one participant is not legible in a large group
ALL = "All participants"
ALL_TYPES = "all types"
RISK_LEVELS = ("abstinent", "low", "medium", "high", "very high")


@dataclass(frozen=True)
class Count:
    """A count cell as shown: its number, or the hidden marker."""

    key: Hashable


@dataclass(frozen=True)
class Rate:
    """A rate or mean as shown: rounded, or the hidden marker when any cell it rests on is
    hidden (or `ok` is false), or empty when it is undefined (no participant at all)."""

    value: float | None
    cells: tuple[Hashable, ...]
    digits: int = 4
    ok: bool = True


@dataclass
class Cells:
    values: dict[Hashable, int] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)

    def add(self, key: Hashable, value: object) -> Hashable:
        if value is None or pd.isna(value):
            return key
        self.values[key] = int(value)
        return key

    def line(self, total: Hashable, parts: Iterable[Hashable]) -> None:
        parts = tuple(p for p in parts)
        if parts:
            self.constraints.append(Constraint(total, parts))

    def remainder(self, total: Hashable, part: Hashable, key: Hashable) -> None:
        """total = part + key, with key = total - part (a count of the people in total only)."""
        if total in self.values and part in self.values:
            self.add(key, self.values[total] - self.values[part])
            self.line(total, (part, key))

    def same(self, a: Hashable, b: Hashable) -> None:
        """One figure shown in two places: either both are shown or neither."""
        self.line(a, (b,))


@dataclass
class Published:
    """Everything the site shows, as shown. Tables by slug; `hidden` the hidden cells."""

    min_cell: int
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)  # the overview's labels
    records: dict[str, pd.DataFrame] = field(default_factory=dict)  # quality.* (not people)
    hidden: set[Hashable] = field(default_factory=set)
    cells: int = 0

    @property
    def marker(self) -> str:
        return small_label(self.min_cell)

    def table(self, slug: str) -> pd.DataFrame:
        return self.tables.get(slug, pd.DataFrame())


# ---------------------------------------------------------------- the step


def disclose(data: SiteData, min_cell: int) -> Published:
    """Every published table from the marts, with one suppression over all of them."""
    cells = Cells()
    layouts: dict[str, pd.DataFrame] = {}
    km_points = _km(data, cells, layouts, min_cell)
    _retention_rates(data, cells, layouts)
    _drinking(data, cells, layouts)
    _appointments(data, cells, layouts)
    _coverage(data, cells, layouts)
    _overview(data, cells, layouts, km_points)
    hidden = suppress_cells(cells.values, cells.constraints, min_cell)
    pub = Published(min_cell, hidden=hidden, cells=len(cells.values))
    for slug, layout in layouts.items():
        pub.tables[slug] = _resolve(layout, cells, hidden, min_cell)
    _quality(data, pub)
    return pub


def _resolve(layout: pd.DataFrame, cells: Cells, hidden: set, min_cell: int) -> pd.DataFrame:
    marker = small_label(min_cell)

    def one(v: object) -> object:
        if isinstance(v, Count):
            if v.key not in cells.values:
                return None
            return marker if v.key in hidden else cells.values[v.key]
        if isinstance(v, Rate):
            if v.value is None or pd.isna(v.value):
                # Undefined (0 of 0) unless it rests on a hidden cell.
                return marker if any(c in hidden for c in v.cells) else None
            if not v.ok or any(c in hidden or c not in cells.values for c in v.cells):
                return marker
            return round(float(v.value), v.digits)
        return v

    out = pd.DataFrame(index=layout.index)
    for col in layout.columns:
        out[col] = pd.Series([one(v) for v in layout[col]], index=layout.index, dtype=object)
    return out.reset_index(drop=True)


def _num(v: object) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _group(grouping: str, value: str) -> str:
    prefix = {"care_track": "Care track: ", "sex_at_birth": "Sex: "}
    return ALL if grouping == "all" else prefix[grouping] + str(value)


def _partitions(cells: Cells, key, groups: list[str]) -> None:
    """All participants = the care tracks = the sexes, for the cell key(group)."""
    for prefix in ("Care track: ", "Sex: "):
        parts = [key(g) for g in groups if g.startswith(prefix)]
        if parts:
            cells.line(key(ALL), parts)


# ---------------------------------------------------------------- retention


def _at_risk_key(kind: str, group: str, day: int) -> tuple:
    # The overall curve is one figure under both charts.
    return ("at_risk", "all", day) if group == "all" else ("at_risk", kind, group, day)


def started_key(kind: str, group: str) -> tuple:
    return _at_risk_key(kind, group, 0)


def _km(data: SiteData, cells: Cells, layouts: dict, min_cell: int) -> dict:
    points: dict[tuple[str, str], dict[int, tuple[float, bool]]] = {}
    for kind, curve_q, risk_q, slug in (
        ("cohort_month", "retention_curve", "at_risk_cohort", "retention-km-cohort"),
        ("care_track", "retention_curve_track", "at_risk_track", "retention-km-care-track"),
    ):
        at_risk = data.get(risk_q)
        curve = data.get(curve_q)
        if at_risk.empty:
            continue
        groups = [str(g) for g in at_risk["group_value"]]
        rows = []
        for g, (_, r) in zip(groups, at_risk.iterrows(), strict=True):
            row = {"group": g}
            for t in AT_RISK_DAYS:
                cells.add(_at_risk_key(kind, g, t), r[f"at_risk_day_{t}"])
                row[f"n_at_risk_day_{t}"] = Count(_at_risk_key(kind, g, t))
            for a, b in pairwise(AT_RISK_DAYS):
                # Those who left between two fixed days are a count of people too.
                cells.remainder(
                    _at_risk_key(kind, g, a), _at_risk_key(kind, g, b), ("left", kind, g, a, b)
                )
            rows.append(row)
        for t in AT_RISK_DAYS:
            cells.line(
                _at_risk_key(kind, "all", t),
                [_at_risk_key(kind, g, t) for g in groups if g != "all"],
            )
        layouts[f"{slug}-at-risk"] = pd.DataFrame(rows)
        if curve.empty:
            continue
        truth = {
            g: {t: int(r[f"at_risk_day_{t}"]) for t in AT_RISK_DAYS}
            for g, (_, r) in zip(groups, at_risk.iterrows(), strict=True)
        }
        for g, c in curve.groupby(curve["group_value"].astype(str), sort=False):
            n_at = truth.get(g, {})
            points[(kind, g)] = _grid(c, n_at, min_cell)
    _overall_steps(data, points, min_cell)
    for kind, curve_q, slug in (
        ("cohort_month", "retention_curve", "retention-km-cohort"),
        ("care_track", "retention_curve_track", "retention-km-care-track"),
    ):
        rows = []
        for (k, g), pts in sorted(points.items(), key=lambda i: (i[0][1] != "all", i[0][1])):
            if k != kind:
                continue
            for t, (s, ok) in pts.items():
                rows.append(
                    {
                        "group": g,
                        "day": t,
                        "n_at_risk": Count(_at_risk_key(kind, g, t)),
                        "retention": Rate(s, (), KM_DIGITS, ok),
                    }
                )
        if rows or not data.get(curve_q).empty:
            layouts[slug] = pd.DataFrame(rows, columns=["group", "day", "n_at_risk", "retention"])
    return points


def _grid(curve: pd.DataFrame, n_at: dict[int, int], min_cell: int) -> dict:
    """The group's estimate at the fixed days, where min_cell or more are at risk, each with
    whether it may be shown: the dropouts since the previous shown point are 0 or >= min_cell."""
    c = curve.sort_values("day")
    days = c["day"].to_numpy()
    out: dict[int, tuple[float, bool]] = {}
    previous = -1
    for t in AT_RISK_DAYS:
        if n_at.get(t, 0) < min_cell:
            break  # at_risk never grows: the curve is cut here
        upto = c[days <= t]
        s = float(upto["retention"].iloc[-1]) if len(upto) else 1.0
        events = int(c[(days > previous) & (days <= t)]["dropouts"].sum())
        ok = not is_small(events, min_cell)
        out[t] = (s, ok)
        if ok:
            previous = t
    return out


def _events(curve: pd.DataFrame, a: int, b: int) -> int:
    days = curve["day"].to_numpy()
    return int(curve[(days > a) & (days <= b)]["dropouts"].sum())


def _overall_steps(data: SiteData, points: dict, min_cell: int) -> None:
    """Hide a point of the overall curve where its step minus the steps of the groups shown at
    both ends would give 1..min_cell-1 dropouts of the other groups."""
    overall = data.get("retention_curve")
    overall = overall[overall["group_value"].astype(str) == "all"] if not overall.empty else overall
    if overall.empty:
        return
    curves = {}
    for kind, q in (("cohort_month", "retention_curve"), ("care_track", "retention_curve_track")):
        frame = data.get(q)
        if not frame.empty:
            for g, c in frame.groupby(frame["group_value"].astype(str)):
                if g != "all":
                    curves[(kind, g)] = c
    changed = True
    while changed:
        changed = False
        mine = {k: v for k, v in points.items() if k[1] == "all"}
        shown_all = sorted({t for pts in mine.values() for t, (_, ok) in pts.items() if ok})
        for i, a in enumerate([-1, *shown_all]):
            for b in shown_all[i:]:
                if b <= a:
                    continue
                for kind in ("cohort_month", "care_track"):
                    groups = [k for k in curves if k[0] == kind]
                    if not groups:
                        continue
                    unknown = _events(overall, a, b)
                    for k in groups:
                        pts = points.get(k, {})
                        if (a == -1 or pts.get(a, (0, False))[1]) and pts.get(b, (0, False))[1]:
                            unknown -= _events(curves[k], a, b)
                    if is_small(unknown, min_cell):
                        for key in mine:
                            s, _ = points[key][b]
                            points[key][b] = (s, False)
                        changed = True
                        break
                if changed:
                    break
            if changed:
                break


def _retention_rates(data: SiteData, cells: Cells, layouts: dict) -> None:
    rates = data.get("retention_rates")
    funnel = data.get("funnel")
    tracks: list[str] = []
    if not funnel.empty:
        tracks = [str(t) for t in funnel["care_track"] if t != "all"]
        rows = []
        for _, r in funnel.iterrows():
            t = str(r["care_track"])
            kind_group = "all" if t == "all" else t
            row = {"care_track": t}
            cells.add(("enrolled", t), r["enrolled"])
            cells.add(("started", t), r["started"])
            cells.same(("started", t), started_key("care_track", kind_group))
            cells.remainder(("enrolled", t), ("started", t), ("not_started", t))
            row["n_enrolled"] = Count(("enrolled", t))
            row["n_started"] = Count(("started", t))
            for h in HORIZONS:
                row[f"n_retained_{h}d"] = Count(_rate_cells(cells, h, t, "all", r)[1])
            for h in HORIZONS:
                row[f"n_known_{h}d"] = Count(("known", h, t, "all"))
            for h in HORIZONS:
                row[f"retained_{h}d_rate"] = Rate(
                    _num(r[f"retention_rate_{h}d"]), _rate_cells(cells, h, t, "all", r), 4
                )
            rows.append(row)
        for key in ("enrolled", "not_started"):
            cells.line((key, "all"), [(key, t) for t in tracks])
        layouts["enrolment-funnel"] = pd.DataFrame(rows)
    if rates.empty:
        return
    rows = []
    cohorts = sorted({str(c) for c in rates["cohort_month"]})
    rate_tracks = sorted({str(t) for t in rates["care_track"] if t != "all"})
    for _, r in rates.iterrows():
        t, c = str(r["care_track"]), str(r["cohort_month"])
        row = {"care_track": t, "cohort_month": c}
        for h in HORIZONS:
            _rate_cells(cells, h, t, c, r)
            row[f"n_known_{h}d"] = Count(("known", h, t, c))
        for h in HORIZONS:
            row[f"retained_{h}d"] = Rate(
                _num(r[f"retention_rate_{h}d"]), _rate_cells(cells, h, t, c, r), 4
            )
        rows.append(row)
    layouts["retention-by-cohort"] = pd.DataFrame(rows)
    for h in HORIZONS:
        for name in ("known", "retained", "not_retained"):
            for c in [*cohorts, "all"]:
                cells.line((name, h, "all", c), [(name, h, t, c) for t in rate_tracks])
            for t in ["all", *rate_tracks]:
                cells.line((name, h, t, "all"), [(name, h, t, c) for c in cohorts])
        # Participants of a cohort (or track) whose N-day outcome is not known.
        for c in cohorts:
            cells.remainder(
                started_key("cohort_month", c), ("known", h, "all", c), ("unknown", h, "cohort", c)
            )
        for t in ["all", *rate_tracks]:
            cells.remainder(
                started_key("care_track", t), ("known", h, t, "all"), ("unknown", h, "track", t)
            )


def _rate_cells(cells: Cells, h: int, t: str, c: str, r: pd.Series) -> tuple:
    known, retained, not_retained = (("known", h, t, c), ("retained", h, t, c),
                                     ("not_retained", h, t, c))  # fmt: skip
    if known not in cells.values:
        cells.add(known, r[f"retained_{h}d_known"])
        cells.add(retained, r[f"retained_{h}d"])
        cells.remainder(known, retained, not_retained)
    return known, retained, not_retained


# ---------------------------------------------------------------- drinking


def _drinking(data: SiteData, cells: Cells, layouts: dict) -> None:
    df = data.get("drinking_monthly")
    if not df.empty:
        rows: dict[str, list] = {"dfd": [], "heavy": [], "medication": [], "craving": []}
        groups_by_month: dict[int, list[str]] = {}
        for _, r in df.iterrows():
            g, m = _group(r["grouping_name"], r["group_value"]), int(r["treatment_month"])
            groups_by_month.setdefault(m, []).append(g)
            k = {n: ("dm", n, g, m) for n in ("participants", "reporting", "medication", "craving")}
            cells.add(k["participants"], r["participants"])
            cells.add(k["reporting"], r["participants_reporting"])
            cells.add(k["medication"], r["participants_medication_reported"])
            cells.add(k["craving"], r["participants_craving_reported"])
            for n in ("reporting", "medication", "craving"):
                cells.remainder(k["participants"], k[n], ("dm", f"not_{n}", g, m))
            if not g.startswith("Sex: "):
                # Started participants without a row that month (not yet there, or no day).
                track = "all" if g == ALL else g.split(": ", 1)[1]
                cells.remainder(
                    started_key("care_track", track), k["participants"], ("dm", "absent", g, m)
                )
            base = {
                "group": g,
                "treatment_month": m,
                "n_participants": Count(k["participants"]),
                "n_participants_reporting": Count(k["reporting"]),
            }
            rep, part = (k["reporting"],), (k["participants"],)
            rows["dfd"].append(
                base
                | {
                    "drink_free_days_per_30_observed": Rate(
                        _num(r["mean_drink_free_days_per_30"]), rep, 2
                    ),
                    "drink_free_days_per_30_conservative": Rate(
                        _num(r["mean_drink_free_days_per_30_conservative"]), part, 2
                    ),
                }
            )
            rows["heavy"].append(
                base
                | {"heavy_days_per_30_observed": Rate(_num(r["mean_heavy_days_per_30"]), rep, 2)}
            )
            rows["medication"].append(
                {
                    "group": g,
                    "treatment_month": m,
                    "n_participants": Count(k["medication"]),
                    "mean_medication_rate": Rate(
                        _num(r["mean_medication_rate"]), (k["medication"],), 3
                    ),
                }
            )
            rows["craving"].append(
                {
                    "group": g,
                    "treatment_month": m,
                    "n_participants": Count(k["craving"]),
                    "mean_craving_score": Rate(_num(r["mean_craving_score"]), (k["craving"],), 3),
                }
            )
        for m, groups in groups_by_month.items():
            for n in ("participants", "reporting", "medication", "craving",
                      "not_reporting", "not_medication", "not_craving"):  # fmt: skip
                _partitions(cells, lambda g, n=n, m=m: ("dm", n, g, m), groups)
        for kind, slug in (
            ("dfd", "drink-free-days-by-month"),
            ("heavy", "heavy-days-by-month"),
            ("medication", "medication-use"),
            ("craving", "craving"),
        ):
            layouts[slug] = _ordered(pd.DataFrame(rows[kind]), ["treatment_month"])
    paired = data.get("drink_free_paired")
    if not paired.empty:
        rows_p = []
        groups = []
        for _, r in paired.iterrows():
            g = _group(r["grouping_name"], r["group_value"])
            groups.append(g)
            k = ("paired", g)
            cells.add(k, r["participants_paired"])
            for m in (0, 3):
                cells.remainder(("dm", "reporting", g, m), k, ("unpaired", g, m))
            rows_p.append(
                {
                    "group": g,
                    "n_participants": Count(k),
                    "baseline_dfd_per_30": Rate(
                        _num(r["baseline_drink_free_days_per_30"]), (k,), 2
                    ),
                    "month3_dfd_per_30": Rate(_num(r["month3_drink_free_days_per_30"]), (k,), 2),
                }
            )
        _partitions(cells, lambda g: ("paired", g), groups)
        for m in (0, 3):
            _partitions(cells, lambda g, m=m: ("unpaired", g, m), groups)
        layouts["baseline-vs-month-3"] = _ordered(pd.DataFrame(rows_p))
    resp = data.get("responder_rates")
    if not resp.empty:
        groups = []
        rows_n, rows_r = [], []
        for _, r in resp.iterrows():
            g = _group(r["grouping_name"], r["group_value"])
            groups.append(g)
            keys = {}
            for m in ("nhdd", "risk1", "risk2"):
                elig, yes, no = ("elig", m, g), ("resp", m, g), ("nonresp", m, g)
                cells.add(elig, r[f"{m}_eligible"])
                cells.add(yes, r[f"{m}_responders"])
                cells.remainder(elig, yes, no)
                keys[m] = (elig, yes, no)
                if not g.startswith("Sex: "):
                    track = "all" if g == ALL else g.split(": ", 1)[1]
                    cells.remainder(started_key("care_track", track), elig, ("inelig", m, g))
            cells.remainder(keys["risk1"][0], keys["risk2"][0], ("elig12", g))
            rows_n.append(
                {
                    "group": g,
                    "n_nhdd_eligible": Count(keys["nhdd"][0]),
                    "nhdd_rate": Rate(_num(r["nhdd_rate"]), keys["nhdd"], 4),
                }
            )
            rows_r.append(
                {
                    "group": g,
                    "n_risk1_eligible": Count(keys["risk1"][0]),
                    "n_risk2_eligible": Count(keys["risk2"][0]),
                    "risk1_rate": Rate(_num(r["risk1_rate"]), keys["risk1"], 4),
                    "risk2_rate": Rate(_num(r["risk2_rate"]), keys["risk2"], 4),
                }
            )
        for m in ("nhdd", "risk1", "risk2"):
            for name in ("elig", "resp", "nonresp", "inelig"):
                _partitions(cells, lambda g, name=name, m=m: (name, m, g), groups)
        _partitions(cells, lambda g: ("elig12", g), groups)
        layouts["no-heavy-drinking-responders"] = _ordered(pd.DataFrame(rows_n))
        layouts["who-risk-level-reduction"] = _ordered(pd.DataFrame(rows_r))
    shift = data.get("risk_shift")
    if not shift.empty and int(
        shift.loc[shift["baseline_risk_level"] == "all", "participants"].sum()
    ):
        names = {str(k): RISK_LEVELS[k] for k in range(5)} | {"all": "all"}
        cols = [*(f"n_last_{lv.replace(' ', '_')}" for lv in RISK_LEVELS), "n_total"]
        rows_s = []
        for _, r in shift.iterrows():
            b = names[str(r["baseline_risk_level"])]
            row = {"baseline_level": b}
            for k in range(5):
                row[cols[k]] = Count(cells.add(("shift", b, k), r[f"last_level_{k}"]))
            row["n_total"] = Count(cells.add(("shift", b, "total"), r["participants"]))
            cells.line(("shift", b, "total"), [("shift", b, k) for k in range(5)])
            rows_s.append(row)
        for k in [*range(5), "total"]:
            cells.line(("shift", "all", k), [("shift", lv, k) for lv in RISK_LEVELS])
        layouts["who-risk-level-shift"] = pd.DataFrame(rows_s)


def group_order(groups: Iterable[str]) -> list[str]:
    return sorted(set(groups), key=lambda g: (g != ALL, not g.startswith("Care"), g))


def _ordered(df: pd.DataFrame, then: list[str] | None = None) -> pd.DataFrame:
    order = {g: i for i, g in enumerate(group_order(df["group"]))}
    keys = [df["group"].map(order), *(df[c] for c in then or [])]
    idx = sorted(range(len(df)), key=lambda i: tuple(k.iloc[i] for k in keys))
    return df.iloc[idx].reset_index(drop=True)


# ---------------------------------------------------------------- engagement


STATUSES = ("attended", "noshow", "cancelled", "unresolved")


def _appointments(data: SiteData, cells: Cells, layouts: dict) -> None:
    df = data.get("appointments")
    if df.empty:
        return
    rows_o, rows_r = [], []
    types_by_month: dict[str, list[str]] = {}
    for _, r in df.iterrows():
        m = str(r["calendar_month"])
        t = ALL_TYPES if r["appointment_type"] == "all" else str(r["appointment_type"])
        types_by_month.setdefault(m, []).append(t)
        k = {s: cells.add(("appt", s, m, t), r[s]) for s in ("scheduled", *STATUSES)}
        k["other"] = cells.add(("appt", "other", m, t), r["other_status"])
        k["aon"] = cells.add(("appt", "aon", m, t), r["attended_or_noshow"])
        cells.line(k["scheduled"], [k[s] for s in (*STATUSES, "other")])
        cells.line(k["aon"], [k["attended"], k["noshow"]])
        rows_o.append(
            {"month": m, "appointment_type": t, "n_scheduled": Count(k["scheduled"])}
            | {f"n_{s}": Count(k[s]) for s in STATUSES}
        )
        rate = Rate(_num(r["attendance_rate"]), (k["attended"], k["noshow"], k["aon"]), 4)
        rows_r.append({"month": m, "appointment_type": t, "attendance_rate": rate})
    for m, types in types_by_month.items():
        for s in ("scheduled", *STATUSES, "other", "aon"):
            cells.line(
                ("appt", s, m, ALL_TYPES), [("appt", s, m, t) for t in types if t != ALL_TYPES]
            )
    layouts["appointment-outcomes"] = pd.DataFrame(rows_o)
    layouts["attendance-rate"] = pd.DataFrame(rows_r)


def _coverage(data: SiteData, cells: Cells, layouts: dict) -> None:
    df = data.get("coverage")
    if df.empty:
        return
    rows = []
    for _, r in df.iterrows():
        m = str(r["calendar_month"])
        k = cells.add(("coverage_n", m), r["participants_started_not_discharged"])
        rows.append(
            {
                "month": m,
                "n_participants_started_not_discharged": Count(k),
                "coverage": Rate(_num(r["coverage"]), (k,), 4),
            }
        )
    layouts["checkin-coverage"] = pd.DataFrame(rows)


# ---------------------------------------------------------------- overview


def _overview(data: SiteData, cells: Cells, layouts: dict, km_points: dict) -> None:
    df = data.get("overview")
    if df.empty:
        return
    r = df.iloc[0]
    in_care = cells.add(("in_care",), r["participants_in_care"])
    cells.add(("started_overview",), r["participants_started"])
    cells.same(("started_overview",), started_key("cohort_month", "all"))
    cells.remainder(("started_overview",), in_care, ("not_in_care",))
    row: dict[str, object] = {"n_participants_in_care": Count(in_care)}
    point = km_points.get(("cohort_month", "all"), {}).get(90)
    row["km_retention_day_90"] = None if point is None else Rate(point[0], (), KM_DIGITS, point[1])
    row["n_km_at_risk_day_90"] = None if point is None else Count(_at_risk_key("", "all", 90))
    layouts["overview"] = pd.DataFrame([row])


# ---------------------------------------------------------------- quality


RECORDS = ("deliveries", "deliveries_daily", "freshness", "quarantine", "validation_runs")


def _quality(data: SiteData, pub: Published) -> None:
    """The pipeline's own records (quality.*): rows and files, not people, passed on as they
    are (METRICS.md: shown exactly); the quality page never shows a record's values."""
    for name in RECORDS:
        pub.records[name] = data.get(name)
    daily = data.get("deliveries_daily")
    if not daily.empty:
        pub.tables["rows-loaded"] = pd.DataFrame(
            {
                "export_date": pd.to_datetime(daily["export_date"]).dt.strftime("%Y-%m-%d"),
                "n_rows_loaded": daily["rows_loaded"].astype(int).to_numpy(),
                "n_rows_quarantined": daily["rows_quarantined"].astype(int).to_numpy(),
            }
        )
    runs = data.get("validation_runs")
    if not runs.empty:
        pub.tables["validation-history"] = pd.DataFrame(
            {
                "run_id": runs["run_id"].map(scrub),
                "run_at": pd.to_datetime(runs["run_at"]).dt.strftime("%Y-%m-%d %H:%M"),
                "share_passed": runs["share_passed"].astype(float).round(4),
                "outcome": [
                    "critical failure" if c else ("warnings" if w else "passed")
                    for c, w in zip(runs["critical_failed"], runs["warnings_failed"], strict=True)
                ],
            }
        )
    overview = data.get("overview")
    if not overview.empty:
        pub.values["attendance_month"] = str(overview["attendance_month"].iloc[0])
