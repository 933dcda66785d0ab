"""`aud-outcomes serve` against a real Prefect server: the deployment, its schedule, a run
triggered through the API, and a clean stop on SIGTERM."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
import uuid

import pytest

from tests.support import VENV_BIN, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.server]

AS_OF = dt.date(2026, 10, 15)
# A deployment of its own per test session: the Prefect home under data/test-state outlives the
# session, and `serve` would otherwise also pick up late scheduled runs of an earlier session's
# deployment of the same name, racing the run this test triggers.
DEPLOYMENT = f"nightly-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def served(tmp_path_factory, prefect_api):
    base = tmp_path_factory.mktemp("serve")
    exports = base / "exports"
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
    env = {
        **os.environ,
        "AUD_DATA_DIR": str(base / "state"),
        "AUD_EXPORTS": str(exports),
        "AUD_WAREHOUSE": str(base / "warehouse.duckdb"),
        "AUD_SITE": str(base / "site"),
        # Scheduled runs take "today"; the generated data ends at AS_OF, so pin it.
        "AUD_AS_OF": AS_OF.isoformat(),
        "AUD_SCHEDULE_CRON": "30 2 * * *",
        "AUD_DEPLOYMENT_NAME": DEPLOYMENT,
    }
    log = (base / "serve.log").open("w")
    proc = subprocess.Popen(
        [str(VENV_BIN / "aud-outcomes"), "serve"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    yield {"proc": proc, "base": base, "log": base / "serve.log"}
    if proc.poll() is None:
        proc.kill()
    log.close()


async def _deployment():
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        deadline = time.monotonic() + 60
        while True:
            try:
                return await client.read_deployment_by_name(f"nightly-run/{DEPLOYMENT}")
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


def test_run_triggered_through_the_api_completes(served):
    import asyncio

    from prefect.deployments import run_deployment

    asyncio.run(_deployment())
    flow_run = run_deployment(f"nightly-run/{DEPLOYMENT}", timeout=600, poll_interval=2)
    assert flow_run.state is not None and flow_run.state.is_completed(), (
        f"state {flow_run.state}; serve log:\n{served['log'].read_text()[-3000:]}"
    )
    assert (served["base"] / "site" / "index.html").is_file()


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
