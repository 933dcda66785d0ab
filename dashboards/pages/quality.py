"""Data quality, for the people who fix the sources: deliveries, rows loaded and quarantined, the
quarantine by night, source system and reason, what each source system has to re-send, and every
check of every night (the check-by-night grid).

Rows, files and checks are not people: their counts are shown exactly (METRICS.md). The page and
its downloads name file, row number, column and reason only, never a row's values; free text from
the quality tables (file names, reasons, messages) is scrubbed so no id reaches the site. The
records come from the disclosure step (`pub.records`: dashboards/queries.py and
dashboards/quality_queries.py).
"""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import plotly.graph_objects as go

from core.contract import ENTITIES
from core.privacy import scrub
from dashboards.charts import Chart, Page, empty, numeric, style, table_view
from dashboards.pages import Context

GRID_NIGHTS = 31  # nights shown in the grid; the CSV holds every night
RESEND_SHOWN = 100  # lines per source system on the page; the CSV holds them all
RESOLVED_SHOWN = 50
SYSTEMS = tuple(dict.fromkeys(e.system for e in ENTITIES.values()))  # app, scheduling
OUTCOMES = {  # state: (mark, word); the word is always written, so colour is never alone
    "pass": ("\u2713", "pass"),
    "warn": ("!", "warn"),
    "fail": ("\u2717", "fail"),
    "none": ("", "not run"),
}
DOWNLOADS = "quality"  # <site>/quality/*.csv


def rows_chart(ctx: Context) -> Chart:
    slug, title = "rows-loaded", "Rows loaded and quarantined by export date"
    x_title, y_title = "Export date", "Rows (log scale)"
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
    # A log scale: the first (full) load's tens of thousands of rows would flatten every later
    # night on a linear one; here a night of 5 quarantined rows still shows.
    fig.update_yaxes(type="log")
    fig.update_layout(barmode="group")
    style(fig, title, x_title, y_title)
    note = (
        "Log scale: each gridline is ten times the one below, so a small night stays visible "
        "beside the first full load. Nights with none quarantined have no orange bar."
    )
    return Chart(slug, title, fig, shown, definition, "quality", note=note)


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


# ---------------------------------------------------------------- the check-by-night grid


def _text(value: object) -> str:
    """A free-text cell, scrubbed; empty for a missing value."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return scrub(str(value))


def outcome(success: bool, severity: str) -> str:
    if success:
        return "pass"
    return "fail" if severity == "critical" else "warn"


def figure(observed: object, label: str) -> str:
    """What GX measured, short enough for a grid cell (the CSV and the tooltip keep it whole)."""
    text = _text(observed)
    if not text:
        return "–"
    if text.startswith("not evaluated"):
        return "not evaluated"
    rows = re.fullmatch(r"(\d+) of (\d+) rows unexpected", text)
    if rows:
        return f"{int(rows[1]):,} of {int(rows[2]):,} rows"
    try:
        value = json.loads(text)
    except ValueError:
        return text if len(text) <= 24 else text[:23] + "…"
    if isinstance(value, list):  # the columns a frame has: the words say what is missing
        return ""
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, int | float) and math.isfinite(value):
        if label.endswith("_share)"):
            return f"{value:.1%}"
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:.3g}"
    return text if len(text) <= 24 else text[:23] + "…"


def grid_frame(ctx: Context) -> pd.DataFrame:
    """Every check of every night (the latest run of each as-of date), as the CSV holds it."""
    df = ctx.pub.records.get("check_grid", pd.DataFrame())
    columns = [
        "as_of_date", "run_id", "suite", "check", "severity", "outcome", "observed_value",
        "limit", "message",
    ]  # fmt: skip
    if df.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {
            "as_of_date": pd.to_datetime(df["as_of_date"]).dt.strftime("%Y-%m-%d"),
            "run_id": df["run_id"].map(_text),
            "suite": df["suite"].map(_text),
            "check": df["expectation"].map(_text),
            "severity": df["severity"].map(_text),
            "outcome": [
                outcome(bool(s), str(v)) for s, v in zip(df["success"], df["severity"], strict=True)
            ],
            "observed_value": df["observed_value"].map(_text),
            "limit": df["limit_value"].map(_text),
            "message": df["message"].map(_text),
        }
    )[columns]


def check_grid(ctx: Context) -> dict | None:
    """Checks (rows) by night (columns, the last GRID_NIGHTS), each cell pass/warn/fail with its
    figure; the message and the limit in the cell's tooltip."""
    df = grid_frame(ctx)
    if df.empty:
        return None
    all_nights = sorted(df["as_of_date"].unique())
    nights = all_nights[-GRID_NIGHTS:]
    latest = nights[-1]
    shown = df[df["as_of_date"].isin(nights)]
    # Rows in the order the latest night evaluated them, then checks only older nights had.
    order = list(
        dict.fromkeys(
            [*zip(shown.loc[shown["as_of_date"] == latest, "suite"],
                  shown.loc[shown["as_of_date"] == latest, "check"], strict=True),
             *zip(shown["suite"], shown["check"], strict=True)]
        )
    )  # fmt: skip
    cells = {(r.suite, r.check, r.as_of_date): r for r in shown.itertuples()}
    latest_run = shown.loc[shown["as_of_date"] == latest, "run_id"].iloc[0]
    current = ctx.run.validation is not None and ctx.run.validation.run_id == latest_run
    suites: dict[str, dict] = {}
    for suite, check in order:
        row_cells = []
        severity = ""
        for night in nights:
            r = cells.get((suite, check, night))
            if r is None:
                mark, word = OUTCOMES["none"]
                row_cells.append({"state": "none", "mark": mark, "word": word, "figure": "",
                                  "title": f"{night}: not run"})  # fmt: skip
                continue
            severity = r.severity
            mark, word = OUTCOMES[r.outcome]
            title = f"{night}: {r.message or r.observed_value or word}"
            if r.limit:
                title += f" (limit: {r.limit})"
            row_cells.append(
                {
                    "state": r.outcome,
                    "mark": mark,
                    "word": word,
                    "figure": figure(r.observed_value, check),
                    "title": title,
                }
            )
        group = suites.setdefault(
            suite,
            {
                "suite": suite,
                # The report in the site is the latest run's: link its suite's section.
                "link": f"validation/index.html#suite-{suite}" if current else None,
                "checks": [],
            },
        )
        group["checks"].append({"check": check, "severity": severity, "cells": row_cells})
    failing = sum(
        1 for r in shown[shown["as_of_date"] == latest].itertuples() if r.outcome != "pass"
    )
    return {
        "nights": [{"date": n, "short": n[5:]} for n in nights],
        "suites": list(suites.values()),
        "latest": latest,
        "latest_not_passed": failing,
        "hidden_nights": len(all_nights) - len(nights),
        "csv": f"{DOWNLOADS}/check-grid.csv",
    }


# ---------------------------------------------------------------- the quarantine by night


def quarantine_night_frame(ctx: Context) -> pd.DataFrame:
    df = ctx.pub.records.get("quarantine_nights", pd.DataFrame())
    columns = [
        "export_date", "source_system", "reason", "rows_quarantined", "files_quarantined",
        "still_open", "rows_read",
    ]  # fmt: skip
    if df.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {
            "export_date": pd.to_datetime(df["export_date"]).dt.strftime("%Y-%m-%d"),
            "source_system": df["source_system"].map(_text),
            "reason": df["reason"].map(_text),
            "rows_quarantined": df["rows"].astype(int).to_numpy(),
            "files_quarantined": df["files"].astype(int).to_numpy(),
            "still_open": df["still_open"].astype(int).to_numpy(),
            "rows_read": pd.to_numeric(df["rows_read"]).fillna(0).astype(int).to_numpy(),
        }
    )[columns]


def quarantine_nights(ctx: Context) -> dict | None:
    """Quarantine by night, source system and reason, exact counts with a bar on a log scale
    (log10(1 + items) of the largest): the first load's thousands do not flatten a night of 3."""
    df = quarantine_night_frame(ctx)
    if df.empty:
        return None
    items = df["rows_quarantined"] + df["files_quarantined"]
    top = math.log10(1 + int(items.max())) or 1.0
    rows = []
    for r, n in zip(df.itertuples(), items, strict=True):
        width = 0.0 if n == 0 else max(3.0, 100 * math.log10(1 + int(n)) / top)
        rows.append(
            {
                "export_date": r.export_date,
                "system": r.source_system,
                "reason": r.reason,
                "rows": f"{r.rows_quarantined:,}",
                "files": f"{r.files_quarantined:,}",
                "open": f"{r.still_open:,}",
                "read": f"{r.rows_read:,}",
                "width": f"{width:.1f}",
                "total": f"{int(n):,}",
            }
        )
    return {"rows": rows, "csv": f"{DOWNLOADS}/quarantine-by-night.csv"}


# ---------------------------------------------------------------- re-send and resolved


def _item(df: pd.DataFrame) -> dict[str, pd.Series]:
    """Where a quarantined item sits and why: file, export date, row, column, reason (no value)."""
    return {
        "source_system": df["source_system"].map(_text),
        "file": df["file"].map(_text),
        "export_date": pd.to_datetime(df["export_date"]).dt.strftime("%Y-%m-%d"),
        "row_number": pd.to_numeric(df["row_number"]).astype("Int64"),
        "column": df["column_name"].map(_text),
        "reason": df["reason"].map(_text),
    }


def _utc_minute(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True).dt.strftime("%Y-%m-%d %H:%M UTC")


def resend_frame(ctx: Context) -> pd.DataFrame:
    """Every quarantined row and file still open: file, row number, column, reason. No value."""
    df = ctx.pub.records.get("resend", pd.DataFrame())
    columns = [
        "source_system", "file", "export_date", "row_number", "column", "reason",
        "quarantined_at",
    ]  # fmt: skip
    if df.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({**_item(df), "quarantined_at": _utc_minute(df["quarantined_at"])})[columns]


def systems(frame: pd.DataFrame) -> list[str]:
    """The contract's source systems, then any other drop sub-folder the records name."""
    return list(dict.fromkeys([*SYSTEMS, *frame.get("source_system", pd.Series()).tolist()]))


def _row_cell(value: object) -> str:
    return "whole file" if pd.isna(value) else f"{int(value):,}"


def resend_lists(ctx: Context) -> list[dict]:
    df = resend_frame(ctx)
    out = []
    for system in systems(df):
        part = df[df["source_system"] == system]
        shown = part.head(RESEND_SHOWN)
        table = pd.DataFrame(
            {
                "file": shown["file"],
                "export date": shown["export_date"].fillna("–"),
                "row": shown["row_number"].map(_row_cell),
                "column": shown["column"].replace("", "–"),
                "reason": shown["reason"],
                "quarantined": shown["quarantined_at"],
            }
        )
        out.append(
            {
                "system": system,
                "count": len(part),
                "files": int(part["file"].nunique()),
                "shown": len(shown),
                "table": table_view(table) if len(part) else None,
                "csv": f"{DOWNLOADS}/resend-{_slug(system)}.csv",
            }
        )
    return out


def resolved_frame(ctx: Context) -> pd.DataFrame:
    df = ctx.pub.records.get("resolved", pd.DataFrame())
    columns = [
        "source_system", "file", "export_date", "row_number", "column", "reason",
        "resolved_by_file", "resolved_at",
    ]  # fmt: skip
    if df.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {
            **_item(df),
            "resolved_by_file": df["resolved_by_file"].map(_text),
            "resolved_at": _utc_minute(df["resolved_at"]),
        }
    )[columns]


def resolved_table(ctx: Context) -> dict | None:
    df = resolved_frame(ctx).head(RESOLVED_SHOWN)
    if df.empty:
        return None
    table = pd.DataFrame(
        {
            "file": df["file"],
            "row": df["row_number"].map(_row_cell),
            "column": df["column"].replace("", "–"),
            "reason": df["reason"],
            "resolved by": df["resolved_by_file"],
            "when": df["resolved_at"],
        }
    )
    return table_view(table, f"The latest {len(df)} item(s) a re-delivery resolved")


def _slug(system: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", system.lower()).strip("-") or "other"


def downloads(ctx: Context) -> dict[str, pd.DataFrame]:
    """The page's CSVs under <site>/quality/ (written by dashboards/publish.py): the whole grid,
    the quarantine by night, and one re-send list per source system (always written, so its link
    holds; a header only when nothing is open)."""
    resend = resend_frame(ctx)
    files = {
        f"{DOWNLOADS}/check-grid.csv": grid_frame(ctx),
        f"{DOWNLOADS}/quarantine-by-night.csv": quarantine_night_frame(ctx),
    }
    for system in systems(resend):
        part = resend[resend["source_system"] == system].drop(columns="source_system")
        files[f"{DOWNLOADS}/resend-{_slug(system)}.csv"] = part
    return files


def build(ctx: Context) -> Page:
    page = Page(
        "quality",
        "Data quality",
        "What arrived each night, what was loaded or set aside, what each source system has to "
        "re-send, and how every check went night by night. Rows, files and checks are not people: "
        "their counts are exact.",
    )
    page.charts += [rows_chart(ctx), validation_chart(ctx)]
    page.body_template = "quality_body.html.j2"
    v = ctx.run.validation
    page.body = {
        "deliveries": deliveries_table(ctx),
        "quarantine": quarantine_table(ctx),
        "quarantine_nights": quarantine_nights(ctx),
        "resend": resend_lists(ctx),
        "resolved": resolved_table(ctx),
        "grid": check_grid(ctx),
        "failed_runs": failed_runs_table(ctx),
        "report": {"run_id": scrub(v.run_id), "docs": v.docs_dir is not None} if v else None,
    }
    return page
