"""quality.validation_runs: one row per expectation evaluated in a run, for the quality team.

It is also the check-by-night record the quality page draws its grid from (dashboards/
quality_queries.py): every check of every night, its severity, whether it held, the figure GX
measured, the limit it was held to and the result in words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.settings import Settings
from core.warehouse import open_warehouse

DDL = """
CREATE TABLE IF NOT EXISTS quality.validation_runs (
  run_id VARCHAR NOT NULL,
  run_at TIMESTAMPTZ NOT NULL,
  as_of_date DATE NOT NULL,
  suite VARCHAR NOT NULL,
  expectation VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,
  success BOOLEAN NOT NULL,
  observed_value VARCHAR,
  message VARCHAR,
  limit_value VARCHAR
)
"""
# Histories recorded before messages (and limits) were kept get the columns, empty for their runs.
MIGRATE = (
    "ALTER TABLE quality.validation_runs ADD COLUMN IF NOT EXISTS message VARCHAR",
    "ALTER TABLE quality.validation_runs ADD COLUMN IF NOT EXISTS limit_value VARCHAR",
)
COLUMNS = ("suite", "expectation", "severity", "success", "observed_value", "message")
DOCS = {
    "": "One row per expectation evaluated in a nightly run (a retried run replaces its rows).",
    "run_id": "The nightly run.",
    "run_at": "When it validated (UTC).",
    "as_of_date": "The run's as-of date.",
    "suite": "The validation suite (expectations/suites.py).",
    "expectation": "What the check checks (its column); the same text every night.",
    "severity": "critical (the night is not published) or warning.",
    "success": "Whether the check held.",
    "observed_value": "What Great Expectations measured.",
    "message": "The result in words: the measured figure and the limit.",
    "limit_value": "The limit the check was held to that night, as configured (e.g. 'at most "
    "5%'); empty for runs recorded before limits were kept.",
}


def _text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Outcome:
    """One evaluated expectation, as reported everywhere (lists, history, summary page)."""

    suite: str
    expectation: str  # "what it checks (column)"
    severity: str  # critical | warning
    success: bool
    observed_value: str | None
    expectation_type: str = ""
    # The result in plain words, with the measured figure and the limit (expectations.messages)
    message: str = ""

    @property
    def label(self) -> str:
        return f"{self.suite}: {self.expectation}"


def _number(value: float, column: str) -> str:
    """A bound as the quality team reads it: shares and ratios in percent."""
    if column.endswith(("_share", "ratio_to_recent_median")):
        return f"{value * 100:g}%"
    return f"{value:g}"


def limit_text(kwargs: dict[str, Any], meta: dict[str, Any] | None = None) -> str | None:
    """The limit an expectation holds its figure to, in words (from its own kwargs, so it is the
    limit that decided): "at most 5%", "0 to 3 days", "0 rows", "every contract column present"."""
    column = str(kwargs.get("column") or "")
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    unit = " days" if "days" in column else ""
    if (meta or {}).get("counts_rows") and high == 0:
        return "0 rows"
    if high == 0 and low in (None, 0):
        return "0" + unit
    if low is not None and high is not None:
        return f"{_number(low, column)} to {_number(high, column)}{unit}"
    if high is not None:
        return f"at most {_number(high, column)}{unit}"
    if low is not None:
        return f"at least {_number(low, column)}{unit}"
    if "column_set" in kwargs:
        return "every contract column present"
    if column:
        return "filled in"
    return None


def limits(settings: Settings) -> dict[tuple[str, str], str | None]:
    """(suite, check label) -> its limit, from the suites as built for these settings."""
    from expectations.suites import build_suites

    found: dict[tuple[str, str], str | None] = {}
    for suite, expectations in build_suites(settings).items():
        for expectation in expectations:
            config = expectation.configuration
            label = (config.meta or {}).get("label") or config.description or config.type
            found[(suite, str(label))] = limit_text(dict(config.kwargs), config.meta)
    return found


def record_run(
    settings: Settings, run_id: str, run_at: dt.datetime, as_of: dt.date, outcomes: list[Outcome]
) -> int:
    """Append the run's outcomes; rows of the same run_id are replaced (a retry counts once)."""
    frame = pd.DataFrame(
        [{c: getattr(o, c) for c in COLUMNS} for o in outcomes], columns=list(COLUMNS)
    )
    known = limits(settings) if outcomes else {}
    frame["limit_value"] = [known.get((o.suite, o.expectation)) for o in outcomes]
    with open_warehouse(settings) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS quality")
        con.execute(DDL)
        for statement in MIGRATE:
            con.execute(statement)
        for column, text in DOCS.items():
            target = (
                f"COLUMN quality.validation_runs.{column}"
                if column
                else "TABLE quality.validation_runs"
            )
            con.execute(f"COMMENT ON {target} IS {_text(text)}")
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM quality.validation_runs WHERE run_id = ?", [run_id])
        con.register("outcomes", frame)
        con.execute(
            """
            INSERT INTO quality.validation_runs (run_id, run_at, as_of_date, suite, expectation,
              severity, success, observed_value, message, limit_value)
            SELECT ?, ?, ?, suite, expectation, severity, success, observed_value, message,
              limit_value
            FROM outcomes
            """,
            [run_id, run_at, as_of],
        )
        con.execute("COMMIT")
        con.unregister("outcomes")
    return len(outcomes)
