"""A run killed or stopped from outside, without PREFECT_API_URL (the way `aud-outcomes run` is
usually started): Prefect's temporary server must end with the run, the next run must close the
flow run the killed one left Running, and SIGTERM must say which step it stopped. And the drop
folder: only an error that can pass (a share that went away mid-run) is retried."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psutil
import pytest

from core.warehouse import run_lock
from tests.processes import Cli, flow_runs_for, gone, run_env, temporary_server, wait_until
from tests.support import TEST_STATE, run_cli

AS_OF = "2026-10-15"
# core.warehouse says so when another process holds the file, then waits (AUD_LOCK_WAIT_SECONDS).
WAITING = "waiting up to"


@contextlib.contextmanager
def _holder(warehouse: Path) -> Iterator[subprocess.Popen]:
    """A real process holding the warehouse open (an analyst's notebook): a run waits for it
    inside its ingest step, as long as the test needs."""
    if not warehouse.exists():
        duckdb.connect(str(warehouse)).close()
    code = (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print('open', flush=True); time.sleep(600)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "open"
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _temporary_server_env(tmp_path: Path) -> dict[str, str]:
    return run_env(
        {
            "AUD_DATA_DIR": str(tmp_path / "state"),
            # The temporary server keeps its database here; reused across sessions, it starts
            # in about 6 s instead of 16 (../shared/STACK.md).
            "PREFECT_HOME": str(TEST_STATE / "prefect-home-temporary"),
            "PREFECT_LOGGING_LEVEL": "INFO",
        },
        unset=("PREFECT_API_URL",),  # the session's server must not be inherited
    )


@pytest.mark.slow
@pytest.mark.server
def test_killed_run_leaves_no_server_and_the_next_run_closes_its_flow_run(tmp_path, webhook):
    warehouse, site = tmp_path / "warehouse.duckdb", tmp_path / "site"
    (exports := tmp_path / "exports" / "app").mkdir(parents=True)
    env = {**_temporary_server_env(tmp_path), "AUD_ALERT_WEBHOOK_URL": webhook.url}
    args = ("run", "--exports", str(exports.parent), "--warehouse", str(warehouse))
    args += ("--site", str(site), "--as-of", AS_OF)
    servers: list[psutil.Process] = []
    # A connection held open on the warehouse: each run waits for it inside its ingest step.
    with _holder(warehouse):
        try:
            killed = Cli(tmp_path / "killed", *args, env=env)
            killed.wait_for_output(WAITING)
            server, api = wait_until(lambda: temporary_server(killed.pid), 10, "server", killed)
            servers.append(server)
            (left_open,) = flow_runs_for(api, warehouse)
            assert left_open["state"]["type"] == "RUNNING"

            os.kill(killed.pid, signal.SIGKILL)
            killed.proc.wait(timeout=10)
            wait_until(lambda: gone(server), 10, "end of the killed run's Prefect server")

            # The next run for the warehouse finds the killed run's flow run and closes it.
            following = Cli(tmp_path / "following", *args, env=env)
            following.wait_for_output(WAITING)
            server, api = wait_until(lambda: temporary_server(following.pid), 10, "server")
            servers.append(server)
            runs = {run["id"]: run for run in flow_runs_for(api, warehouse)}
            closed = runs[left_open["id"]]["state"]
            assert closed["type"] == "CRASHED", closed
            assert "Found dead by run" in closed["message"]

            # SIGTERM stops it with the step's name; lock, summary and server are in order.
            status = following.stop(signal.SIGTERM, timeout=60)
            assert status == 143, following.output()
            reason = "stopped by SIGTERM during ingest"
            assert f"Run FAILED: {reason}" in following.stderr()
            summary = warehouse.with_name(warehouse.name + ".last-run.md").read_text()
            assert f"Error: {reason}" in summary
            record = json.loads(warehouse.with_name(warehouse.name + ".last-run.json").read_text())
            assert record["error"] == reason
            assert reason in (site / "index.html").read_text()
            # The stopped run tells the operator once, as crashed (the killed one could not).
            [alert] = webhook.posts
            assert (alert["status"], alert["failed_step"]) == ("crashed", "ingest"), alert
            assert reason in alert["text"]
            with run_lock(warehouse):  # released: a run can start at once
                pass
            wait_until(lambda: gone(server), 10, "end of the stopped run's Prefect server")
        finally:
            for cli in [c for c in locals().values() if isinstance(c, Cli)]:
                cli.kill_everything()
            for server in servers:
                if not gone(server):
                    server.kill()


@pytest.mark.slow
def test_a_drop_folder_that_goes_away_mid_run_is_retried_and_loads(tmp_path, prefect_api):
    """A share unmounted while the run reads it, and back seconds later: the ingest step tries
    again (10 s later) and loads the night, instead of failing or reporting nothing new."""
    exports, warehouse = tmp_path / "exports", tmp_path / "warehouse.duckdb"
    gen = run_cli(
        "generate", "--out", str(exports), "--participants", "40", "--seed", "3",
        "--as-of", AS_OF, "--nights", "1",
    )  # fmt: skip
    assert gen.returncode == 0, gen.stderr
    files = sum(1 for _ in exports.rglob("*_*.*"))
    loaded = f"Ingested {files} new file(s) of {files} seen"
    away = tmp_path / "unmounted"
    env = run_env({"AUD_DATA_DIR": str(tmp_path / "state"), "PREFECT_LOGGING_LEVEL": "INFO"})
    args = ("run", "--exports", str(exports), "--warehouse", str(warehouse))
    args += ("--site", str(tmp_path / "site"), "--as-of", AS_OF)
    cli = None
    try:
        with _holder(warehouse):
            cli = Cli(tmp_path / "run", *args, env=env)
            # The run has listed the drop folder and waits for the warehouse: the share goes.
            cli.wait_for_output(WAITING)
            exports.rename(away)
        cli.wait_for_output("Retry 1/2 will start")
        away.rename(exports)  # back before the retry
        cli.wait_for_output(loaded, timeout=60)
        # What follows (dbt, the site) is other tests' business: stopped cleanly here.
        assert cli.stop(signal.SIGTERM, timeout=60) == 143, cli.output()
    finally:
        if cli is not None:
            cli.kill_everything()
    log = cli.stderr()
    gone_at = log.index("was there when the run started and is gone now")
    assert gone_at < log.index("Retry 1/2 will start") < log.index(loaded), cli.output()
    assert log.count("is gone now") == 1 and "Retry 2/2" not in log  # the second try loaded


def test_only_errors_that_can_pass_are_retried():
    """The ingest step's retry rule (flows/pipeline.py), on the exceptions reading can raise."""
    from flows.ingest import DropFolderChanged, NoSpaceLeft
    from flows.pipeline import DropFolderGone, transient

    blinked = [
        DropFolderGone(Path("/srv/exports")),  # the share went away after the run started
        OSError(errno.EIO, "Input/output error"),
        OSError(errno.ESTALE, "Stale file handle"),
        TimeoutError(errno.ETIMEDOUT, "Connection timed out"),
        ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
    ]
    cannot_pass = [
        FileNotFoundError(errno.ENOENT, "No such file or directory", "app/x.csv"),
        NotADirectoryError(errno.ENOTDIR, "Not a directory"),
        PermissionError(errno.EACCES, "Permission denied"),
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EROFS, "Read-only file system"),
        NoSpaceLeft("no space left on device while loading app/x.csv"),
        DropFolderChanged(Path("/srv/exports"), ["app/participants_20261001.csv"]),
        duckdb.IOException("IO Error: Could not set lock on file"),
        RuntimeError("dbt build failed"),
        ValueError("a programming error"),
    ]
    assert [transient(exc) for exc in blinked] == [True] * len(blinked)
    assert [transient(exc) for exc in cannot_pass] == [False] * len(cannot_pass)
