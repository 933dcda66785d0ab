"""What one run did, handed from step to step and shown on the site and in Prefect's artifact."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from core.folders import write_atomically


@dataclass
class IngestReport:
    files_seen: int = 0
    files_loaded: int = 0
    files_skipped: int = 0  # same bytes loaded before
    files_quarantined: int = 0
    files_empty: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_withdrawn: int = 0  # rows of participants who withdrew consent, not stored
    participants_purged: int = 0
    # withdrawals whose deleted rows were erased from the file's bytes by rewriting it
    withdrawals_erased: int = 0
    new_delivery_ids: list[int] = field(default_factory=list)
    redeliveries: list[str] = field(default_factory=list)  # names re-sent with different bytes


@dataclass
class ValidationResult:
    run_id: str
    success: bool  # no critical expectation failed
    critical_failures: list[str] = field(default_factory=list)  # "suite: expectation (column)"
    warnings: list[str] = field(default_factory=list)
    docs_dir: Path | None = None  # Data Docs to publish under <site>/validation/
    evaluated: int = 0


@dataclass
class RunSummary:
    run_id: str
    started_at: dt.datetime
    as_of: dt.date
    finished_at: dt.datetime | None = None
    ingest: IngestReport | None = None
    dbt_ok: bool | None = None
    validation: ValidationResult | None = None
    error: str | None = None  # the failing step's message, when the run failed
    failed_step: str | None = None  # "ingest", "dbt build", ... when the run failed
    crashed: bool = False  # stopped (a signal) or an unexpected error, not a step's own failure
    site_dir: Path | None = None
    site_error: str | None = None  # set when not even the failure banner could be written
    # dbt docs (index.html, manifest.json, catalog.json) to publish under <site>/dbt-docs/
    dbt_docs_dir: Path | None = None
    step_seconds: dict[str, float] = field(default_factory=dict)  # wall time of each step
    analytics_path: Path | None = None  # the analysts' copy written after the publish
    analytics_error: str | None = None  # the copy could not be written (the site is published)
    new_warehouse: bool = False  # the run created the warehouse file
    alerts: list[str] = field(default_factory=list)  # "webhook: delivered", ...
    summary_error: str | None = None  # the summary files beside the warehouse were not written


def new_run_id() -> str:
    """A run's id: its UTC start and a random tail ("20261015T030000Z-1a2b3c")."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


VALIDATION_FAILED = "critical validation failed: "


def error_beyond_checks(summary: RunSummary) -> str | None:
    """The run's error, unless it only repeats the failed checks listed beside it: each failure
    is said once in the summary and the banner (the alert's one line keeps the whole error)."""
    v = summary.validation
    if (
        summary.error
        and summary.failed_step == "validation"
        and v is not None
        and not v.success
        and v.critical_failures
        and summary.error == VALIDATION_FAILED + "; ".join(v.critical_failures)
    ):
        return None
    return summary.error


def markdown(summary: RunSummary, engine: str | None = None) -> str:
    """The run summary in Markdown, as in <warehouse>.last-run.md, Prefect's artifact and alerts."""
    lines = [f"# Nightly run {summary.run_id}", "", f"- As-of date: {summary.as_of}"]
    if engine:
        lines.append(f"- Engine: {engine}")
    if summary.new_warehouse:
        lines.append(
            "- New warehouse: this run created the warehouse file; it holds no earlier night"
        )
    if summary.ingest:
        i = summary.ingest
        lines += [
            f"- Files: {len(i.new_delivery_ids)} new, {i.files_skipped} already loaded, "
            f"{i.files_quarantined} quarantined whole, {i.files_empty} empty",
            f"- Rows: {i.rows_loaded} loaded, {i.rows_quarantined} quarantined, "
            f"{i.rows_withdrawn} withheld (consent withdrawn)",
        ]
    if summary.dbt_ok is not None:
        lines.append(f"- dbt build: {'passed' if summary.dbt_ok else 'FAILED'}")
    if summary.validation:
        v = summary.validation
        state = "passed" if v.success else "FAILED"
        lines.append(
            f"- Validation: {state} ({v.evaluated} expectations, "
            f"{len(v.critical_failures)} critical failures, {len(v.warnings)} warnings)"
        )
        lines += [f"  - critical: {name}" for name in v.critical_failures]
        lines += [f"  - warning: {name}" for name in v.warnings]
    if error := error_beyond_checks(summary):
        lines.append(f"- Error: {error}")
    if summary.site_dir:
        lines.append(f"- Site: {summary.site_dir}")
    if summary.site_error:
        lines.append(f"- Site NOT updated: {summary.site_error}")
    if summary.analytics_path:
        lines.append(f"- Analysts' copy: {summary.analytics_path}")
    if summary.analytics_error:
        lines.append(f"- Analysts' copy NOT updated: {summary.analytics_error}")
    lines += [f"- Alert {line}" for line in summary.alerts]
    return "\n".join(lines) + "\n"


def summary_path(warehouse: Path, kind: str = "last-run", suffix: str = ".md") -> Path:
    """`<warehouse>.last-run.md`, `.last-run.json`, `.last-success.json` beside the warehouse."""
    return warehouse.with_name(f"{warehouse.name}.{kind}{suffix}")


def write_summary_files(summary: RunSummary, warehouse: Path, engine: str) -> str:
    """The summary beside the warehouse: Markdown and JSON of this run, and the JSON again as the
    last success when the run succeeded (read by `aud-outcomes status`). Never creates the
    warehouse's folder (a run is refused when it does not exist). Returns the Markdown; raises
    OSError when a file cannot be written (the earlier files are then left whole)."""
    summary.finished_at = summary.finished_at or dt.datetime.now(dt.UTC)
    text = markdown(summary, engine)
    record = json.dumps({**dataclasses.asdict(summary), "engine": engine}, default=str, indent=2)
    write_atomically(summary_path(warehouse), text)
    write_atomically(summary_path(warehouse, suffix=".json"), record)
    if summary.error is None:
        write_atomically(summary_path(warehouse, "last-success", ".json"), record)
    return text
