"""Runs over time: skipping, re-deliveries, idempotency, consent withdrawal, latest-wins inputs."""

from __future__ import annotations

import duckdb

from flows.ingest import ensure_schema
from tests.ingest.ingest_support import P1, P2, P3, Drop, appointment, checkin, participant

PART7 = "app/participants_20261107.csv"
PART8 = "app/participants_20261108.jsonl"
CHECK7 = "app/checkins_20261107.csv"
CHECK8 = "app/checkins_20261108.parquet"
APPT7 = "scheduling/appointments_20261107.jsonl"


def _night_one(drop: Drop) -> None:
    drop.write(PART7, [participant(P1), participant(P2), participant(P3)])
    drop.write(
        CHECK7,
        [
            checkin("c_1", P1),
            checkin("c_2", P2),
            checkin("c_3", P3),
            checkin("c_bad", P2, craving_score="99"),
        ],
    )
    drop.write(APPT7, [appointment("a_1", P1), appointment("a_2", P2)])


def test_ingesting_the_same_folder_twice_changes_nothing(drop: Drop) -> None:
    _night_one(drop)
    drop.raw("app/participants_20261109.csv", b"participant_id,email\n")
    first = drop.ingest()
    before = drop.dump()
    second = drop.ingest()
    assert first.files_seen == second.files_seen == 4
    assert (second.files_skipped, second.files_loaded, second.new_delivery_ids) == (4, 0, [])
    assert second.rows_loaded == second.rows_quarantined == 0
    assert drop.dump() == before


def test_same_bytes_are_skipped_and_new_bytes_are_a_redelivery(drop: Drop) -> None:
    _night_one(drop)
    first = drop.ingest()
    assert first.new_delivery_ids == [1, 2, 3]
    # A check-in never changes once sent (EXPORTS.md): the re-sent file repeats c_1 as it was.
    drop.write(CHECK7, [checkin("c_1", P1), checkin("c_9", P1, standard_drinks="5")])
    report = drop.ingest()
    assert report.redeliveries == [CHECK7] and report.new_delivery_ids == [4]
    deliveries = drop.query(
        "SELECT delivery_id, redelivery FROM quality.deliveries WHERE source_file = ? ORDER BY 1",
        [CHECK7],
    )
    assert deliveries == [(2, False), (4, True)]
    # Every version stays in landing, each with its delivery.
    versions = drop.query(
        "SELECT checkin_id, standard_drinks, _delivery_id FROM landing.checkins"
        " WHERE checkin_id IN ('c_1', 'c_9') ORDER BY _delivery_id, checkin_id"
    )
    assert versions == [("c_1", 3, 2), ("c_1", 3, 4), ("c_9", 5, 4)]


def test_a_quarantined_file_is_retried_when_redelivered_with_new_bytes(drop: Drop) -> None:
    drop.raw(PART7, b"participant_id,notes\np_0123456789abcdef,hi\n")
    assert drop.ingest().files_quarantined == 1
    drop.write(PART7, [participant(P1)])
    report = drop.ingest()
    assert (report.files_loaded, report.rows_loaded, report.redeliveries) == (1, 1, [PART7])


def test_identical_bytes_under_another_name_are_a_new_delivery(drop: Drop) -> None:
    drop.write(PART7, [participant(P1)])
    drop.raw(PART8.replace(".jsonl", ".csv"), drop.path(PART7).read_bytes())
    report = drop.ingest()
    assert report.files_loaded == 2 and report.redeliveries == []


def test_consent_withdrawal_purges_every_table_and_stays_out(drop: Drop) -> None:
    _night_one(drop)
    drop.ingest()
    # Tables built downstream (a mart) hold the participant too, and must be purged as well.
    with duckdb.connect(str(drop.warehouse)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.some_mart AS"
            " SELECT participant_id, 1 AS x FROM landing.participants"
        )
        con.execute("CREATE VIEW marts.some_view AS SELECT * FROM marts.some_mart")
    assert P2 in str(drop.dump())
    drop.write(
        PART8, [participant(P2, data_sharing_consent="false", updated_at="2026-11-07T23:00:00Z")]
    )
    drop.write(CHECK8, [checkin("c_4", P2), checkin("c_5", P1)])
    report = drop.ingest()
    assert report.participants_purged == 1
    assert report.rows_withdrawn == 1  # c_4, delivered after the withdrawal
    assert drop.contains_text(P2) == []
    assert drop.query("SELECT count(*) FROM quality.withdrawn_participants") == [(1,)]
    assert drop.query("SELECT count(*) FROM marts.some_mart") == [(2,)]
    assert drop.delivery(CHECK8)["rows_withdrawn"] == 1
    # Later deliveries of the participant, even claiming consent again, stay out.
    drop.write(
        "app/participants_20261109.csv", [participant(P2, updated_at="2026-11-09T00:00:00Z")]
    )
    drop.write("app/checkins_20261109.csv", [checkin("c_6", P2, craving_score="99")])
    later = drop.ingest()
    assert later.rows_withdrawn == 2 and later.rows_quarantined == 0
    assert drop.contains_text(P2) == []
    # Quarantined rows of others are untouched.
    assert drop.quarantine(CHECK7) == []


def test_any_withdrawing_version_removes_the_participant(drop: Drop) -> None:
    # Withdrawal is for good (EXPORTS.md): a version saying consent false removes the participant
    # whatever the other versions say, later, tied or stamped in the future.
    same = "2026-11-07T10:00:00Z"
    drop.write(
        PART7,
        [
            participant(P1, data_sharing_consent="false", updated_at=same),
            participant(P1, updated_at=same),
            participant(P2, updated_at="2026-11-07T11:00:00Z"),
            participant(P2, data_sharing_consent="false", updated_at=same),
            participant(P3, updated_at=same),
        ],
    )
    drop.write(PART8, [participant(P3, updated_at="2026-11-08T10:00:00Z")])
    report = drop.ingest()
    assert report.participants_purged == 2
    assert drop.query("SELECT DISTINCT participant_id FROM landing.participants ORDER BY 1") == [
        (P3,),
    ]
    assert drop.contains_text(P1) == [] and drop.contains_text(P2) == []


def test_a_withdrawal_is_final(drop: Drop) -> None:
    # Files are applied night by night: once withdrawn, a later "true" does not bring data back,
    # whether the nights are ingested in one run or in two.
    drop.write(PART7, [participant(P1, data_sharing_consent="false")])
    drop.write(PART8, [participant(P1, updated_at="2026-11-08T10:00:00Z")])
    assert drop.ingest().participants_purged == 1
    assert drop.contains_text(P1) == []


def test_withdrawal_in_the_same_night_drops_that_nights_rows(drop: Drop) -> None:
    drop.write(PART7, [participant(P1), participant(P2, data_sharing_consent="FALSE")])
    drop.write(
        CHECK7, [checkin("c_1", P1), checkin("c_2", P2), checkin("c_3", P2, report_date="x")]
    )
    report = drop.ingest()
    assert (report.rows_withdrawn, report.rows_quarantined) == (2, 0)
    assert drop.contains_text(P2) == []


def test_ensure_schema_is_repeatable(drop: Drop) -> None:
    with duckdb.connect(str(drop.warehouse)) as con:
        ensure_schema(con)
        ensure_schema(con)
        tables = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables ORDER BY 1"
        ).fetchall()
    assert [t[0] for t in tables] == [
        "landing.appointments",
        "landing.checkins",
        "landing.participants",
        "quality.deliveries",
        "quality.quarantine",
        "quality.withdrawn_participants",
    ]


def test_landing_has_the_contract_types_and_lineage(drop: Drop) -> None:
    drop.write(PART7, [participant(P1)])
    drop.ingest()
    types = dict(
        drop.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'landing' AND table_name = 'participants'"
        )
    )
    assert types["updated_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["baseline_audit_c"] == "INTEGER"
    assert types["data_sharing_consent"] == "BOOLEAN"
    row = drop.query(
        "SELECT _delivery_id, _source_file, _export_date::VARCHAR, _row_number "
        "FROM landing.participants"
    )
    assert row == [(1, PART7, "2026-11-07", 1)]


def test_a_quarantined_row_still_withdraws_consent(drop: Drop) -> None:
    drop.write(PART7, [participant(P1), participant(P2)])
    drop.write(CHECK7, [checkin("c_1", P1)])
    drop.ingest()
    # Newer version with consent false but a broken field: the withdrawal is honoured anyway...
    drop.write(
        PART8,
        [
            participant(
                P1, state="ZZ", data_sharing_consent="false", updated_at="2026-11-08T00:00:00Z"
            ),
            # ...and so is an older one: withdrawal is for good, whatever the other versions say.
            participant(
                P2, state="ZZ", data_sharing_consent="false", updated_at="2026-11-01T00:00:00Z"
            ),
        ],
    )
    report = drop.ingest()
    assert report.participants_purged == 2
    assert drop.contains_text(P1) == [] and drop.contains_text(P2) == []
    # The quarantine keeps the rows' place (file, row, column, reason) without the participant.
    assert report.rows_quarantined == 2


def test_the_generators_exports_load_cleanly_and_only_once(drop: Drop) -> None:
    import datetime as dt

    from flows.generate import generate_exports

    generate_exports(drop.exports, participants=60, months=3, seed=3, as_of=dt.date(2026, 11, 20))
    first = drop.ingest()
    assert first.files_seen > 0 and first.files_quarantined == 0
    assert first.rows_quarantined == 0 and first.rows_loaded > 0
    before = drop.dump()
    assert drop.ingest().files_skipped == first.files_seen
    assert drop.dump() == before
