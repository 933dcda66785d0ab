"""`dbt build` (or any dbt command) in-process against the run's warehouse.

In-process dbtRunner saves the 4-6 s of a subprocess start (STACK.md). The profile reads the
warehouse path from an environment variable set here; metric thresholds and the as-of date are
passed as `--vars` from Settings, so SQL and Python share one source of truth.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from flows.settings import Settings

# Read by dbt_project/profiles.yml.
WAREHOUSE_ENV = "AUD_DBT_WAREHOUSE_PATH"
MEMORY_LIMIT_ENV = "AUD_DBT_MEMORY_LIMIT"
# dbt's node statuses that mean the node did not succeed.
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


class DbtBuildError(RuntimeError):
    """A dbt command failed; the message is dbt's own (failing nodes and their messages)."""


def dbt_target_dir(settings: Settings) -> Path:
    """Where dbt writes its artifacts (manifest, catalog, the docs site) for this data folder.

    Kept per data folder so runs against different warehouses never share partial-parse state.
    """
    return (settings.data_dir / "dbt" / "target").resolve()


def dbt_log_dir(settings: Settings) -> Path:
    return (settings.data_dir / "dbt" / "logs").resolve()


def dbt_cli_args(settings: Settings, args: list[str], candidate: bool = False) -> list[str]:
    """The full dbt command line: the caller's command plus project, profile, paths and vars.

    With candidate=True the marts are built into settings.candidate_schema, for validation before
    they are published (flows/promote.py).
    """
    dbt_vars = settings.dbt_vars()
    if candidate:
        dbt_vars["marts_schema"] = settings.candidate_schema
    return [
        *args,
        "--project-dir",
        str(settings.dbt_project_dir),
        "--profiles-dir",
        str(settings.dbt_project_dir),
        "--target-path",
        str(dbt_target_dir(settings)),
        "--log-path",
        str(dbt_log_dir(settings)),
        "--vars",
        json.dumps(dbt_vars),
    ]


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
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


def run_dbt(settings: Settings, args: list[str], candidate: bool = False) -> None:
    """Run one dbt command (e.g. ``["build"]``) in-process; DbtBuildError if any node fails."""
    from dbt.cli.main import dbtRunner  # imported here: it costs about 2 s

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    env = {
        WAREHOUSE_ENV: str(settings.warehouse_path),
        MEMORY_LIMIT_ENV: settings.duckdb_memory_limit,
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    with _environment(env):
        outcome = dbtRunner().invoke(dbt_cli_args(settings, args, candidate=candidate))
    if outcome.success:
        return
    if outcome.exception is not None:
        raise DbtBuildError(f"dbt {' '.join(args)} failed: {outcome.exception}")
    detail = _failure_message(outcome.result) or "no node reported an error; see the dbt log"
    raise DbtBuildError(f"dbt {' '.join(args)} failed:\n{detail}")


def run_dbt_docs(settings: Settings) -> Path:
    """Generate the docs of the public marts; returns the folder holding static_index.html.

    `--static` makes one self-contained page that opens from file:// (the site works offline).
    """
    run_dbt(settings, ["docs", "generate", "--static"])
    return dbt_target_dir(settings)
