"""Drinking outcomes: drink-free and heavy days by month, baseline against month 3, responders."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import Chart, Page, add_dropdown, empty, mark_hidden, pretty, style
from dashboards.pages import Context
from dashboards.suppress import show_rate, suppress_frame

ALL = "All participants"


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
    df = ctx.data.get("outcomes_monthly")
    if df.empty:
        return df
    base = pd.DataFrame(
        {
            "group": df["grp"],
            "treatment_month": df["treatment_month"].astype(int),
            "n_participants": df["participants"],
            "n_participants_reporting": df["participants_reporting"],
            "n_not_reporting": df["participants"] - df["participants_reporting"],
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
        definition = (
            "Mean over participants of drink-free days per 30 days. Observed: share of reported "
            "days with 0 drinks, x 30. Conservative: drink-free days over all days of the month "
            "(a day without an answer counts as not drink-free). Month 0 is the 30 days before "
            "care start."
        )
        anchor = "drink-free"
    else:
        slug, title = "heavy-days-by-month", "Heavy drinking days per 30, by treatment month"
        y_title = "Heavy days per 30 (mean)"
        series = {"heavy_days_per_30_observed": "Observed (reported days)"}
        definition = (
            "Mean over participants of heavy drinking days (4 or more drinks for women and "
            "unknown sex, 5 or more for men) per 30 reported days."
        )
        anchor = "heavy"
    x_title = "Treatment month (0 = baseline)"
    model = "program_outcomes_monthly"
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
    return Chart(slug, title, fig, table, definition, anchor, model)


def baseline_month3(ctx: Context) -> Chart:
    slug, title = "baseline-vs-month-3", "Drink-free days per 30: baseline against month 3"
    x_title, y_title = "Group", "Drink-free days per 30 (mean)"
    definition = (
        "For participants who reported at least one day both in the 30 days before care start "
        "and in treatment month 3 (days 60 to 89): mean drink-free days per 30 reported days in "
        "each, for the same participants."
    )
    df = ctx.data.get("baseline_m3")
    if df.empty:
        fig = empty(title, x_title, y_title, "No participant has reached month 3 yet")
        return Chart(slug, title, fig, df, definition, "drink-free")
    base = pd.DataFrame({"group": df["grp"], "n_participants": df["participants"]})
    shown = suppress_frame(
        base, ["n_participants"], ctx.min_cell, partitions=partitions(list(base["group"]))
    )
    shown["baseline_dfd_per_30"] = rate_col(df["baseline_dfd30"], df["participants"], ctx.min_cell)
    shown["month3_dfd_per_30"] = rate_col(df["month3_dfd30"], df["participants"], ctx.min_cell)
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
    return Chart(slug, title, fig, shown, definition, "drink-free", "participant_drinking_monthly")


def rates_chart(ctx: Context, kind: str) -> Chart:
    if kind == "nhdd":
        slug, title = "no-heavy-drinking-responders", "No heavy drinking days in months 2-3"
        y_title = "Responders / eligible"
        rates = {"nhdd": "No heavy drinking days, months 2-3"}
        definition = (
            "Share of participants whose month 3 has ended who had no heavy drinking day in "
            "months 2 and 3 and reported at least 80% of those 60 days (month 1 is a grace "
            "period; missing reports count against)."
        )
        anchor = "nhdd"
    else:
        slug, title = "who-risk-level-reduction", "WHO risk drinking level reductions"
        y_title = "Share of eligible"
        rates = {"risk1": "At least 1 level lower", "risk2": "At least 2 levels lower"}
        definition = (
            "Share of participants whose WHO risk level (from grams of alcohol per day) in the "
            "last completed treatment month is at least 1 (or 2) levels below baseline, among "
            "those starting at level 1 (or 2) or above."
        )
        anchor = "who-risk"
    x_title = "Group"
    df = ctx.data.get("program_outcomes")
    if df.empty:
        fig = empty(title, x_title, y_title, "No data yet")
        return Chart(slug, title, fig, df, definition, anchor)
    base = pd.DataFrame({"group": df["grp"]})
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
    return Chart(slug, title, fig, shown, definition, anchor, "program_outcomes")


RISK_LEVELS = ("abstinent", "low", "medium", "high", "very high")


def risk_shift_chart(ctx: Context) -> Chart:
    slug, title = "who-risk-level-shift", "WHO risk level: baseline against last completed month"
    x_title, y_title = "Risk level in the last completed treatment month", "Risk level at baseline"
    definition = (
        "Participants by WHO risk drinking level at baseline (rows) and in their last completed "
        "treatment month (columns), with totals. Cells below the diagonal moved to a lower level."
    )
    df = ctx.data.get("risk_shift")
    if df.empty:
        fig = empty(title, x_title, y_title, "No participant has a completed month yet")
        return Chart(slug, title, fig, df, definition, "who-risk")
    levels = range(len(RISK_LEVELS))
    cols = [f"n_last_{RISK_LEVELS[k].replace(' ', '_')}" for k in levels]
    rows = []
    for b in [*levels, "all"]:
        sel = df if b == "all" else df[df["baseline_risk_level"] == b]
        row: dict[str, object] = {"baseline_level": b if b == "all" else RISK_LEVELS[b]}
        for k, col in zip(levels, cols, strict=True):
            row[col] = int(sel.loc[sel["last_elapsed_risk_level"] == k, "participants"].sum())
        row["n_total"] = sum(row[c] for c in cols)
        rows.append(row)
    shown = suppress_frame(
        pd.DataFrame(rows),
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
    return Chart(slug, title, fig, shown, definition, "who-risk", "participant_outcomes")


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
