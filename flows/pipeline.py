"""The nightly run as one Prefect flow: ingest -> dbt build -> validate -> promote -> publish.

Import this module only after `flows.prefect_env.configure()` (the CLI does that).
The public marts change only when the whole run succeeded: dbt builds into a candidate schema,
Great Expectations validates the candidate, and only then are the tables promoted to `marts` and
the dashboards rebuilt. A failure keeps the last good marts and site and fails the flow run.
SIGTERM or Ctrl-C stops the run the same way, says which step it stopped ("stopped by SIGTERM
during dbt build") and ends the flow run Crashed (flows/signals.py). A run that holds the run lock
closes the flow runs that killed runs of the same warehouse left open (flows/stale_runs.py).
"""

from __future__ import annotations

import datetime as dt
import errno
import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.exceptions import TerminationSignal
from prefect.states import Crashed, State

from core.engine import Engine
from core.run_summary import (
    VALIDATION_FAILED,
    IngestReport,
    RunSummary,
    ValidationResult,
    markdown,
    new_run_id,
    summary_path,
    write_summary_files,
)
from core.settings import Settings
from core.warehouse import WarehouseBusyError, run_lock
from engines import engine_for
from flows import alerts, preflight, signals, stale_runs


class PipelineError(RuntimeError):
    """A step failed; the message says which and why."""


def _expected_failures() -> tuple[type[BaseException], ...]:
    import duckdb

    return (RuntimeError, OSError, duckdb.Error)


# A step's own failure (a check, dbt, the drop folder, the disk, the database): "failed". Anything
# else (a programming error) or a stop signal: "crashed", for the alerts.
EXPECTED_FAILURES = _expected_failures()


class DropFolderGone(OSError):
    """The drop folder was there when the run started and is gone now: a share that was
    unmounted mid-run, which may come back (retried)."""

    def __init__(self, exports_dir: Path) -> None:
        super().__init__(
            errno.ENOENT,
            f"the exports folder {exports_dir} was there when the run started and is gone now: "
            "check that the exports share is mounted",
            str(exports_dir),
        )

    def __str__(self) -> str:
        return self.strerror


# OSErrors that a retry cannot fix: a wrong path or kind, no permission, a full or read-only disk.
# A wrong drop folder never gets here (preflight refuses it); a file gone mid-read is loaded the
# next night.
PERMANENT_OS_ERRORS = (
    FileNotFoundError,
    NotADirectoryError,
    IsADirectoryError,
    PermissionError,
    FileExistsError,
)
PERMANENT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.ENAMETOOLONG, errno.ELOOP, errno.EINVAL}
)


def transient(exc: BaseException | None) -> bool:
    """Whether reading the drop folder may succeed if tried again in a few seconds: the drop folder
    gone since the run started, or an I/O error of the kind a network share that blinked gives
    (EIO, ESTALE, a timeout, a reset connection). Anything else fails at once."""
    if isinstance(exc, DropFolderGone):
        return True
    if not isinstance(exc, OSError) or isinstance(exc, PERMANENT_OS_ERRORS):
        return False
    return exc.errno not in PERMANENT_ERRNOS


def _retry_if_transient(task, task_run, state) -> bool:
    """Prefect's retry_condition_fn: the task's exception is the Failed state's data."""
    exc = state.data if isinstance(state.data, BaseException) else None
    if exc is None:
        try:
            state.result()
        except Exception as raised:
            exc = raised
    return transient(exc)


INGEST_RETRIES, INGEST_RETRY_DELAY_SECONDS = 2, 10


@task(
    name="ingest",
    retries=INGEST_RETRIES,
    retry_delay_seconds=INGEST_RETRY_DELAY_SECONDS,
    retry_condition_fn=_retry_if_transient,
    cache_policy=NO_CACHE,
)
def ingest_task(settings: Settings) -> IngestReport:
    from flows.ingest import ingest_exports

    logger = get_run_logger()
    exports = settings.exports_dir
    # The flow's preflight saw the folder: gone now, it is a share unmounted since, never
    # "nothing new tonight".
    if not exports.is_dir():
        raise DropFolderGone(exports)
    try:
        report = ingest_exports(exports, settings.warehouse_path, settings)
    except OSError as exc:
        if not exports.is_dir():  # a file could not be read because its folder went away
            raise DropFolderGone(exports) from exc
        raise
    logger.info(
        "Ingested %d new file(s) of %d seen: %d rows loaded, %d rows quarantined, "
        "%d file(s) quarantined whole, %d skipped as already loaded.",
        len(report.new_delivery_ids),
        report.files_seen,
        report.rows_loaded,
        report.rows_quarantined,
        report.files_quarantined,
        report.files_skipped,
    )
    if report.redeliveries:
        logger.warning("Re-delivered with different bytes: %s", ", ".join(report.redeliveries))
    if report.participants_purged:
        logger.info(
            "Removed all data of %d participant(s) who withdrew consent.",
            report.participants_purged,
        )
    return report


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_build_task(engine: Engine) -> None:
    get_run_logger().info(engine.build_marts())


@task(name="dbt-docs", cache_policy=NO_CACHE)
def dbt_docs_task(engine: Engine) -> Path | None:
    """Docs of the public marts, for the site (generated against `marts`, not the candidate)."""
    try:
        return engine.generate_docs()
    except Exception as exc:  # the docs are a convenience: never fail a validated run
        get_run_logger().warning(
            "dbt docs were not generated (%s); the site keeps the last docs.", exc
        )
        return None


@task(name="validate", cache_policy=NO_CACHE)
def validate_task(
    settings: Settings, engine: Engine, new_delivery_ids: list[int], run_id: str
) -> ValidationResult:
    from expectations.gate import validate

    logger = get_run_logger()
    result = validate(settings, engine, new_delivery_ids, run_id)
    for name in result.critical_failures:
        logger.error("Critical check failed: %s", name)
    for name in result.warnings:
        logger.warning("Warning: %s", name)
    logger.info(
        "Validation %s: %d expectation(s), %d critical failure(s), %d warning(s).",
        "passed" if result.success else "FAILED",
        result.evaluated,
        len(result.critical_failures),
        len(result.warnings),
    )
    return result


@task(name="promote-marts", cache_policy=NO_CACHE)
def promote_task(engine: Engine) -> None:
    tables = engine.promote_marts()
    get_run_logger().info("Published %d mart table(s) to marts (%s).", len(tables), engine.name)


@task(name="purge-withdrawn", cache_policy=NO_CACHE)
def purge_task(engine: Engine) -> None:
    """Withdrawn participants leave what the engine keeps beyond the warehouse file."""
    removed = engine.purge_withdrawn()
    if removed:
        get_run_logger().info(
            "Removed %d row(s) of withdrawn participants (%s).", removed, engine.name
        )


@task(name="publish-analytics-copy", cache_policy=NO_CACHE)
def analytics_task(settings: Settings, engine: Engine) -> Path:
    """The analysts' copy of the public tables just published (engines/analytics.py)."""
    from engines.analytics import publish_analytics_copy

    path = publish_analytics_copy(settings, engine)
    get_run_logger().info("Analysts' copy published: %s and %s", path, settings.parquet_dir)
    return path


@task(name="build-site", cache_policy=NO_CACHE)
def build_site_task(settings: Settings, summary: RunSummary, engine: Engine) -> Path:
    """The site from the validated candidate, before anything is promoted: a site that cannot be
    built leaves the public marts as they were."""
    from dashboards.publish import build_site

    build = build_site(settings, summary, engine, engine.marts_schema())
    get_run_logger().info("Dashboards built from %s in %s", engine.marts_schema(), build)
    return build


@task(name="publish-dashboards", cache_policy=NO_CACHE)
def publish_task(settings: Settings, summary: RunSummary, build: Path) -> Path:
    from dashboards.publish import swap_site

    site = swap_site(settings, summary, build)
    get_run_logger().info("Dashboards published to %s", site)
    return site


@task(name="publish-failure-notice", cache_policy=NO_CACHE)
def publish_failure_task(settings: Settings, summary: RunSummary) -> Path:
    from dashboards.publish import publish_failure

    site = publish_failure(settings, summary)
    get_run_logger().error("Kept the last good dashboards in %s and marked the failure.", site)
    return site


def summary_markdown(summary: RunSummary, engine: str | None = None) -> str:
    return markdown(summary, engine)


def last_run_path(settings: Settings, suffix: str = ".md") -> Path:
    """The last run's summary, beside the warehouse, for the CLI, operators and the benchmark."""
    return summary_path(settings.warehouse_path, "last-run", suffix)


def _timed(summary: RunSummary, step: str, fn, *args):
    started = time.perf_counter()
    try:
        return fn(*args)
    finally:
        summary.step_seconds[step] = round(time.perf_counter() - started, 3)


def _alert(settings: Settings, summary: RunSummary) -> None:
    """Tell people of a failed, crashed or warning night (flows/alerts.py); never raises."""
    alert = alerts.alert_for(settings, summary, summary_markdown(summary, settings.engine))
    if alert is not None:
        summary.alerts = alerts.send(settings, alert)


def _record(settings: Settings, summary: RunSummary) -> None:
    """The summary beside the warehouse (and the last success's, for `status`), then Prefect's
    artifact. Files that cannot be written (a full disk) are said in the log and the summary;
    the run's own outcome is not hidden by it."""
    summary.finished_at = dt.datetime.now(dt.UTC)
    # "New warehouse" only when this run did make the file (a run may fail before it does).
    summary.new_warehouse = summary.new_warehouse and settings.warehouse_path.exists()
    try:
        text = write_summary_files(summary, settings.warehouse_path, settings.engine)
    except OSError as exc:
        summary.summary_error = (
            f"the run summary could not be written beside the warehouse ({exc}); the files "
            "there are from an earlier run"
        )
        get_run_logger().error("%s", summary.summary_error)
        text = summary_markdown(summary, settings.engine) + f"- {summary.summary_error}\n"
    try:
        create_markdown_artifact(
            markdown=text,
            key="nightly-run-summary",
            description="What the nightly run loaded, checked and published.",
        )
    except Exception as exc:  # the files above are the record; the API may be gone (a stop)
        get_run_logger().warning("The run summary was not sent to Prefect: %s", exc)


def settings_for_run(
    exports: str | None,
    warehouse: str | None,
    site: str | None,
    as_of: str | None,
    engine: str | None = None,
) -> Settings:
    overrides: dict[str, object] = {}
    for key, value in (("exports", exports), ("warehouse", warehouse), ("site", site)):
        if value:
            overrides[key] = Path(value)
    if as_of:
        overrides["as_of"] = dt.date.fromisoformat(as_of)
    if engine:
        overrides["engine"] = engine  # else AUD_ENGINE, else duckdb (Settings)
    return Settings(**overrides)


def _run_steps(settings: Settings, engine: Engine, summary: RunSummary) -> None:
    """The steps in order. Whatever fails, the site keeps its last good dashboards and says so."""
    step = "ingest"
    try:
        summary.ingest = _timed(summary, "ingest", ingest_task, settings)
        if summary.ingest.participants_purged:
            step = "consent purge"
            _timed(summary, "purge", purge_task, engine)
        step = "dbt build"
        summary.dbt_ok = False
        _timed(summary, "dbt", dbt_build_task, engine)
        summary.dbt_ok = True
        step = "validation"
        summary.validation = _timed(
            summary,
            "validation",
            validate_task,
            settings,
            engine,
            summary.ingest.new_delivery_ids,
            summary.run_id,
        )
        if not summary.validation.success:
            raise PipelineError(VALIDATION_FAILED + "; ".join(summary.validation.critical_failures))
        step = "publishing"
        # Marts and site go out together: the site is built from the candidate first, so what
        # can fail (a page, the site folder) fails before the public marts change.
        build = _timed(summary, "dashboards", build_site_task, settings, summary, engine)
        try:
            _timed(summary, "promote", promote_task, engine)
            summary.dbt_docs_dir = _timed(summary, "dbt_docs", dbt_docs_task, engine)
            summary.site_dir = _timed(summary, "swap", publish_task, settings, summary, build)
        finally:
            from dashboards.publish import discard_site

            discard_site(build)  # gone once swapped in; removed when a step failed
        step = "analysts' copy"
        try:
            summary.analytics_path = _timed(summary, "analytics", analytics_task, settings, engine)
        except Exception as exc:  # marts and site are out: a warning, not a failed night
            summary.analytics_error = str(exc)
            get_run_logger().warning("The analysts' copy was not updated: %s", exc)
    except BaseException as exc:
        # A stop signal is recorded whatever exception reached here: dbt turns it into its own
        # "dbt build failed: ..." with an empty reason.
        stop = signals.received()
        summary.failed_step = step
        if stop is not None:
            summary.error = f"{signals.stop_reason(stop)} during {step}"
            summary.crashed = True
        elif not isinstance(exc, Exception):
            raise  # Prefect's own termination (a cancelled served run): Prefect ends it
        else:
            summary.error = str(exc) if isinstance(exc, PipelineError) else f"{step} failed: {exc}"
            summary.crashed = not isinstance(exc, EXPECTED_FAILURES)
        with signals.deferred():  # a second signal must not cut the banner short
            try:
                summary.site_dir = publish_failure_task(settings, summary)
            except Exception as banner_error:  # the run's own error is the one to report
                summary.site_error = f"the failure could not be marked on the site: {banner_error}"
                get_run_logger().error("Could not mark the failure on the site: %s", banner_error)
        if stop is not None:
            raise signals.Stopped(stop) from exc
        if isinstance(exc, PipelineError | WarehouseBusyError):
            raise  # the busy warehouse keeps its type: the CLI exits 3
        raise PipelineError(summary.error) from exc


def _close_dead_runs(settings: Settings, summary: RunSummary) -> None:
    """Close the flow runs killed runs of this warehouse left open (call holding the run lock)."""
    logger = get_run_logger()
    try:
        flow_run = get_run_context().flow_run
        closed = stale_runs.close_dead_runs(
            settings.warehouse_path,
            found_by=f"run {summary.run_id} (flow run {flow_run.name})",
            current=flow_run.id,
        )
    except Exception as exc:  # housekeeping: never a reason to skip the night
        logger.warning("Could not check for flow runs left open by killed runs: %s", exc)
        return
    if closed:
        logger.warning(
            "Marked %d flow run(s) left open by killed runs as ended: %s",
            len(closed),
            ", ".join(closed),
        )


@flow(name=stale_runs.FLOW_NAME, validate_parameters=True)
def nightly_run(
    exports: str | None = None,
    warehouse: str | None = None,
    site: str | None = None,
    as_of: str | None = None,
    engine: str | None = None,
) -> RunSummary | State:
    """Ingest the night's exports, rebuild the outcome marts, validate them and publish.

    engine "spark" builds, validates, promotes and serves the marts on Apache Spark (local mode);
    ingestion, quarantine, manifest and validation history stay in the DuckDB file.

    Stopped by SIGTERM or SIGINT, the run keeps the last good marts and site like any failure
    and ends Crashed, its message saying which signal stopped which step (a served run cancelled
    through the API ends Cancelled, as Prefect does it).
    """
    settings = settings_for_run(exports, warehouse, site, as_of, engine)
    summary = RunSummary(
        run_id=new_run_id(), started_at=dt.datetime.now(dt.UTC), as_of=settings.resolved_as_of()
    )
    # Freeze the as-of date for every step, even a run that crosses midnight.
    settings = settings.model_copy(update={"as_of": summary.as_of})
    stopped = None
    refused = False  # another run holds the warehouse: the night, its alert and summary are its
    with signals.stop_on_signals():
        try:
            # Again here: a served run has no CLI before it. Refused, never retried.
            if found := preflight.problems(settings, "run"):
                summary.failed_step = "preflight"
                summary.error = preflight.one_line(found)
                raise PipelineError(summary.error)
            with run_lock(settings.warehouse_path):
                summary.new_warehouse = not settings.warehouse_path.exists()
                _close_dead_runs(settings, summary)
                _run_steps(settings, engine_for(settings), summary)
        except signals.Stopped as exc:
            stopped = exc
            summary.error = summary.error or f"{signals.stop_reason(exc.signum)} before ingest"
        except Exception as exc:
            if summary.error is not None:  # a step's failure, already said
                raise
            if isinstance(exc, WarehouseBusyError):  # from run_lock: another run has the night
                refused = True
                raise
            # Outside the steps (the engine's set-up): said and alerted all the same.
            summary.failed_step = "start"
            summary.error = f"the run could not start: {exc}"
            summary.crashed = not isinstance(exc, EXPECTED_FAILURES)
            raise
        finally:
            if not refused:
                with signals.deferred():
                    _alert(settings, summary)
                    _record(settings, summary)
    if stopped is None:
        return summary
    get_run_logger().error("Run %s", summary.error)
    if signals.prefect_control_intent() is not None:
        raise TerminationSignal(stopped.signum) from stopped  # the runner's cancel: Prefect's
    return Crashed(message=summary.error)
