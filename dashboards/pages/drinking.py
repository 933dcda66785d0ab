"""Drinking outcomes: drink-free and heavy days by month, baseline against month 3, responders."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboards.charts import Chart, Page, add_dropdown, empty, mark_hidden, numeric, pretty, style
from dashboards.disclosure import RISK_LEVELS, group_order
from dashboards.pages import Context, hidden_note


def by_month_chart(ctx: Context, kind: str) -> Chart:
    if kind == "dfd":
        slug, title = "drink-free-days-by-month", "Drink-free days per 30, by treatment month"
        y_title = "Drink-free days per 30 (mean)"
        series = {
            "drink_free_days_per_30_observed": "Observed (reported days)",
            "drink_free_days_per_30_conservative": "Conservative (missing = not drink-free)",
        }
        definition = ("drink_free_days_per_30", "pct_drink_free_conservative")
        anchor = "drink-free"
    else:
        slug, title = "heavy-days-by-month", "Heavy drinking days per 30, by treatment month"
        y_title = "Heavy days per 30 (mean)"
        series = {"heavy_days_per_30_observed": "Observed (reported days)"}
        definition = ("heavy_drinking_days",)
        anchor = "heavy"
    x_title = "Treatment month (0 = baseline)"
    models = ("site_drinking_monthly", "program_outcomes_monthly")
    table = ctx.pub.table(slug)
    if table.empty:
        return Chart(
            slug, title, empty(title, x_title, y_title, "No data yet"), table, definition, anchor
        )
    groups = group_order(list(table["group"]))
    fig = go.Figure()
    sets = []
    for grp in groups:
        g = table[table["group"] == grp]
        ids = []
        for col, label in series.items():
            ids.append(len(fig.data))
            fig.add_trace(
                go.Scatter(
                    x=g["treatment_month"],
                    y=numeric(g[col]),
                    name=label,
                    mode="lines+markers",
                    customdata=g[["n_participants_reporting", "n_participants"]].astype(str),
                    hovertemplate=(
                        f"{grp}<br>Month %{{x}}<br>{label}: %{{y:.1f}}<br>"
                        "Reporting %{customdata[0]} of %{customdata[1]}<extra></extra>"
                    ),
                )
            )
        sets.append(ids)
    add_dropdown(fig, groups, sets)
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(rangemode="tozero")
    style(fig, title, x_title, y_title)
    note = hidden_note(ctx, table, "Months")
    return Chart(slug, title, fig, table, definition, anchor, models, note=note)


def baseline_month3(ctx: Context) -> Chart:
    slug, title = "baseline-vs-month-3", "Drink-free days per 30: baseline against month 3"
    x_title, y_title = "Group", "Drink-free days per 30 (mean)"
    definition = ("site_drink_free_paired",)
    models = ("site_drink_free_paired", "participant_drinking_monthly")
    shown = ctx.pub.table(slug)
    if shown.empty:
        fig = empty(title, x_title, y_title, "No participant has reached month 3 yet")
        return Chart(slug, title, fig, shown, definition, "drink-free", models)
    fig = go.Figure()
    for col, label in (("baseline_dfd_per_30", "Baseline"), ("month3_dfd_per_30", "Month 3")):
        fig.add_trace(
            go.Bar(
                x=[pretty(g) for g in shown["group"]],
                y=numeric(shown[col]),
                name=label,
                customdata=shown[["n_participants"]].astype(str),
                hovertemplate=(
                    f"%{{x}}<br>{label}: %{{y:.1f}} days<br>Participants %{{customdata[0]}}"
                    "<extra></extra>"
                ),
            )
        )
    fig.update_layout(barmode="group")
    cols = ["baseline_dfd_per_30", "month3_dfd_per_30"]
    values = shown[cols].apply(numeric)
    mark_hidden(fig, [pretty(g) for g in shown["group"]], values, ctx.pub.marker)
    style(fig, title, x_title, y_title)
    note = hidden_note(ctx, shown, "Groups")
    return Chart(slug, title, fig, shown, definition, "drink-free", models, note=note)


def rates_chart(ctx: Context, kind: str) -> Chart:
    if kind == "nhdd":
        slug, title = "no-heavy-drinking-responders", "No heavy drinking days in months 2-3"
        y_title = "Responders / eligible"
        rates = {"nhdd": "No heavy drinking days, months 2-3"}
        definition = ("no_heavy_drinking_months_2_3",)
        anchor = "nhdd"
    else:
        slug, title = "who-risk-level-reduction", "WHO risk drinking level reductions"
        y_title = "Share of eligible"
        rates = {"risk1": "At least 1 level lower", "risk2": "At least 2 levels lower"}
        definition = ("risk_reduction_n_level",)
        anchor = "who-risk"
    x_title = "Group"
    models = ("site_responder_rates", "program_outcomes")
    shown = ctx.pub.table(slug)
    if shown.empty:
        fig = empty(title, x_title, y_title, "No data yet")
        return Chart(slug, title, fig, shown, definition, anchor, models)
    fig = go.Figure()
    for key, label in rates.items():
        fig.add_trace(
            go.Bar(
                x=[pretty(g) for g in shown["group"]],
                y=numeric(shown[f"{key}_rate"]),
                name=label,
                customdata=shown[[f"n_{key}_eligible"]].astype(str),
                hovertemplate=(
                    f"%{{x}}<br>{label}: %{{y:.1%}}<br>Eligible %{{customdata[0]}}<extra></extra>"
                ),
            )
        )
    fig.update_layout(barmode="group")
    values = shown[[f"{key}_rate" for key in rates]].apply(numeric)
    mark_hidden(fig, [pretty(g) for g in shown["group"]], values, ctx.pub.marker)
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    style(fig, title, x_title, y_title)
    note = hidden_note(ctx, shown, "Rates")
    return Chart(slug, title, fig, shown, definition, anchor, models, note=note)


def risk_shift_chart(ctx: Context) -> Chart:
    slug, title = "who-risk-level-shift", "WHO risk level: baseline against last completed month"
    x_title, y_title = "Risk level in the last completed treatment month", "Risk level at baseline"
    definition = ("site_risk_shift",)
    models = ("site_risk_shift", "participant_outcomes")
    shown = ctx.pub.table(slug)
    if shown.empty:
        fig = empty(title, x_title, y_title, "No participant has a completed month yet")
        return Chart(slug, title, fig, shown, definition, "who-risk", models)
    cols = [f"n_last_{lv.replace(' ', '_')}" for lv in RISK_LEVELS]
    # Rows and columns as drawn: the levels, then the totals (written, not coloured).
    labels_y = [*RISK_LEVELS, "all"]
    labels_x = [*RISK_LEVELS, "total"]
    text = [[str(v) for v in shown.loc[i, [*cols, "n_total"]]] for i in range(len(shown))]
    z = [
        [None if r == len(RISK_LEVELS) or c == len(RISK_LEVELS) or isinstance(v, str) else v
         for c, v in enumerate(shown.loc[r, [*cols, "n_total"]])]
        for r in range(len(shown))
    ]  # fmt: skip
    fig = go.Figure(
        go.Heatmap(
            x=labels_x,
            y=labels_y,
            z=z,
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            colorbar={"title": "Participants"},
            hovertemplate="Baseline %{y}, last month %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    style(fig, title, x_title, y_title)
    note = hidden_note(ctx, shown, "Cells")
    return Chart(slug, title, fig, shown, definition, "who-risk", models, note=note)


def build(ctx: Context) -> Page:
    page = Page(
        "drinking",
        "Drinking outcomes",
        "Self-reported drinking from daily check-ins, by treatment month since care start. "
        "Use the menu at the top right of a chart to pick a care track or sex.",
    )
    page.charts += [
        by_month_chart(ctx, "dfd"),
        by_month_chart(ctx, "heavy"),
        baseline_month3(ctx),
        rates_chart(ctx, "nhdd"),
        rates_chart(ctx, "risk"),
        risk_shift_chart(ctx),
    ]
    return page
