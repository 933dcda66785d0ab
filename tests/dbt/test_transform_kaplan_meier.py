"""Retention on generated data: participant_retention against a small Python reading of
METRICS.md, and the Kaplan-Meier tables against lifelines' KaplanMeierFitter (within 1e-9)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

from core.contract import CARE_TRACKS, DISCHARGE_REASONS, SEX_AT_BIRTH
from tests.dbt.transform_support import Landing, build, query

pytestmark = pytest.mark.slow

AS_OF = dt.date(2026, 6, 30)
GAP = 30
START = dt.date(2025, 1, 1)
# Gaps between engagement dates, weighted towards the 30/31-day boundary and ties in days_retained.
GAPS = np.array([1, 1, 2, 3, 7, 14, 29, 30, 30, 31, 31, 45, 60])


def generate(seed: int = 20261128, participants: int = 400) -> tuple[Landing, list[dict]]:
    rng = np.random.default_rng(seed)
    land = Landing()
    people = []
    checkin_id = 0
    for n in range(participants):
        pid = f"p_{n:016x}"
        enrolled = START + dt.timedelta(days=int(rng.integers(0, 540)))
        export = enrolled + dt.timedelta(days=1)
        person = {
            "participant_id": pid,
            "enrolled_on": enrolled,
            "care_track": str(rng.choice(CARE_TRACKS)),
            "care_start": None,
            "engaged": set(),
            "discharged_on": None,
            "discharge_reason": None,
        }
        if rng.random() < 0.9:  # started: a fulfilled intake
            care_start = enrolled + dt.timedelta(days=int(rng.integers(0, 20)))
            person["care_start"] = care_start
            land.add(
                "appointments",
                export,
                appointment_id=f"a_{n}",
                participant_id=pid,
                appointment_type="intake",
                scheduled_start=dt.datetime(
                    care_start.year, care_start.month, care_start.day, 15, tzinfo=dt.UTC
                ),
                duration_minutes=30,
                status="fulfilled",
                modality="video",
                updated_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
            )
            day = care_start
            for _ in range(int(rng.integers(0, 30))):
                day = day + dt.timedelta(days=int(rng.choice(GAPS)))
                checkin_id += 1
                land.add(
                    "checkins",
                    day + dt.timedelta(days=1),
                    checkin_id=f"c_{checkin_id:06d}",
                    participant_id=pid,
                    report_date=day,
                    submitted_at=dt.datetime(day.year, day.month, day.day, 20, tzinfo=dt.UTC),
                    standard_drinks=int(rng.integers(0, 8)),
                )
                person["engaged"].add(day)
            if rng.random() < 0.3:
                person["discharged_on"] = care_start + dt.timedelta(days=int(rng.integers(0, 300)))
                person["discharge_reason"] = str(rng.choice(DISCHARGE_REASONS))
        land.add(
            "participants",
            export,
            participant_id=pid,
            enrolled_on=enrolled,
            sex_at_birth=str(rng.choice(SEX_AT_BIRTH)),
            age_band="25-34",
            state="CA",
            care_track=person["care_track"],
            baseline_audit_c=None,
            discharged_on=person["discharged_on"],
            discharge_reason=person["discharge_reason"],
            data_sharing_consent=True,
            updated_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
        )
        people.append(person)
    return land, people


def expected_retention(person: dict) -> dict | None:
    """METRICS.md's retention rules, read directly, for one generated participant."""
    start = person["care_start"]
    if start is None or start > AS_OF or person["enrolled_on"] > AS_OF:
        return None
    dates = sorted(d for d in person["engaged"] | {start} if start <= d <= AS_OF)
    last, came_back = start, False
    for day in dates[1:]:
        if (day - last).days > GAP:
            came_back = True
            break
        last = day
    discharged = person["discharged_on"]
    reason = person["discharge_reason"] if discharged and discharged <= AS_OF else None
    if reason in ("completed", "transferred") and discharged <= last + dt.timedelta(days=GAP):
        status = reason
    elif came_back or (AS_OF - last).days > GAP:
        status = "dropped_out"
    else:
        status = "in_care"
    return {
        "participant_id": person["participant_id"],
        "cohort_month": f"{start:%Y-%m}",
        "care_track": person["care_track"],
        "days_retained": (last - start).days,
        "status": status,
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    land, people = generate()
    settings = build(tmp_path_factory.mktemp("km"), land, AS_OF)
    return settings, people


def test_participant_retention_matches_the_rules(generated):
    settings, people = generated
    expected = pd.DataFrame([e for p in people if (e := expected_retention(p))])
    got = query(
        settings,
        "select participant_id, cohort_month, care_track, days_retained, status"
        " from marts.participant_retention",
    )
    cols = list(expected.columns)
    pd.testing.assert_frame_equal(
        got.sort_values("participant_id").reset_index(drop=True)[cols],
        expected.sort_values("participant_id").reset_index(drop=True)[cols],
        check_dtype=False,
    )
    # the generated data exercise every status and ties in days_retained
    assert set(got["status"]) == {"in_care", "dropped_out", "completed", "transferred"}
    assert got["days_retained"].duplicated().any()


def _check_against_lifelines(curve: pd.DataFrame, subjects: pd.DataFrame) -> None:
    kmf = KaplanMeierFitter().fit(subjects["days_retained"], subjects["dropped_out"])
    table = kmf.event_table
    expected_days = sorted({0, *subjects["days_retained"].tolist()})
    assert curve["day"].tolist() == expected_days
    for row in curve.itertuples(index=False):
        assert row.at_risk == table.loc[row.day, "at_risk"]
        assert row.dropouts == table.loc[row.day, "observed"]
        assert row.censored == table.loc[row.day, "censored"]
    lifelines_retention = kmf.survival_function_at_times(curve["day"].tolist()).to_numpy()
    np.testing.assert_allclose(
        curve["retention"].to_numpy(), lifelines_retention, rtol=0, atol=1e-9
    )
    # The 95% interval: lifelines' default, the log-log ("exponential Greenwood") one.
    bands = kmf.confidence_interval_survival_function_
    assert bands.index.is_monotonic_increasing
    at = bands.reindex(bands.index.union(curve["day"])).ffill().loc[curve["day"]]
    lower, upper = at.iloc[:, 0].fillna(1.0).to_numpy(), at.iloc[:, 1].fillna(1.0).to_numpy()
    np.testing.assert_allclose(curve["retention_lower_95"].to_numpy(), lower, rtol=0, atol=1e-9)
    np.testing.assert_allclose(curve["retention_upper_95"].to_numpy(), upper, rtol=0, atol=1e-9)
    assert (curve["retention_lower_95"] <= curve["retention"] + 1e-12).all()
    assert (curve["retention"] <= curve["retention_upper_95"] + 1e-12).all()


def test_retention_curve_equals_lifelines(generated):
    settings, _ = generated
    subjects = query(settings, "select * from marts.participant_retention")
    curve = query(settings, "select * from marts.retention_curve order by cohort, day")
    groups = {"all": subjects} | dict(tuple(subjects.groupby("cohort_month")))
    assert set(curve["cohort"]) == set(groups)
    assert len(groups) > 10
    for name, members in groups.items():
        _check_against_lifelines(curve[curve["cohort"] == name], members)


def test_retention_curve_by_care_track_equals_lifelines(generated):
    settings, _ = generated
    subjects = query(settings, "select * from marts.participant_retention")
    curve = query(settings, "select * from marts.retention_curve_by_care_track order by day")
    assert set(curve["care_track"]) == set(subjects["care_track"])
    for track, members in subjects.groupby("care_track"):
        _check_against_lifelines(curve[curve["care_track"] == track], members)
