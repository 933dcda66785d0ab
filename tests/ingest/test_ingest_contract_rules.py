"""EXPORTS.md, "Rules that hold for every entity": ids are strings in every format, offsets lie in
-12:00..+14:00, no version is stamped after its export, a JSON line has each key once, a check-in
never changes once sent, and consent withdrawal cannot be outranked."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.ingest.rules import latest_version_time
from tests.ingest.ingest_support import P1, P2, Drop, appointment, checkin, participant

PART7 = "app/participants_20261107.csv"
CHECK7 = "app/checkins_20261107"
CLOCK = "later than its export date (clock error)"
CHANGED = "check-in changed after it was sent"


# --- ids are strings -----------------------------------------------------------------------------
@pytest.mark.parametrize("robust", [False, True], ids=["fast-reader", "line-by-line"])
@pytest.mark.parametrize("value", [{"a": 1}, ["c_1"], 17, 1.5, True])
def test_a_json_non_string_id_breaks_the_type(drop: Drop, value, robust: bool) -> None:
    drop.write(PART7, [participant(P1)])
    lines = [
        json.dumps(checkin("c_1")),
        json.dumps({**checkin("c_2"), "checkin_id": value}),
        json.dumps({**checkin("c_3"), "participant_id": value}),
    ]
    if robust:
        lines.insert(1, "")  # a blank line: the line-by-line reader takes the file
    drop.raw(f"{CHECK7}.jsonl", ("\n".join(lines) + "\n").encode())
    report = drop.ingest()
    shift = 1 if robust else 0
    assert drop.quarantine(f"{CHECK7}.jsonl") == [
        (f"{CHECK7}.jsonl", 2 + shift, "checkin_id", "not a string"),
        (f"{CHECK7}.jsonl", 3 + shift, "participant_id", "not a string"),
    ]
    assert report.rows_loaded == 2  # the participant and c_1


def test_a_json_non_string_appointment_id_breaks_the_type(drop: Drop) -> None:
    drop.write(PART7, [participant(P1)])
    rows = [appointment("a_1"), {**appointment("a_2"), "appointment_id": 12345}]
    drop.raw(
        "scheduling/appointments_20261107.jsonl",
        "".join(json.dumps(r) + "\n" for r in rows).encode(),
    )
    drop.ingest()
    assert drop.quarantine("scheduling/appointments_20261107.jsonl") == [
        ("scheduling/appointments_20261107.jsonl", 2, "appointment_id", "not a string")
    ]


@pytest.mark.parametrize(
    "ids",
    [
        pa.array([{"x": 1}, {"x": 2}], pa.struct([("x", pa.int64())])),
        pa.array([1, 2], pa.int64()),
        pa.array([1.0, 2.0], pa.float64()),
        pa.array([["c_1"], ["c_2"]], pa.list_(pa.string())),
    ],
    ids=["struct", "int", "double", "list"],
)
def test_a_parquet_id_column_that_is_not_a_string_breaks_the_type(drop: Drop, ids) -> None:
    drop.write(PART7, [participant(P1)])
    path = drop.path(f"{CHECK7}.parquet")
    drop.write(f"{CHECK7}.parquet", [checkin("c_1"), checkin("c_2")])
    table = pq.read_table(path)
    table = table.set_column(0, "checkin_id", ids)
    pq.write_table(table, path)
    report = drop.ingest()
    assert drop.quarantine(f"{CHECK7}.parquet") == [
        (f"{CHECK7}.parquet", 1, "checkin_id", "not a string"),
        (f"{CHECK7}.parquet", 2, "checkin_id", "not a string"),
    ]
    assert report.rows_loaded == 1


# --- offsets and clocks ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("2026-11-07T10:00:00+25:00", "offset outside -12:00..+14:00"),
        ("2026-11-07T10:00:00+14:30", "offset outside -12:00..+14:00"),
        ("2026-11-07T10:00:00-12:30", "offset outside -12:00..+14:00"),
        ("2026-11-07T10:00:00+0575", "not a timestamp with offset"),
        ("2026-11-07T10:00:00+14:00", None),
        ("2026-11-07T10:00:00-12:00", None),
        ("2026-11-07T10:00:00+1345", None),
        ("2026-11-07T10:00:00-11", None),
    ],
)
def test_offsets_lie_between_minus_12_and_plus_14(drop: Drop, stamp: str, reason) -> None:
    drop.write(PART7, [participant(P1), participant(P2, updated_at=stamp)])
    drop.ingest()
    expected = [(PART7, 2, "updated_at", reason)] if reason else []
    assert drop.quarantine() == expected


def test_the_latest_possible_version_time_is_the_export_dates_end_at_utc_minus_12() -> None:
    import datetime as dt

    assert latest_version_time(dt.date(2026, 11, 7)) == "2026-11-08T12:00:00+00:00"


@pytest.mark.parametrize("ext", ["csv", "jsonl", "parquet"])
def test_a_version_stamped_after_its_export_is_a_clock_error(drop: Drop, ext: str) -> None:
    drop.write(
        f"app/participants_20261107.{ext}",
        [
            participant(P1, updated_at="2026-11-08T12:00:00Z"),  # the last instant allowed
            participant(P2, updated_at="2026-11-08T12:00:01Z"),
        ],
    )
    drop.write(
        f"{CHECK7}.{ext}",
        [
            checkin("c_1", submitted_at="2026-11-08T01:00:00-11:00"),
            checkin("c_2", submitted_at="2099-01-01T00:00:00Z"),
        ],
    )
    appointments = "scheduling/appointments_20261107.csv"
    drop.write(
        appointments,
        [
            # An appointment may be scheduled in the future; its version may not be stamped there.
            appointment("a_1", scheduled_start="2027-01-05T14:00:00Z"),
            appointment("a_2", updated_at="2026-11-09T00:00:00Z"),
        ],
    )
    drop.ingest()
    assert drop.quarantine() == sorted(
        [
            (f"app/participants_20261107.{ext}", 2, "updated_at", CLOCK),
            (f"{CHECK7}.{ext}", 2, "submitted_at", CLOCK),
            (appointments, 2, "updated_at", CLOCK),
        ]
    )


def test_a_clock_error_never_outranks_later_versions(drop: Drop) -> None:
    drop.write(PART7, [participant(P1, state="NY")])
    drop.write(
        "app/participants_20261108.csv",
        [participant(P1, state="CA", updated_at="2099-01-01T00:00:00Z")],
    )
    drop.write(
        "app/participants_20261109.csv",
        [participant(P1, state="TX", updated_at="2026-11-09T10:00:00Z")],
    )
    drop.ingest()
    # Only genuine versions are in landing, so the latest one (TX) is what dbt picks.
    assert drop.query("SELECT state FROM landing.participants ORDER BY updated_at") == [
        ("NY",),
        ("TX",),
    ]
    assert drop.quarantine() == [("app/participants_20261108.csv", 1, "updated_at", CLOCK)]


def test_a_version_stamped_2099_cannot_block_a_later_withdrawal(drop: Drop) -> None:
    # Issue 20: a participants row stamped 2099 outranked every later version, so a genuine
    # withdrawal in a later file was ignored and 70 check-ins stayed.
    drop.write(PART7, [participant(P1), participant(P2)])
    drop.write(
        f"{CHECK7}.csv",
        [checkin(f"c_{i}", P1, report_date="2026-11-06") for i in range(70)] + [checkin("c_x", P2)],
    )
    drop.ingest()
    assert drop.query("SELECT count(*) FROM landing.checkins WHERE participant_id = ?", [P1]) == [
        (70,)
    ]
    drop.write(
        "app/participants_20261108.csv", [participant(P1, updated_at="2099-01-01T00:00:00Z")]
    )
    drop.ingest()
    assert drop.quarantine() == [("app/participants_20261108.csv", 1, "updated_at", CLOCK)]
    drop.write(
        "app/participants_20261109.jsonl",
        [participant(P1, data_sharing_consent="false", updated_at="2026-11-09T08:00:00Z")],
    )
    report = drop.ingest()
    assert report.participants_purged == 1
    assert drop.contains_text(P1) == []
    assert drop.query("SELECT count(*) FROM landing.checkins") == [(1,)]  # P2's
    assert drop.quarantine() == []  # the quarantined version was the participant's too


def test_a_withdrawal_stamped_in_the_future_still_withdraws(drop: Drop) -> None:
    # The clock error quarantines the row, and a quarantined row with a readable id, consent
    # and updated_at still withdraws (EXPORTS.md): withdrawal is for good.
    drop.write(PART7, [participant(P1)])
    drop.write(f"{CHECK7}.csv", [checkin("c_1", P1)])
    drop.ingest()
    drop.write(
        "app/participants_20261108.csv",
        [participant(P1, data_sharing_consent="false", updated_at="2099-01-01T00:00:00Z")],
    )
    assert drop.ingest().participants_purged == 1
    assert drop.contains_text(P1) == []


# --- duplicate JSON keys -------------------------------------------------------------------------
def test_a_json_line_with_a_key_twice_is_quarantined(drop: Drop) -> None:
    lines = [
        json.dumps(participant(P1)),
        json.dumps(participant(P2))[:-1] + ', "state": "CA"}',  # state twice: NY, then CA
        json.dumps(participant("p_3333333333333333")),
    ]
    drop.raw("app/participants_20261107.jsonl", ("\n".join(lines) + "\n").encode())
    report = drop.ingest()
    assert drop.quarantine() == [("app/participants_20261107.jsonl", 2, None, "duplicate key")]
    assert drop.query("SELECT record FROM quality.quarantine") == [(None,)]  # no value kept
    assert report.rows_loaded == 2 and drop.contains_text(P2) == []


# --- a check-in never changes once sent ----------------------------------------------------------
def test_a_changed_copy_in_the_same_file_is_quarantined(drop: Drop) -> None:
    drop.write(PART7, [participant(P1), participant(P2)])
    drop.write(
        f"{CHECK7}.csv",
        [
            checkin("c_1", standard_drinks="3"),
            checkin("c_1", standard_drinks="3"),  # identical: the normal overlap
            checkin("c_1", standard_drinks="4"),
            checkin("c_1", P2),
            checkin("c_2", submitted_at="2026-11-07T13:00:00.250Z"),  # the same instant
            checkin("c_2"),
        ],
    )
    report = drop.ingest()
    assert drop.quarantine() == [
        (f"{CHECK7}.csv", 3, "standard_drinks", CHANGED),
        (f"{CHECK7}.csv", 4, "participant_id", CHANGED),
    ]
    assert report.rows_loaded == 2 + 4
    assert drop.query("SELECT DISTINCT standard_drinks FROM landing.checkins") == [(3,)]


@pytest.mark.parametrize("later", ["csv", "jsonl", "parquet"])
def test_a_changed_copy_in_a_later_file_is_quarantined_identical_ones_load(
    drop: Drop, later: str
) -> None:
    drop.write(PART7, [participant(P1)])
    drop.write(
        f"{CHECK7}.csv",
        [checkin("c_1", took_medication=None), checkin("c_2"), checkin("c_3")],
    )
    drop.ingest()
    rel = f"app/checkins_20261108.{later}"
    drop.write(
        rel,
        [
            checkin("c_1", took_medication="false"),  # an answer set later: changed
            # the same answers, written the other format's way and in another offset
            checkin("c_2", submitted_at="2026-11-07T14:00:00.25+01:00", standard_drinks="3"),
            checkin("c_3", craving_score=None),  # an answer removed: changed
            checkin("c_4"),
        ],
    )
    report = drop.ingest()
    assert drop.quarantine(rel) == [
        (rel, 1, "took_medication", CHANGED),
        (rel, 3, "craving_score", CHANGED),
    ]
    assert report.rows_loaded == 2
    assert drop.query(
        "SELECT checkin_id, count(*) FROM landing.checkins GROUP BY 1 ORDER BY 1"
    ) == [("c_1", 1), ("c_2", 2), ("c_3", 1), ("c_4", 1)]


def test_json_numbers_written_as_floats_are_the_same_answers(drop: Drop) -> None:
    drop.write(PART7, [participant(P1)])
    drop.write(f"{CHECK7}.csv", [checkin("c_1")])
    drop.ingest()
    line = {**checkin("c_1"), "standard_drinks": 3.0, "craving_score": 4, "took_medication": True}
    drop.raw("app/checkins_20261108.jsonl", (json.dumps(line) + "\n").encode())
    report = drop.ingest()
    assert (report.rows_loaded, report.rows_quarantined) == (1, 0)
