"""Drinking outcomes: drink-free and heavy days by month, baseline against month 3, responders."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import Chart, Page, add_dropdown, empty, mark_hidden, pretty, style
from dashboards.pages import ALL, Context, group_labels
from dashboards.suppress import show_rate, suppress_frame


def group_order(groups: list[str]) -> list[str]:
    return sorted(set(groups), key=lambda g: (g != ALL, not g.startswith("Care"), g))


def partitions(groups: list[str]) -> list[tuple[str, object, list[str]]]:
    """All participants = the care tracks = the sexes: two partitions of the same total."""
    tracks = [g for g in groups if g.startswith("Care track: ")]
    sexes = [g for g in groups if g.startswith("Sex: ")]
    return [("group", ALL, tracks), ("group", ALL, sexes)]


def rate_col(values, denominators, min_cell: int, digits: int = 2) -> list[float | None]:
    out = []
    for v, n in zip(values, denominators, strict=True):
        r = show_rate(None if pd.isna(v) else float(v), n, min_cell)
        out.append(None if r is None else round(r, digits))
    return out


def monthly_shown(ctx: Context) -> pd.DataFrame:
    df = ctx.data.get("drinking_monthly")
    if df.empty:
        return df
    base = pd.DataFrame(
        {
            "group": group_labels(df),
            "treatment_month": df["treatment_month"].astype(int),
            "n_participants": df["participants"],
            "n_participants_reporting": df["participants_reporting"],
            "n_not_reporting": df["participants_not_reporting"],
        }
    )
    shown = suppress_frame(
        base,
        ["n_participants", "n_participants_reporting", "n_not_reporting"],
        ctx.min_cell,
        row_lines=[("n_participants", ("n_participants_reporting", "n_not_reporting"))],
        partitions=partitions(list(base["group"])),
        within=["treatment_month"],
        hidden_cols=["n_not_reporting"],
    )
    m = ctx.min_cell
    shown["drink_free_days_per_30_observed"] = rate_col(
        df["mean_drink_free_days_per_30"], df["participants_reporting"], m
    )
    shown["drink_free_days_per_30_conservative"] = rate_col(
        df["mean_drink_free_days_per_30_conservative"], df["participants"], m
    )
    shown["heavy_days_per_30_observed"] = rate_col(
        df["mean_heavy_days_per_30"], df["participants_reporting"], m
    )
    return shown


def by_month_chart(ctx: Context, shown: pd.DataFrame, kind: str) -> Chart:
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
    if shown.empty:
        return Chart(
            slug, title, empty(title, x_title, y_title, "No data yet"), shown, definition, anchor
        )
    cols = ["group", "treatment_month", "n_participants", "n_participants_reporting", *series]
    table = shown[cols]
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
                    y=g[col],
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
    return Chart(slug, title, fig, table, definition, anchor, models)


def baseline_month3(ctx: Context) -> Chart:
    slug, title = "baseline-vs-month-3", "Drink-free days per 30: baseline against month 3"
    x_title, y_title = "Group", "Drink-free days per 30 (mean)"
    definition = ("site_drink_free_paired",)
    models = ("site_drink_free_paired", "participant_drinking_monthly")
    df = ctx.data.get("drink_free_paired")
    if df.empty:
        fig = empty(title, x_title, y_title, "No participant has reached month 3 yet")
        return Chart(slug, title, fig, df, definition, "drink-free", models)
    n = df["participants_paired"]
    base = pd.DataFrame({"group": group_labels(df), "n_participants": n})
    shown = suppress_frame(
        base, ["n_participants"], ctx.min_cell, partitions=partitions(list(base["group"]))
    )
    m = ctx.min_cell
    shown["baseline_dfd_per_30"] = rate_col(df["baseline_drink_free_days_per_30"], n, m)
    shown["month3_dfd_per_30"] = rate_col(df["month3_drink_free_days_per_30"], n, m)
    shown = shown.set_index("group").loc[group_order(list(shown["group"]))].reset_index()
    fig = go.Figure()
    for col, label in (("baseline_dfd_per_30", "Baseline"), ("month3_dfd_per_30", "Month 3")):
        fig.add_trace(
            go.Bar(
                x=[pretty(g) for g in shown["group"]],
                y=shown[col],
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
    mark_hidden(fig, [pretty(g) for g in shown["group"]], shown[cols], f"n<{ctx.min_cell}")
    style(fig, title, x_title, y_title)
    return Chart(slug, title, fig, shown, definition, "drink-free", models)


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
    df = ctx.data.get("responder_rates")
    if df.empty:
        fig = empty(title, x_title, y_title, "No data yet")
        return Chart(slug, title, fig, df, definition, anchor, models)
    base = pd.DataFrame({"group": group_labels(df)})
    for key in rates:
        base[f"n_{key}_eligible"] = df[f"{key}_eligible"]
    counts = [f"n_{key}_eligible" for key in rates]
    shown = suppress_frame(base, counts, ctx.min_cell, partitions=partitions(list(base["group"])))
    for key in rates:
        shown[f"{key}_rate"] = rate_col(df[f"{key}_rate"], df[f"{key}_eligible"], ctx.min_cell, 4)
    shown = shown.set_index("group").loc[group_order(list(shown["group"]))].reset_index()
    fig = go.Figure()
    for key, label in rates.items():
        fig.add_trace(
            go.Bar(
                x=[pretty(g) for g in shown["group"]],
                y=shown[f"{key}_rate"],
                name=label,
                customdata=shown[[f"n_{key}_eligible"]].astype(str),
                hovertemplate=(
                    f"%{{x}}<br>{label}: %{{y:.1%}}<br>Eligible %{{customdata[0]}}<extra></extra>"
                ),
            )
        )
    fig.update_layout(barmode="group")
    cols = [f"{key}_rate" for key in rates]
    mark_hidden(fig, [pretty(g) for g in shown["group"]], shown[cols], f"n<{ctx.min_cell}")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    style(fig, title, x_title, y_title)
    return Chart(slug, title, fig, shown, definition, anchor, models)


RISK_LEVELS = ("abstinent", "low", "medium", "high", "very high")


def risk_shift_chart(ctx: Context) -> Chart:
    slug, title = "who-risk-level-shift", "WHO risk level: baseline against last completed month"
    x_title, y_title = "Risk level in the last completed treatment month", "Risk level at baseline"
    definition = ("site_risk_shift",)
    models = ("site_risk_shift", "participant_outcomes")
    df = ctx.data.get("risk_shift")
    total = df[df["baseline_risk_level"] == "all"] if not df.empty else df
    if total.empty or int(total["participants"].iloc[0]) == 0:
        fig = empty(title, x_title, y_title, "No participant has a completed month yet")
        return Chart(slug, title, fig, pd.DataFrame(), definition, "who-risk", models)
    levels = range(len(RISK_LEVELS))
    cols = [f"n_last_{RISK_LEVELS[k].replace(' ', '_')}" for k in levels]
    names = {str(k): RISK_LEVELS[k] for k in levels} | {"all": "all"}
    rows = pd.DataFrame(
        {
            "baseline_level": df["baseline_risk_level"].map(names),
            **{col: df[f"last_level_{k}"].astype(int) for k, col in zip(levels, cols, strict=True)},
            "n_total": df["participants"].astype(int),
        }
    )
    shown = suppress_frame(
        rows,
        [*cols, "n_total"],
        ctx.min_cell,
        row_lines=[("n_total", tuple(cols))],
        partitions=[("baseline_level", "all", list(RISK_LEVELS))],
    )
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
    return Chart(slug, title, fig, shown, definition, "who-risk", models)


def build(ctx: Context) -> Page:
    page = Page(
        "drinking",
        "Drinking outcomes",
        "Self-reported drinking from daily check-ins, by treatment month since care start. "
        "Use the menu at the top right of a chart to pick a care track or sex.",
    )
    shown = monthly_shown(ctx)
    page.charts += [
        by_month_chart(ctx, shown, "dfd"),
        by_month_chart(ctx, shown, "heavy"),
        baseline_month3(ctx),
        rates_chart(ctx, "nhdd"),
        rates_chart(ctx, "risk"),
        risk_shift_chart(ctx),
    ]
    return page
