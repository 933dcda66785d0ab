"""The nightly run end to end through the real CLI: generate -> run (Prefect flow against a real
Prefect server) -> warehouse and site; then the ways a run must fail loudly and safely."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import signal
import time
from pathlib import Path

import duckdb
import pytest

from core.warehouse import run_lock
from dashboards.templates import BANNER_END, BANNER_START
from tests.processes import SLOW_MODEL, Cli, flow_runs_for, run_env, slow_dbt_project
from tests.support import ROOT, run_cli

pytestmark = pytest.mark.slow

AS_OF = dt.date(2026, 10, 15)


def _marts_snapshot(warehouse: Path) -> dict[str, list]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            t: con.execute(f"select * from marts.{t} order by all").fetchall()
            for t in (
                "participant_retention",
                "retention_curve",
                "participant_drinking_monthly",
                "appointment_attendance_monthly",
            )
        }


def _validation_runs(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(distinct run_id) from quality.validation_runs").fetchone()[
            0
        ]


@pytest.fixture(scope="module")
def published(tmp_path_factory, prefect_api):
    """One generated program, run once through `aud-outcomes run`."""
    base = tmp_path_factory.mktemp("pipeline")
    exports, warehouse, site = base / "exports", base / "warehouse.duckdb", base / "site"
    gen = run_cli(
        "generate",
        "--out",
        str(exports),
        "--participants",
        "300",
        "--seed",
        "5",
        "--as-of",
        AS_OF.isoformat(),
    )
    assert gen.returncode == 0, gen.stderr
    env = {"AUD_DATA_DIR": str(base / "state")}
    result = run_cli(
        "run",
        "--exports",
        str(exports),
        "--warehouse",
        str(warehouse),
        "--site",
        str(site),
        "--as-of",
        AS_OF.isoformat(),
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {
        "base": base,
        "exports": exports,
        "warehouse": warehouse,
        "site": site,
        "env": env,
        "stdout": result.stdout,
    }


def test_run_publishes_marts_site_and_summary(published):
    warehouse, site = published["warehouse"], published["site"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        started = con.execute("select count(*) from marts.participant_retention").fetchone()[0]
        enrolled = con.execute("select count(*) from marts.participants").fetchone()[0]
        deliveries = con.execute("select count(*) from quality.deliveries").fetchone()[0]
        runs = con.execute("select count(distinct run_id) from quality.validation_runs").fetchone()
    assert 0 < started < enrolled <= 300  # some never start; withdrawn ones are gone
    assert deliveries == sum(1 for _ in published["exports"].rglob("*_*.*"))
    assert runs[0] == 1
    assert (site / "index.html").is_file()
    assert (site / "validation" / "index.html").is_file()
    assert (site / "dbt-docs" / "index.html").is_file()
    assert "Run succeeded" in published["stdout"]
    summary = warehouse.with_name(warehouse.name + ".last-run.md").read_text()
    assert "Validation: passed" in summary
    # The first run made the warehouse (its folder existed): the summary and the last line say so.
    assert "- New warehouse: this run created the warehouse file" in summary
    assert f"Run succeeded. Warehouse: {warehouse} (new warehouse)" in published["stdout"]


def _run_published(published, *extra: str):
    """`aud-outcomes run` again on the module's exports, warehouse and site."""
    paths = ("--exports", "--warehouse", "--site")
    args = [a for flag in paths for a in (flag, str(published[flag[2:]]))]
    return run_cli("run", *args, *extra, env=published["env"])


def test_second_run_on_same_folder_changes_nothing(published):
    before = _marts_snapshot(published["warehouse"])
    result = _run_published(published, "--as-of", AS_OF.isoformat())
    assert result.returncode == 0, result.stderr
    assert "0 new" in result.stdout
    assert "new warehouse" not in result.stdout.lower()
    assert _marts_snapshot(published["warehouse"]) == before


def test_second_run_is_refused_while_one_holds_the_warehouse(published):
    with run_lock(published["warehouse"]):
        result = _run_published(published)
    assert result.returncode == 3
    assert "another run" in result.stderr


def _pages(site: Path) -> dict[str, bytes]:
    """Every published file but the index (which a failed run rewrites with its banner)."""
    return {
        str(p.relative_to(site)): p.read_bytes()
        for p in site.rglob("*")
        if p.is_file() and p.name != "index.html" and "validation" not in p.parts
    }


def _failed_run_on_a_copy(
    published, tmp_path, as_of: dt.date, env: dict[str, str] | None = None, exports=None
):
    """Run against copies of the published warehouse and site; check what must survive."""
    warehouse, site = tmp_path / "warehouse.duckdb", tmp_path / "site"
    shutil.copy(published["warehouse"], warehouse)
    shutil.copytree(published["site"], site)
    marts_before, pages_before = _marts_snapshot(warehouse), _pages(site)
    runs_before = _validation_runs(warehouse)
    result = run_cli(
        "run",
        "--exports",
        str(exports or published["exports"]),
        "--warehouse",
        str(warehouse),
        "--site",
        str(site),
        "--as-of",
        as_of.isoformat(),
        env={**published["env"], **(env or {})},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert _marts_snapshot(warehouse) == marts_before  # public marts untouched
    assert _pages(site) == pages_before  # last good dashboards and their data kept
    return result, (site / "index.html").read_text(), _validation_runs(warehouse) - runs_before


def test_stale_data_fails_loudly_and_keeps_last_good_site(published, tmp_path):
    stale = AS_OF + dt.timedelta(days=40)
    result, index, new_runs = _failed_run_on_a_copy(published, tmp_path, stale)
    # The failed check says its figure and its limit in words (expectations/messages.py).
    stale_check = "the newest check-in is 41 day(s) old"
    assert stale_check in result.stdout + result.stderr and "the limit is 3" in result.stdout
    assert stale_check in index and "validation/index.html" in index
    # Said once: the summary and the banner list the check, and the run's error does not
    # repeat it ("critical validation failed: <the same check>").
    assert result.stdout.count(stale_check) == 1, result.stdout
    banner = index[index.index(BANNER_START) : index.index(BANNER_END)]
    assert banner.count(stale_check) == 1, banner
    assert new_runs == 1  # the failed run is in the validation history too


def test_failing_dbt_model_fails_the_run_and_keeps_the_site(published, tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(
        ROOT / "dbt_project",
        project,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    (project / "models" / "marts" / "broken_model.sql").write_text(
        "select no_such_column from {{ ref('participants') }}\n"
    )
    result, index, _ = _failed_run_on_a_copy(
        published, tmp_path, AS_OF, env={"AUD_DBT_PROJECT_DIR": str(project)}
    )
    assert "broken_model" in result.stderr
    assert "dbt build failed" in index


def test_missing_drop_folder_fails_loudly_and_keeps_the_site(published, tmp_path):
    """An unmounted share must not look like a quiet night with nothing new: the run is refused
    before it starts (exit 2, one line), and marts, site and history stay as they were."""
    warehouse, site = tmp_path / "warehouse.duckdb", tmp_path / "site"
    shutil.copy(published["warehouse"], warehouse)
    shutil.copytree(published["site"], site)
    marts_before, index_before = _marts_snapshot(warehouse), (site / "index.html").read_bytes()
    pages_before, runs_before = _pages(site), _validation_runs(warehouse)
    result = run_cli(
        "run", "--exports", str(tmp_path / "not-mounted"), "--warehouse", str(warehouse),
        "--site", str(site), "--as-of", AS_OF.isoformat(), env=published["env"],
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"the exports folder {tmp_path / 'not-mounted'} does not exist" in line
    assert _marts_snapshot(warehouse) == marts_before
    assert _pages(site) == pages_before and (site / "index.html").read_bytes() == index_before
    assert _validation_runs(warehouse) == runs_before
    summary = warehouse.with_name(warehouse.name + ".last-run.md").read_text()
    assert "does not exist" in summary  # `status` and the alert learn of it


def test_a_site_that_cannot_be_published_leaves_the_marts_as_they_were(published, tmp_path):
    """Marts and site go out together: the site is built from the validated candidate before
    anything is promoted. Here the site path is a plain file (it can take neither the new site
    nor the banner): the run fails, the public marts keep the last good run's figures, and the
    summary says the site was not updated."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(published["warehouse"], warehouse)
    before = _marts_snapshot(warehouse)
    blocked = tmp_path / "site"
    blocked.write_text("not a folder")
    next_day = (AS_OF + dt.timedelta(days=1)).isoformat()

    def run(site: Path):
        return run_cli(
            "run",
            "--exports",
            str(published["exports"]),
            "--warehouse",
            str(warehouse),
            "--site",
            str(site),
            "--as-of",
            next_day,
            env=published["env"],
        )

    result = run(blocked)
    assert result.returncode == 1, result.stdout + result.stderr
    assert _marts_snapshot(warehouse) == before
    assert "Site NOT updated" in result.stdout
    assert blocked.read_text() == "not a folder"
    # The same night with a usable site folder does change the marts: the check above can fail.
    assert run(tmp_path / "good-site").returncode == 0
    assert _marts_snapshot(warehouse) != before


def test_sigterm_during_dbt_build_says_so_and_keeps_the_last_good_run(
    published, tmp_path, prefect_api
):
    """systemd stopping the service, or an operator's `kill`: the run stops within seconds (dbt's
    query too), says which step was stopped, keeps the last good marts and site, releases the
    warehouse and ends its flow run Crashed, not Running."""
    warehouse, site = tmp_path / "warehouse.duckdb", tmp_path / "site"
    shutil.copy(published["warehouse"], warehouse)
    shutil.copytree(published["site"], site)
    marts_before, pages_before = _marts_snapshot(warehouse), _pages(site)
    env = run_env(
        {
            "AUD_DATA_DIR": str(tmp_path / "state"),
            "AUD_DBT_PROJECT_DIR": str(slow_dbt_project(tmp_path)),
        }
    )
    dbt_log = tmp_path / "state" / "dbt" / "logs" / "dbt.log"  # written as dbt goes
    args = ("run", "--exports", str(published["exports"]), "--warehouse", str(warehouse))
    cli = Cli(tmp_path / "run", *args, "--site", str(site), "--as-of", AS_OF.isoformat(), env=env)
    try:
        started = re.compile(rf"START .*{SLOW_MODEL}")
        deadline = time.monotonic() + 180
        while not (dbt_log.exists() and started.search(dbt_log.read_text(errors="replace"))):
            assert cli.proc.poll() is None and time.monotonic() < deadline, cli.output()
            time.sleep(0.2)
        time.sleep(1)
        stopped_at = time.monotonic()
        status = cli.stop(signal.SIGTERM, timeout=60)
        took = time.monotonic() - stopped_at
    finally:
        cli.kill_everything()
    reason = "stopped by SIGTERM during dbt build"
    assert status == 143, cli.output()
    assert took < 30  # the slow model alone would run for minutes: dbt's query was stopped
    assert f"Run FAILED: {reason}" in cli.stderr()
    assert "dbt build failed: dbt build failed" not in cli.output()
    summary = warehouse.with_name(warehouse.name + ".last-run.md").read_text()
    assert f"Error: {reason}" in summary
    record = json.loads(warehouse.with_name(warehouse.name + ".last-run.json").read_text())
    assert record["error"] == reason
    assert _marts_snapshot(warehouse) == marts_before
    assert _pages(site) == pages_before
    assert reason in (site / "index.html").read_text()
    with run_lock(warehouse):  # released
        pass
    (flow_run,) = flow_runs_for(prefect_api, warehouse)
    assert flow_run["state"]["type"] == "CRASHED"
    assert flow_run["state"]["message"] == reason
