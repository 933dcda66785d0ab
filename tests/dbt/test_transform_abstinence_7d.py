"""abstinent_last_7_days on hand-worked edges: the month's last 7 days (day indexes 30m-7 to
30m-1), a skipped answer among them, a drinking day just outside, a discharge inside, a month
not yet elapsed, and the baseline."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.dbt.transform_support import Landing, build, query

pytestmark = pytest.mark.slow

START = dt.date(2026, 1, 5)  # care start (day index 0) of every participant
AS_OF = START + dt.timedelta(days=75)  # months 1 and 2 have elapsed, month 3 has not
UPDATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

# participant: (answers by day index: drinks, None = skipped; absent = no check-in), discharge
# day index, expected abstinent_last_7_days for months 1, 2, 3
DRY = dict.fromkeys(range(-10, 76), 0)
CASES = {
    "p_00000000000000b1": (DRY, None, (True, True, None)),
    "p_00000000000000b2": (DRY | {29: None}, None, (False, True, None)),  # skipped on day 29
    "p_00000000000000b3": (DRY | {23: 2}, None, (False, True, None)),  # drinks on day 30-7
    "p_00000000000000b4": (DRY | {22: 6}, None, (True, True, None)),  # just outside the 7 days
    "p_00000000000000b5": ({k: v for k, v in DRY.items() if k != 57}, None, (True, False, None)),
    "p_00000000000000b6": (DRY, 26, (False, None, None)),  # discharged inside the last 7 days
}


@pytest.fixture(scope="module")
def monthly(tmp_path_factory) -> pd.DataFrame:
    land = Landing()
    for pid, (answers, discharge, _) in CASES.items():
        enrolled = START - dt.timedelta(days=20)
        land.add(
            "participants", enrolled, participant_id=pid, enrolled_on=enrolled,
            sex_at_birth="female", age_band="25-34", state="CA", care_track="therapy_only",
            discharged_on=START + dt.timedelta(days=discharge) if discharge else None,
            discharge_reason="completed" if discharge else None,
            data_sharing_consent=True, updated_at=UPDATED,
        )  # fmt: skip
        land.add(
            "appointments", START, appointment_id=f"a_{pid}", participant_id=pid,
            appointment_type="intake",
            scheduled_start=dt.datetime(START.year, START.month, START.day, 15, tzinfo=dt.UTC),
            duration_minutes=30, status="fulfilled", modality="video", updated_at=UPDATED,
        )  # fmt: skip
        for index, drinks in answers.items():
            day = START + dt.timedelta(days=index)
            land.add(
                "checkins", day + dt.timedelta(days=1), checkin_id=f"c_{pid}_{index + 100}",
                participant_id=pid, report_date=day, standard_drinks=drinks,
                submitted_at=dt.datetime(day.year, day.month, day.day, 21, tzinfo=dt.UTC),
            )  # fmt: skip
    settings = build(tmp_path_factory.mktemp("abstinence"), land, AS_OF)
    return query(
        settings,
        "select participant_id, treatment_month, abstinent_last_7_days "
        "from marts.participant_drinking_monthly",
    )


def test_abstinence_on_the_last_seven_days(monthly) -> None:
    got = {
        (r.participant_id, r.treatment_month): None
        if pd.isna(r.abstinent_last_7_days)
        else bool(r.abstinent_last_7_days)
        for r in monthly.itertuples()
    }
    for pid, (_, _, expected) in CASES.items():
        shown = tuple(got.get((pid, month)) for month in (1, 2, 3))
        assert shown == expected, pid
        assert got[(pid, 0)] is None  # never for the baseline
