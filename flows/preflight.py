"""The run's settings and paths, checked before Prefect, dbt or Great Expectations start.

A mistyped folder costs a second and one line saying what to do (exit 2), not Prefect's start and
retries of an error that cannot fix itself. Only the standard library and `core` are imported
here, so `aud-outcomes run` and `ingest` refuse within 2 s. The flow checks again at its start
(a served run has no CLI before it): what this refuses is never retried.

A new warehouse file is made only in a folder that exists: a mistyped folder must not start an
empty history. The drop folder must be there (an unmounted share is not "nothing new tonight").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from typing import Literal

from core.run_summary import RunSummary, new_run_id, write_summary_files
from core.settings import Settings

Command = Literal["run", "ingest"]
EXIT_STATUS = 2  # the same as a bad option value (argparse, pydantic)
# A DuckDB database file: an 8-byte checksum, then these bytes.
DUCKDB_MAGIC, DUCKDB_MAGIC_AT = b"DUCK", 8


class Refused(Exception):
    """The run cannot start; the message is one line naming the paths and what to do."""


def _exports_problem(exports: Path) -> str | None:
    if not exports.exists():
        return (
            f"the exports folder {exports} does not exist: check --exports (AUD_EXPORTS), or that "
            "the exports share is mounted"
        )
    if not exports.is_dir():
        return f"the exports folder {exports} is not a folder: check --exports (AUD_EXPORTS)"
    try:
        with os.scandir(exports) as entries:
            next(entries, None)
    except OSError as exc:
        return f"the exports folder {exports} cannot be read ({exc.strerror})"
    return None


def _warehouse_problem(warehouse: Path) -> str | None:
    folder = warehouse.parent
    if not folder.is_dir():
        return (
            f"the warehouse folder {folder} does not exist: create it, or correct --warehouse "
            "(AUD_WAREHOUSE); a new warehouse is made only in an existing folder"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the warehouse folder {folder} is not writable"
    if warehouse.is_dir():
        return f"the warehouse {warehouse} is a folder, not a DuckDB file: check --warehouse"
    if warehouse.exists():
        try:
            with open(warehouse, "rb") as handle:
                head = handle.read(DUCKDB_MAGIC_AT + len(DUCKDB_MAGIC))
        except OSError as exc:
            return f"the warehouse {warehouse} cannot be read ({exc.strerror})"
        if head[DUCKDB_MAGIC_AT:] != DUCKDB_MAGIC:
            return f"the warehouse {warehouse} is not a DuckDB database file: check --warehouse"
    return None


def problems(settings: Settings, command: Command) -> list[str]:
    """What stops `command` from starting, one sentence each; empty when it can start."""
    found = [
        _exports_problem(settings.exports_dir),
        _warehouse_problem(settings.warehouse_path),
    ]
    data = settings.data_dir
    if data.exists() and not data.is_dir():
        found.append(f"the data folder {data} (AUD_DATA_DIR) is not a folder")
    if command == "run":
        project = settings.dbt_project_dir
        if not (project / "dbt_project.yml").is_file():
            found.append(f"the dbt project {project} has no dbt_project.yml (AUD_DBT_PROJECT_DIR)")
        if settings.alert_email_to and not settings.smtp_host:
            found.append(
                "AUD_ALERT_EMAIL_TO is set but AUD_SMTP_HOST is not: no alert e-mail could be sent"
            )
    return [p for p in found if p]


def one_line(found: list[str]) -> str:
    return "; ".join(found)


def require(settings: Settings, command: Command) -> None:
    """Raise Refused (one line) when `command` cannot start with these settings."""
    found = problems(settings, command)
    if found:
        raise Refused(one_line(found))


def refused_run(settings: Settings, reason: str) -> RunSummary:
    """Record a run refused before it started, as the flow records a failed one: the alert goes
    out and `status` shows it, when the warehouse's folder is there to hold the summary. Never
    raises: the refusal itself is the message."""
    from flows import alerts

    summary = RunSummary(
        run_id=new_run_id(),
        started_at=dt.datetime.now(dt.UTC),
        as_of=settings.resolved_as_of(),
        error=reason,
        failed_step="preflight",
    )
    try:
        text = write_summary_files(summary, settings.warehouse_path, settings.engine)
    except OSError:  # no folder to hold it (the reason says so)
        text = None
    alert = alerts.alert_for(settings, summary, text or f"- Error: {reason}\n")
    if alert is not None:
        summary.alerts = alerts.send(settings, alert)  # an undelivered one is logged (stderr)
        if text is not None:  # the summary says who was told
            with contextlib.suppress(OSError):
                write_summary_files(summary, settings.warehouse_path, settings.engine)
    return summary
