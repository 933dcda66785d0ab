"""The front page: headline figures as of the run, freshness, the last validation, links. Every
figure is a cell of the disclosure step (the same cell as on its page: one figure, one
suppression); this module formats."""

from __future__ import annotations

import pandas as pd

from dashboards.charts import Page
from dashboards.disclosure import ALL, ALL_TYPES
from dashboards.pages import DBT_DOCS, Context

DASH = "–"


def _cell(table: pd.DataFrame, where: dict, column: str) -> object:
    """One published value (a number, the hidden marker, or None when absent)."""
    if table.empty or column not in table:
        return None
    rows = table
    for k, v in where.items():
        rows = rows[rows[k] == v]
    if rows.empty:
        return None
    value = rows[column].iloc[0]
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _text(value: object, fmt: str) -> str:
    if value is None:
        return DASH
    return value if isinstance(value, str) else format(value, fmt)


def headlines(ctx: Context) -> list[dict]:
    pub = ctx.pub
    overview = pub.table("overview")
    cards = []
    n = _cell(overview, {}, "n_participants_in_care")
    cards.append(
        {
            "label": "Participants in care",
            "value": _text(n, ","),
            "note": "started care, retention status in care (still in their first episode)",
            "link": "metrics.html#in-care",
        }
    )
    r90 = _cell(overview, {}, "km_retention_day_90")
    at_risk = _cell(overview, {}, "n_km_at_risk_day_90")
    cards.append(
        {
            "label": "Retention at day 90 (Kaplan-Meier)",
            "value": _text(r90, ".0%"),
            "note": "Kaplan-Meier estimate of staying in care 90 days"
            + ("" if at_risk is None else f" ({at_risk} at risk at day 90)"),
            "link": "metrics.html#retention",
        }
    )
    paired = pub.table("baseline-vs-month-3")
    n_pair = _cell(paired, {"group": ALL}, "n_participants")
    if not n_pair:
        dfd, note = DASH, "no participant has reported in both baseline and month 3 yet"
    else:
        base = _cell(paired, {"group": ALL}, "baseline_dfd_per_30")
        m3 = _cell(paired, {"group": ALL}, "month3_dfd_per_30")
        if isinstance(base, str) or isinstance(m3, str):
            dfd = pub.marker
        else:
            dfd = DASH if m3 is None or base is None else f"{m3:.1f} vs {base:.1f}"
        note = f"drink-free days per 30 in month 3 against baseline ({n_pair} paired)"
    cards.append({"label": "Drink-free days", "value": dfd, "note": note, "link": "drinking.html"})
    month = pub.values.get("attendance_month")
    rate = _cell(
        pub.table("attendance-rate"),
        {"month": month, "appointment_type": ALL_TYPES},
        "attendance_rate",
    )
    cards.append(
        {
            "label": "Attendance rate",
            "value": _text(rate, ".0%"),
            "note": "no appointments yet"
            if month is None
            else f"attended / (attended + no-show) in {month}",
            "link": "engagement.html",
        }
    )
    return cards


def freshness(ctx: Context) -> dict | None:
    df = ctx.pub.records.get("freshness", pd.DataFrame())
    if df.empty:
        return None
    row = df.iloc[0]
    age = int(row["age_days"])
    return {
        "latest": f"{pd.Timestamp(row['latest_export_date']):%Y-%m-%d}",
        "age_days": age,
        "stale": age > ctx.settings.freshness_days,
        "limit": ctx.settings.freshness_days,
    }


def validation_status(ctx: Context) -> dict:
    v = ctx.run.validation
    if v is None:
        history = ctx.pub.records.get("validation_runs", pd.DataFrame())
        if history.empty:
            return {"kind": "none"}
        last = history.iloc[-1]
        return {
            "kind": "history",
            "run_at": f"{pd.Timestamp(last['run_at']):%Y-%m-%d %H:%M}",
            "ok": int(last["critical_failed"]) == 0,
        }
    return {
        "kind": "run",
        "ok": v.success,
        "evaluated": v.evaluated,
        "warnings": list(v.warnings[:10]),
        "n_warnings": len(v.warnings),
        "critical_failed": len(v.critical_failures),
        "docs": bool(v.docs_dir),
    }


def build(ctx: Context) -> Page:
    run = ctx.run
    body = {
        "headlines": headlines(ctx),
        "as_of": f"{run.as_of:%Y-%m-%d}",
        "run_id": run.run_id,
        "started_at": f"{run.started_at:%Y-%m-%d %H:%M %Z}",
        "freshness": freshness(ctx),
        "validation": validation_status(ctx),
        "dbt_docs": DBT_DOCS,
    }
    return Page(
        "index", "Program outcomes at a glance", "", body_template="index_body.html.j2", body=body
    )
