"""The front page: headline figures as of the run, freshness, the last validation, links."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.charts import Page
from dashboards.pages import DBT_DOCS, Context
from dashboards.suppress import show_count, show_rate
from dashboards.templates import esc


def km_at(curve: pd.DataFrame, day: int, min_cell: int) -> tuple[float | None, object]:
    """The overall Kaplan-Meier estimate at `day` (the last step on or before it), if shown.

    Not shown when fewer than min_cell participants were at risk at that step (the curve is cut
    there on the retention page too) or when nobody has been followed that long yet.
    """
    if curve.empty:
        return None, None
    g = curve[(curve["grp"] == "all") & (curve["day"] <= day)].sort_values("day")
    followed = curve[(curve["grp"] == "all") & (curve["day"] >= day)]
    if g.empty or followed.empty:
        return None, None
    last = g.iloc[-1]
    at_risk = int(followed.sort_values("day")["at_risk"].iloc[0])
    value = show_rate(float(last["retention"]), int(last["at_risk"]), min_cell)
    if at_risk < min_cell:
        value = None
    return value, show_count(at_risk, min_cell)


def attendance_last_month(ctx: Context) -> tuple[float | None, str]:
    df = ctx.data.get("appointments")
    if df.empty:
        return None, ""
    month = (ctx.run.as_of.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    g = df[df["month"] == month]
    denominator = int(g["attended"].sum() + g["noshow"].sum())
    rate = g["attended"].sum() / denominator if denominator else None
    return show_rate(rate, denominator, ctx.min_cell), month


def headline(label: str, value: str, note: str, link: str) -> str:
    return (
        f'<div class="figure"><div class="label">{esc(label)}</div>'
        f'<div class="value">{esc(value)}</div><div class="note">{esc(note)} '
        f'<a href="{link}">more</a></div></div>'
    )


def headlines(ctx: Context) -> str:
    m = ctx.min_cell
    cards = []
    in_care = ctx.data.get("in_care")
    n = None if in_care.empty else show_count(int(in_care["in_care"].iloc[0]), m)
    cards.append(
        headline(
            "Participants in care",
            "–" if n is None else (f"{n:,}" if isinstance(n, int) else n),
            "started care and still in their first episode",
            "retention.html",
        )
    )
    r90, at_risk = km_at(ctx.data.get("retention_curve"), 90, m)
    cards.append(
        headline(
            "90-day retention",
            "–" if r90 is None else f"{r90:.0%}",
            "Kaplan-Meier estimate of staying in care 90 days"
            + ("" if at_risk is None else f" ({at_risk} followed that long)"),
            "metrics.html#retention",
        )
    )
    pair = ctx.data.get("baseline_m3")
    row = pair[pair["grp"] == "All participants"] if not pair.empty else pair
    if row.empty:
        dfd = "–"
        note = "no participant has reached month 3 yet"
    else:
        n_pair = int(row["participants"].iloc[0])
        base = show_rate(float(row["baseline_dfd30"].iloc[0]), n_pair, m)
        m3 = show_rate(float(row["month3_dfd30"].iloc[0]), n_pair, m)
        dfd = "–" if m3 is None or base is None else f"{m3:.1f} vs {base:.1f}"
        note = (
            f"drink-free days per 30 in month 3 against baseline ({show_count(n_pair, m)} paired)"
        )
    cards.append(headline("Drink-free days", dfd, note, "drinking.html"))
    rate, month = attendance_last_month(ctx)
    cards.append(
        headline(
            "Attendance rate",
            "–" if rate is None else f"{rate:.0%}",
            f"attended / (attended + no-show) in {month}" if month else "no appointments yet",
            "engagement.html",
        )
    )
    return '<div class="headlines">' + "".join(cards) + "</div>"


def freshness(ctx: Context) -> str:
    df = ctx.data.get("deliveries")
    as_of = ctx.run.as_of
    if df.empty:
        return "<p>No export has been delivered yet.</p>"
    latest = pd.to_datetime(df["export_date"]).max().date()
    age = (as_of - latest).days
    stale = age > ctx.settings.freshness_days
    flag = '<span class="bad">stale</span>' if stale else '<span class="ok">fresh</span>'
    return (
        f"<p>Latest export: <strong>{latest:%Y-%m-%d}</strong>, {age} day(s) before the as-of date "
        f"{as_of:%Y-%m-%d} — {flag} (limit {ctx.settings.freshness_days} days).</p>"
    )


def validation_status(ctx: Context) -> str:
    v = ctx.run.validation
    if v is None:
        history = ctx.data.get("validation_runs")
        if history.empty:
            return "<p>No validation result yet.</p>"
        last = history.iloc[-1]
        ok = int(last["critical_failed"]) == 0
        state = '<span class="ok">passed</span>' if ok else '<span class="bad">failed</span>'
        return (
            f"<p>Last recorded validation ({pd.Timestamp(last['run_at']):%Y-%m-%d %H:%M}): "
            f'{state}. <a href="quality.html#validation">Validation history</a></p>'
        )
    if v.success:
        text = f'<span class="ok">All critical checks passed</span> ({v.evaluated} evaluated'
        text += f", {len(v.warnings)} warning(s))." if v.warnings else ")."
    else:
        text = f'<span class="bad">{len(v.critical_failures)} critical check(s) failed</span>.'
    link = ' <a href="validation/index.html">Validation report</a>' if v.docs_dir else ""
    warn = "".join(f"<li>{esc(w)}</li>" for w in v.warnings[:10])
    return f"<p>{text}{link}</p>" + (f"<ul>{warn}</ul>" if warn else "")


def build(ctx: Context) -> Page:
    run = ctx.run
    body = (
        headlines(ctx)
        + '<div class="card"><h2>The run behind these figures</h2>'
        + f"<p>As of <strong>{run.as_of:%Y-%m-%d}</strong> · run {esc(run.run_id)} started "
        f"{run.started_at:%Y-%m-%d %H:%M %Z}</p>"
        + freshness(ctx)
        + "<h3>Last validation</h3>"
        + validation_status(ctx)
        + "</div>"
        + '<div class="card"><h2>Everything else</h2><ul class="links">'
        '<li><a href="retention.html">Retention</a>: Kaplan-Meier curves, retention by cohort, '
        "enrolment funnel</li>"
        '<li><a href="drinking.html">Drinking outcomes</a>: drink-free and heavy drinking days, '
        "responders, WHO risk levels</li>"
        '<li><a href="engagement.html">Engagement and appointments</a>: attendance, check-in '
        "coverage, medication use and craving</li>"
        '<li><a href="quality.html">Data quality</a>: deliveries, rows loaded and quarantined, '
        "validation history</li>"
        '<li><a href="quality.html#quarantine">Quarantine summary</a></li>'
        '<li><a href="validation/index.html">Validation report</a> (Great Expectations)</li>'
        f'<li><a href="{DBT_DOCS}">Model documentation</a> (dbt docs) and the '
        '<a href="metrics.html">definitions of every figure</a></li>'
        "</ul></div>"
    )
    return Page("index", "Program outcomes at a glance", "", sections_html=body)
