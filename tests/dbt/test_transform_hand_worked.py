"""Hand-worked participants: each expected figure below was worked out by hand from METRICS.md.

As of 2026-06-30, program time zone America/New_York. Participants (ids p_<16 hex>):

- P1  care start 04-01, check-ins 05-01 (drinks skipped) and 05-31: gaps of exactly 30 days and
      the as-of date exactly 30 days after the last one -> in care, 60 days; data after the
      as-of date (a check-in for 07-01, an attended appointment on 07-02) is ignored.
- P2  care start 01-10, check-ins 02-09 (gap 30) and 03-12 (gap 31): came back -> dropped out,
      30 days.
- P3  care start 05-01, check-in 05-30, as-of date 31 days later -> dropped out, 29 days.
- P4  care start 02-01, last 03-01, discharged completed 03-20 (within 30 days) -> completed, 28.
- P5  care start 02-01, last 02-10, discharged transferred 03-15 (more than 30 days) -> dropped out.
- P6  care start 03-01, last 03-10, discharged transferred 04-09 (exactly 30 days) -> transferred.
- P7  care start 06-01 22:00 New York (06-02 in UTC); discharge dated 07-15 is after the as-of
      date and ignored -> in care, 19 days.
- P8  attended appointment 03-31 21:30 Pacific = 04-01 00:30 New York: care start 04-01,
      cohort 2026-04.
- P9  enrolled 07-05, after the as-of date: not yet enrolled.
- P10 latest version withdraws consent: excluded everywhere.
- P11 only a no-show: enrolled, not started.
- P12 its only attended appointment's latest version is entered-in-error: not started.
- P13 male; baseline, a corrected check-in, tie-breaks, months 2-3 responder, risk levels.
- P14 female; enrolled on care start (no baseline), a heavy day at 4 drinks.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from core.settings import Settings
from engines.dbt_runner import run_dbt
from tests.dbt.transform_support import Landing, build, query

pytestmark = pytest.mark.slow

D = dt.date
AS_OF = D(2026, 6, 30)
P = {n: f"p_{n:016x}" for n in range(1, 15)}


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def participant(land: Landing, n: int, enrolled: D, sex: str, export: D | None = None, **extra):
    values = {
        "participant_id": P[n],
        "enrolled_on": enrolled,
        "sex_at_birth": sex,
        "age_band": "35-44",
        "state": "NY",
        "care_track": "medication_only",
        "baseline_audit_c": 6,
        "data_sharing_consent": True,
        "updated_at": ts(f"{enrolled.isoformat()}T12:00:00+00:00"),
    } | extra
    land.add("participants", export or enrolled, **values)


_appointment_ids = iter(range(1, 1000))


def appointment(land: Landing, n: int, start: str, status: str = "fulfilled", **extra):
    values = {
        "appointment_id": f"a_{next(_appointment_ids):04d}",
        "participant_id": P[n],
        "appointment_type": "intake",
        "scheduled_start": ts(start),
        "duration_minutes": 45,
        "status": status,
        "modality": "video",
        "updated_at": ts(start),
    } | extra
    land.add("appointments", ts(start).date() + dt.timedelta(days=1), **values)


_checkin_ids = iter(range(1, 10000))


def checkin(land: Landing, n: int, day: D, drinks: int | None, export: D | None = None, **extra):
    values = {
        "checkin_id": f"c_{next(_checkin_ids):04d}",
        "participant_id": P[n],
        "report_date": day,
        "submitted_at": ts(f"{(day + dt.timedelta(days=1)).isoformat()}T08:00:00+00:00"),
        "standard_drinks": drinks,
    } | extra
    land.add("checkins", export or day + dt.timedelta(days=1), **values)


def days(start: D, end: D):
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def landing_rows() -> Landing:
    land = Landing()
    # P1: gaps of exactly 30 days; a skipped drinks question; data after the as-of date.
    participant(land, 1, D(2026, 3, 15), "female")
    appointment(land, 1, "2026-04-01T10:00:00-04:00")
    checkin(land, 1, D(2026, 5, 1), None, craving_score=2)
    checkin(land, 1, D(2026, 5, 31), 0)
    checkin(land, 1, D(2026, 7, 1), 3)
    appointment(land, 1, "2026-07-02T10:00:00-04:00", appointment_type="therapy")
    appointment(land, 1, "2026-06-30T10:00:00-04:00", "booked", appointment_type="therapy")
    # P2: comes back after a gap of 31 days.
    participant(land, 2, D(2026, 1, 5), "male")
    appointment(land, 2, "2026-01-10T10:00:00-05:00")
    checkin(land, 2, D(2026, 2, 9), 0)
    checkin(land, 2, D(2026, 3, 12), 0)
    # P3: the as-of date is 31 days after the last engagement.
    participant(land, 3, D(2026, 4, 20), "male")
    appointment(land, 3, "2026-05-01T10:00:00-04:00", "arrived")
    checkin(land, 3, D(2026, 5, 30), 1)
    # P4: completed discharge within the gap; two versions of the record.
    participant(land, 4, D(2026, 1, 1), "female")
    participant(
        land,
        4,
        D(2026, 1, 1),
        "female",
        export=D(2026, 3, 21),
        discharged_on=D(2026, 3, 20),
        discharge_reason="completed",
        updated_at=ts("2026-03-20T12:00:00+00:00"),
    )
    appointment(land, 4, "2026-02-01T10:00:00-05:00", "checked-in")
    checkin(land, 4, D(2026, 2, 10), 0)
    checkin(land, 4, D(2026, 3, 1), 5)
    # P5: transferred too late; tie on updated_at within one file -> the later row (state).
    for state in ("CA", "TX"):
        participant(
            land,
            5,
            D(2026, 1, 15),
            "unknown",
            export=D(2026, 3, 16),
            state=state,
            discharged_on=D(2026, 3, 15),
            discharge_reason="transferred",
            updated_at=ts("2026-03-15T12:00:00+00:00"),
        )
    appointment(land, 5, "2026-02-01T10:00:00-05:00")
    checkin(land, 5, D(2026, 2, 10), 0)
    # P6: transferred exactly 30 days after the last engagement; tie on updated_at across
    # export files -> the later file (care track).
    versions = ((D(2026, 4, 10), "therapy_only"), (D(2026, 4, 11), "medication_and_therapy"))
    for export, track in versions:
        participant(
            land,
            6,
            D(2026, 2, 20),
            "female",
            export=export,
            care_track=track,
            discharged_on=D(2026, 4, 9),
            discharge_reason="transferred",
            updated_at=ts("2026-04-09T12:00:00+00:00"),
        )
    appointment(land, 6, "2026-03-01T10:00:00-05:00")
    checkin(land, 6, D(2026, 3, 10), 0)
    # P7: evening appointment in New York that is already the next day in UTC; later discharge.
    participant(
        land,
        7,
        D(2026, 5, 25),
        "male",
        discharged_on=D(2026, 7, 15),
        discharge_reason="completed",
        export=D(2026, 7, 16),
        updated_at=ts("2026-07-15T12:00:00+00:00"),
    )
    appointment(land, 7, "2026-06-01T22:00:00-04:00")
    checkin(land, 7, D(2026, 6, 20), 3)
    # P8: late evening Pacific time = next day in New York.
    participant(land, 8, D(2026, 3, 1), "unknown")
    appointment(land, 8, "2026-03-31T21:30:00-07:00")
    # P9: enrolled after the as-of date.
    participant(land, 9, D(2026, 7, 5), "female")
    appointment(land, 9, "2026-06-20T10:00:00-04:00")
    # P10: withdrew consent in its latest version.
    participant(land, 10, D(2026, 1, 1), "female")
    participant(
        land,
        10,
        D(2026, 1, 1),
        "female",
        export=D(2026, 2, 2),
        data_sharing_consent=False,
        updated_at=ts("2026-02-01T12:00:00+00:00"),
    )
    appointment(land, 10, "2026-01-05T10:00:00-05:00")
    checkin(land, 10, D(2026, 1, 6), 2)
    # P11: not started: a no-show, a patient cancellation, one still booked.
    participant(land, 11, D(2026, 3, 1), "female")
    appointment(land, 11, "2026-03-10T10:00:00-05:00", "noshow", appointment_type="prescriber")
    appointment(
        land,
        11,
        "2026-03-12T10:00:00-04:00",
        "cancelled",
        appointment_type="therapy",
        cancelled_by="patient",
    )
    appointment(land, 11, "2026-03-20T10:00:00-04:00", "booked", appointment_type="therapy")
    # P12: its attended appointment was later entered in error.
    participant(land, 12, D(2026, 3, 1), "male")
    appointment(land, 12, "2026-03-05T10:00:00-05:00", appointment_id="a_0999")
    appointment(
        land,
        12,
        "2026-03-05T10:00:00-05:00",
        "entered-in-error",
        appointment_id="a_0999",
        updated_at=ts("2026-03-06T10:00:00-05:00"),
    )
    # P13: male, enrolled 01-01, care start 01-20.
    participant(land, 13, D(2026, 1, 1), "male")
    appointment(land, 13, "2026-01-20T09:00:00-05:00")
    checkin(land, 13, D(2025, 12, 25), 10)  # before enrolment: not in the baseline
    checkin(land, 13, D(2026, 1, 5), 6, craving_score=8)  # heavy (male >= 5)
    checkin(land, 13, D(2026, 1, 6), 0)
    checkin(land, 13, D(2026, 1, 7), None, craving_score=5, took_medication=False)  # skipped
    # 01-20: corrected; the correction (later submitted_at) wins. It is delivered twice.
    checkin(land, 13, D(2026, 1, 20), 3, craving_score=9, took_medication=False)
    for export in (D(2026, 1, 21), D(2026, 1, 22)):
        checkin(
            land,
            13,
            D(2026, 1, 20),
            1,
            export=export,
            checkin_id="c_9000",
            craving_score=3,
            took_medication=True,
            submitted_at=ts("2026-01-21T09:00:00+00:00"),
        )
    # 01-21: same submitted_at, same file -> the greater checkin_id (0 drinks).
    for cid, drinks in (("c_9002", 0), ("c_9001", 7)):
        checkin(
            land,
            13,
            D(2026, 1, 21),
            drinks,
            checkin_id=cid,
            took_medication=True,
            submitted_at=ts("2026-01-22T08:00:00+00:00"),
        )
    # 01-22: same submitted_at, different files -> the later file (2 drinks), despite its
    # smaller id.
    for cid, drinks, export in (("c_9999", 0, D(2026, 1, 23)), ("c_9003", 2, D(2026, 1, 24))):
        checkin(
            land,
            13,
            D(2026, 1, 22),
            drinks,
            checkin_id=cid,
            export=export,
            craving_score=4,
            took_medication=False,
            submitted_at=ts("2026-01-23T08:00:00+00:00"),
        )
    for day in days(D(2026, 2, 19), D(2026, 4, 7)):  # months 2-3: 48 reported days
        checkin(land, 13, day, 1 if day == D(2026, 3, 1) else 0)
    checkin(land, 13, D(2026, 6, 1), 0)  # month 5, after a 55-day gap
    checkin(land, 13, D(2026, 6, 25), 2)  # month 6
    checkin(land, 13, D(2026, 7, 1), 9)  # after the as-of date
    # P14: female, enrolled on care start.
    participant(land, 14, D(2026, 2, 1), "female")
    appointment(land, 14, "2026-02-01T11:00:00-05:00")
    checkin(land, 14, D(2026, 2, 1), 4)
    checkin(land, 14, D(2026, 2, 2), 3)
    return land


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build(tmp_path_factory.mktemp("hand-worked"), landing_rows(), AS_OF)


def rows_by(frame, key):
    return {row[key]: row for row in frame.to_dict("records")}


def test_participants_enrolled_as_of_and_consent(warehouse):
    frame = query(warehouse, "select * from marts.participants")
    by_id = rows_by(frame, "participant_id")
    assert set(by_id) == {P[n] for n in (1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14)}
    assert not by_id[P[11]]["started"] and not by_id[P[12]]["started"]
    assert by_id[P[5]]["state"] == "TX"  # tie in one file: the later row
    assert by_id[P[6]]["care_track"] == "medication_and_therapy"  # tie: the later export file
    assert pd.isna(by_id[P[7]]["discharged_on"])  # dated after the as-of date
    assert by_id[P[8]]["care_start_date"].date() == D(2026, 4, 1)
    assert by_id[P[8]]["cohort_month"] == "2026-04"
    assert by_id[P[7]]["care_start_date"].date() == D(2026, 6, 1)
    for table in ("participant_retention", "participant_drinking_monthly", "participant_outcomes"):
        ids = set(query(warehouse, f"select participant_id from marts.{table}")["participant_id"])
        assert P[10] not in ids and P[9] not in ids


def test_consent_excluded_from_every_model_after_staging(warehouse):
    # staging only types the latest version (consent false here); int_participants_enrolled
    # leaves the participant out, and every later model builds on it
    staged = query(warehouse, "select * from staging.stg_app__participants")
    assert not rows_by(staged, "participant_id")[P[10]]["data_sharing_consent"]
    relations = query(
        warehouse,
        "select table_schema, table_name from information_schema.columns"
        " where column_name = 'participant_id' and table_schema in ('intermediate', 'marts')",
    )
    assert len(relations) >= 10
    for schema, table in relations.itertuples(index=False):
        ids = query(warehouse, f"select distinct participant_id from {schema}.{table}")
        assert P[10] not in set(ids["participant_id"]), f"{schema}.{table}"


EXPECTED_RETENTION = {
    # n: (care_start, last_engaged_on, days_retained, status, r30, r90, r180)
    1: (D(2026, 4, 1), D(2026, 5, 31), 60, "in_care", True, None, None),
    2: (D(2026, 1, 10), D(2026, 2, 9), 30, "dropped_out", True, False, False),
    3: (D(2026, 5, 1), D(2026, 5, 30), 29, "dropped_out", False, False, False),
    4: (D(2026, 2, 1), D(2026, 3, 1), 28, "completed", None, None, None),
    5: (D(2026, 2, 1), D(2026, 2, 10), 9, "dropped_out", False, False, False),
    6: (D(2026, 3, 1), D(2026, 3, 10), 9, "transferred", None, None, None),
    7: (D(2026, 6, 1), D(2026, 6, 20), 19, "in_care", None, None, None),
    8: (D(2026, 4, 1), D(2026, 4, 1), 0, "dropped_out", False, False, False),
    13: (D(2026, 1, 20), D(2026, 4, 7), 77, "dropped_out", True, False, False),
    14: (D(2026, 2, 1), D(2026, 2, 2), 1, "dropped_out", False, False, False),
}


def _none(value):
    return None if pd.isna(value) else value


def test_participant_retention(warehouse):
    frame = query(
        warehouse,
        "select participant_id, care_start_date, last_engaged_on, days_retained, status,"
        " dropped_out, retained_30d, retained_90d, retained_180d from marts.participant_retention",
    )
    got = {
        r["participant_id"]: (
            r["care_start_date"].date(),
            r["last_engaged_on"].date(),
            r["days_retained"],
            r["status"],
            _none(r["retained_30d"]),
            _none(r["retained_90d"]),
            _none(r["retained_180d"]),
        )
        for r in frame.astype(object).to_dict("records")
    }
    assert got == {P[n]: value for n, value in EXPECTED_RETENTION.items()}
    dropped = dict(zip(frame["participant_id"], frame["dropped_out"], strict=True))
    assert dropped == {P[n]: v[3] == "dropped_out" for n, v in EXPECTED_RETENTION.items()}


def test_retention_curve_all(warehouse):
    frame = query(
        warehouse,
        "select day, at_risk, dropouts, censored, retention from marts.retention_curve"
        " where cohort = 'all' order by day",
    )
    expected = [
        (0, 10, 1, 0, 0.9),
        (1, 9, 1, 0, 0.8),
        (9, 8, 1, 1, 0.7),
        (19, 6, 0, 1, 0.7),
        (28, 5, 0, 1, 0.7),
        (29, 4, 1, 0, 0.525),
        (30, 3, 1, 0, 0.35),
        (60, 2, 0, 1, 0.35),
        (77, 1, 1, 0, 0.0),
    ]
    got = [tuple(r) for r in frame.itertuples(index=False)]
    assert [g[:4] for g in got] == [e[:4] for e in expected]
    assert [g[4] for g in got] == pytest.approx([e[4] for e in expected], abs=1e-12)


def test_retention_curve_cohort(warehouse):
    frame = query(
        warehouse,
        "select day, at_risk, dropouts, censored, retention from marts.retention_curve"
        " where cohort = '2026-02' order by day",
    )
    got = [tuple(r) for r in frame.itertuples(index=False)]
    expected = [(0, 3, 0, 0, 1.0), (1, 3, 1, 0, 2 / 3), (9, 2, 1, 0, 1 / 3), (28, 1, 0, 1, 1 / 3)]
    assert [g[:4] for g in got] == [e[:4] for e in expected]
    assert [g[4] for g in got] == pytest.approx([e[4] for e in expected], abs=1e-12)
    cohorts = set(query(warehouse, "select distinct cohort from marts.retention_curve")["cohort"])
    assert cohorts == {"all", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"}


def monthly(warehouse, n):
    frame = query(
        warehouse,
        f"select * from marts.participant_drinking_monthly where participant_id = '{P[n]}'"
        " order by treatment_month",
    )
    return {r["treatment_month"]: r for r in frame.astype(object).to_dict("records")}


def test_windows(warehouse):
    p1 = monthly(warehouse, 1)
    assert {m: r["window_days"] for m, r in p1.items()} == {0: 17, 1: 30, 2: 30, 3: 30, 4: 1}
    assert p1[2]["reported_days"] == 0  # the skipped drinks question is not a reported day
    assert _none(p1[2]["pct_drink_free_observed"]) is None
    assert p1[2]["pct_drink_free_conservative"] == 0
    assert p1[2]["craving_reported_days"] == 1
    assert p1[3]["reported_days"] == 1 and p1[3]["drink_free_days"] == 1
    assert [p1[m]["month_elapsed"] for m in range(5)] == [True, True, True, True, False]
    p4 = monthly(warehouse, 4)  # discharged 03-20, during month 2
    assert {m: r["window_days"] for m, r in p4.items()} == {0: 30, 1: 30, 2: 18}
    assert [p4[1][c] for c in ("reported_days", "heavy_drinking_days", "total_drinks")] == [2, 1, 5]
    p14 = monthly(warehouse, 14)  # enrolled on care start: no baseline row
    assert sorted(p14) == [1, 2, 3, 4, 5]
    assert p14[1]["heavy_drinking_days"] == 1  # 4 drinks is heavy for a woman
    assert p14[1]["grams_per_day"] == pytest.approx(49.0)
    assert p14[1]["risk_level"] == 3


def test_drinking_p13(warehouse):
    p13 = monthly(warehouse, 13)
    assert sorted(p13) == [0, 1, 2, 3, 4, 5, 6]
    fields = (
        "window_days",
        "reported_days",
        "drink_free_days",
        "drinking_days",
        "heavy_drinking_days",
        "total_drinks",
        "risk_level",
    )
    expected = {
        0: (19, 2, 1, 1, 1, 6, 2),  # 01-25 before enrolment is left out; 42 g/day -> medium (men)
        1: (30, 3, 1, 2, 0, 3, 1),  # 01-20 corrected to 1; 01-21 id tie -> 0; 01-22 file tie -> 2
        2: (30, 30, 29, 1, 0, 1, 1),
        3: (30, 18, 18, 0, 0, 0, 0),
        4: (30, 0, 0, 0, 0, 0, None),
        5: (30, 1, 1, 0, 0, 0, 0),
        6: (12, 1, 0, 1, 0, 2, 1),  # 07-01 is after the as-of date
    }
    got = {m: tuple(_none(r[f]) for f in fields) for m, r in p13.items()}
    assert got == expected
    m1 = p13[1]
    assert m1["pct_drink_free_observed"] == pytest.approx(1 / 3)
    assert m1["pct_drink_free_conservative"] == pytest.approx(1 / 30)
    assert m1["report_coverage"] == pytest.approx(0.1)
    assert m1["drinks_per_drinking_day"] == pytest.approx(1.5)
    assert (m1["medication_days"], m1["medication_reported_days"]) == (2, 3)
    assert (m1["mean_craving_score"], m1["craving_reported_days"]) == (3.5, 2)
    m0 = p13[0]
    assert (m0["medication_days"], m0["medication_reported_days"]) == (0, 1)
    assert (m0["mean_craving_score"], m0["craving_reported_days"]) == (6.5, 2)
    assert m0["grams_per_day"] == pytest.approx(42.0)


def test_participant_outcomes(warehouse):
    frame = query(warehouse, "select * from marts.participant_outcomes")
    by_id = rows_by(frame.astype(object), "participant_id")
    p13 = by_id[P[13]]
    assert p13["no_heavy_drinking_months_2_3"] is True
    levels = ("baseline_risk_level", "last_elapsed_month", "last_elapsed_risk_level")
    assert [p13[c] for c in levels] == [2, 5, 0]
    assert (p13["risk_reduction_1_level"], p13["risk_reduction_2_level"]) == (True, True)
    # discharged 03-20, 03-15 and 04-09: month 1 (ending 03-02, 03-02, 03-30) is the last whole
    # month of treatment, though months 2 to 5 have elapsed by the as-of date
    assert [by_id[P[n]]["last_elapsed_month"] for n in (4, 5, 6)] == [1, 1, 1]
    p14 = by_id[P[14]]
    assert p14["no_heavy_drinking_months_2_3"] is False  # nothing reported in months 2-3
    assert _none(p14["risk_reduction_1_level"]) is None  # no baseline level
    assert _none(by_id[P[3]]["no_heavy_drinking_months_2_3"]) is None  # month 3 not elapsed
    assert by_id[P[1]]["month3_elapsed"] is True  # month 3 ends 06-29
    assert by_id[P[1]]["no_heavy_drinking_months_2_3"] is False


def test_program_outcomes(warehouse):
    row = query(
        warehouse,
        "select * from marts.program_outcomes"
        " where cohort_month = 'all' and care_track = 'all' and sex_at_birth = 'all'",
    ).iloc[0]
    assert row["participants_started"] == 10
    assert (row["nhdd_eligible"], row["nhdd_responders"], row["nhdd_rate"]) == (8, 1, 0.125)
    assert (row["risk1_eligible"], row["risk1_responders"]) == (1, 1)
    assert (row["risk2_eligible"], row["risk2_responders"]) == (1, 1)


def test_program_outcomes_monthly(warehouse):
    row = query(
        warehouse,
        "select * from marts.program_outcomes_monthly where cohort_month = 'all'"
        " and care_track = 'all' and sex_at_birth = 'all' and treatment_month = 1",
    ).iloc[0]
    assert row["participants"] == 10
    assert row["participants_reporting"] == 7
    # drink-free days per 30: P3 0, P4 15, P5 30, P6 30, P7 0, P13 10, P14 0
    assert row["mean_drink_free_days_per_30"] == pytest.approx(85 / 7)
    assert row["median_drink_free_days_per_30"] == pytest.approx(10)
    female = query(
        warehouse,
        "select participants from marts.program_outcomes_monthly where cohort_month = 'all'"
        " and care_track = 'all' and sex_at_birth = 'female' and treatment_month = 1",
    )
    assert female["participants"].tolist() == [4]  # P1, P4, P6, P14


def test_enrolment_funnel(warehouse):
    row = query(
        warehouse,
        "select * from marts.enrolment_funnel where enrolment_month = 'all' and care_track = 'all'",
    ).iloc[0]
    assert (row["enrolled"], row["started"]) == (12, 10)
    assert (row["retained_30d_known"], row["retained_30d"]) == (7, 3)
    assert (row["retained_90d_known"], row["retained_90d"]) == (6, 0)
    assert (row["retained_180d_known"], row["retained_180d"]) == (6, 0)


def test_checkin_coverage(warehouse):
    frame = query(warehouse, "select * from marts.checkin_coverage_monthly order by calendar_month")
    assert frame["calendar_month"].tolist() == [f"2026-0{m}" for m in range(1, 7)]
    january = frame.iloc[0]
    # P2 from 01-10 (22 days) and P13 from 01-20 (12 days); P13 reported 01-20..01-22.
    assert (january["participants_in_care"], january["participant_days"]) == (2, 34)
    assert january["reported_days"] == 3
    assert january["coverage"] == pytest.approx(3 / 34)


def test_appointment_attendance(warehouse):
    frame = query(warehouse, "select * from marts.appointment_attendance_monthly")
    cells = {
        (r["month"], r["appointment_type"]): r for r in frame.astype(object).to_dict("records")
    }
    assert "2026-07" not in {month for month, _ in cells}  # scheduled after the as-of date
    cols = ("scheduled", "attended", "noshow", "cancelled", "cancelled_by_patient", "unresolved")
    expected = {
        ("2026-03", "prescriber"): (1, 0, 1, 0, 0, 0),
        ("2026-03", "therapy"): (2, 0, 0, 1, 1, 1),
        ("2026-03", "intake"): (1, 1, 0, 0, 0, 0),  # P6; P12's is entered-in-error
        ("2026-04", "intake"): (2, 2, 0, 0, 0, 0),  # P1 and P8 (04-01 in New York)
        ("2026-06", "therapy"): (1, 0, 0, 0, 0, 0),  # booked on the as-of date: not unresolved
        ("2026-06", "intake"): (1, 1, 0, 0, 0, 0),  # P7; P9 is not yet enrolled
    }
    for key, values in expected.items():
        assert tuple(cells[key][c] for c in cols) == values, key
    assert cells[("2026-03", "prescriber")]["attendance_rate"] == 0
    assert _none(cells[("2026-03", "therapy")]["attendance_rate"]) is None
    assert cells[("2026-04", "intake")]["attendance_rate"] == 1


def test_docs_generate(warehouse):
    run_dbt(warehouse, ["docs", "generate"])
    target = warehouse.dbt_target_dir
    assert (target / "index.html").exists()
    catalog = json.loads((target / "catalog.json").read_text())
    assert "model.aud_outcomes.participant_retention" in catalog["nodes"]
    manifest = json.loads((target / "manifest.json").read_text())
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model":
            assert node["description"].startswith("One row per"), node["name"]


def test_thresholds_are_dbt_vars(tmp_path):
    """The same participants with retention_gap_days 31 and a female heavy threshold of 5."""
    settings = Settings(
        data_dir=tmp_path, as_of=AS_OF, retention_gap_days=31, heavy_threshold_female=5
    )
    landing_rows().write(settings.warehouse_path)
    models = ["+participant_retention", "+participant_drinking_monthly"]
    run_dbt(settings, ["run", "--select", *models])
    frame = query(settings, "select * from marts.participant_retention")
    retention = rows_by(frame, "participant_id")
    # P2's 31-day gap no longer ends the episode: last engaged 03-12, 61 days, then dropped out.
    assert (retention[P[2]]["days_retained"], retention[P[2]]["status"]) == (61, "dropped_out")
    assert retention[P[3]]["status"] == "in_care"  # as-of date 31 days after: within the gap
    p14 = monthly(settings, 14)
    assert p14[1]["heavy_drinking_days"] == 0  # 4 drinks is below a threshold of 5
