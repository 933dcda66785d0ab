"""The identifier shapes (core.privacy): what they catch anywhere in a value, after Unicode
normalisation, what they must leave alone (the contract's ids, dates, timestamps, small integers),
and that SQL's only part, skipping `SAFE_SHAPE` and typed values, never skips an identifier."""

from __future__ import annotations

import datetime as dt
import unicodedata

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.contract import ENTITIES, FILE_NAME, FORMATS
from core.privacy import (
    classify,
    classify_name,
    is_safe_shape,
    normalise,
    scrub,
    sql_needs_screening,
)
from flows.ingest.rules import DATE_SHAPE, INTEGER_SHAPE, TIMESTAMP_SHAPE

# Issue 20: each of these reached `landing` before.
ISSUE_EXAMPLES = {
    "c_123-45-6789": "ssn",
    "c_555-123-4567": "phone",
    "x123-45-6789": "ssn",
    "555-1234567": "phone",
    " 5551234567": "phone",
    "020 7946 0958": "phone",
    # full-width digits and dashes
    "\uff15\uff15\uff15\uff0d\uff11\uff12\uff13\uff0d\uff14\uff15\uff16\uff17": "phone",
    "\uff11\uff12\uff13-\uff14\uff15-\uff16\uff17\uff18\uff19": "ssn",
    "j\u00f6rg@ex\u00e4mple.de": "email",
}

POSITIVES = {
    "email": [
        "jane.doe@example.com",
        "a+b@mail.co.uk",
        "contact me at x_y@host.org please",
        "jo\u0308rg@exa\u0308mple.de",  # decomposed umlauts (NFD)
        "jane\uff20example.com",  # full-width at sign
        "\u0438\u0432\u0430\u043d@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",
        "x@xn--p1ai.xn--p1ai",
    ],
    "ssn": ["123-45-6789", "123 45 6789", "123.45.6789", "ssn 078-05-1120", "id:123-45-6789;"],
    "phone": [
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "555 123 4567",
        "+1 555 123 4567",
        "1-800-555-1234",
        "+15551234567",
        "5551234567",
        "15551234567",
        "+44 20 7946 0958",
        "+44 (0)20 7946 0958",
        "+49 30 123456",
        "+4930123456",
        "call 555-123-4567",
        "0800-123-4567",
        "555\u2013123\u20134567",  # en dashes
        "555\u200b-123-4567",  # a zero-width space
        "555\u00a0123\u00a04567",  # no-break spaces
        "\u0665\u0665\u0665-\u0661\u0662\u0663-\u0664\u0665\u0666\u0667",  # Arabic-Indic digits
        "5551234567\t",
    ],
}

NEGATIVES = [
    "2026-11-07",
    "2026-11-07T23:30:00-08:00",
    "2026-11-07T23:30:00Z",
    "2026-11-07T23:30:00.123456+05:30",
    "2026-11-07T23:30:00.123456789-05:00",
    "2026-11-07 23:30:00+00",
    "2026-11-07T23:30:00+0530",
    "2026-11-07 13:00:00.25+00",
    "p_0123456789abcdef",
    "p_1234567890123456",
    "c_1234567890",
    "c_5551234567abcdef",  # a digit run inside an id is part of a word
    "a_ab5551234567cdef",
    "c_0123456789012345",
    "appt-0000123456-01",
    "0",
    "42",
    "-3",
    "60",
    "2.5",
    "3.0",
    "65+",
    "18-24",
    "checked-in",
    "entered-in-error",
    "medication_and_therapy",
    "20261107",
    "1700000000",  # an epoch second, not a NANP number (area code cannot start with 1)
    "+123456",
    "12345678",
    "user@localhost",
]


@pytest.mark.parametrize(("value", "kind"), ISSUE_EXAMPLES.items())
def test_the_issues_examples_are_caught(value: str, kind: str) -> None:
    assert classify(value) == kind


@pytest.mark.parametrize(
    ("kind", "value"), [(k, v) for k, values in POSITIVES.items() for v in values]
)
def test_identifier_shapes_are_caught(kind: str, value: str) -> None:
    assert classify(value) == kind


@pytest.mark.parametrize("value", NEGATIVES)
def test_contract_values_are_not_identifiers(value: str) -> None:
    assert classify(value) is None


def test_every_code_list_value_is_left_alone() -> None:
    # rules._vouched trusts a value that is in its code list: none may be identifier-shaped.
    for entity in ENTITIES.values():
        for column in entity.columns:
            for value in column.allowed or ():
                assert classify(value) is None, (column.name, value)


def test_normalisation_folds_digit_forms_dashes_and_spaces() -> None:
    assert normalise(" \uff10\uff11\u2212\u0662 \u00a0x\u200by ") == "01-2  xy"
    assert normalise("\tc_1 ") == "c_1"


def test_a_huge_value_is_screened_in_linear_time() -> None:
    import time

    started = time.perf_counter()
    for text in ("1 " * 200_000, "a" * 400_000 + "@", "+1" * 200_000, "1-" * 200_000):
        classify(text)
    assert time.perf_counter() - started < 10


# --- properties --------------------------------------------------------------------------------
_hex16 = st.from_regex(r"\A[0-9a-f]{16}\Z")
_ids = st.one_of(
    st.from_regex(r"\Ap_[0-9a-f]{16}\Z"),
    st.builds(lambda prefix, h: prefix + h, st.sampled_from(["c_", "a_", "p_"]), _hex16),
    # all-digit hex, the worst case for a digit-run detector
    st.from_regex(r"\A[ca]_[0-9]{16}\Z"),
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
)
_timestamps = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.timezones()
).flatmap(
    lambda d: st.sampled_from(
        [
            d.isoformat(),
            d.isoformat(sep=" "),
            d.isoformat(timespec="seconds"),
            d.isoformat(timespec="milliseconds"),
            d.isoformat(timespec="minutes"),
            d.isoformat().replace("+00:00", "Z"),
            d.isoformat()[:-3] + d.isoformat()[-2:] if d.utcoffset() is not None else "",
        ]
    )
)
_nanos = st.builds(
    lambda d, frac, off: f"{d.isoformat(timespec='seconds')}.{frac}{off}",
    st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1)),
    st.from_regex(r"\A[0-9]{1,9}\Z"),
    st.from_regex(r"\A(Z|[+-][0-9]{2}(:?[0-9]{2})?)\Z"),
)
_dates = st.dates().map(lambda d: d.isoformat())
_small_ints = st.integers(-1000, 100000).map(str)


@given(st.one_of(_ids, _timestamps, _nanos, _dates, _small_ints))
@settings(max_examples=500, deadline=None)
def test_no_contract_shaped_value_is_flagged(value: str) -> None:
    assert classify(value) is None


@given(st.one_of(_ids, _timestamps, _nanos, _dates))
@settings(max_examples=300, deadline=None)
def test_ids_and_timestamps_are_skipped_by_the_safe_shape(value: str) -> None:
    # What keeps the millions of ids and timestamps of a big file out of Python.
    assert value == "" or is_safe_shape(value)


@given(
    st.one_of(
        st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,40}\Z"),
        st.from_regex(rf"\A(?:{TIMESTAMP_SHAPE})\Z"),
        st.from_regex(rf"\A(?:{DATE_SHAPE})\Z"),
        st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?\Z"),
        st.from_regex(rf"\A(?:{INTEGER_SHAPE})\Z").filter(lambda v: len(v) < 8),
        st.sampled_from(["true", "false", "TRUE", "False"]),
    )
)
@settings(max_examples=1000, deadline=None)
def test_what_sql_skips_is_never_an_identifier(value: str) -> None:
    # SAFE_SHAPE and the typed values rules._vouched trusts: proven here on generated values.
    assert classify(value) is None


_ssns = st.from_regex(r"\A[0-9]{3}([- .])[0-9]{2}\1[0-9]{4}\Z")
# How numbers are written: the area code followed by a separator (555-123-4567, 555-1234567)
# or in brackets; `555123-4567` is not a way to write one (it is how `.000000-0500` looks).
_us_phones = st.from_regex(
    r"\A(\+1 |1-)?(\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[-. ])[0-9]{3}[-. ]?[0-9]{4}\Z"
)
_bare_phones = st.from_regex(r"\A[2-9][0-9]{9}\Z")
_intl_phones = st.from_regex(r"\A\+[1-9][0-9]{1,2} [0-9]{2,4} [0-9]{3,4} [0-9]{3,4}\Z")
_uk_phones = st.from_regex(r"\A0[0-9]{3} [0-9]{3} [0-9]{4}\Z")


def _letters(categories: list[str]) -> st.SearchStrategy[str]:
    """Letters of any script that stay letters under NFKC (as in real names and domains)."""
    return st.text(st.characters(whitelist_categories=categories), min_size=1, max_size=8).filter(
        lambda s: unicodedata.normalize("NFKC", s).isalpha()
    )


_emails = st.one_of(
    st.emails().map(str),
    st.builds(
        lambda a, b, tld: f"{a}@{b}.{tld}",
        _letters(["Ll", "Lu"]),
        _letters(["Ll"]),
        st.sampled_from(["de", "com", "org", "\u0440\u0444"]),
    ),
)
# Glued to letters or ids, spaced, punctuated: whatever surrounds it.
_before = st.one_of(
    st.sampled_from(["", "call ", "x: ", " ", "(", "c_", "x", "\t", "note ", "id="]),
    st.text(st.sampled_from("abc _-:;/"), max_size=4),
)
_after = st.one_of(
    st.sampled_from(["", " now", ".", " ", ")", "x", ",", "\n"]),
    st.text(st.sampled_from("abc _:;/"), max_size=4),
)
_FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789-@.()+"}
_ARABIC = {ord(c): 0x0660 + int(c) for c in "0123456789"}
_forms = st.sampled_from(["ascii", "fullwidth", "arabic", "nfd", "nbsp"])


def _in_form(text: str, form: str) -> str:
    if form == "fullwidth":
        return text.translate(_FULLWIDTH)
    if form == "arabic":
        return text.translate(_ARABIC)
    if form == "nfd":
        return unicodedata.normalize("NFD", text)
    if form == "nbsp":
        return text.replace(" ", "\u00a0")
    return text


identifiers = st.one_of(_emails, _ssns, _us_phones, _bare_phones, _intl_phones, _uk_phones)


@given(_before, identifiers, _after, _forms)
@settings(max_examples=1000, deadline=None)
def test_identifiers_are_found_anywhere_in_a_value_in_any_digit_form(
    before: str, ident: str, after: str, form: str
) -> None:
    if ident.isdigit():  # bare digits glued to a word are part of it (c_5551234567ab is an id)
        before, after = before + " ", " " + after
    assert classify(before + _in_form(ident, form) + after) is not None


@given(st.lists(st.text(max_size=40), min_size=1, max_size=30))
@settings(max_examples=300, deadline=None)
def test_sql_never_skips_a_value_that_classify_flags(values: list[str]) -> None:
    values = [v.replace("\x00", "") for v in values]
    with duckdb.connect() as con:
        con.execute("CREATE TABLE v (x VARCHAR, i INTEGER)")
        con.executemany("INSERT INTO v VALUES (?, ?)", [(x, i) for i, x in enumerate(values)])
        screened = [
            row[0]
            for row in con.execute(
                f"SELECT {sql_needs_screening('x')} FROM v ORDER BY i"
            ).fetchall()
        ]
    for value, needs in zip(values, screened, strict=True):
        assert needs or classify(value) is None, value
        assert needs == (not is_safe_shape(value))


@given(_before, identifiers, _after)
@settings(max_examples=200, deadline=None)
def test_sql_screens_every_embedded_identifier(before: str, ident: str, after: str) -> None:
    value = before + ident + after
    with duckdb.connect() as con:
        (needs,) = con.execute(
            f"SELECT {sql_needs_screening('x')} FROM (SELECT ? AS x)", [value]
        ).fetchone()
    assert needs or classify(value) is None


# --- file names --------------------------------------------------------------------------------
_contract_names = st.builds(
    lambda entity, day, ext: f"{ENTITIES[entity].system}/{entity}_{day:%Y%m%d}.{ext}",
    st.sampled_from(sorted(ENTITIES)),
    st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
    st.sampled_from(FORMATS),
)


@given(_contract_names)
@settings(max_examples=300, deadline=None)
def test_contract_file_names_are_never_flagged(name: str) -> None:
    assert FILE_NAME.match(name.split("/")[1])
    assert classify_name(name) is None


@given(st.sampled_from(["app/", "scheduling/", ""]), _before, identifiers, _after, _forms)
@settings(max_examples=500, deadline=None)
def test_identifiers_in_file_names_are_found(
    folder: str, before: str, ident: str, after: str, form: str
) -> None:
    # '/' separates folders and cannot be part of a name (e-mail local parts may hold one).
    before, after = before.replace("/", "_"), after.replace("/", "_").replace("\n", "")
    ident = ident.replace("/", "_")
    if ident.isdigit():
        before, after = before + " ", " " + after
    name = folder + before + _in_form(ident, form) + after + ".csv"
    assert classify_name(name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "app/jane.doe@example.com.csv",
        "app/checkins_20261108 555-123-4567.csv",
        "app/123-45-6789.csv",
        "app/j\u00f6rg@ex\u00e4mple.de/checkins_20261108.csv",
        "app/checkins_20261108\n.csv",
        "app/\udcff.csv",  # not valid UTF-8 (os.fsdecode's surrogate escape)
    ],
)
def test_the_issues_file_names_are_flagged(name: str) -> None:
    assert classify_name(name) is not None


def test_scrub_masks_participant_ids_in_shown_text() -> None:
    assert scrub("row of p_0123456789abcdef failed") == "row of p_[id removed] failed"
