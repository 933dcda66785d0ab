"""`dbt build` (or any dbt command) in-process against the run's warehouse.

In-process dbtRunner saves the 4-6 s of a subprocess start (STACK.md). The profile reads the
warehouse path from an environment variable set here; metric thresholds and the as-of date are
passed as `--vars` from Settings, so SQL and Python share one source of truth.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from core.settings import Settings
from core.warehouse import wait_until_free

# Read by dbt_project/profiles.yml.
WAREHOUSE_ENV = "AUD_DBT_WAREHOUSE_PATH"
MEMORY_LIMIT_ENV = "AUD_DBT_MEMORY_LIMIT"
# dbt's node statuses that mean the node did not succeed.
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


class DbtBuildError(RuntimeError):
    """A dbt command failed; the message is dbt's own (failing nodes and their messages)."""


# Inputs of the models' results: the project's SQL and YAML (not dbt's output folders); the docs
# also show the Markdown doc blocks.
_MODEL_INPUT_SUFFIXES = (".sql", ".yml", ".yaml", ".csv")
_DOCS_INPUT_SUFFIXES = (*_MODEL_INPUT_SUFFIXES, ".md")
_PROJECT_SKIPPED_DIRS = {"target", "logs", "dbt_packages"}
# Where the incremental models record their last build (dbt_project/macros/incremental.sql).
INCREMENTAL_STATE_TABLE = "intermediate.incremental_state"
DOCS_FINGERPRINT_FILE = "docs-fingerprint.txt"


def _fingerprint(settings: Settings, purpose: bytes, suffixes: tuple[str, ...]) -> str:
    """A hash of the project files with these suffixes, dbt's version and the vars but the
    as-of date (it changes every night; what depends on it handles that itself)."""
    from dbt.version import __version__ as dbt_version

    digest = hashlib.sha256(purpose + b"\0" + dbt_version.encode())
    dbt_vars = {k: v for k, v in settings.dbt_vars().items() if k != "as_of_date"}
    digest.update(json.dumps(dbt_vars, sort_keys=True).encode())
    project = settings.dbt_project_dir
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if relative.parts[0] in _PROJECT_SKIPPED_DIRS or path.suffix not in suffixes:
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def project_fingerprint(settings: Settings) -> str:
    """What the models compute from. Incremental models handle a new as-of date themselves;
    anything else that changes makes the next build a full refresh (`needs_full_refresh`)."""
    return _fingerprint(settings, b"models", _MODEL_INPUT_SUFFIXES)


def docs_fingerprint(settings: Settings) -> str:
    """What the docs show: models, columns, tests and doc blocks. (The compiled SQL in the docs
    shows the as-of date of the night they were generated.)"""
    return _fingerprint(settings, b"docs", _DOCS_INPUT_SUFFIXES)


def needs_full_refresh(settings: Settings) -> bool:
    """Whether the incremental models must be rebuilt from scratch rather than updated.

    True when any of them was last built by another project version, dbt version or metric
    setting (their recorded fingerprint differs), or when the warehouse has tables but no record
    of their builds (built before the models were incremental, or by hand without the var).
    """
    import duckdb

    if not settings.warehouse_path.exists():
        return False  # nothing built yet: dbt builds every model from scratch anyway
    try:
        # Default configuration, not read_only: a connection this process may still hold on the
        # file is then shared instead of refusing a second configuration.
        with duckdb.connect(str(settings.warehouse_path)) as con:
            recorded = con.execute(
                f"select project_fingerprint from {INCREMENTAL_STATE_TABLE}"
            ).fetchall()
    except duckdb.Error:  # no state table (or no intermediate schema)
        return True
    current = project_fingerprint(settings)
    return not recorded or any(fingerprint != current for (fingerprint,) in recorded)


def _with_refresh_decision(settings: Settings, args: list[str]) -> list[str]:
    """`build` / `run` on DuckDB get --full-refresh when the incremental state is stale."""
    if not args or args[0] not in ("build", "run") or "--full-refresh" in args:
        return args
    if "--target" in args and args[args.index("--target") + 1] != "duckdb":
        return args  # Spark builds those models as tables
    return [*args, "--full-refresh"] if needs_full_refresh(settings) else args


def dbt_cli_args(settings: Settings, args: list[str], candidate: bool = False) -> list[str]:
    """The full dbt command line: the caller's command plus project, profile, paths and vars.

    With candidate=True the marts are built into settings.candidate_schema, for validation before
    they are published (engines/duckdb_engine.py).
    """
    dbt_vars = settings.dbt_vars()
    if candidate:
        dbt_vars["marts_schema"] = settings.candidate_schema
    # Recorded by the incremental models with their rows (dbt_project/macros/incremental.sql).
    dbt_vars["project_fingerprint"] = project_fingerprint(settings)
    return [
        *args,
        # dbt's ~350 lines a run go to its log file (settings.dbt_log_dir), never coloured; the
        # console keeps dbt's errors only, beside the pipeline's own lines.
        "--quiet",
        "--use-colors" if sys.stdout.isatty() else "--no-use-colors",
        "--no-use-colors-file",
        "--project-dir",
        str(settings.dbt_project_dir),
        "--profiles-dir",
        str(settings.dbt_project_dir),
        "--target-path",
        str(settings.dbt_target_dir),
        "--log-path",
        str(settings.dbt_log_dir),
        "--vars",
        json.dumps(dbt_vars),
    ]


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of one dbt call, then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _failure_message(result: object) -> str:
    """dbt's own text for each node that did not succeed."""
    lines = []
    for node_result in getattr(result, "results", None) or []:
        status = str(getattr(node_result, "status", "")).lower()
        if status in FAILED_STATUSES:
            node = getattr(node_result, "node", None)
            name = getattr(node, "unique_id", None) or "unknown node"
            lines.append(f"{name} ({status}): {getattr(node_result, 'message', '') or ''}".strip())
    return "\n".join(lines)


def _release_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb keeps open (profiles.yml `keep_open: true`).

    dbt-duckdb holds it in a class attribute until the process exits; the next step (validation,
    promotion) and other processes need the file, so it is closed as soon as the command ends.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager

    with manager._LOCK:
        if manager._ENV is not None:
            manager._ENV.close()
            manager._ENV = None


def run_dbt(settings: Settings, args: list[str], candidate: bool = False) -> None:
    """Run one dbt command (e.g. ``["build"]``) in-process; DbtBuildError if any node fails."""
    from dbt.cli.main import dbtRunner  # imported here: it costs about 2 s

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    wait_until_free(settings)  # dbt-duckdb would fail at once on a file another process holds
    env = {
        WAREHOUSE_ENV: str(settings.warehouse_path),
        MEMORY_LIMIT_ENV: settings.duckdb_memory_limit,
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    with environment(env):
        try:
            command = _with_refresh_decision(settings, args)
            outcome = dbtRunner().invoke(dbt_cli_args(settings, command, candidate=candidate))
        finally:
            _release_warehouse()
    if outcome.success:
        return
    exc = outcome.exception
    if exc is not None and not isinstance(exc, Exception):
        # A signal or Ctrl-C that dbtRunner caught: the run was stopped, dbt did not fail.
        raise exc
    if exc is not None:
        reason = str(exc).strip() or type(exc).__name__  # never an empty reason
        raise DbtBuildError(f"dbt {' '.join(args)} failed: {reason}")
    detail = _failure_message(outcome.result) or "no node reported an error; see the dbt log"
    raise DbtBuildError(f"dbt {' '.join(args)} failed:\n{detail}")


def run_dbt_docs(settings: Settings) -> Path:
    """Generate the docs of the public marts; returns the folder holding static_index.html.

    `--static` makes one self-contained page that opens from file:// (the site works offline).
    The docs change only when the project does, so a night whose project matches the last
    generated docs reuses them (5-10 s saved). (`--no-compile` is no way out: it reuses the
    manifest of the last command, the candidate build, whose marts live in the candidate schema.)
    """
    target = settings.dbt_target_dir
    stamp = target / DOCS_FINGERPRINT_FILE
    fingerprint = docs_fingerprint(settings)
    docs_current = stamp.is_file() and stamp.read_text().strip() == fingerprint
    if docs_current and (target / "static_index.html").is_file():
        return target
    stamp.unlink(missing_ok=True)
    run_dbt(settings, ["docs", "generate", "--static"])
    stamp.write_text(fingerprint + "\n")
    return target
