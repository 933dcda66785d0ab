"""The pages written beside GX's Data Docs: a static summary (the site's index.html) and the
quarantine summary. Both are plain HTML with inline styles, so they read the same offline, where
GX's own index (kept as data_docs_index.html) loads its table script from a CDN and shows nothing.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from expectations.history import Outcome

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#1a1a1a}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #bbb;padding:.3rem .6rem;
text-align:left;vertical-align:top}th{background:#eee}.fail{color:#a00;font-weight:bold}
.warn{color:#8a5a00;font-weight:bold}.ok{color:#060}.banner{padding:.8rem 1rem;margin:1rem 0;
border:2px solid}.banner.fail{border-color:#a00;background:#fdecec}
.banner.warn{border-color:#c80;background:#fff6e0}.banner.ok{border-color:#060;background:#eefaee}
"""


@dataclass
class SuiteRun:
    name: str
    rows: int
    outcomes: list[Outcome] = field(default_factory=list)
    page: str | None = None  # GX validation result page, relative to the docs folder


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}'
        f"</title><style>{STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _result_cell(o: Outcome) -> str:
    if o.success:
        return '<span class="ok">passed</span>'
    css = "fail" if o.severity == "critical" else "warn"
    return f'<span class="{css}">FAILED</span>'


def summary_page(
    run_id: str,
    as_of: dt.date,
    run_at: dt.datetime,
    marts_schema: str,
    suites: list[SuiteRun],
    seconds: float,
) -> str:
    outcomes = [o for s in suites for o in s.outcomes]
    critical = [o for o in outcomes if o.severity == "critical" and not o.success]
    warnings = [o for o in outcomes if o.severity == "warning" and not o.success]
    if critical:
        banner = (
            f'<div class="banner fail"><strong>Validation FAILED:</strong> {len(critical)} '
            "critical check(s) failed; tonight's figures are not published.<ul>"
            + "".join(f"<li>{_esc(o.label)}</li>" for o in critical)
            + "</ul></div>"
        )
    elif warnings:
        banner = (
            f'<div class="banner warn"><strong>Validation passed with {len(warnings)} '
            "warning(s):</strong><ul>"
            + "".join(f"<li>{_esc(o.label)}</li>" for o in warnings)
            + "</ul></div>"
        )
    else:
        banner = (
            '<div class="banner ok"><strong>Validation passed:</strong> every check held.</div>'
        )
    suite_rows = []
    for s in suites:
        failed_c = sum(1 for o in s.outcomes if not o.success and o.severity == "critical")
        failed_w = sum(1 for o in s.outcomes if not o.success and o.severity == "warning")
        link = f'<a href="{_esc(s.page)}">{_esc(s.name)}</a>' if s.page else _esc(s.name)
        suite_rows.append(
            [link, _esc(s.rows), _esc(len(s.outcomes)), _esc(failed_c), _esc(failed_w)]
        )
    check_rows = [
        [
            _esc(o.suite),
            _esc(o.expectation),
            _esc(o.severity),
            _result_cell(o),
            _esc(o.observed_value),
        ]
        for o in outcomes
    ]
    body = (
        f"<h1>Data validation, run {_esc(run_id)}</h1>"
        f"<p>As-of date {_esc(as_of)}; validated {_esc(run_at.strftime('%Y-%m-%d %H:%M UTC'))} "
        f"in {seconds:.1f} s; marts read from schema <code>{_esc(marts_schema)}</code>.</p>"
        f"{banner}"
        '<p><a href="quarantine.html">Ingestion quarantine summary</a> · '
        '<a href="data_docs_index.html">Great Expectations Data Docs index</a></p>'
        "<h2>Suites</h2>"
        + _table(
            [
                "suite (Data Docs page)",
                "rows validated",
                "expectations",
                "critical failed",
                "warnings",
            ],
            suite_rows,
        )
        + "<h2>Every expectation</h2>"
        + _table(["suite", "expectation", "severity", "result", "observed"], check_rows)
    )
    return _page(f"Validation {run_id}", body)


def read_quarantine(
    con: duckdb.DuckDBPyConnection, new_delivery_ids: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts of quarantined rows and files: tonight's deliveries, and everything to date.

    Grouped by file, column and reason only; no record values are read.
    """
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'quality' and table_name = 'quarantine'"
    ).fetchone()
    if not exists or not exists[0]:
        empty = pd.DataFrame(columns=["source_file", "column_name", "reason", "rows", "files"])
        return empty, empty
    query = """
        select source_file, coalesce(column_name, '') as column_name, reason,
               count(*) filter (where row_number is not null) as rows,
               count(*) filter (where row_number is null) as files
        from quality.quarantine {where}
        group by all order by source_file, column_name, reason
    """
    tonight = con.execute(
        query.format(where="where list_contains(?::BIGINT[], delivery_id)"),
        [[int(i) for i in new_delivery_ids]],
    ).df()
    to_date = con.execute(query.format(where="")).df()
    return tonight, to_date


def quarantine_page(run_id: str, tonight: pd.DataFrame, to_date: pd.DataFrame) -> str:
    def table(frame: pd.DataFrame) -> str:
        if frame.empty:
            return "<p>Nothing quarantined.</p>"
        rows = [
            [
                _esc(r.source_file),
                _esc(r.column_name or "(whole row or file)"),
                _esc(r.reason),
                _esc(r.rows),
                _esc(r.files),
            ]
            for r in frame.itertuples(index=False)
        ]
        return _table(["file", "column", "reason", "rows quarantined", "file quarantined"], rows)

    body = (
        f"<h1>Ingestion quarantine, run {_esc(run_id)}</h1>"
        '<p><a href="index.html">Back to the validation summary</a></p>'
        "<p>Counts by file, column and reason (no values are shown). Quarantined rows stay in "
        "<code>quality.quarantine</code> for the quality team; the source system can re-send.</p>"
        "<h2>Tonight's deliveries</h2>"
        + table(tonight)
        + "<h2>All deliveries to date</h2>"
        + table(to_date)
    )
    return _page(f"Quarantine {run_id}", body)
