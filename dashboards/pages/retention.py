"""Retention: Kaplan-Meier curves with numbers at risk, retention rates by cohort, the funnel."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import Chart, Page, add_dropdown, empty, numeric, style
from dashboards.pages import Context, hidden_note
from dashboards.queries import AT_RISK_DAYS

HORIZONS = (30, 90, 180)
KM_DEFINITION = ("retention", "site_km_grid")


def km_chart(ctx: Context, slug: str, title: str, label: str) -> Chart:
    shown = ctx.pub.table(slug)
    risk = ctx.pub.table(f"{slug}-at-risk")
    models = ("site_retention_curves", "site_retention_at_risk", "retention_curve")
    if slug.endswith("care-track"):
        models += ("retention_curve_by_care_track",)
    x_title, y_title = "Days since care start", "Retained (Kaplan-Meier)"
    days = ", ".join(str(t) for t in AT_RISK_DAYS)
    note = (
        f"The estimate is shown at days {days}, to whole percent, while {ctx.min_cell} or more "
        "participants remain at risk; each curve stops there. " + hidden_note(ctx, shown, "Points")
    ).strip()
    if shown.empty:
        fig = empty(title, x_title, y_title, "No retention data yet")
        return Chart(slug, title, fig, shown, KM_DEFINITION, "retention", models)
    fig = go.Figure()
    groups = list(dict.fromkeys(shown["group"]))
    groups.sort(key=lambda g: (g != "all", g))  # the overall curve first, and thicker
    for grp in groups:
        g = shown[shown["group"] == grp]
        g = g[numeric(g["retention"]).notna()]
        name = "All participants" if grp == "all" else f"{label} {grp}"
        fig.add_trace(
            go.Scatter(
                x=g["day"],
                y=numeric(g["retention"]),
                name=name,
                mode="lines+markers",
                line={"shape": "hv", "width": 3 if grp == "all" else 1.6},
                customdata=g[["n_at_risk"]].astype(str),
                hovertemplate=(
                    f"{name}<br>Day %{{x}}<br>Retained (Kaplan-Meier) %{{y:.0%}}<br>"
                    "At risk %{customdata[0]}<extra></extra>"
                ),
            )
        )
    if len(groups) > 2:
        labels = ["All groups"] + [g if g != "all" else "Overall only" for g in groups]
        sets = [list(range(len(groups)))] + [sorted({0, i}) for i, _ in enumerate(groups)]
        add_dropdown(fig, labels, sets)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    style(fig, title, x_title, y_title, height=460)
    chart = Chart(slug, title, fig, shown, KM_DEFINITION, "retention", models, note=note)
    if not risk.empty:
        chart.tables.append((f"{slug}-at-risk", "Numbers at risk", risk))
    return chart


def retention_heatmap(ctx: Context) -> Chart:
    title = "Retention rate at 30, 90 and 180 days by cohort"
    slug = "retention-by-cohort"
    x_title, y_title = "Days since care start", "Cohort (month of care start)"
    definition = ("site_retention_rate",)
    models = ("site_retention_rates", "participant_retention")
    shown = ctx.pub.table(slug)
    if shown.empty:
        fig = empty(title, x_title, y_title, "No retention data yet")
        return Chart(slug, title, fig, shown, definition, "retention-rate", models)
    note = hidden_note(ctx, shown, "Rates")
    tracks = sorted(t for t in shown["care_track"].unique() if t != "all")
    fig = go.Figure()
    order = ["all", *tracks]
    for track in order:
        g = shown[shown["care_track"] == track].sort_values("cohort_month")
        z = [[numeric(pd.Series([g.iloc[r][f"retained_{h}d"]])).iloc[0] for h in HORIZONS]
             for r in range(len(g))]  # fmt: skip
        text = [[_pct(g.iloc[r][f"retained_{h}d"]) for h in HORIZONS] for r in range(len(g))]
        known = [[str(g.iloc[r][f"n_known_{h}d"]) for h in HORIZONS] for r in range(len(g))]
        fig.add_trace(
            go.Heatmap(
                x=[f"{h} days" for h in HORIZONS],
                y=g["cohort_month"],
                z=z,
                text=text,
                texttemplate="%{text}",
                customdata=known,
                zmin=0,
                zmax=1,
                colorscale="Blues",
                colorbar={"title": "Retention rate", "tickformat": ".0%"},
                hovertemplate=(
                    "Cohort %{y}<br>%{x}: %{text}<br>Participants whose outcome is known "
                    "%{customdata}<extra></extra>"
                ),
                name="All tracks" if track == "all" else track,
            )
        )
    add_dropdown(
        fig,
        ["All care tracks", *(f"Care track: {t}" for t in tracks)],
        [[i] for i in range(len(order))],
    )
    fig.update_yaxes(autorange="reversed", type="category")
    style(fig, title, x_title, y_title, height=max(380, 60 + 28 * shown["cohort_month"].nunique()))
    return Chart(slug, title, fig, shown, definition, "retention-rate", models, note=note)


def _pct(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return value if isinstance(value, str) else f"{value:.0%}"


def funnel_chart(ctx: Context) -> Chart:
    title = "Enrolment funnel"
    slug = "enrolment-funnel"
    x_title, y_title = "Participants", "Stage"
    definition = ("site_retention_rate",)
    models = ("site_enrolment_funnel", "enrolment_funnel", "site_retention_rates")
    shown = ctx.pub.table(slug)
    if shown.empty:
        fig = empty(title, x_title, y_title, "No enrolment data yet")
        return Chart(slug, title, fig, shown, definition, "funnel", models)
    stages = {
        "n_enrolled": "Enrolled",
        "n_started": "Started care",
        **{f"n_retained_{h}d": f"Retained {h} days" for h in HORIZONS},
    }
    tracks = sorted(t for t in shown["care_track"] if t != "all")
    fig = go.Figure()
    for track in ["all", *tracks]:
        row = shown[shown["care_track"] == track].iloc[0]
        values = numeric(pd.Series([row[c] for c in stages], dtype=object))
        text = [str(row["n_enrolled"]), str(row["n_started"])]
        for h in HORIZONS:
            rate = row[f"retained_{h}d_rate"]
            text.append(
                f"{row[f'n_retained_{h}d']} of {row[f'n_known_{h}d']} known"
                + ("" if isinstance(rate, str) or pd.isna(rate) else f" ({rate:.0%})")
            )
        fig.add_trace(
            go.Bar(
                y=list(stages.values()),
                x=values,
                orientation="h",
                text=text,
                textposition="auto",
                name="All care tracks" if track == "all" else track,
                hovertemplate="%{y}: %{text}<extra></extra>",
            )
        )
    add_dropdown(
        fig,
        ["All care tracks", *(f"Care track: {t}" for t in tracks)],
        [[i] for i in range(len(tracks) + 1)],
    )
    style(fig, title, x_title, y_title)
    fig.update_yaxes(type="category", autorange="reversed", title_text="")
    note = (
        "Retained N days: of the participants whose N-day outcome is known, in cohorts followed "
        "long enough (see the definition). " + hidden_note(ctx, shown, "Stages")
    ).strip()
    return Chart(slug, title, fig, shown, definition, "funnel", models, note=note)


def build(ctx: Context) -> Page:
    page = Page(
        "retention",
        "Retention",
        "How long participants stay in care after their first attended appointment.",
    )
    page.charts += [
        km_chart(ctx, "retention-km-cohort", "Retention (Kaplan-Meier), by cohort month", "Cohort"),
        km_chart(
            ctx,
            "retention-km-care-track",
            "Retention (Kaplan-Meier), by care track",
            "Care track:",
        ),
        retention_heatmap(ctx),
        funnel_chart(ctx),
    ]
    return page
