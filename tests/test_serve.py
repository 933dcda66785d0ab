"""`aud-outcomes serve` against a real Prefect server: the deployment, its schedule, a run
triggered through the API, and a clean stop on SIGTERM."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import signal
import subprocess
import time
import uuid

import psutil
import pytest

from core.warehouse import lock_path
from tests.processes import SLOW_MODEL, descendants, slow_dbt_project, wait_until
from tests.support import VENV_BIN, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.server]

AS_OF = dt.date(2026, 10, 15)
# A deployment of its own per test session: the Prefect home under data/test-state outlives the
# session, and `serve` would otherwise also pick up late scheduled runs of an earlier session's
# deployment of the same name, racing the run this test triggers.
DEPLOYMENT = f"nightly-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    exports = tmp_path_factory.mktemp("serve-exports") / "exports"
    gen = run_cli(
        "generate",
        "--out",
        str(exports),
        "--participants",
        "120",
        "--seed",
        "3",
        "--as-of",
        AS_OF.isoformat(),
    )
    assert gen.returncode == 0, gen.stderr
    return exports


def _serve_env(base, exports, deployment: str) -> dict[str, str]:
    return {
        **os.environ,
        "AUD_DATA_DIR": str(base / "state"),
        "AUD_EXPORTS": str(exports),
        "AUD_WAREHOUSE": str(base / "warehouse.duckdb"),
        "AUD_SITE": str(base / "site"),
        # Scheduled runs take "today"; the generated data ends at AS_OF, so pin it.
        "AUD_AS_OF": AS_OF.isoformat(),
        "AUD_SCHEDULE_CRON": "30 2 * * *",
        "AUD_DEPLOYMENT_NAME": deployment,
        # A triggered run starts within 2 s, not 10 (Prefect's default poll).
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
    }


def _start_serve(env: dict[str, str], log_path):
    with log_path.open("a") as log:
        return subprocess.Popen(
            [str(VENV_BIN / "aud-outcomes"), "serve"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


@pytest.fixture(scope="module")
def served(tmp_path_factory, prefect_api, exports):
    base = tmp_path_factory.mktemp("serve")
    proc = _start_serve(_serve_env(base, exports, DEPLOYMENT), base / "serve.log")
    yield {"proc": proc, "base": base, "log": base / "serve.log"}
    if proc.poll() is None:
        proc.kill()


async def _deployment(name: str = DEPLOYMENT):
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        deadline = time.monotonic() + 60
        while True:
            try:
                return await client.read_deployment_by_name(f"nightly-run/{name}")
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)


def test_deployment_has_the_configured_cron_in_the_program_time_zone(served):
    import asyncio

    deployment = asyncio.run(_deployment())
    schedules = [s.schedule for s in deployment.schedules]
    assert len(schedules) == 1
    assert schedules[0].cron == "30 2 * * *"
    assert schedules[0].timezone == "America/New_York"
    assert set(deployment.parameters) == {"exports", "warehouse", "site"}


def test_sigterm_stops_serve_cleanly(served):
    proc = served["proc"]
    assert proc.poll() is None, served["log"].read_text()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("serve did not stop within 20 s of SIGTERM")
    assert code == 0, served["log"].read_text()[-2000:]


def test_serve_without_a_server_says_how_to_start_one(tmp_path):
    env = {"PREFECT_API_URL": "", "AUD_DATA_DIR": str(tmp_path)}
    result = run_cli("serve", env=env, timeout=60)
    assert result.returncode == 2
    assert "prefect server start" in result.stderr


def _kill_tree(proc: subprocess.Popen) -> None:
    """kill -9 of serve and of the flow run it started: a lost machine, the OOM killer."""
    for process in [*descendants(proc.pid), psutil.Process(proc.pid)]:
        with contextlib.suppress(psutil.Error):
            process.kill()
    proc.wait(timeout=10)


def test_a_run_left_open_by_a_killed_serve_does_not_hold_up_the_next(
    tmp_path, prefect_api, exports
):
    """A killed serve leaves its flow run Running, holding the deployment's one concurrency
    slot; restarted, serve closes that run, so a run triggered through the API at once starts at
    once (before, it waited about 5 minutes for the slot's lease to run out) and completes,
    publishing the site. (This is also the test that a run triggered through the API completes:
    one full served run instead of two.)"""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    deployment = f"{DEPLOYMENT}-killed"
    env = _serve_env(tmp_path, exports, deployment)
    log = tmp_path / "serve.log"
    lock = lock_path(tmp_path / "warehouse.duckdb")
    name = f"nightly-run/{deployment}"
    first = _start_serve(env, log)
    try:
        asyncio.run(_deployment(deployment))
        killed = run_deployment(name, timeout=0)
        # Killed once its run holds the warehouse (the flow's steps have begun).
        wait_until(lambda: lock.exists() and lock.read_text().strip(), 120, "a locked warehouse")
    finally:
        _kill_tree(first)

    def state_of(flow_run_id):
        with get_client(sync_client=True) as client:
            return client.read_flow_run(flow_run_id).state

    assert state_of(killed.id).is_running()  # what Prefect alone leaves behind

    second = _start_serve(env, log)
    try:
        asyncio.run(_deployment(deployment))
        triggered = time.monotonic()
        # Well under the 5 minutes a held slot costs, with room for a busy machine.
        flow_run = run_deployment(name, timeout=240, poll_interval=2)
        took = time.monotonic() - triggered
        assert flow_run.state is not None and flow_run.state.is_completed(), (
            f"state {flow_run.state} after {took:.0f} s; serve log:\n{log.read_text()[-3000:]}"
        )
        assert (tmp_path / "site" / "index.html").is_file()
        closed = state_of(killed.id)
        assert closed.is_crashed() and "Found dead by aud-outcomes serve" in closed.message
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _kill_tree(second)


def test_sigterm_to_a_served_run_says_which_step_it_stopped(tmp_path, prefect_api, exports):
    """The served run's own process stopped (systemd, an operator): its flow run ends Crashed
    with the step, not Running and not "dbt build failed: dbt build failed:"; serve goes on."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    deployment = f"{DEPLOYMENT}-stopped"
    env = {
        **_serve_env(tmp_path, exports, deployment),
        "AUD_DBT_PROJECT_DIR": str(slow_dbt_project(tmp_path)),
    }
    log, warehouse = tmp_path / "serve.log", tmp_path / "warehouse.duckdb"
    serve = _start_serve(env, log)
    try:
        asyncio.run(_deployment(deployment))
        flow_run = run_deployment(f"nightly-run/{deployment}", timeout=0)
        # dbt's own log: the served run's output reaches serve's log only in blocks.
        dbt_log = tmp_path / "state" / "dbt" / "logs" / "dbt.log"
        started = re.compile(rf"START .*{SLOW_MODEL}")
        wait_until(
            lambda: dbt_log.exists() and started.search(dbt_log.read_text(errors="replace")),
            180,
            "the slow model's start",
        )
        # The run's process holds the warehouse lock, and wrote its pid there.
        os.kill(int(lock_path(warehouse).read_text()), signal.SIGTERM)

        def final_state():
            with get_client(sync_client=True) as client:
                state = client.read_flow_run(flow_run.id).state
            return state if state.is_final() else None

        state = wait_until(final_state, 60, "the stopped run's final state")
        reason = "stopped by SIGTERM during dbt build"
        assert state.is_crashed() and state.message == reason, state
        summary = warehouse.with_name(warehouse.name + ".last-run.md").read_text()
        assert f"Error: {reason}" in summary
        assert serve.poll() is None, log.read_text()[-2000:]
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _kill_tree(serve)
