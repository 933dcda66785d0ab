"""flows.transform.run_dbt: the command line it builds, and dbt's failures surfacing as
DbtBuildError with dbt's own message."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from flows.settings import DBT_PROJECT_DIR, Settings
from flows.transform import DbtBuildError, dbt_cli_args, dbt_target_dir, run_dbt
from tests.dbt.transform_support import Landing


def test_cli_args_pass_settings_as_vars(tmp_path):
    settings = Settings(data_dir=tmp_path, as_of=dt.date(2026, 3, 1), retention_gap_days=45)
    args = dbt_cli_args(settings, ["build", "--select", "marts"])
    assert args[:3] == ["build", "--select", "marts"]
    flags = dict(zip(args[3::2], args[4::2], strict=True))
    assert flags["--project-dir"] == flags["--profiles-dir"] == str(DBT_PROJECT_DIR)
    assert flags["--target-path"] == str(dbt_target_dir(settings))
    assert dbt_target_dir(settings).is_relative_to(tmp_path.resolve())
    dbt_vars = json.loads(flags["--vars"])
    assert dbt_vars["as_of_date"] == "2026-03-01"
    assert dbt_vars["retention_gap_days"] == 45
    assert dbt_vars["program_timezone"] == "America/New_York"


@pytest.mark.slow
def test_failing_test_raises_with_dbts_message(tmp_path):
    land = Landing()
    secret = "p_00000000deadbeef"
    land.add(
        "participants",
        dt.date(2026, 1, 2),
        participant_id=secret,
        enrolled_on=dt.date(2026, 1, 1),
        sex_at_birth="not-a-sex",  # breaks the accepted_values test of staging
        age_band="25-34",
        state="CA",
        care_track="therapy_only",
        data_sharing_consent=True,
        updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    settings = Settings(data_dir=tmp_path, as_of=dt.date(2026, 3, 1))
    land.write(settings.warehouse_path)
    with pytest.raises(DbtBuildError) as failure:
        run_dbt(settings, ["build", "--select", "stg_app__participants"])
    message = str(failure.value)
    assert "accepted_values_stg_app__participants_sex_at_birth" in message
    assert secret not in message
    # the warehouse file is free again afterwards (keep_open: false)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        assert con.execute("select count(*) from staging.stg_app__participants").fetchone() == (1,)
