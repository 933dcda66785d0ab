"""The validation report: a summary (the report's index.html) with every suite's checks in
its own section, and the quarantine summary, rendered by core.html from `expectations/templates/`
(which extend core/templates/base.html.j2; autoescaped). They carry their styles inline and no
script, so they read the same offline; Great Expectations' own Data Docs pages, which load
Bootstrap, jQuery and fonts from CDNs, stay in the run's folder and are not linked or published
(dashboards/publish.py copies only these pages into the site).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from core.html import render
from expectations.history import Outcome

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class SuiteRun:
    name: str
    rows: int
    reads: str = ""  # the relations the suite's frame was read from
    outcomes: list[Outcome] = field(default_factory=list)
    page: str | None = None  # GX validation result page, relative to the docs folder

    @property
    def critical_failed(self) -> int:
        return sum(1 for o in self.outcomes if not o.success and o.severity == "critical")

    @property
    def warnings_failed(self) -> int:
        return sum(1 for o in self.outcomes if not o.success and o.severity == "warning")


def measured(value: str | None) -> str:
    """What GX measured as the summary shows it: a whole number without its ".0"."""
    if value is None:
        return "–"
    try:
        number = json.loads(value)
    except ValueError:
        return value
    if isinstance(number, float) and math.isfinite(number):
        return f"{number:.0f}" if number.is_integer() else f"{number:.4g}"
    return value


def summary_page(
    run_id: str,
    as_of: dt.date,
    run_at: dt.datetime,
    marts_schema: str,
    engine: str,
    suites: list[SuiteRun],
    seconds: float,
) -> str:
    outcomes = [o for s in suites for o in s.outcomes]
    return render(
        "summary.html.j2",
        TEMPLATES,
        title=f"Data validation, run {run_id}",
        as_of=as_of.isoformat(),
        validated_at=run_at.strftime("%Y-%m-%d %H:%M UTC"),
        seconds=f"{seconds:.1f}",
        marts_schema=marts_schema,
        engine=engine,
        suites=suites,
        outcomes=outcomes,
        critical=[o for o in outcomes if o.severity == "critical" and not o.success],
        warnings=[o for o in outcomes if o.severity == "warning" and not o.success],
        measured=measured,
    )


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
    def rows(frame: pd.DataFrame) -> list[dict[str, object]]:
        return frame.to_dict("records")

    return render(
        "quarantine.html.j2",
        TEMPLATES,
        title=f"Ingestion quarantine, run {run_id}",
        tonight=rows(tonight),
        to_date=rows(to_date),
    )
