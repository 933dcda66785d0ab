"""Data quality: deliveries, rows loaded and quarantined, quarantine summary, validation runs."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.privacy import scrub
from dashboards.charts import Chart, Page, empty, html_table, numeric, style
from dashboards.pages import Context
from dashboards.suppress import show_count


# Free text from the quality tables (reasons) must never carry an id onto the site.
def rows_chart(ctx: Context) -> Chart:
    slug, title = "rows-loaded", "Rows loaded and quarantined by export date"
    x_title, y_title = "Export date", "Rows"
    definition = (
        "Rows of each night's export files that passed the contract checks and were loaded, and "
        "rows set aside in quarantine (with the file, row, column and reason) for the source "
        "system to re-send."
    )
    df = ctx.data.get("deliveries")
    if df.empty:
        fig = empty(title, x_title, y_title, "No deliveries recorded yet")
        return Chart(slug, title, fig, df, definition, "quality")
    daily = df.groupby("export_date", as_index=False)[["rows_loaded", "rows_quarantined"]].sum()
    shown = pd.DataFrame(
        {
            "export_date": pd.to_datetime(daily["export_date"]).dt.strftime("%Y-%m-%d"),
            "n_rows_loaded": [show_count(v, ctx.min_cell) for v in daily["rows_loaded"]],
            "n_rows_quarantined": [show_count(v, ctx.min_cell) for v in daily["rows_quarantined"]],
        }
    )
    fig = go.Figure()
    for col, label in (("n_rows_loaded", "Loaded"), ("n_rows_quarantined", "Quarantined")):
        fig.add_trace(
            go.Bar(
                x=shown["export_date"],
                y=numeric(shown[col]),
                name=label,
                customdata=shown[[col]].astype(str),
                hovertemplate=f"%{{x}}<br>{label}: %{{customdata[0]}}<extra></extra>",
            )
        )
    fig.update_xaxes(type="category")
    style(fig, title, x_title, y_title)
    return Chart(slug, title, fig, shown, definition, "quality")


def validation_chart(ctx: Context) -> Chart:
    slug, title = "validation-history", "Validation history"
    x_title, y_title = "Run", "Expectations passed"
    definition = (
        "Share of the Great Expectations checks that passed in each run. A failed critical check "
        "stops the dashboards from being updated; warnings are reported but do not."
    )
    df = ctx.data.get("validation_runs")
    if df.empty:
        fig = empty(title, x_title, y_title, "No validation run recorded yet")
        return Chart(slug, title, fig, df, definition, "quality")
    shown = pd.DataFrame(
        {
            "run_id": df["run_id"].map(scrub),
            "run_at": pd.to_datetime(df["run_at"]).dt.strftime("%Y-%m-%d %H:%M"),
            "share_passed": (df["passed"] / df["evaluated"]).round(4),
            "outcome": [
                "critical failure" if c else ("warnings" if w else "passed")
                for c, w in zip(df["critical_failed"], df["warnings_failed"], strict=True)
            ],
        }
    )
    colors = {"passed": "#3a9d5d", "warnings": "#e0a030", "critical failure": "#b3261e"}
    fig = go.Figure(
        go.Bar(
            x=shown["run_at"],
            y=shown["share_passed"],
            marker_color=[colors[o] for o in shown["outcome"]],
            customdata=shown[["outcome", "run_id"]],
            hovertemplate="%{x}<br>Passed %{y:.1%}<br>%{customdata[0]}<extra></extra>",
            name="Share passed",
        )
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    style(fig, title, x_title, y_title)
    return Chart(slug, title, fig, shown, definition, "quality")


def deliveries_html(ctx: Context) -> str:
    df = ctx.data.get("deliveries")
    if df.empty:
        return '<div class="card"><h2>Deliveries</h2><p>No deliveries recorded yet.</p></div>'
    recent = df.sort_values(["export_date", "source_file"], ascending=[False, True]).head(60)
    table = pd.DataFrame(
        {
            "export date": pd.to_datetime(recent["export_date"]).dt.strftime("%Y-%m-%d"),
            "file": recent["source_file"].map(scrub),
            "status": recent["status"]
            + recent["redelivery"].map(lambda r: " (re-delivered)" if r is True else ""),
            "rows loaded": [show_count(v, ctx.min_cell) for v in recent["rows_loaded"]],
            "rows quarantined": [show_count(v, ctx.min_cell) for v in recent["rows_quarantined"]],
        }
    )
    return (
        '<div class="card" id="deliveries"><h2>Deliveries</h2>'
        "<p>Files received, most recent first. Row counts follow "
        "the small-cell rule.</p>" + html_table(table) + "</div>"
    )


def quarantine_html(ctx: Context) -> str:
    df = ctx.data.get("quarantine")
    head = '<div class="card" id="quarantine"><h2>Quarantine summary</h2>'
    if df.empty:
        return head + "<p>Nothing is in quarantine.</p></div>"
    table = pd.DataFrame(
        {
            "file": df["source_file"].map(scrub),
            "column": df["column_name"].map(scrub),
            "reason": df["reason"].map(scrub),
            "rows": [show_count(v, ctx.min_cell) for v in df["rows"]],
        }
    )
    return (
        head + "<p>Rows and files set aside by the contract checks, grouped by file, column and "
        "reason. The quality team reads the detail in <code>quality.quarantine</code>.</p>"
        + html_table(table)
        + "</div>"
    )


def validation_html(ctx: Context) -> str:
    df = ctx.data.get("validation_runs")
    parts = ['<div class="card" id="validation"><h2>Validation reports</h2>']
    parts.append(
        '<p><a href="validation/index.html">Open the latest Great Expectations report</a> '
        "(Data Docs of the last run).</p>"
    )
    if not df.empty:
        failed = df[df["failed_expectations"].notna()].tail(10)
        if not failed.empty:
            table = pd.DataFrame(
                {
                    "run at": pd.to_datetime(failed["run_at"]).dt.strftime("%Y-%m-%d %H:%M"),
                    "failed checks": failed["failed_expectations"].map(scrub),
                }
            )
            parts.append(html_table(table, "Recent runs with failed checks"))
    parts.append("</div>")
    return "".join(parts)


def build(ctx: Context) -> Page:
    page = Page(
        "quality",
        "Data quality",
        "What arrived each night, what was loaded or set aside, and how the checks went.",
    )
    page.charts += [rows_chart(ctx), validation_chart(ctx)]
    page.sections_html = deliveries_html(ctx) + quarantine_html(ctx) + validation_html(ctx)
    return page
