"""Retention: Kaplan-Meier curves with numbers at risk, retention by cohort, enrolment funnel."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import Chart, Page, add_dropdown, empty, numeric, style
from dashboards.pages import Context
from dashboards.suppress import show_count, show_rate, suppress_frame

AT_RISK_DAYS = (0, 30, 60, 90, 180, 270, 365)
HORIZONS = (30, 90, 180)


def km_shown(curve: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """The curve points that may be shown: cut where fewer than min_cell are at risk."""
    kept = curve[curve["at_risk"] >= min_cell]
    return pd.DataFrame(
        {
            "group": kept["grp"].astype(str),
            "day": kept["day"].astype(int),
            "n_at_risk": [show_count(v, min_cell) for v in kept["at_risk"]],
            "n_dropouts": [show_count(v, min_cell) for v in kept["dropouts"]],
            "n_censored": [show_count(v, min_cell) for v in kept["censored"]],
            "retention": kept["retention"].round(4),
        }
    ).reset_index(drop=True)


def at_risk_table(curve: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Numbers still at risk at fixed days: the at_risk of the first curve row on or after t.

    The "all" row is the sum of the other groups, so a small group could be worked back out from
    it: complementary suppression over that partition, day by day.
    """
    rows = []
    for grp, g in curve.groupby("grp", sort=True):
        g = g.sort_values("day")
        row: dict[str, object] = {"group": grp}
        for t in AT_RISK_DAYS:
            later = g[g["day"] >= t]
            row[f"n_at_risk_day_{t}"] = int(later["at_risk"].iloc[0]) if len(later) else 0
        rows.append(row)
    table = pd.DataFrame(rows)
    others = [g for g in table["group"] if g != "all"]
    return suppress_frame(
        table,
        [f"n_at_risk_day_{t}" for t in AT_RISK_DAYS],
        min_cell,
        partitions=[("group", "all", others)],
    )


def km_chart(ctx: Context, query: str, slug: str, title: str, label: str, model: str) -> Chart:
    curve = ctx.data.get(query)
    overall = ctx.data.get("retention_curve")
    if not curve.empty and "all" not in set(curve["grp"]) and not overall.empty:
        curve = pd.concat([overall[overall["grp"] == "all"], curve], ignore_index=True)
    x_title, y_title = "Days since care start", "Still in care (Kaplan-Meier)"
    definition = (
        "Share of participants still in their first episode of care t days after care start "
        f"(a gap of more than {ctx.settings.retention_gap_days} days without an attended "
        "appointment or check-in ends it); "
        "completed, transferred and still-in-care participants are censored. Each curve stops "
        f"where fewer than {ctx.min_cell} participants remain at risk."
    )
    if curve.empty:
        fig = empty(title, x_title, y_title, "No retention data yet")
        return Chart(slug, title, fig, pd.DataFrame(), definition, "retention", model)
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
                    f"{name}<br>Day %{{x}}<br>Still in care %{{y:.1%}}<br>"
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
    risk = at_risk_table(curve, ctx.min_cell)
    chart = Chart(slug, title, fig, shown, definition, "retention", model)
    chart.tables.append((f"{slug}-at-risk", "Numbers at risk", risk))
    return chart


def retention_heatmap(ctx: Context) -> Chart:
    title = "Retention at 30, 90 and 180 days by cohort"
    slug = "retention-by-cohort"
    x_title, y_title = "Days since care start", "Cohort (month of care start)"
    definition = (
        "Share of a cohort's participants who stayed in care at least 30, 90 or 180 days, among "
        "those whose outcome at that day is known. Shown only once every participant of the "
        "cohort could have been followed that long plus the "
        f"{ctx.settings.retention_gap_days}-day gap that confirms a dropout "
        f"(before that, early dropouts weigh too much), and over {ctx.min_cell} or more known "
        "participants."
    )
    df = ctx.data.get("retention_heat")
    if df.empty:
        fig = empty(title, x_title, y_title, "No retention data yet")
        return Chart(
            slug, title, fig, pd.DataFrame(), definition, "retention", "participant_retention"
        )
    counts = [f"n_known_{h}d" for h in HORIZONS]
    base = df.rename(columns={f"known_{h}": f"n_known_{h}d" for h in HORIZONS})
    tracks = sorted(t for t in base["care_track"].unique() if t != "all")
    shown = suppress_frame(
        base,
        counts,
        ctx.min_cell,
        partitions=[("care_track", "all", tracks)],
        within=["cohort_month"],
    )
    # A cohort is mature for h days once its last care start is h days past, plus the gap that
    # confirms a dropout (before that, early dropouts are known and late stayers are not).
    cohort_end = pd.to_datetime(df["cohort_month"] + "-01") + pd.offsets.MonthEnd(0)
    as_of = pd.Timestamp(ctx.run.as_of)
    gap = ctx.settings.retention_gap_days
    for h in HORIZONS:
        mature = (cohort_end + pd.Timedelta(days=h + gap)) <= as_of
        shown[f"retained_{h}d"] = [
            None if r is None or not ok else round(r, 4)
            for r, ok in zip(
                (
                    show_rate(ret / known if known else None, known, ctx.min_cell)
                    for ret, known in zip(df[f"ret_{h}"], df[f"known_{h}"], strict=True)
                ),
                mature,
                strict=True,
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
                colorbar={"title": "Retained", "tickformat": ".0%"},
                hovertemplate=(
                    "Cohort %{y}<br>%{x}: %{text}<br>Known participants %{customdata}"
                    "<extra></extra>"
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
    return Chart(slug, title, fig, shown, definition, "retention", "participant_retention")


def funnel_chart(ctx: Context) -> Chart:
    title = "Enrolment funnel"
    slug = "enrolment-funnel"
    x_title, y_title = "Participants", "Stage"
    definition = (
        "Participants enrolled as of the run, those who started care (an attended appointment), "
        "and those who stayed in care at least 30, 90 and 180 days."
    )
    df = ctx.data.get("funnel")
    if df.empty:
        fig = empty(title, x_title, y_title, "No enrolment data yet")
        return Chart(slug, title, fig, pd.DataFrame(), definition, "funnel", "enrolment_funnel")
    stages = {
        "n_enrolled": "Enrolled",
        "n_started": "Started care",
        "n_retained_30d": "Retained 30 days",
        "n_retained_90d": "Retained 90 days",
        "n_retained_180d": "Retained 180 days",
    }
    base = pd.DataFrame(
        {
            "care_track": df["care_track"],
            "n_enrolled": df["enrolled"],
            "n_started": df["started"],
            "n_not_started": df["enrolled"] - df["started"],
            "n_retained_30d": df["retained_30d"],
            "n_retained_90d": df["retained_90d"],
            "n_retained_180d": df["retained_180d"],
        }
    )
    tracks = sorted(t for t in base["care_track"] if t != "all")
    shown = suppress_frame(
        base,
        [*stages, "n_not_started"],
        ctx.min_cell,
        row_lines=[("n_enrolled", ("n_started", "n_not_started"))],
        partitions=[("care_track", "all", tracks)],
        hidden_cols=["n_not_started"],
    )
    fig = go.Figure()
    order = ["all", *tracks]
    for track in order:
        row = shown[shown["care_track"] == track].iloc[0]
        values = numeric(pd.Series([row[c] for c in stages], dtype=object))
        fig.add_trace(
            go.Bar(
                y=list(stages.values()),
                x=values,
                orientation="h",
                text=[str(row[c]) for c in stages],
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
    return Chart(slug, title, fig, shown, definition, "funnel", "enrolment_funnel")


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
            "Staying in care, by cohort month",
            "Cohort",
            "retention_curve",
        )
    )
    page.charts.append(
        km_chart(
            ctx,
            "retention_curve_track",
            "retention-km-care-track",
            "Staying in care, by care track",
            "Care track:",
            "retention_curve_by_care_track",
        )
    )
    page.charts.append(retention_heatmap(ctx))
    page.charts.append(funnel_chart(ctx))
    return page
