"""The front page: headline figures as of the run (site_overview), freshness, the last
validation, links. Every figure is a column of a mart; this module formats and suppresses."""

from __future__ import annotations

import pandas as pd

from dashboards.charts import Page
from dashboards.pages import DBT_DOCS, Context
from dashboards.suppress import show_count, show_rate

DASH = "–"


def _value(row: pd.Series | None, column: str) -> float | int | None:
    if row is None:
        return None
    value = row[column]
    return None if pd.isna(value) else value


def retention_headline(row: pd.Series | None, min_cell: int) -> tuple[float | None, object]:
    """Kaplan-Meier retention at day 90 as shown, with the number at risk at day 90 as shown.

    Not shown when fewer than min_cell participants were at risk at day 90 (the curve is cut
    there on the retention page too) or when nobody has been followed that long yet.
    """
    at_risk = _value(row, "km_at_risk_day_90")
    value = show_rate(_value(row, "km_retention_day_90"), at_risk, min_cell)
    return value, show_count(at_risk, min_cell)


def headlines(ctx: Context) -> list[dict]:
    m = ctx.min_cell
    df = ctx.data.get("overview")
    row = None if df.empty else df.iloc[0]
    cards = []
    n = show_count(_value(row, "participants_in_care"), m)
    cards.append(
        {
            "label": "Participants in care",
            "value": DASH if n is None else (f"{n:,}" if isinstance(n, int) else n),
            "note": "started care, retention status in care (still in their first episode)",
            "link": "metrics.html#in-care",
        }
    )
    r90, at_risk = retention_headline(row, m)
    cards.append(
        {
            "label": "Retention at day 90 (Kaplan-Meier)",
            "value": DASH if r90 is None else f"{r90:.0%}",
            "note": "Kaplan-Meier estimate of staying in care 90 days"
            + ("" if at_risk is None else f" ({at_risk} at risk at day 90)"),
            "link": "metrics.html#retention",
        }
    )
    n_pair = _value(row, "participants_paired")
    if not n_pair:
        dfd, note = DASH, "no participant has reported in both baseline and month 3 yet"
    else:
        base = show_rate(_value(row, "baseline_drink_free_days_per_30"), n_pair, m)
        m3 = show_rate(_value(row, "month3_drink_free_days_per_30"), n_pair, m)
        dfd = DASH if m3 is None or base is None else f"{m3:.1f} vs {base:.1f}"
        note = (
            f"drink-free days per 30 in month 3 against baseline ({show_count(n_pair, m)} paired)"
        )
    cards.append({"label": "Drink-free days", "value": dfd, "note": note, "link": "drinking.html"})
    rate = None
    if row is not None:
        rate = show_rate(_value(row, "attendance_rate"), row["attendance_attended_or_noshow"], m)
    cards.append(
        {
            "label": "Attendance rate",
            "value": DASH if rate is None else f"{rate:.0%}",
            "note": "no appointments yet"
            if row is None
            else f"attended / (attended + no-show) in {row['attendance_month']}",
            "link": "engagement.html",
        }
    )
    return cards


def freshness(ctx: Context) -> dict | None:
    df = ctx.data.get("freshness")
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
        history = ctx.data.get("validation_runs")
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
