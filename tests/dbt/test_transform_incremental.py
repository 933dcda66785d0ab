"""Incremental builds (DuckDB) give exactly the tables of a full rebuild.

A warehouse is built as of one date, then a later night is delivered into it: new check-ins,
corrections (a later check-in for a day, a re-sent copy that changes a check-in and moves it to
another day, a tie on submitted_at broken by the later export file), a consent withdrawal (one
participant's latest version withdraws, another is purged from landing as ingestion does), a
participant whose enrolment date falls between the two as-of dates, a new care start and an
attended appointment corrected to entered-in-error. The incremental build is then compared with a
full rebuild of a copy, table by table (EXCEPT ALL both ways), for a later and for an earlier
as-of date.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil

import duckdb
import pytest

from core.settings import Settings
from engines.dbt_runner import INCREMENTAL_STATE_TABLE, needs_full_refresh, run_dbt
from tests.dbt.transform_support import Landing

pytestmark = pytest.mark.slow

D = dt.date
FIRST_AS_OF = D(2026, 3, 15)
NEXT_AS_OF = D(2026, 3, 21)
EARLIER_AS_OF = D(2026, 3, 8)
NIGHT = D(2026, 3, 22)
P = [f"p_{n:016x}" for n in range(1, 31)]
WITHDRAWN, PURGED, LATE_ENROLLED, LATE_STARTER = P[3], P[4], P[5], P[6]
COMPARED_SCHEMAS = ("staging", "intermediate", "marts_candidate")


def at(day: D, hour: int = 8) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


class Night:
    """Rows of one or more export files, added in export-date order like ingestion's deliveries."""

    def __init__(self, delivery_offset: int = 0) -> None:
        self.land = Landing(delivery_offset=delivery_offset)
        self.pending: list[tuple[D, str, dict]] = []

    def add(self, entity: str, export: D, **values: object) -> None:
        self.pending.append((export, entity, values))

    def write(self, warehouse) -> None:
        for export, entity, values in sorted(self.pending, key=lambda r: (r[0], r[1])):
            self.land.add(entity, export, **values)
        self.land.write(warehouse)


def participant(night: Night, pid: str, enrolled: D, export: D, **extra) -> None:
    values = {
        "participant_id": pid,
        "enrolled_on": enrolled,
        "sex_at_birth": ("female", "male", "unknown")[int(pid[-2:], 16) % 3],
        "age_band": "35-44",
        "state": "NY",
        "care_track": "medication_only",
        "baseline_audit_c": 6,
        "data_sharing_consent": True,
        "updated_at": at(export, 1),
    } | extra
    night.add("participants", export, **values)


def appointment(night: Night, aid: str, pid: str, day: D, status: str, export: D) -> None:
    night.add(
        "appointments",
        export,
        appointment_id=aid,
        participant_id=pid,
        appointment_type="therapy",
        scheduled_start=at(day, 15),
        duration_minutes=45,
        status=status,
        modality="video",
        updated_at=at(export, 2),
    )


def checkin(night: Night, cid: str, pid: str, day: D, export: D, **extra) -> None:
    values = {
        "checkin_id": cid,
        "participant_id": pid,
        "report_date": day,
        "submitted_at": at(day + dt.timedelta(days=1)),
        "standard_drinks": 2,
        "craving_score": 3,
        "took_medication": True,
    } | extra
    night.add("checkins", export, **values)


def first_nights() -> tuple[Night, list[tuple[str, str, D, dict]]]:
    """Two months of data up to 2026-03-21 (some of it after the first as-of date)."""
    rng = random.Random(20260315)
    night = Night()
    sent: list[tuple[str, str, D, dict]] = []
    for i, pid in enumerate(P):
        enrolled = D(2026, 3, 17) if pid == LATE_ENROLLED else D(2026, 1, 5) + dt.timedelta(days=i)
        participant(night, pid, enrolled, enrolled + dt.timedelta(days=1))
        if pid != LATE_STARTER:
            start = enrolled + dt.timedelta(days=rng.randint(0, 10))
            for k in range(4):
                day = start + dt.timedelta(days=k * rng.randint(6, 25))
                if day <= D(2026, 3, 20):
                    status = (
                        "fulfilled" if k == 0 else rng.choice(["fulfilled", "noshow", "booked"])
                    )
                    appointment(night, f"a_{i:03d}{k}", pid, day, status, day + dt.timedelta(1))
        day = enrolled - dt.timedelta(days=5)
        n = 0
        while day <= D(2026, 3, 20):
            if rng.random() < 0.7:
                for copy in range(rng.choice([1, 1, 1, 2])):  # a second check-in for the day
                    n += 1
                    cid = f"c_{i:03d}{n:04d}"
                    values = {
                        "standard_drinks": rng.choice([0, 0, 1, 3, 5, None]),
                        "craving_score": rng.randint(0, 10),
                        "submitted_at": at(day + dt.timedelta(days=1), 8 + copy),
                    }
                    export = day + dt.timedelta(days=1)
                    checkin(night, cid, pid, day, export, **values)
                    if rng.random() < 0.3:  # deliveries overlap: the same check-in again
                        checkin(night, cid, pid, day, export + dt.timedelta(days=1), **values)
                    sent.append((cid, pid, day, values))
            day += dt.timedelta(days=1)
    return night, sent


def next_night(sent: list[tuple[str, str, D, dict]]) -> Night:
    night = Night(delivery_offset=1000)
    for i, pid in enumerate(P[:20]):
        for k, day in enumerate([D(2026, 3, 20), D(2026, 3, 21)]):
            checkin(night, f"c_new{i:03d}{k}", pid, day, NIGHT, standard_drinks=(i + k) % 6)
    by_participant = {}
    for cid, pid, day, values in sent:
        by_participant.setdefault(pid, []).append((cid, day, values))
    # a later check-in replaces the day's answer
    cid, day, _ = by_participant[P[10]][3]
    checkin(night, "c_later", P[10], day, NIGHT, submitted_at=at(NIGHT, 23), standard_drinks=7)
    # a re-sent copy changes a check-in and moves it to another day
    cid, day, values = by_participant[P[11]][5]
    moved = values | {"standard_drinks": 9}
    checkin(night, cid, P[11], day + dt.timedelta(days=40), NIGHT, **moved)
    # a tie on submitted_at: the later export file wins
    cid, day, values = by_participant[P[12]][7]
    checkin(
        night, "c_tie", P[12], day, NIGHT, submitted_at=values["submitted_at"], standard_drinks=0
    )
    # consent withdrawn by the latest version (not purged yet)
    participant(
        night, WITHDRAWN, D(2026, 1, 8), NIGHT, data_sharing_consent=False, updated_at=at(NIGHT, 3)
    )
    # a participant's first attended appointment: care start
    appointment(night, "a_new1", LATE_STARTER, D(2026, 3, 19), "fulfilled", NIGHT)
    # an attended appointment later marked entered-in-error
    appointment(night, "a_0080", P[8], D(2026, 1, 13), "entered-in-error", NIGHT)
    return night


def purge_from_landing(warehouse, pid: str) -> None:
    """What ingestion's consent purge does to landing (it also clears the built tables)."""
    with duckdb.connect(str(warehouse)) as con:
        for table in ("participants", "checkins", "appointments"):
            con.execute(f"delete from landing.{table} where participant_id = ?", [pid])


def relations(con) -> list[tuple[str, str]]:
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema in ? "
        "and table_name != 'incremental_state' order by 1, 2",
        [list(COMPARED_SCHEMAS)],
    ).fetchall()
    return [(s, t) for s, t in rows]


def comparable(con, schema: str, table: str) -> str:
    """The relation's columns, fractions rounded to 9 places: a mean over the same rows read in
    another order (an incremental table keeps its rows in another order) may differ in the last
    bit, as between any two parallel DuckDB runs. Everything else is compared exactly."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall()
    return ", ".join(
        f'round("{c}", 9)' if t in ("DOUBLE", "FLOAT") else f'"{c}"' for c, t in columns
    )


def assert_same_tables(built, rebuilt) -> int:
    """Every table and view of staging, intermediate and the (candidate) marts equal, as
    multisets of rows (EXCEPT ALL both ways)."""
    with duckdb.connect(str(built), read_only=True) as con:
        con.execute(f"attach '{rebuilt}' as rebuilt (read_only)")
        names = relations(con)
        assert len(names) > 20
        for schema, table in names:
            columns = comparable(con, schema, table)
            mine = f'select {columns} from "{schema}"."{table}"'
            theirs = f'select {columns} from rebuilt."{schema}"."{table}"'
            for a, b in ((mine, theirs), (theirs, mine)):
                extra = con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0]
                assert extra == 0, f"{schema}.{table}: {extra} row(s) of one build not in the other"
        answers = con.execute("select count(*) from intermediate.int_checkin_answers").fetchone()
    return answers[0]


def build_incrementally(settings: Settings) -> None:
    assert not needs_full_refresh(settings), "expected an incremental build"
    run_dbt(settings, ["build"], candidate=True)
    compiled = (
        settings.dbt_target_dir
        / "compiled/aud_outcomes/models/intermediate/int_checkin_answers.sql"
    )
    assert "changed_days" in compiled.read_text(), "int_checkin_answers was rebuilt in full"


def full_rebuild_of(settings: Settings, folder) -> Settings:
    folder.mkdir()
    copy = settings.model_copy(update={"data_dir": folder, "warehouse": folder / "wh.duckdb"})
    shutil.copy(settings.warehouse_path, copy.warehouse_path)
    run_dbt(copy, ["build", "--full-refresh"], candidate=True)
    return copy


def test_incremental_builds_equal_full_rebuilds(tmp_path):
    night, sent = first_nights()
    settings = Settings(
        data_dir=tmp_path / "inc", warehouse=tmp_path / "inc/wh.duckdb", as_of=FIRST_AS_OF
    )
    night.write(settings.warehouse_path)
    run_dbt(settings, ["build"], candidate=True)
    assert not needs_full_refresh(settings)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        state = con.execute(
            f"select model_name, as_of_date, delivery_watermark from {INCREMENTAL_STATE_TABLE}"
        ).fetchall()
        assert ("int_checkin_answers", FIRST_AS_OF) in {(m, a) for m, a, _ in state}
        ids = {
            pid
            for (pid,) in con.execute(
                "select distinct participant_id from intermediate.int_checkin_answers"
            ).fetchall()
        }
        assert {WITHDRAWN, PURGED} <= ids and LATE_ENROLLED not in ids

    # the next night, a later as-of date
    next_night(sent).write(settings.warehouse_path)
    purge_from_landing(settings.warehouse_path, PURGED)
    later = settings.model_copy(update={"as_of": NEXT_AS_OF})
    build_incrementally(later)
    rows = assert_same_tables(
        later.warehouse_path, full_rebuild_of(later, tmp_path / "full1").warehouse_path
    )
    with duckdb.connect(str(later.warehouse_path), read_only=True) as con:
        ids = {
            pid
            for (pid,) in con.execute(
                "select distinct participant_id from intermediate.int_checkin_answers"
            ).fetchall()
        }
    assert WITHDRAWN not in ids and PURGED not in ids and LATE_ENROLLED in ids
    assert rows > 1000

    # a run for an earlier date on the same warehouse, then back to the later one
    earlier = settings.model_copy(update={"as_of": EARLIER_AS_OF})
    build_incrementally(earlier)
    assert_same_tables(
        earlier.warehouse_path, full_rebuild_of(earlier, tmp_path / "full2").warehouse_path
    )
    build_incrementally(later)
    assert_same_tables(later.warehouse_path, tmp_path / "full1/wh.duckdb")


def test_a_changed_setting_or_model_means_a_full_refresh(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(
        Settings().dbt_project_dir,
        project,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    settings = Settings(data_dir=tmp_path, dbt_project_dir=project, as_of=FIRST_AS_OF)
    assert not needs_full_refresh(settings), "no warehouse yet: nothing to refresh"
    Night().write(settings.warehouse_path)
    assert needs_full_refresh(settings), "tables without a recorded build"
    run_dbt(settings, ["build", "--select", "+int_checkin_answers"])
    assert not needs_full_refresh(settings)
    assert not needs_full_refresh(settings.model_copy(update={"as_of": NEXT_AS_OF}))
    assert needs_full_refresh(settings.model_copy(update={"retention_gap_days": 45}))
    model = project / "models/intermediate/int_drinking_days.sql"
    model.write_text(model.read_text() + "\n-- a changed model\n")
    assert needs_full_refresh(settings)
