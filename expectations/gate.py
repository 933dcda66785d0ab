"""The validation gate: build the GX context from the code, run every suite's Checkpoint over
its pandas frame, build Data Docs, record the history.

Called by the nightly flow after ingestion and `dbt build`. A failed critical expectation makes
`success` False (the flow then keeps the last good marts and site); warnings publish with a note.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd

from core.engine import Engine
from core.run_summary import ValidationResult
from core.settings import Settings
from core.warehouse import open_warehouse
from expectations.context import DOCS_SITE, build_context, docs_site
from expectations.frames import delivery_frames, engine_frames
from expectations.history import Outcome, record_run
from expectations.messages import message
from expectations.reports import SuiteRun, quarantine_page, read_quarantine, summary_page
from expectations.suites import SUITES, build_suites

log = logging.getLogger(__name__)


def docs_dir(settings: Settings) -> Path:
    """Where the run's Data Docs are published for the site to copy (kept between runs)."""
    return (settings.data_dir / "validation_docs").resolve()


def context_dir(settings: Settings) -> Path:
    return (settings.data_dir / "validation_context").resolve()


def observed(result: dict[str, Any]) -> str | None:
    """A short text of what GX measured: the observed value, or the unexpected-row count."""
    if "observed_value" in result:
        return json.dumps(result["observed_value"], default=str)
    if "unexpected_count" in result:
        count = result.get("unexpected_count") or 0
        total = result.get("element_count") or 0
        return f"{count} of {total} rows unexpected"
    return None


def exception_message(info: dict[str, Any] | None) -> str | None:
    """GX 1.x reports errors either flat or per metric: {metric id: {raised_exception, ...}}."""
    if not info:
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message", "")) if info["raised_exception"] else None
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message", ""))
    return None


def offending_rows(value: Any, rows: int) -> str | None:
    """A summary's count of offending rows in the words row-level checks used (history stays
    comparable): "k of n rows unexpected"."""
    try:
        return f"{int(float(value))} of {rows} rows unexpected"
    except (TypeError, ValueError):
        return None


def outcome_of(
    suite: str,
    expectation_result: Any,
    rows: int | None = None,
    frame: pd.DataFrame | None = None,
) -> Outcome:
    """One evaluated expectation; `rows` is what a summary frame stands for (see rows_checked),
    `frame` the suite's frame its plain-words message may quote."""
    config = expectation_result.expectation_config
    severity = getattr(config.severity, "value", config.severity) or "critical"
    meta = config.meta or {}
    label = meta.get("label") or config.description or config.type
    raw = (expectation_result.result or {}).get("observed_value")
    value = observed(expectation_result.result or {})
    if meta.get("counts_rows") and rows is not None:
        # A delivery summary check: the observed maximum is the count of offending rows.
        count = (expectation_result.result or {}).get("observed_value")
        value = offending_rows(count, rows) or value
    error = exception_message(expectation_result.exception_info)
    text = message(
        meta.get("message"),
        meta.get("message_args") or {},
        raw,
        dict(config.kwargs),
        frame if frame is not None else pd.DataFrame(),
    )
    if error is not None:
        # GX's message names columns and metrics, not data values.
        value = f"not evaluated: {error[:200]}"
        text = f"{label}: not evaluated ({error[:200]})"
    return Outcome(
        suite=suite,
        expectation=str(label),
        severity=str(severity),
        success=bool(expectation_result.success),
        observed_value=value,
        expectation_type=config.type,
        message=text or f"{label}: observed {value}",
    )


def rows_checked(frame: pd.DataFrame) -> int:
    """Rows a suite's frame stands for: delivery summaries carry their source row count in
    `rows`; other frames stand for themselves."""
    if "rows" in frame.columns:
        return int(frame["rows"].fillna(0).sum())
    return len(frame)


def _run_checkpoints(
    settings: Settings, frames: dict[str, pd.DataFrame], run_id: str, run_at: dt.datetime
) -> tuple[list[SuiteRun], Path]:
    from great_expectations.core.run_identifier import RunIdentifier

    built_started = time.perf_counter()
    context = build_context(context_dir(settings), build_suites(settings))
    log.info("GX context built in %.1f s", time.perf_counter() - built_started)
    run_identifier = RunIdentifier(run_name=run_id, run_time=run_at)
    site = docs_site(context)
    runs = []
    for suite in SUITES:
        frame = frames[suite.name]
        suite_started = time.perf_counter()
        result = context.checkpoints.get(suite.name).run(
            batch_parameters={"dataframe": frame}, run_id=run_identifier
        )
        run = SuiteRun(name=suite.name, rows=rows_checked(frame), reads=suite.reads)
        for identifier, validation in result.run_results.items():
            run.page = Path("validations", *identifier.to_tuple()).with_suffix(".html").as_posix()
            run.outcomes += [outcome_of(suite.name, r, run.rows, frame) for r in validation.results]
        runs.append(run)
        log.debug(
            "%s: %d rows in %.2f s", suite.name, len(frame), time.perf_counter() - suite_started
        )
    docs_started = time.perf_counter()
    context.build_data_docs(site_names=[DOCS_SITE])
    log.info("Data Docs built in %.1f s", time.perf_counter() - docs_started)
    for run in runs:
        if run.page and not (site / run.page).is_file():
            run.page = None  # link only pages GX wrote
    return runs, site


def _publish_docs(site: Path, target: Path, pages: dict[str, str]) -> Path:
    """Copy the Data Docs site and our pages to target, swapping folders (never half-built)."""
    staging = target.with_name(target.name + ".new")
    old = target.with_name(target.name + ".old")
    for leftover in (staging, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.copytree(site, staging)
    # GX's index renders its list with a CDN script (empty offline): keep it under another name.
    (staging / "index.html").rename(staging / "data_docs_index.html")
    for name, text in pages.items():
        (staging / name).write_text(text, encoding="utf-8")
    if target.exists():
        target.rename(old)
    staging.rename(target)
    if old.exists():
        shutil.rmtree(old)
    return target


def validate(
    settings: Settings, engine: Engine, new_delivery_ids: list[int], run_id: str
) -> ValidationResult:
    """Validate tonight's deliveries, and the marts about to be published against dbt's staging.

    dbt's relations are read through `engine` (whichever engine built them); ingestion's tables
    from the DuckDB warehouse, where ingestion writes on every engine.
    """
    started = time.perf_counter()
    # Importing GX takes seconds of mostly Python work; the databases read meanwhile.
    gx_import = threading.Thread(target=importlib.import_module, args=("great_expectations",))
    gx_import.start()
    run_at = dt.datetime.now(dt.UTC)
    as_of = settings.resolved_as_of()
    schema = engine.marts_schema()
    frames = engine_frames(engine, schema, as_of)
    with open_warehouse(settings, read_only=True) as con:
        frames |= delivery_frames(con, new_delivery_ids, as_of)
        quarantine_tonight, quarantine_all = read_quarantine(con, new_delivery_ids)
    read_seconds = time.perf_counter() - started
    gx_import.join()
    import_seconds = time.perf_counter() - started

    suites, site = _run_checkpoints(settings, frames, run_id, run_at)
    checks_seconds = time.perf_counter() - started
    outcomes = [o for s in suites for o in s.outcomes]
    seconds = time.perf_counter() - started
    pages = {
        "index.html": summary_page(run_id, as_of, run_at, schema, engine.name, suites, seconds),
        "quarantine.html": quarantine_page(run_id, quarantine_tonight, quarantine_all),
    }
    published = _publish_docs(site, docs_dir(settings), pages)
    record_run(settings, run_id, run_at, as_of, outcomes)

    result = ValidationResult(
        run_id=run_id,
        success=not any(o.severity == "critical" and not o.success for o in outcomes),
        critical_failures=[
            o.message for o in outcomes if o.severity == "critical" and not o.success
        ],
        warnings=[o.message for o in outcomes if o.severity != "critical" and not o.success],
        docs_dir=published,
        evaluated=len(outcomes),
    )
    log.info(
        "Validated %d expectation(s) in %d suite(s) in %.1f s (read by %.1f s, GX imported by "
        "%.1f s, checked by %.1f s): %d critical failure(s), %d warning(s); Data Docs in %s",
        len(outcomes),
        len(suites),
        time.perf_counter() - started,
        read_seconds,
        import_seconds,
        checks_seconds,
        len(result.critical_failures),
        len(result.warnings),
        published,
    )
    return result
