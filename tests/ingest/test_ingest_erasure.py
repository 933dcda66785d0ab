"""After a consent withdrawal no byte of the participant is left in the warehouse's files.

Deleting rows is not enough: DuckDB keeps the blocks of deleted rows in the file (9 copies of
one id were found that way). These tests read the files' bytes, not the tables.
"""

from __future__ import annotations

import duckdb
import pytest

from core.settings import Settings
from flows.ingest import load
from tests.ingest.ingest_support import P1, P2, Drop, appointment, checkin, participant


def _bytes_holding(drop: Drop, needle: str) -> dict[str, int]:
    """Every file beside the warehouse (the file, its WAL, anything else; not the drop folder)
    whose bytes contain `needle`, with the count."""
    found = {}
    for path in sorted(p for p in drop.root.rglob("*") if p.is_file()):
        if drop.exports in path.parents:
            continue
        count = path.read_bytes().count(needle.encode())
        if count:
            found[str(path.relative_to(drop.root))] = count
    return found


def _night_one(drop: Drop) -> None:
    drop.write("app/participants_20261107.csv", [participant(P1), participant(P2)])
    drop.write(
        "app/checkins_20261107.jsonl",
        [checkin(f"c_p1_{i}", P1, report_date=f"2026-10-{i + 1:02d}") for i in range(20)]
        + [checkin(f"c_p2_{i}", P2, report_date=f"2026-10-{i + 1:02d}") for i in range(20)],
    )
    drop.write(
        "scheduling/appointments_20261107.parquet",
        [appointment("a_p1_1", P1), appointment("a_p2_1", P2)],
    )


def test_a_withdrawn_participant_leaves_no_byte_in_the_warehouse_files(drop: Drop) -> None:
    _night_one(drop)
    drop.ingest()
    # The scan sees the data while it is there: the ids and a check-in id are in the file.
    assert _bytes_holding(drop, P1) and _bytes_holding(drop, "c_p1_7")

    drop.write(
        "app/participants_20261108.csv",
        [participant(P1, data_sharing_consent="false", updated_at="2026-11-08T09:00:00Z")],
    )
    report = drop.ingest()
    assert report.participants_purged == 1 and report.withdrawals_erased == 1

    # The warehouse folder, WAL and every other file beside it, hold nothing of P1...
    for needle in (P1, P1.removeprefix("p_"), "c_p1_7", "a_p1_1"):
        assert _bytes_holding(drop, needle) == {}, needle
    # ...and still everything of the participant who stayed.
    assert _bytes_holding(drop, P2) and _bytes_holding(drop, "c_p2_7")
    assert drop.query("SELECT count(*) FROM landing.checkins WHERE participant_id = ?", [P2]) == [
        (20,)
    ]
    assert drop.query("SELECT count(*) FROM quality.withdrawn_participants") == [(1,)]
    assert not drop.warehouse.with_name(drop.warehouse.name + ".rewrite").exists()


def test_an_erasure_a_killed_run_did_not_finish_is_done_by_the_next(
    drop: Drop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed after the purge's commit, before the rewrite: the rows are deleted, their
    bytes still in the file, and erased_at empty. The next run, with nothing new, erases them."""
    _night_one(drop)
    drop.ingest()
    drop.write(
        "app/participants_20261108.csv",
        [participant(P1, data_sharing_consent="false", updated_at="2026-11-08T09:00:00Z")],
    )
    with monkeypatch.context() as patch:  # the kill, just before the rewrite
        patch.setattr(load, "erase_from_disk", lambda *args: 0)
        assert drop.ingest().participants_purged == 1
    assert drop.query("SELECT count(*) FROM landing.checkins WHERE participant_id = ?", [P1]) == [
        (0,)
    ]
    assert _bytes_holding(drop, P1)  # deleted is not erased

    report = drop.ingest()  # nothing new to load, yet the erasure is owed
    assert report.new_delivery_ids == [] and report.withdrawals_erased == 1
    assert _bytes_holding(drop, P1) == {}
    assert drop.ingest().withdrawals_erased == 0  # done once, not every night


def test_the_rewritten_warehouse_keeps_every_table_view_and_comment(drop: Drop) -> None:
    _night_one(drop)
    drop.ingest()
    with duckdb.connect(str(drop.warehouse)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.kept AS SELECT 1 AS one")
        con.execute("CREATE VIEW marts.kept_view AS SELECT one FROM marts.kept")
        con.execute("COMMENT ON TABLE marts.kept IS 'grain: one row'")
    before = drop.dump()
    drop.write(
        "app/participants_20261108.csv",
        [participant(P1, data_sharing_consent="false", updated_at="2026-11-08T09:00:00Z")],
    )
    assert drop.ingest().withdrawals_erased == 1
    after = drop.dump()
    assert set(after) == set(before)
    with duckdb.connect(str(drop.warehouse), read_only=True) as con:
        assert con.execute("SELECT one FROM marts.kept_view").fetchall() == [(1,)]
        assert con.execute(
            "SELECT comment FROM duckdb_tables() WHERE table_name = 'kept'"
        ).fetchall() == [("grain: one row",)]


def test_a_withdrawal_removes_the_analysts_copies_made_before_it(drop: Drop) -> None:
    """The analysts' copy and its Parquet hold the participant until the next publish writes
    them anew: they go with the rewrite of the warehouse."""
    _night_one(drop)
    drop.ingest()
    settings = Settings(data_dir=drop.root)
    copy, parquet = settings.analytics_path, settings.parquet_dir
    assert copy.parent == drop.warehouse.parent
    copy.write_bytes(P1.encode())
    parquet.mkdir()
    (parquet / "participants.parquet").write_bytes(P1.encode())
    drop.ingest()  # nothing withdrawn: the copies stay
    assert copy.exists() and parquet.exists()

    drop.write(
        "app/participants_20261108.csv",
        [participant(P1, data_sharing_consent="false", updated_at="2026-11-08T09:00:00Z")],
    )
    assert drop.ingest().withdrawals_erased == 1
    assert not copy.exists() and not parquet.exists()
    assert _bytes_holding(drop, P1) == {}
