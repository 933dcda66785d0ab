"""Every row of EXPORTS.md's "What bad input gets" table, through the real ingest and DuckDB."""

from __future__ import annotations

import pytest

from tests.ingest.ingest_support import (
    P1,
    P2,
    Drop,
    appointment,
    checkin,
    csv_bytes,
    participant,
)

PART = "app/participants_20261107"
CHECK = "app/checkins_20261107"
APPT = "scheduling/appointments_20261107"


@pytest.mark.parametrize("ext", ["csv", "jsonl", "parquet"])
def test_good_files_load_in_every_format(drop: Drop, ext: str) -> None:
    drop.write(
        f"{PART}.{ext}",
        [
            participant(P1),
            participant(P2, discharged_on="2026-11-01", discharge_reason="completed"),
        ],
    )
    drop.write(f"{CHECK}.{ext}", [checkin("c_1"), checkin("c_2", P2, standard_drinks=None)])
    drop.write(
        f"{APPT}.{ext}",
        [appointment("a_1"), appointment("a_2", status="cancelled", cancelled_by="patient")],
    )
    report = drop.ingest()
    assert (report.files_loaded, report.rows_loaded, report.rows_quarantined) == (3, 6, 0)
    assert drop.quarantine() == []
    rows = drop.query(
        "SELECT checkin_id, standard_drinks,"
        " submitted_at = TIMESTAMPTZ '2026-11-07 13:00:00.25+00',"
        " _source_file, _row_number, _export_date FROM landing.checkins ORDER BY checkin_id"
    )
    assert [r[:3] for r in rows] == [("c_1", 3, True), ("c_2", None, True)]
    assert [r[3:5] for r in rows] == [(f"{CHECK}.{ext}", 1), (f"{CHECK}.{ext}", 2)]
    assert drop.delivery(f"{PART}.{ext}")["status"] == "loaded"


@pytest.mark.parametrize("ext", ["csv", "jsonl", "parquet"])
def test_a_column_outside_the_contract_quarantines_the_whole_file(drop: Drop, ext: str) -> None:
    rows = [participant(P1), {**participant(P2), "email": "jane@example.com"}]
    rows[0]["email"] = "john@example.com"
    drop.write(f"{PART}.{ext}", rows)
    report = drop.ingest()
    assert report.files_quarantined == 1 and report.rows_loaded == 0
    assert drop.quarantine() == [(f"{PART}.{ext}", None, "email", "column outside the contract")]
    assert drop.query("SELECT record FROM quality.quarantine") == [(None,)]
    assert drop.delivery(f"{PART}.{ext}")["status"] == "quarantined"
    assert drop.contains_text("example.com") == []
    assert drop.contains_text(P1) == []


def test_a_column_name_that_looks_like_a_value_is_not_shown(drop: Drop) -> None:
    # A file without a header: its first record would become the "column names".
    header_and_row = csv_bytes([participant(P2)]).split(b"\r\n")
    drop.raw(f"{PART}.csv", header_and_row[1] + b"\r\n" + header_and_row[1] + b"\r\n")
    drop.ingest()
    assert drop.contains_text(P2) == []
    reasons = {r[3] for r in drop.quarantine()}
    assert "column outside the contract (name not shown)" in reasons


def test_a_missing_contract_column_quarantines_the_whole_file(drop: Drop) -> None:
    row = participant(P1)
    del row["state"]
    drop.write(f"{PART}.csv", [row])
    drop.ingest()
    assert drop.quarantine() == [(f"{PART}.csv", None, "state", "missing contract column")]


@pytest.mark.parametrize(
    ("column", "value", "kind"),
    [
        ("checkin_id", "jane.doe@example.com", "email"),
        ("checkin_id", "(555) 123-4567", "phone"),
        ("checkin_id", "123-45-6789", "ssn"),
        ("standard_drinks", "555-123-4567", "phone"),
        ("report_date", "078-05-1120", "ssn"),
        ("participant_id", "x@y.org", "email"),
    ],
)
@pytest.mark.parametrize("ext", ["csv", "jsonl"])
def test_identifier_shaped_values_quarantine_the_row_masked(
    drop: Drop, column: str, value: str, kind: str, ext: str
) -> None:
    drop.write(f"{PART}.csv", [participant(P1)])
    drop.write(
        f"{CHECK}.{ext}", [checkin("c_1"), checkin("c_2", **{column: value}), checkin("c_3")]
    )
    report = drop.ingest()
    assert report.rows_loaded == 3 and report.rows_quarantined == 1
    reason = {
        "email": "looks like an e-mail address",
        "phone": "looks like a phone number",
        "ssn": "looks like a social security number",
    }[kind]
    assert (f"{CHECK}.{ext}", 2, column, reason) in drop.quarantine()
    records = drop.query("SELECT record->>? FROM quality.quarantine", [f"$.{column}"])
    assert set(records) == {(f"<masked:{kind}>",)}
    assert drop.contains_text(value) == []
    assert drop.query("SELECT checkin_id FROM landing.checkins ORDER BY 1") == [("c_1",), ("c_3",)]


# (entity, column, bad value, reason): one per type and per rule of the contract.
RULE_CASES = [
    ("participants", "participant_id", "P_0123456789ABCDEF", "not a well-formed participant id"),
    ("participants", "enrolled_on", "2026-02-30", "not a date"),
    ("participants", "enrolled_on", "11/01/2026", "not a date"),
    ("participants", "enrolled_on", "2026-11-08", "after the export date"),
    ("participants", "sex_at_birth", "Female", "not one of the allowed values"),
    ("participants", "age_band", "17-24", "not one of the allowed values"),
    ("participants", "state", "XX", "not one of the allowed values"),
    ("participants", "care_track", None, "missing value"),
    ("participants", "baseline_audit_c", "13", "above 12"),
    ("participants", "baseline_audit_c", "-1", "below 0"),
    ("participants", "baseline_audit_c", "2.5", "not an integer"),
    ("participants", "discharged_on", "2026-09-30", "before enrolled_on"),
    ("participants", "data_sharing_consent", "1", "not true or false"),
    ("participants", "data_sharing_consent", None, "missing value"),
    ("participants", "updated_at", "2026-11-06 23:30:00", "not a timestamp with offset"),
    ("participants", "updated_at", "yesterday", "not a timestamp with offset"),
    ("checkins", "checkin_id", None, "missing value"),
    ("checkins", "participant_id", "p_ffffffffffffffff", "unknown participant"),
    ("checkins", "report_date", "2026-11-08", "after the export date"),
    ("checkins", "submitted_at", "2026-11-07T25:00:00Z", "not a timestamp with offset"),
    ("checkins", "standard_drinks", "61", "above 60"),
    ("checkins", "standard_drinks", "three", "not an integer"),
    ("checkins", "craving_score", "11", "above 10"),
    ("checkins", "took_medication", "yes", "not true or false"),
    ("appointments", "participant_id", "p_ffffffffffffffff", "unknown participant"),
    ("appointments", "appointment_type", "surgery", "not one of the allowed values"),
    ("appointments", "duration_minutes", "4", "below 5"),
    ("appointments", "duration_minutes", "241", "above 240"),
    ("appointments", "duration_minutes", None, "missing value"),
    ("appointments", "status", "no-show", "not one of the allowed values"),
    ("appointments", "cancelled_by", "patient", "cancelled_by set but status is not cancelled"),
    ("appointments", "cancelled_by", "nurse", "not one of the allowed values"),
    ("appointments", "modality", "sms", "not one of the allowed values"),
]
_MAKERS = {"participants": participant, "checkins": checkin, "appointments": appointment}
_FILES = {"participants": PART, "checkins": CHECK, "appointments": APPT}


@pytest.mark.parametrize(("entity", "column", "value", "reason"), RULE_CASES)
def test_a_row_that_breaks_a_rule_is_quarantined_and_the_rest_loads(
    drop: Drop, entity: str, column: str, value: str | None, reason: str
) -> None:
    if entity != "participants":
        drop.write(f"{PART}.csv", [participant(P1)])
    make = _MAKERS[entity]
    ids = [P2, "p_3333333333333333", "p_4444444444444444"] if entity == "participants" else None
    rows = [make(ids[i]) if ids else make(f"x_{i}") for i in range(3)]
    rows[1][column] = value
    source = f"{_FILES[entity]}.csv"
    drop.write(source, rows)
    drop.ingest()
    assert drop.quarantine(source) == [(source, 2, column, reason)]
    assert drop.query(
        f"SELECT _row_number FROM landing.{entity} WHERE _source_file = ? ORDER BY 1", [source]
    ) == [(1,), (3,)]
    delivery = drop.delivery(source)
    assert (delivery["rows_read"], delivery["rows_loaded"], delivery["rows_quarantined"]) == (
        3,
        2,
        1,
    )


def test_discharge_reason_goes_with_discharged_on(drop: Drop) -> None:
    drop.write(
        f"{PART}.csv",
        [
            participant(P1, discharge_reason="completed"),
            participant(P2, discharged_on="2026-11-01"),
        ],
    )
    drop.ingest()
    assert drop.quarantine() == [
        (f"{PART}.csv", 1, "discharge_reason", "discharge_reason set without discharged_on"),
        (f"{PART}.csv", 2, "discharged_on", "discharged_on set without discharge_reason"),
    ]


def test_malformed_csv_lines_are_quarantined_with_their_row_numbers(drop: Drop) -> None:
    good = csv_bytes([participant(P1)]).decode().splitlines()
    header, line = good[0], good[1]
    text = (
        "\n".join(
            [
                header,
                line,
                line + ",extra",  # row 2: too many fields
                "p_2222222222222222,2026-10-01",  # row 3: too few
                line.replace(P1, P2),  # row 4 loads
            ]
        )
        + "\n"
    )
    drop.raw(f"{PART}.csv", text.encode())
    report = drop.ingest()
    assert drop.quarantine() == [
        (f"{PART}.csv", 2, None, "too many fields in the line"),
        (f"{PART}.csv", 3, None, "too few fields in the line"),
    ]
    assert drop.query(
        "SELECT participant_id, _row_number FROM landing.participants ORDER BY 2"
    ) == [(P1, 1), (P2, 4)]
    assert report.rows_quarantined == 2
    assert drop.contains_text("p_2222222222222222") == []


def test_malformed_jsonl_lines_are_quarantined(drop: Drop) -> None:
    import json

    text = (
        "\n".join(
            [
                json.dumps(participant(P1)),
                '{"participant_id": "p_2222222222222222", ',  # truncated object
                "[1, 2]",
                "",
                json.dumps(participant(P2)),
            ]
        )
        + "\n"
    )
    drop.raw(f"{PART}.jsonl", text.encode())
    drop.ingest()
    assert drop.quarantine() == [
        (f"{PART}.jsonl", 2, None, "not valid JSON"),
        (f"{PART}.jsonl", 3, None, "not a JSON object"),
    ]
    assert drop.query("SELECT _row_number FROM landing.participants ORDER BY 1") == [(1,), (5,)]


UNPARSEABLE = [
    ("csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "not valid UTF-8"),
    ("csv", "participant_id,state\ncaf\xe9,NY\n".encode("latin-1"), None),
    ("jsonl", b"\x00\x01\x02\xff\xfe" * 100, None),
    (
        "jsonl",
        b"participant_id,enrolled_on\np_0123456789abcdef,2026-10-01\n",
        "not newline-delimited JSON",
    ),
    ("parquet", b"PAR1 this is not really parquet", "not a readable Parquet file"),
]


@pytest.mark.parametrize(("ext", "content", "reason"), UNPARSEABLE)
def test_an_unparseable_file_is_quarantined_whole(
    drop: Drop, ext: str, content: bytes, reason: str | None
) -> None:
    drop.raw(f"{PART}.{ext}", content)
    report = drop.ingest()
    assert report.files_quarantined == 1 and report.rows_loaded == 0
    rows = drop.quarantine()
    assert rows and all(r[1] is None for r in rows)
    if reason:
        assert rows[0][3] == reason
    assert drop.delivery(f"{PART}.{ext}")["status"] == "quarantined"


def test_a_latin1_csv_is_not_loaded(drop: Drop) -> None:
    content = csv_bytes([participant(P1), participant(P2, care_track="caf\xe9")]).decode()
    drop.raw(f"{PART}.csv", content.encode("latin-1"))
    drop.ingest()
    assert drop.quarantine() == [(f"{PART}.csv", None, None, "not valid UTF-8")]
    assert drop.query("SELECT count(*) FROM landing.participants") == [(0,)]


def test_a_truncated_parquet_file_is_quarantined_whole(drop: Drop) -> None:
    path = drop.write(f"{PART}.parquet", [participant(P1), participant(P2)])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    drop.ingest()
    assert drop.quarantine() == [(f"{PART}.parquet", None, None, "not a readable Parquet file")]


@pytest.mark.parametrize(
    "make",
    [
        lambda d: d.raw(f"{PART}.csv", b""),
        lambda d: d.raw(f"{PART}.jsonl", b""),
        lambda d: d.raw(f"{PART}.parquet", b""),
        lambda d: d.raw(f"{PART}.csv", csv_bytes([participant(P1)]).split(b"\n")[0] + b"\n"),
        lambda d: d.raw(f"{PART}.jsonl", b"\n\n"),
        lambda d: d.write(f"{PART}.parquet", []),
    ],
    ids=[
        "csv-0-bytes",
        "jsonl-0-bytes",
        "parquet-0-bytes",
        "csv-header-only",
        "jsonl-blank",
        "parquet-0-rows",
    ],
)
def test_an_empty_file_is_recorded_as_delivered(drop: Drop, make) -> None:
    make(drop)
    report = drop.ingest()
    assert report.files_empty == 1 and report.files_quarantined == 0
    source = drop.query("SELECT source_file FROM quality.deliveries")[0][0]
    delivery = drop.delivery(source)
    assert (delivery["status"], delivery["rows_read"], delivery["rows_loaded"]) == ("empty", 0, 0)
    assert drop.quarantine() == []
    assert drop.ingest().files_skipped == 1


def test_a_file_name_outside_the_contract_is_quarantined_not_guessed(drop: Drop) -> None:
    drop.write("app/participants-2026-11-07.csv", [participant(P1)])
    drop.write("scheduling/checkins_20261107.csv", [checkin()])
    drop.raw("app/.participants_20261108.csv.partial", b"in progress")
    report = drop.ingest()
    assert report.files_seen == 2 and report.files_quarantined == 2
    assert drop.quarantine() == [
        ("app/participants-2026-11-07.csv", None, None, "file name does not match the contract"),
        ("scheduling/checkins_20261107.csv", None, None, "file not in the app folder"),
    ]
    assert drop.query("SELECT count(*) FROM landing.participants") == [(0,)]


def test_check_ins_find_participants_delivered_the_same_night(drop: Drop) -> None:
    # Names sort checkins before participants; the load order must not.
    drop.write(f"{CHECK}.csv", [checkin("c_1", P2)])
    drop.write(f"{PART}.jsonl", [participant(P2)])
    drop.ingest()
    assert drop.quarantine() == []
    assert drop.query("SELECT checkin_id FROM landing.checkins") == [("c_1",)]


def test_csv_with_bom_crlf_quoted_header_and_other_column_order_loads(drop: Drop) -> None:
    columns = list(reversed(participant(P1)))
    body = csv_bytes([participant(P1), participant(P2)], columns).decode()
    header, rest = body.split("\r\n", 1)
    header = ",".join(f'"{name}"' for name in header.split(","))
    drop.raw(f"{PART}.csv", ("\ufeff" + header + "\r\n" + rest.rstrip("\r\n")).encode())
    report = drop.ingest()
    assert (report.rows_loaded, report.rows_quarantined) == (2, 0)
    assert drop.query("SELECT state, _row_number FROM landing.participants ORDER BY 2") == [
        ("NY", 1),
        ("NY", 2),
    ]
