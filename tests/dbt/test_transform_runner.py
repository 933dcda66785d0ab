"""engines.dbt_runner.run_dbt: the command line it builds, and dbt's failures surfacing as
DbtBuildError with dbt's own message."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys

import duckdb
import pytest

from core.settings import DBT_PROJECT_DIR, Settings
from engines.dbt_runner import (
    DbtBuildError,
    dbt_cli_args,
    docs_fingerprint,
    run_dbt,
    run_dbt_docs,
)
from tests.dbt.transform_support import Landing


def test_cli_args_pass_settings_as_vars(tmp_path):
    settings = Settings(data_dir=tmp_path, as_of=dt.date(2026, 3, 1), retention_gap_days=45)
    args = dbt_cli_args(settings, ["build", "--select", "marts"])
    assert args[:3] == ["build", "--select", "marts"]
    switches = {"--quiet", "--no-use-colors", "--no-use-colors-file"}
    assert switches <= set(args)  # pytest's stdout is no terminal: no colour codes
    pairs = [a for a in args[3:] if a not in switches]
    flags = dict(zip(pairs[::2], pairs[1::2], strict=True))
    assert flags["--project-dir"] == flags["--profiles-dir"] == str(DBT_PROJECT_DIR)
    assert flags["--target-path"] == str(settings.dbt_target_dir)
    assert settings.dbt_target_dir.is_relative_to(tmp_path.resolve())
    dbt_vars = json.loads(flags["--vars"])
    assert dbt_vars["as_of_date"] == "2026-03-01"
    assert dbt_vars["retention_gap_days"] == 45
    assert dbt_vars["program_timezone"] == "America/New_York"


def _one_participant(tmp_path, participant_id: str, sex_at_birth: str) -> Settings:
    """A warehouse whose landing holds one participant; the settings of a run against it."""
    land = Landing()
    land.add(
        "participants",
        dt.date(2026, 1, 2),
        participant_id=participant_id,
        enrolled_on=dt.date(2026, 1, 1),
        sex_at_birth=sex_at_birth,
        age_band="25-34",
        state="CA",
        care_track="therapy_only",
        data_sharing_consent=True,
        updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    settings = Settings(data_dir=tmp_path, as_of=dt.date(2026, 3, 1))
    land.write(settings.warehouse_path)
    return settings


@pytest.mark.slow
def test_failing_test_raises_with_dbts_message(tmp_path):
    secret = "p_00000000deadbeef"
    # "not-a-sex" breaks the accepted_values test of staging
    settings = _one_participant(tmp_path, secret, sex_at_birth="not-a-sex")
    with pytest.raises(DbtBuildError) as failure:
        run_dbt(settings, ["build", "--select", "stg_app__participants"])
    message = str(failure.value)
    assert "accepted_values_stg_app__participants_sex_at_birth" in message
    assert secret not in message
    # the warehouse file is free again afterwards, for this process and for others
    _assert_writable_by_another_process(settings.warehouse_path)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        assert con.execute("select count(*) from staging.stg_app__participants").fetchone() == (1,)


def _assert_writable_by_another_process(warehouse) -> None:
    probe = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
        "con.execute('create or replace table main.probe as select 1 as x'); con.close()"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(warehouse)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"warehouse still locked after dbt: {result.stderr[-500:]}"


@pytest.mark.slow
def test_successful_build_releases_the_warehouse(tmp_path):
    # dbt-duckdb keeps one database open for the whole command (keep_open: true, profiles.yml);
    # run_dbt must close it, or validation and the next run could not open the file.
    settings = _one_participant(tmp_path, "p_00000000000000aa", sex_at_birth="female")
    run_dbt(settings, ["build", "--select", "stg_app__participants"])
    _assert_writable_by_another_process(settings.warehouse_path)


def _project_copy(tmp_path):
    copy = tmp_path / "dbt_project"
    shutil.copytree(
        DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    return copy


def test_docs_fingerprint_follows_the_project_not_the_night(tmp_path):
    project = _project_copy(tmp_path)
    monday = Settings(data_dir=tmp_path, dbt_project_dir=project, as_of=dt.date(2026, 3, 2))
    tuesday = monday.model_copy(update={"as_of": dt.date(2026, 3, 3)})
    assert docs_fingerprint(monday) == docs_fingerprint(tuesday)
    longer_gap = monday.model_copy(update={"retention_gap_days": 45})
    assert docs_fingerprint(longer_gap) != docs_fingerprint(monday)
    model = next((project / "models" / "marts").rglob("*.sql"))
    before = docs_fingerprint(monday)
    model.write_text(model.read_text() + "\n-- a changed model\n")
    assert docs_fingerprint(monday) != before


@pytest.mark.slow
def test_docs_are_generated_again_only_when_the_project_changes(tmp_path):
    settings = Settings(
        data_dir=tmp_path, dbt_project_dir=_project_copy(tmp_path), as_of=dt.date(2026, 3, 1)
    )
    Landing().write(settings.warehouse_path)  # the docs need the sources, not built models
    docs = run_dbt_docs(settings) / "static_index.html"
    first = docs.stat().st_mtime_ns
    next_night = settings.model_copy(update={"as_of": dt.date(2026, 3, 2)})
    assert run_dbt_docs(next_night) / "static_index.html" == docs
    assert docs.stat().st_mtime_ns == first, "unchanged project: the docs are reused"
    model = settings.dbt_project_dir / "models" / "marts" / "participants.sql"
    model.write_text(model.read_text() + "\n-- a changed model\n")
    run_dbt_docs(next_night)
    assert docs.stat().st_mtime_ns != first, "changed project: the docs are generated again"
    assert "participant_retention" in docs.read_text()


@pytest.mark.slow
def test_dbt_talks_to_its_log_file_not_the_console(tmp_path):
    """dbt's per-node lines go to dbt.log, without colour codes; a successful build prints
    nothing of its own on a console that is no terminal."""
    settings = _one_participant(tmp_path, "p_0000000000000001", sex_at_birth="female")
    script = (
        "import sys, datetime as dt; from core.settings import Settings; "
        "from engines.dbt_runner import run_dbt; "
        "run_dbt(Settings(data_dir=sys.argv[1], as_of=dt.date(2026, 3, 1)), "
        "['build', '--select', 'stg_app__participants'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
    log = (settings.dbt_log_dir / "dbt.log").read_text()
    assert "stg_app__participants" in log and "Completed successfully" in log
    assert "\x1b[" not in log and "\x1b[" not in done.stdout + done.stderr
