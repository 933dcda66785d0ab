"""quality.validation_runs: one row per expectation evaluated in a run, for the quality team."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
  message VARCHAR
)
"""
# Histories recorded before messages existed get the column (empty for their runs).
MIGRATE = "ALTER TABLE quality.validation_runs ADD COLUMN IF NOT EXISTS message VARCHAR"
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


def record_run(
    settings: Settings, run_id: str, run_at: dt.datetime, as_of: dt.date, outcomes: list[Outcome]
) -> int:
    """Append the run's outcomes; rows of the same run_id are replaced (a retry counts once)."""
    frame = pd.DataFrame(
        [{c: getattr(o, c) for c in COLUMNS} for o in outcomes], columns=list(COLUMNS)
    )
    with open_warehouse(settings) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS quality")
        con.execute(DDL)
        con.execute(MIGRATE)
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
              severity, success, observed_value, message)
            SELECT ?, ?, ?, suite, expectation, severity, success, observed_value, message
            FROM outcomes
            """,
            [run_id, run_at, as_of],
        )
        con.execute("COMMIT")
        con.unregister("outcomes")
    return len(outcomes)
