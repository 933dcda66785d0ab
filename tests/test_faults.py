"""A run killed or stopped from outside, without PREFECT_API_URL (the way `aud-outcomes run` is
usually started): Prefect's temporary server must end with the run, the next run must close the
flow run the killed one left Running, and SIGTERM must say which step it stopped."""

from __future__ import annotations

import json
import os
import signal

import psutil
import pytest

from core.warehouse import run_lock
from tests.processes import Cli, flow_runs_for, gone, run_env, temporary_server, wait_until
from tests.support import TEST_STATE

pytestmark = [pytest.mark.slow, pytest.mark.server]

AS_OF = "2026-10-15"
RETRY_WAIT = "Retry 1/2 will start"


def test_killed_run_leaves_no_server_and_the_next_run_closes_its_flow_run(tmp_path):
    warehouse, site = tmp_path / "warehouse.duckdb", tmp_path / "site"
    env = run_env(
        {
            "AUD_DATA_DIR": str(tmp_path / "state"),
            # The temporary server keeps its database here; reused across sessions, it starts
            # in about 6 s instead of 16 (../shared/STACK.md).
            "PREFECT_HOME": str(TEST_STATE / "prefect-home-temporary"),
            "PREFECT_LOGGING_LEVEL": "INFO",
        },
        unset=("PREFECT_API_URL",),  # the session's server must not be inherited
    )
    # An unmounted drop folder: ingest retries it after 10 s, a wait inside the ingest step.
    args = ("run", "--exports", str(tmp_path / "not-mounted"), "--warehouse", str(warehouse))
    args += ("--site", str(site), "--as-of", AS_OF)
    servers: list[psutil.Process] = []
    try:
        killed = Cli(tmp_path / "killed", *args, env=env)
        killed.wait_for_output(RETRY_WAIT)
        server, api = wait_until(lambda: temporary_server(killed.pid), 10, "server", killed)
        servers.append(server)
        (left_open,) = flow_runs_for(api, warehouse)
        assert left_open["state"]["type"] == "RUNNING"

        os.kill(killed.pid, signal.SIGKILL)
        killed.proc.wait(timeout=10)
        wait_until(lambda: gone(server), 10, "end of the killed run's Prefect server")

        # The next run for the warehouse finds the killed run's flow run and closes it.
        following = Cli(tmp_path / "following", *args, env=env)
        following.wait_for_output(RETRY_WAIT)
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
        with run_lock(warehouse):  # released: a run can start at once
            pass
        wait_until(lambda: gone(server), 10, "end of the stopped run's Prefect server")
    finally:
        for cli in [c for c in locals().values() if isinstance(c, Cli)]:
            cli.kill_everything()
        for server in servers:
            if not gone(server):
                server.kill()
