"""Data quality: deliveries, rows loaded and quarantined, quarantine summary, validation runs.

Rows and files are not people: their counts are shown exactly (METRICS.md). The quarantine
summary names file, column and reason only, never a row's values."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.privacy import scrub
from dashboards.charts import Chart, Page, empty, numeric, style, table_view
from dashboards.pages import Context


# Free text from the quality tables (reasons) must never carry an id onto the site.
def rows_chart(ctx: Context) -> Chart:
    slug, title = "rows-loaded", "Rows loaded and quarantined by export date"
    x_title, y_title = "Export date", "Rows"
    definition = ("site_quality_deliveries",)
    shown = ctx.pub.table(slug)
    if shown.empty:
        fig = empty(title, x_title, y_title, "No deliveries recorded yet")
        return Chart(slug, title, fig, shown, definition, "quality")
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
    definition = ("site_quality_validation",)
    shown = ctx.pub.table(slug)
    if shown.empty:
        fig = empty(title, x_title, y_title, "No validation run recorded yet")
        return Chart(slug, title, fig, shown, definition, "quality")
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


def deliveries_table(ctx: Context) -> dict | None:
    df = ctx.pub.records.get("deliveries", pd.DataFrame())
    if df.empty:
        return None
    recent = df.sort_values(["export_date", "source_file"], ascending=[False, True]).head(60)
    table = pd.DataFrame(
        {
            "export date": pd.to_datetime(recent["export_date"]).dt.strftime("%Y-%m-%d"),
            "file": recent["source_file"].map(scrub),
            "status": recent["status"]
            + recent["redelivery"].map(lambda r: " (re-delivered)" if r is True else ""),
            "rows loaded": recent["rows_loaded"].astype(int).to_numpy(),
            "rows quarantined": recent["rows_quarantined"].astype(int).to_numpy(),
        }
    )
    return table_view(table)


def quarantine_table(ctx: Context) -> dict | None:
    df = ctx.pub.records.get("quarantine", pd.DataFrame())
    if df.empty:
        return None
    table = pd.DataFrame(
        {
            "file": df["source_file"].map(scrub),
            "column": df["column_name"].map(scrub),
            "reason": df["reason"].map(scrub),
            "rows": df["rows"].astype(int).to_numpy(),
        }
    )
    return table_view(table)


def failed_runs_table(ctx: Context) -> dict | None:
    df = ctx.pub.records.get("validation_runs", pd.DataFrame())
    failed = df[df["failed_expectations"].notna()].tail(10) if not df.empty else df
    if failed.empty:
        return None
    table = pd.DataFrame(
        {
            "run at": pd.to_datetime(failed["run_at"]).dt.strftime("%Y-%m-%d %H:%M"),
            "failed checks": failed["failed_expectations"].map(scrub),
        }
    )
    return table_view(table, "Recent runs with failed checks")


def build(ctx: Context) -> Page:
    page = Page(
        "quality",
        "Data quality",
        "What arrived each night, what was loaded or set aside, and how the checks went.",
    )
    page.charts += [rows_chart(ctx), validation_chart(ctx)]
    page.body_template = "quality_body.html.j2"
    page.body = {
        "deliveries": deliveries_table(ctx),
        "quarantine": quarantine_table(ctx),
        "failed_runs": failed_runs_table(ctx),
    }
    return page
