"""The identifier shapes: what they catch, what they must leave alone, and that the SQL (RE2)
and Python versions of each pattern agree."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.privacy import classify, sql_kind, sql_masked

POSITIVES = {
    "email": ["jane.doe@example.com", "a+b@mail.co.uk", "contact me at x_y@host.org please"],
    "ssn": ["123-45-6789", "123 45 6789", "123.45.6789", "ssn 078-05-1120"],
    "phone": [
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "555 123 4567",
        "+1 555 123 4567",
        "1-800-555-1234",
        "+15551234567",
        "5551234567",
        "+44 20 7946 0958",
        "+49 30 123456",
        "call 555-123-4567",
    ],
}

NEGATIVES = [
    "2026-11-07",
    "2026-11-07T23:30:00-08:00",
    "2026-11-07T23:30:00Z",
    "2026-11-07T23:30:00.123456+05:30",
    "2026-11-07 23:30:00+00",
    "2026-11-07T23:30:00+0530",
    "p_0123456789abcdef",
    "p_1234567890123456",
    "c_1234567890",
    "appt-0000123456-01",
    "0",
    "42",
    "-3",
    "60",
    "2.5",
    "65+",
    "18-24",
    "checked-in",
    "entered-in-error",
    "medication_and_therapy",
    "20261107",
    "1700000000",  # an epoch second, not a NANP number (area code cannot start with 1)
]


@pytest.mark.parametrize(
    ("kind", "value"), [(k, v) for k, values in POSITIVES.items() for v in values]
)
def test_identifier_shapes_are_caught(kind: str, value: str) -> None:
    assert classify(value) == kind


@pytest.mark.parametrize("value", NEGATIVES)
def test_contract_values_are_not_identifiers(value: str) -> None:
    assert classify(value) is None


def _sql(values: list[str]) -> list[tuple[str | None, str]]:
    con = duckdb.connect()
    con.execute("CREATE TABLE v (x VARCHAR, i INTEGER)")
    con.executemany("INSERT INTO v VALUES (?, ?)", [(x, i) for i, x in enumerate(values)])
    return con.execute(f"SELECT {sql_kind('x')}, {sql_masked('x')} FROM v ORDER BY i").fetchall()


def test_sql_matches_python_on_the_examples() -> None:
    values = [v for vs in POSITIVES.values() for v in vs] + NEGATIVES
    kinds = [row[0] for row in _sql(values)]
    assert kinds == [classify(v) for v in values]


def test_masking_replaces_the_whole_value() -> None:
    (kind, masked), (_, clean) = _sql(["mail me: a@b.org", "c_1"])
    assert (kind, masked) == ("email", "<masked:email>")
    assert clean == "c_1"


_ids = st.from_regex(r"\Ap_[0-9a-f]{16}\Z")
_timestamps = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.timezones()
).map(lambda d: d.isoformat())
_dates = st.dates().map(lambda d: d.isoformat())
_small_ints = st.integers(-1000, 100000).map(str)


@given(st.one_of(_ids, _timestamps, _dates, _small_ints))
@settings(max_examples=300, deadline=None)
def test_no_contract_shaped_value_is_flagged(value: str) -> None:
    assert classify(value) is None


_emails = st.emails().map(str)
_ssns = st.from_regex(r"\A[0-9]{3}([- .])[0-9]{2}\1[0-9]{4}\Z")
_us_phones = st.from_regex(r"\A(\([2-9][0-9]{2}\) |[2-9][0-9]{2}[-.])[0-9]{3}-[0-9]{4}\Z")
_before = st.sampled_from(["", "call ", "x: ", " ", "("])
_after = st.sampled_from(["", " now", ".", " ", ")"])


@given(_before, st.one_of(_emails, _ssns, _us_phones), _after)
@settings(max_examples=300, deadline=None)
def test_identifiers_are_found_anywhere_in_a_value(before: str, ident: str, after: str) -> None:
    assert classify(before + ident + after) is not None


@given(st.lists(st.text(max_size=40), min_size=1, max_size=20))
@settings(max_examples=100, deadline=None)
def test_sql_and_python_agree_on_any_text(values: list[str]) -> None:
    values = [v.replace("\x00", "") for v in values]
    assert [row[0] for row in _sql(values)] == [classify(v) for v in values]
