"""What one run did, handed from step to step and shown on the site and in Prefect's artifact."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


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
