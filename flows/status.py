"""`aud-outcomes status`: the missed-run check for cron or a monitoring system.

It reads only the summary files the runs write beside the warehouse (`.last-run.json` for the
latest run, `.last-success.json` for the latest successful one), never the warehouse itself, so it
answers at once even while a run holds the warehouse. A run killed outright writes nothing: the
last success then ages until the check fails.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

from core.run_summary import summary_path
from core.settings import Settings
from core.warehouse import lock_path


@dataclass(frozen=True)
class Status:
    lines: list[str]
    healthy: bool

    @property
    def exit_code(self) -> int:
        return 0 if self.healthy else 1


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return {"unreadable": f"{path.name} could not be read ({exc})"}


def _running_pid(settings: Settings) -> str | None:
    """The pid of a run holding the warehouse's run lock, or None."""
    path = lock_path(settings.warehouse_path)
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _when(record: dict) -> dt.datetime | None:
    value = record.get("finished_at") or record.get("started_at")
    try:
        stamp = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _outcome(record: dict) -> str:
    if record.get("error"):
        step = f" at {record['failed_step']}" if record.get("failed_step") else ""
        return f"FAILED{step}: {record['error']}"
    warnings = len((record.get("validation") or {}).get("warnings") or [])
    return f"succeeded with {warnings} warning(s)" if warnings else "succeeded"


def status(settings: Settings, now: dt.datetime | None = None) -> Status:
    now = now or dt.datetime.now(dt.UTC)
    limit = settings.max_run_age_hours
    lines = [f"Warehouse: {settings.warehouse_path}"]
    pid = _running_pid(settings)
    if pid:
        lines.append(f"A run is in progress (pid {pid}).")
    last = _read(summary_path(settings.warehouse_path, "last-run", ".json"))
    if last is None:
        lines.append("Last run: none recorded.")
    elif "unreadable" in last:
        lines.append(f"Last run: {last['unreadable']}.")
    else:
        lines.append(
            f"Last run: {last.get('run_id')} at {_when(last) or 'unknown time'} "
            f"(as of {last.get('as_of')}), {_outcome(last)}."
        )
    success = _read(summary_path(settings.warehouse_path, "last-success", ".json"))
    when = _when(success) if success and "unreadable" not in success else None
    if when is None:
        lines.append(f"Last successful run: none recorded; the limit is {limit:g} hours.")
        healthy = False
    else:
        hours = (now - when).total_seconds() / 3600
        healthy = hours <= limit
        verdict = "within" if healthy else "OLDER than"
        lines.append(
            f"Last successful run: {success.get('run_id')} at {when}, {hours:.1f} hours ago, "
            f"{verdict} the limit of {limit:g} hours (AUD_MAX_RUN_AGE_HOURS)."
        )
        if success.get("site_dir"):
            lines.append(f"Site: {Path(success['site_dir']) / 'index.html'}")
    return Status(lines=lines, healthy=healthy)
