"""participant_initiation on hand-worked edges (the 14th and 15th day after enrolment, day index
34, not yet known), abstinent_months_2_3, and program_rates against an independent Wilson
computation (scipy's) within 1e-9."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from tests.dbt.transform_support import Landing, build, query

pytestmark = pytest.mark.slow

AS_OF = dt.date(2026, 6, 30)
UPDATED = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)


def _participant(land: Landing, pid: str, enrolled: dt.date, **over) -> None:
    land.add(
        "participants",
        enrolled,
        participant_id=pid,
        enrolled_on=enrolled,
        sex_at_birth=over.get("sex_at_birth", "female"),
        age_band=over.get("age_band", "25-34"),
        state="CA",
        care_track=over.get("care_track", "therapy_only"),
        data_sharing_consent=True,
        updated_at=UPDATED,
    )


def _visit(land: Landing, pid: str, day: dt.date, n: int, status: str = "fulfilled") -> None:
    land.add(
        "appointments",
        day,
        appointment_id=f"a_{pid}_{n}",
        participant_id=pid,
        appointment_type="therapy",
        scheduled_start=dt.datetime(day.year, day.month, day.day, 15, tzinfo=dt.UTC),
        duration_minutes=50,
        status=status,
        modality="video",
        updated_at=UPDATED,
    )


def _day(start: dt.date, n: int) -> dt.date:
    return start + dt.timedelta(days=n)


# participant: (enrolled days before the as-of date, care start after enrolment or None,
#               attended visits by day index after care start), expected
#               (days_to_care_start, initiated_14d, engaged_34d)
CASES = {
    "p_00000000000000a1": ((200, 14, [1, 34]), (14, True, True)),  # the 14th day; day index 34
    "p_00000000000000a2": ((200, 15, [1, 2]), (15, False, False)),  # the 15th day
    "p_00000000000000a3": ((13, None, []), (None, None, None)),  # 13 days: not yet known
    "p_00000000000000a4": ((14, None, []), (None, False, False)),  # 14 days, not started
    "p_00000000000000a5": ((200, 0, [34, 35]), (0, True, False)),  # day 35 is outside
    "p_00000000000000a6": ((36, 3, [0, 0]), (3, True, None)),  # day 0 visits do not count;
    # the as-of date is day index 33: not yet known
    "p_00000000000000a7": ((20, 2, [5, 5]), (2, True, True)),  # two appointments, one day
    "p_00000000000000a8": ((200, 1, [10]), (1, True, False)),  # one visit, day 34 passed
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    land = Landing()
    for pid, ((ago, start, visits), _) in CASES.items():
        enrolled = _day(AS_OF, -ago)
        _participant(land, pid, enrolled)
        if start is not None:
            care_start = _day(enrolled, start)
            _visit(land, pid, care_start, 0)
            for n, index in enumerate(visits, start=1):
                _visit(land, pid, _day(care_start, index), n)
    # A program for the rates: 120 participants over tracks, sexes and age bands.
    rng = np.random.default_rng(7)
    for i in range(120):
        pid = f"p_{i:016x}"
        enrolled = _day(AS_OF, -int(rng.integers(0, 300)))
        _participant(
            land,
            pid,
            enrolled,
            care_track=str(rng.choice(["therapy_only", "medication_only"])),
            sex_at_birth=str(rng.choice(["female", "male"])),
            age_band=str(rng.choice(["25-34", "45-54"])),
        )
        if rng.random() < 0.85:
            care_start = _day(enrolled, int(rng.integers(0, 25)))
            if care_start <= AS_OF:
                _visit(land, pid, care_start, 0)
                for n in range(int(rng.integers(0, 4))):
                    day = _day(care_start, int(rng.integers(1, 60)))
                    if day <= AS_OF:
                        _visit(land, pid, day, n + 1)
    return build(tmp_path_factory.mktemp("initiation"), land, AS_OF)


def test_initiation_and_engagement_on_the_edges(built) -> None:
    got = query(
        built,
        "select participant_id, days_to_care_start, initiated_14d, engaged_34d "
        "from marts.participant_initiation where participant_id like 'p_00000000000000a%'",
    ).set_index("participant_id")

    def plain(value):
        return None if pd.isna(value) else value

    for pid, (_, expected) in CASES.items():
        row = got.loc[pid]
        shown = tuple(plain(row[c]) for c in ("days_to_care_start", "initiated_14d", "engaged_34d"))
        assert shown == expected, pid


def test_every_enrolled_participant_has_one_row(built) -> None:
    enrolled = query(built, "select count(*) as n from marts.participants").n[0]
    assert query(built, "select count(*) as n from marts.participant_initiation").n[0] == enrolled


def test_program_rates_equal_an_independent_count_and_wilson(built) -> None:
    rates = query(built, "select * from marts.program_rates")
    initiation = query(built, "select * from marts.participant_initiation")
    retention = query(built, "select * from marts.participant_retention")
    outcomes = query(built, "select * from marts.participant_outcomes")
    started = retention.merge(
        outcomes.drop(columns=["cohort_month", "care_track"]), on="participant_id"
    )
    checked = 0
    for measure, frame, month in [
        ("retained_30d", started, "cohort_month"),
        ("retained_90d", started, "cohort_month"),
        ("abstinent_months_2_3", started, "cohort_month"),
        ("initiated_14d", initiation, "enrolment_month"),
        ("engaged_34d", initiation, "enrolment_month"),
    ]:
        for grouping in ("all", "care_track", "sex_at_birth", "age_band", month):
            keys = frame.assign(all="all")[grouping]
            for value, members in frame.groupby(keys):
                flags = members[measure].dropna().astype(bool)
                row = rates[
                    (rates.grouping == grouping)
                    & (rates.group_value == value)
                    & (rates.measure == measure)
                ]
                assert len(row) == 1, (measure, grouping, value)
                row = row.iloc[0]
                assert (row.eligible, row.achieved) == (len(flags), int(flags.sum()))
                if len(flags):
                    ci = binomtest(int(flags.sum()), len(flags)).proportion_ci(method="wilson")
                    assert abs(row.rate - flags.mean()) < 1e-12
                    assert abs(row.rate_lower_95 - ci.low) < 1e-9
                    assert abs(row.rate_upper_95 - ci.high) < 1e-9
                else:
                    assert np.isnan(row.rate) and np.isnan(row.rate_lower_95)
                checked += 1
    assert checked > 60
    assert set(rates.measure) == {
        "retained_30d", "retained_90d", "retained_180d", "no_heavy_drinking_months_2_3",
        "abstinent_months_2_3", "risk_reduction_1_level", "risk_reduction_2_level",
        "initiated_14d", "engaged_34d",
    }  # fmt: skip
