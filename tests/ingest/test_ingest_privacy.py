"""Nothing identifying gets in (EXPORTS.md, "What bad input gets"), through the real ingest:
identifiers embedded anywhere in a value, in any column, digit form and file format, and in file
names, never reach a table or a log line; the row (or file) is quarantined instead."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from core.contract import ENTITIES
from core.privacy import REASONS, classify, normalise
from tests.ingest.ingest_support import P1, Drop, appointment, checkin, participant
from tests.ingest.test_ingest_identifiers import (
    ISSUE_EXAMPLES,
    _after,
    _before,
    _forms,
    _in_form,
    identifiers,
)

_MAKERS = {"participants": participant, "checkins": checkin, "appointments": appointment}
_KEYS = {"participants": P1, "checkins": "c_0123456789abcdef", "appointments": "a_0123456789abcdef"}


def _values_everywhere(drop: Drop) -> list[str]:
    """Every value of every table, as text."""
    return [str(v) for rows in drop.dump().values() for row in rows for v in row if v is not None]


def _assert_nowhere(drop: Drop, log: str, *needles: str) -> None:
    values = _values_everywhere(drop)
    for needle in needles:
        assert not [v for v in values if needle in v], needle
        assert needle not in log, needle


def _ingest_logged(drop: Drop) -> str:
    """Ingest with every ingest log line captured (DEBUG and up), returned as text."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep(logging.DEBUG)
    logger = logging.getLogger("flows.ingest")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        drop.ingest()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    return "\n".join(lines)


def _write_night(drop: Drop, entity: str, ext: str, row: dict) -> str:
    if entity != "participants":
        drop.write("app/participants_20261107.csv", [participant(P1)])
    rel = f"{ENTITIES[entity].system}/{entity}_20261107.{ext}"
    good = _MAKERS[entity](_KEYS[entity].replace("0123", "9999"))
    drop.write(rel, [good, row])
    return rel


# Parquet columns are typed: text goes only where the contract has a string.
def _columns(entity: str, ext: str) -> list[str]:
    return [c.name for c in ENTITIES[entity].columns if ext != "parquet" or c.sql_type == "VARCHAR"]


@st.composite
def placements(draw) -> tuple[str, str, str, str]:
    entity = draw(st.sampled_from(sorted(ENTITIES)))
    ext = draw(st.sampled_from(["csv", "jsonl", "parquet"]))
    column = draw(st.sampled_from(_columns(entity, ext)))
    value = draw(_before) + _in_form(draw(identifiers), draw(_forms)) + draw(_after)
    return entity, ext, column, value


_E2E = settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_E2E
@given(placements())
def test_an_embedded_identifier_never_reaches_a_table_or_a_log(placement) -> None:
    entity, ext, column, value = placement
    kind = classify(value)
    if kind is None:  # glued into a word (c_5551234567ab): an id, not a number
        return
    with tempfile.TemporaryDirectory() as tmp:
        drop = Drop(Path(tmp))
        row = _MAKERS[entity](_KEYS[entity], **{column: value})
        rel = _write_night(drop, entity, ext, row)
        log = _ingest_logged(drop)
        assert (rel, 2, column, REASONS[kind]) in drop.quarantine(rel)
        assert drop.query(
            "SELECT record->>? FROM quality.quarantine WHERE source_file = ?", [column, rel]
        ) == [(f"<masked:{kind}>",)]
        # Neither the value, nor what it normalises to, nor its trimmed form.
        _assert_nowhere(drop, log, value, normalise(value), value.strip())


@pytest.mark.parametrize("ext", ["csv", "jsonl", "parquet"])
@pytest.mark.parametrize(("value", "kind"), ISSUE_EXAMPLES.items())
def test_the_issues_examples_are_quarantined_masked_in_every_format(
    drop: Drop, ext: str, value: str, kind: str
) -> None:
    rel = _write_night(drop, "checkins", ext, checkin("c_2", P1, checkin_id=value))
    log = _ingest_logged(drop)
    assert drop.quarantine(rel) == [(rel, 2, "checkin_id", REASONS[kind])]
    assert drop.query("SELECT checkin_id FROM landing.checkins") == [("c_9999456789abcdef",)]
    _assert_nowhere(drop, log, value, value.strip(), unicodedata.normalize("NFKC", value))


# --- file names --------------------------------------------------------------------------------
ISSUE_NAMES = [
    "app/jane.doe@example.com.csv",
    "app/checkins_20261108 555-123-4567.csv",
    "app/123-45-6789.csv",
    "app/checkins_20261108_\uff15\uff15\uff15\uff0d\uff11\uff12\uff13\uff0d\uff14\uff15\uff16\uff17.csv",
    "app/j\u00f6rg@ex\u00e4mple.de/checkins_20261108.csv",
    "j\u00f6rg@ex\u00e4mple.de/checkins_20261108.csv",
]


def _identifying_parts(rel: str) -> list[str]:
    parts = [p for p in rel.split("/") if p not in ("app", "scheduling")]
    return [rel, *parts, *(Path(p).stem for p in parts)]


@pytest.mark.parametrize("rel", ISSUE_NAMES)
def test_a_file_named_with_an_identifier_is_quarantined_unread_and_never_named(
    drop: Drop, rel: str
) -> None:
    path = drop.write(rel, [checkin("c_1", P1)])
    drop.write("app/participants_20261107.csv", [participant(P1)])
    log = _ingest_logged(drop)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    deliveries = drop.query(
        "SELECT source_file, sha256, status, entity FROM quality.deliveries WHERE sha256 = ?", [sha]
    )
    assert len(deliveries) == 1
    masked, stored_sha, status, entity = deliveries[0]
    assert (stored_sha, status, entity) == (sha, "quarantined", None)
    assert "<masked file name" in masked and sha[:16] in masked
    reasons = drop.query("SELECT reason FROM quality.quarantine WHERE source_file = ?", [masked])
    assert len(reasons) == 1 and reasons[0][0].startswith("file name ")
    assert drop.query("SELECT count(*) FROM landing.checkins") == [(0,)]  # never read
    _assert_nowhere(drop, log, *_identifying_parts(rel))
    assert masked in log  # the log names it the way the tables do
    # Seen again: the same delivery, not a new one.
    report = drop.ingest()
    assert report.files_skipped == 2 and report.new_delivery_ids == []


def test_two_masked_files_stay_two_deliveries(drop: Drop) -> None:
    drop.write("app/checkins_20261108 555-123-4567.csv", [checkin("c_1", P1)])
    drop.write("app/checkins_20261108 555-123-4568.csv", [checkin("c_2", P1)])
    report = drop.ingest()
    assert report.files_quarantined == 2
    names = drop.query("SELECT DISTINCT source_file FROM quality.deliveries")
    assert len(names) == 2


@_E2E
@given(
    st.sampled_from(["app/", "scheduling/"]),
    _before.map(lambda s: s.replace("/", "_")),
    identifiers,
    _after.map(lambda s: s.replace("/", "_").replace("\n", "")),
    _forms,
    st.sampled_from(["csv", "jsonl", "parquet"]),
)
def test_an_identifier_in_a_file_name_never_reaches_a_table_or_a_log(
    folder: str, before: str, ident: str, after: str, form: str, ext: str
) -> None:
    ident = ident.replace("/", "_")  # '/' cannot be part of a name
    if ident.isdigit():
        before, after = before + " ", " " + after
    # After the date's digits, a separator: digits glued to digits make another number.
    rel = f"{folder}checkins_20261107_{before}{_in_form(ident, form)}{after}.{ext}"
    with tempfile.TemporaryDirectory() as tmp:
        drop = Drop(Path(tmp))
        drop.write(rel, [checkin("c_1", P1)])
        log = _ingest_logged(drop)
        assert drop.query("SELECT status, entity FROM quality.deliveries") == [
            ("quarantined", None)
        ]
        _assert_nowhere(drop, log, *_identifying_parts(rel), ident, _in_form(ident, form))


def test_a_clean_file_name_is_still_shown_as_it_is(drop: Drop) -> None:
    drop.write("app/participants-2026-11-07.csv", [participant(P1)])
    drop.ingest()
    assert drop.query("SELECT source_file FROM quality.deliveries") == [
        ("app/participants-2026-11-07.csv",)
    ]
