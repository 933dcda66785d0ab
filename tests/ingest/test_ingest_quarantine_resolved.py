"""A quarantined file or row is marked resolved when a re-delivery loads it (issue 15), and stays
open until one does: the re-send list is what is still open."""

from __future__ import annotations

import json

from tests.ingest.ingest_support import P1, P2, checkin, participant

OPEN = "resolved_at IS NULL"


def _states(drop, source_file: str) -> list[tuple]:
    """(row_number, column_name, resolved_by_file) of a delivered file's quarantine."""
    return drop.query(
        "SELECT row_number, column_name, resolved_by_file FROM quality.quarantine "
        "WHERE source_file = ? ORDER BY delivery_id, row_number NULLS FIRST, column_name",
        [source_file],
    )


def test_a_file_quarantined_whole_is_resolved_by_its_re_delivery(drop):
    name = "app/participants_20261107.csv"
    rows = [participant(P1), participant(P2)]
    with_email = [{**r, "email": "someone@example.org"} for r in rows]
    drop.write(name, with_email)
    first = drop.ingest()
    assert first.files_quarantined == 1
    assert _states(drop, name) == [(None, "email", None)]

    # A file of another export date does not resolve it; nor does a re-send that breaks again.
    drop.write("app/participants_20261108.csv", rows)
    drop.ingest()
    assert _states(drop, name) == [(None, "email", None)]

    drop.write(name, rows)  # the same name, re-sent without the stray column
    again = drop.ingest()
    assert again.redeliveries == [name]
    [(row, column, by)] = drop.query(
        "SELECT row_number, column_name, resolved_by_file FROM quality.quarantine "
        "WHERE source_file = ? AND resolved_at IS NOT NULL",
        [name],
    )
    assert (row, column, by) == (None, "email", name)
    [(by_delivery,)] = drop.query(
        "SELECT delivery_id FROM quality.deliveries WHERE source_file = ? AND status = 'loaded'",
        [name],
    )
    assert drop.query("SELECT resolved_by_delivery FROM quality.quarantine") == [(by_delivery,)]


def test_a_rejected_row_is_resolved_by_a_later_version_of_its_key(drop):
    drop.write("app/participants_20261106.csv", [participant(P1), participant(P2)])
    night1 = "app/checkins_20261107.csv"
    drop.write(
        night1,
        [
            checkin("c_1", P1),
            checkin("c_2", P1, craving_score="11"),  # out of range
            checkin("c_3", P2, standard_drinks="61"),  # out of range, never re-sent
            checkin("c_4", P2, report_date="2026-13-01"),  # not a date
        ],
    )
    drop.ingest()
    assert [r[:2] for r in _states(drop, night1)] == [
        (2, "craving_score"),
        (3, "standard_drinks"),
        (4, "report_date"),
    ]
    assert drop.query(f"SELECT count(*) FROM quality.quarantine WHERE {OPEN}") == [(3,)]

    # The next night's delta carries c_2 and c_4 again, corrected; c_3 is not in it.
    night2 = "app/checkins_20261108.jsonl"
    drop.write(night2, [checkin("c_2", P1), checkin("c_4", P2), checkin("c_5", P2)])
    drop.ingest()
    assert _states(drop, night1) == [
        (2, "craving_score", night2),
        (3, "standard_drinks", None),
        (4, "report_date", night2),
    ]


def test_a_line_that_could_not_be_read_is_resolved_when_its_file_is_re_sent(drop):
    drop.write("app/participants_20261106.csv", [participant(P1)])
    name = "app/checkins_20261107.jsonl"
    good = json.dumps(checkin("c_1", P1)) + "\n"
    drop.raw(name, (good + '{"checkin_id": "c_2", \n').encode())  # line 2 is cut short
    drop.ingest()
    assert _states(drop, name) == [(2, None, None)]

    drop.raw(name, (good + json.dumps(checkin("c_2", P1)) + "\n").encode())  # re-sent whole
    drop.ingest()
    assert _states(drop, name) == [(2, None, name)]
