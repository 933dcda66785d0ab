"""Retention: Kaplan-Meier curves with numbers at risk, retention rates by cohort, the funnel."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import Chart, Page, add_dropdown, empty, numeric, style
from dashboards.pages import Context
from dashboards.queries import AT_RISK_DAYS
from dashboards.suppress import show_count, show_rate, suppress_frame

HORIZONS = (30, 90, 180)
KM_DEFINITION = ("retention",)


def km_shown(curve: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """The curve points that may be shown: cut where fewer than min_cell are at risk."""
    kept = curve[curve["at_risk"] >= min_cell]
    return pd.DataFrame(
        {
            "group": kept["group_value"].astype(str),
            "day": kept["day"].astype(int),
            "n_at_risk": [show_count(v, min_cell) for v in kept["at_risk"]],
            "n_dropouts": [show_count(v, min_cell) for v in kept["dropouts"]],
            "n_censored": [show_count(v, min_cell) for v in kept["censored"]],
            "retention": kept["retention"].round(4),
        }
    ).reset_index(drop=True)


def at_risk_table(at_risk: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """The numbers at risk at fixed days (site_retention_at_risk), as shown.

    The "all" row is the sum of the other groups, so a small group could be worked back out from
    it: complementary suppression over that partition, day by day.
    """
    table = pd.DataFrame({"group": at_risk["group_value"].astype(str)})
    for t in AT_RISK_DAYS:
        table[f"n_at_risk_day_{t}"] = at_risk[f"at_risk_day_{t}"].astype(int).to_numpy()
    others = [g for g in table["group"] if g != "all"]
    return suppress_frame(
        table,
        [f"n_at_risk_day_{t}" for t in AT_RISK_DAYS],
        min_cell,
        partitions=[("group", "all", others)],
    )


def km_chart(ctx: Context, query: str, slug: str, title: str, label: str) -> Chart:
    curve = ctx.data.get(query)
    at_risk = ctx.data.get("at_risk_cohort" if query == "retention_curve" else "at_risk_track")
    models = ("site_retention_curves", "site_retention_at_risk")
    models += ("retention_curve",) if query == "retention_curve" else (
        "retention_curve", "retention_curve_by_care_track"
    )  # fmt: skip
    x_title, y_title = "Days since care start", "Retained (Kaplan-Meier)"
    note = f"Each curve stops where fewer than {ctx.min_cell} participants remain at risk."
    if curve.empty:
        fig = empty(title, x_title, y_title, "No retention data yet")
        return Chart(slug, title, fig, pd.DataFrame(), KM_DEFINITION, "retention", models)
    shown = km_shown(curve, ctx.min_cell)
    fig = go.Figure()
    groups = list(dict.fromkeys(shown["group"]))
    # The overall curve first and thicker; then the groups.
    groups.sort(key=lambda g: (g != "all", g))
    for grp in groups:
        g = shown[shown["group"] == grp]
        name = "All participants" if grp == "all" else f"{label} {grp}"
        fig.add_trace(
            go.Scatter(
                x=g["day"],
                y=g["retention"],
                name=name,
                mode="lines",
                line={"shape": "hv", "width": 3 if grp == "all" else 1.6},
                customdata=g[["n_at_risk"]].astype(str),
                hovertemplate=(
                    f"{name}<br>Day %{{x}}<br>Retained (Kaplan-Meier) %{{y:.1%}}<br>"
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
    if not at_risk.empty:
        risk = at_risk_table(at_risk, ctx.min_cell)
        chart.tables.append((f"{slug}-at-risk", "Numbers at risk", risk))
    return chart


def retention_heatmap(ctx: Context) -> Chart:
    title = "Retention rate at 30, 90 and 180 days by cohort"
    slug = "retention-by-cohort"
    x_title, y_title = "Days since care start", "Cohort (month of care start)"
    definition = ("site_retention_rate",)
    models = ("site_retention_rates", "participant_retention")
    note = (
        f"Rates over fewer than {ctx.min_cell} participants whose outcome is known are not shown."
    )
    df = ctx.data.get("retention_rates")
    if df.empty:
        fig = empty(title, x_title, y_title, "No retention data yet")
        return Chart(slug, title, fig, pd.DataFrame(), definition, "retention-rate", models)
    counts = [f"n_known_{h}d" for h in HORIZONS]
    base = pd.DataFrame(
        {
            "care_track": df["care_track"],
            "cohort_month": df["cohort_month"],
            **{f"n_known_{h}d": df[f"retained_{h}d_known"] for h in HORIZONS},
        }
    )
    tracks = sorted(t for t in base["care_track"].unique() if t != "all")
    shown = suppress_frame(
        base,
        counts,
        ctx.min_cell,
        partitions=[("care_track", "all", tracks)],
        within=["cohort_month"],
    )
    for h in HORIZONS:
        shown[f"retained_{h}d"] = [
            None if r is None else round(r, 4)
            for r in (
                show_rate(None if pd.isna(v) else float(v), known, ctx.min_cell)
                for v, known in zip(
                    df[f"retention_rate_{h}d"], df[f"retained_{h}d_known"], strict=True
                )
            )
        ]
    shown = shown[["care_track", "cohort_month", *counts, *(f"retained_{h}d" for h in HORIZONS)]]
    fig = go.Figure()
    order = ["all", *tracks]
    for track in order:
        g = shown[shown["care_track"] == track].sort_values("cohort_month")
        z = [[g.iloc[r][f"retained_{h}d"] for h in HORIZONS] for r in range(len(g))]
        text = [
            [
                "–"
                if pd.isna(g.iloc[r][f"retained_{h}d"])
                else f"{g.iloc[r][f'retained_{h}d']:.0%}"
                for h in HORIZONS
            ]
            for r in range(len(g))
        ]
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


def funnel_chart(ctx: Context) -> Chart:
    title = "Enrolment funnel"
    slug = "enrolment-funnel"
    x_title, y_title = "Participants", "Stage"
    definition = ("site_retention_rate",)
    models = ("site_enrolment_funnel", "enrolment_funnel", "site_retention_rates")
    df = ctx.data.get("funnel")
    if df.empty:
        fig = empty(title, x_title, y_title, "No enrolment data yet")
        return Chart(slug, title, fig, pd.DataFrame(), definition, "funnel", models)
    stages = {
        "n_enrolled": "Enrolled",
        "n_started": "Started care",
        **{f"n_retained_{h}d": f"Retained {h} days" for h in HORIZONS},
    }
    base = pd.DataFrame(
        {
            "care_track": df["care_track"],
            "n_enrolled": df["enrolled"],
            "n_started": df["started"],
            "n_not_started": df["not_started"],
            **{f"n_retained_{h}d": df[f"retained_{h}d"] for h in HORIZONS},
            **{f"n_known_{h}d": df[f"retained_{h}d_known"] for h in HORIZONS},
            **{f"n_not_retained_{h}d": df[f"not_retained_{h}d"] for h in HORIZONS},
        }
    )
    tracks = sorted(t for t in base["care_track"] if t != "all")
    hidden = ["n_not_started", *(f"n_not_retained_{h}d" for h in HORIZONS)]
    known = [f"n_known_{h}d" for h in HORIZONS]
    shown = suppress_frame(
        base,
        [*stages, *known, *hidden],
        ctx.min_cell,
        row_lines=[
            ("n_enrolled", ("n_started", "n_not_started")),
            *((f"n_known_{h}d", (f"n_retained_{h}d", f"n_not_retained_{h}d")) for h in HORIZONS),
        ],
        partitions=[("care_track", "all", tracks)],
        hidden_cols=hidden,
    )
    for h in HORIZONS:
        shown[f"retained_{h}d_rate"] = [
            None if r is None else round(r, 4)
            for r in (
                show_rate(None if pd.isna(v) else float(v), k, ctx.min_cell)
                for v, k in zip(df[f"retention_rate_{h}d"], df[f"retained_{h}d_known"], strict=True)
            )
        ]
    fig = go.Figure()
    order = ["all", *tracks]
    for track in order:
        row = shown[shown["care_track"] == track].iloc[0]
        values = numeric(pd.Series([row[c] for c in stages], dtype=object))
        text = [str(row["n_enrolled"]), str(row["n_started"])]
        for h in HORIZONS:
            rate = row[f"retained_{h}d_rate"]
            text.append(
                f"{row[f'n_retained_{h}d']} of {row[f'n_known_{h}d']} known"
                + ("" if rate is None or pd.isna(rate) else f" ({rate:.0%})")
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
        [[i] for i in range(len(order))],
    )
    style(fig, title, x_title, y_title)
    fig.update_yaxes(type="category", autorange="reversed", title_text="")
    note = (
        "Retained N days: of the participants whose N-day outcome is known, in cohorts followed "
        "long enough (see the definition)."
    )
    return Chart(slug, title, fig, shown, definition, "funnel", models, note=note)


def build(ctx: Context) -> Page:
    page = Page(
        "retention",
        "Retention",
        "How long participants stay in care after their first attended appointment.",
    )
    page.charts.append(
        km_chart(
            ctx,
            "retention_curve",
            "retention-km-cohort",
            "Retention (Kaplan-Meier), by cohort month",
            "Cohort",
        )
    )
    page.charts.append(
        km_chart(
            ctx,
            "retention_curve_track",
            "retention-km-care-track",
            "Retention (Kaplan-Meier), by care track",
            "Care track:",
        )
    )
    page.charts.append(retention_heatmap(ctx))
    page.charts.append(funnel_chart(ctx))
    return page
