"""Property tests: random, malformed rows never crash a load; each row ends up loaded exactly when
an independent Python reading of the contract accepts it, and quarantined otherwise; no
identifier-shaped value is stored unmasked."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from core.contract import ENTITIES, PARTICIPANT_ID_PATTERN
from core.privacy import classify
from tests.ingest.ingest_support import P1, Drop, participant

EXPORT_DATE = dt.date(2026, 11, 7)

TRICKY = [
    "",
    " ",
    "2.5",
    "3.0",
    "1e3",
    "NaN",
    "true ",
    "TRUE",
    "0",
    "-1",
    "61",
    "2026-13-01",
    "2026-11-08",
    "2026-11-07T10:00:00",
    "2026-11-07T10:00:00+01:00",
    "jane@x.org",
    "555-123-4567",
    "123-45-6789",
    '"',
    ",",
    "a\nb",
    "é",
    "p_ffffffffffffffff",
    "2026-11-07T10:00:00+25:00",
    "2026-11-07T10:00:00+14:30",
    "2026-11-07T10:00:00-12:00",
    "2026-11-08T12:00:00Z",
    "2026-11-08T12:00:01Z",
    "2099-01-01T00:00:00Z",
    "c_555-123-4567",
    "x123-45-6789",
    "\uff15\uff15\uff15\uff0d\uff11\uff12\uff13\uff0d\uff14\uff15\uff16\uff17",
    "j\u00f6rg@ex\u00e4mple.de",
    " 5551234567",
]


def _valid_values(entity: str, column: str) -> st.SearchStrategy:
    col = ENTITIES[entity].column(column)
    if col.allowed:
        return st.sampled_from(col.allowed)
    if col.sql_type == "DATE":
        return st.dates(dt.date(2025, 1, 1), dt.date(2026, 11, 10)).map(dt.date.isoformat)
    if col.sql_type == "TIMESTAMPTZ":
        return st.datetimes(
            dt.datetime(2025, 1, 1),
            dt.datetime(2026, 12, 1),
            timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-5))]),
        ).map(lambda d: d.isoformat())
    if col.sql_type == "INTEGER":
        return st.integers(-2, (col.max_value or 10) + 2).map(str)
    if col.sql_type == "BOOLEAN":
        return st.sampled_from(["true", "false", "True"])
    if col.pattern:
        return st.sampled_from([P1, "p_ffffffffffffffff"])
    return st.from_regex(r"\A[a-z]_[0-9]{1,6}\Z")


def _value(entity: str, column: str) -> st.SearchStrategy:
    text = st.text(
        st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]), max_size=12
    )
    return st.one_of(
        _valid_values(entity, column),
        _valid_values(entity, column),
        st.none(),
        st.sampled_from(TRICKY),
        text,
    )


def _rows(entity: str) -> st.SearchStrategy:
    row = st.fixed_dictionaries({c: _value(entity, c) for c in ENTITIES[entity].column_names})
    return st.lists(row, min_size=1, max_size=8)


# --- an independent reading of EXPORTS.md ---------------------------------------------------
_TS = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)")


# EXPORTS.md: offsets lie between -12:00 and +14:00; no updated_at/submitted_at is later than the
# end of its export date at UTC-12:00.
_LATEST = dt.datetime.combine(EXPORT_DATE + dt.timedelta(days=1), dt.time(12), dt.UTC)


def _parse(sql_type: str, value: str):
    if sql_type == "DATE":
        return dt.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
    if sql_type == "TIMESTAMPTZ":
        if not _TS.fullmatch(value):
            return None
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        offset = parsed.utcoffset()
        if not dt.timedelta(hours=-12) <= offset <= dt.timedelta(hours=14):
            return None
        return parsed
    if sql_type == "INTEGER":
        return int(float(value)) if re.fullmatch(r"[+-]?\d{1,9}(\.0+)?", value) else None
    if sql_type == "BOOLEAN":
        return {"true": True, "false": False}.get(value.lower())
    return value


def contract_accepts(entity: str, row: dict[str, str | None], known: set[str]) -> bool:
    return contract_typed(entity, row, known) is not None


def contract_typed(entity: str, row: dict[str, str | None], known: set[str]) -> dict | None:
    """The row's typed values when it passes every rule that looks at one row, else None."""
    typed = {}
    for col in ENTITIES[entity].columns:
        value = row[col.name] or None
        if value is None:
            if not col.nullable:
                return None
            typed[col.name] = None
            continue
        if classify(value):
            return None
        try:
            parsed = _parse(col.sql_type, value)
        except ValueError:
            return None
        if parsed is None:
            return None
        if col.allowed and parsed not in col.allowed:
            return None
        if col.pattern and not re.search(col.pattern, parsed):
            return None
        if col.min_value is not None and not col.min_value <= parsed <= col.max_value:
            return None
        if col.name in ("updated_at", "submitted_at") and parsed > _LATEST:
            return None
        typed[col.name] = parsed
    if entity == "participants":
        if typed["enrolled_on"] > EXPORT_DATE:
            return None
        if (typed["discharged_on"] is None) != (typed["discharge_reason"] is None):
            return None
        if typed["discharged_on"] and typed["discharged_on"] < typed["enrolled_on"]:
            return None
    if entity == "checkins" and typed["report_date"] > EXPORT_DATE:
        return None
    if entity == "appointments" and typed["cancelled_by"] and typed["status"] != "cancelled":
        return None
    if entity != "participants" and typed["participant_id"] not in known:
        return None
    return typed


def accepted_rows(entity: str, rows: list[dict], known: set[str]) -> set[int]:
    """Row numbers the contract accepts, the rule across rows included: a check-in is never
    changed once sent, so a later copy whose typed values differ from the first is refused."""
    accepted: set[int] = set()
    first: dict[str, dict] = {}
    for i, row in enumerate(rows, 1):
        typed = contract_typed(entity, row, known)
        if typed is None:
            continue
        if entity == "checkins":
            reference = first.setdefault(typed["checkin_id"], typed)
            if any(typed[c] != reference[c] for c in typed if c != "checkin_id"):
                continue
        accepted.add(i)
    return accepted


def withdrawn(rows: list[dict], accepted: set[int]) -> set[str]:
    """Participants with any version saying consent false (EXPORTS.md: withdrawal is for good):
    loaded rows, and quarantined rows whose id, consent (false) and updated_at are themselves
    valid."""
    found: set[str] = set()
    for i, row in enumerate(rows, 1):
        pid, consent, updated = (
            row[c] or None for c in ("participant_id", "data_sharing_consent", "updated_at")
        )
        says_withdrawn = (consent or "").lower() == "false"
        signal = (
            pid
            and re.search(PARTICIPANT_ID_PATTERN, pid)
            and says_withdrawn
            and updated
            and _parse("TIMESTAMPTZ", updated)
        )
        if (i in accepted and says_withdrawn) or signal:
            found.add(pid)
    return found


def _check(entity: str, ext: str, rows: list[dict]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        drop = Drop(Path(tmp))
        if entity != "participants":
            drop.write(
                "app/participants_20261101.csv",
                [participant(P1, updated_at="2026-11-01T08:00:00Z")],
            )
        rel = f"{ENTITIES[entity].system}/{entity}_20261107.{ext}"
        drop.write(rel, rows)
        drop.ingest()  # must not raise
        delivery = drop.delivery(rel)
        assert delivery["status"] == "loaded"
        assert delivery["rows_read"] == len(rows)
        loaded = {
            r[0]
            for r in drop.query(
                f"SELECT _row_number FROM landing.{entity} WHERE _source_file = ?", [rel]
            )
        }
        quarantined = {r[1] for r in drop.quarantine(rel)}
        accepted = accepted_rows(entity, rows, {P1})
        gone = withdrawn(rows, accepted) if entity == "participants" else set()
        pids = {i: row["participant_id"] for i, row in enumerate(rows, 1)}
        assert loaded == {i for i in accepted if pids[i] not in gone}
        assert quarantined == {
            i for i in range(1, len(rows) + 1) if i not in accepted and pids[i] not in gone
        }
        assert delivery["rows_loaded"] + delivery["rows_quarantined"] == len(rows)
        leaked = [v for row in rows for v in row.values() if v and classify(v)]
        dump = repr(drop.dump())
        assert not [v for v in leaked if repr(v)[1:-1] in dump]
        # participant_id in the quarantine only when well-formed
        for (pid,) in drop.query("SELECT participant_id FROM quality.quarantine"):
            assert pid is None or re.match(PARTICIPANT_ID_PATTERN, pid)


# Each example is a real ingest into a new warehouse (~0.3 s): few examples, no slow shrinking.
_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("ext", ["csv", "jsonl"])
@pytest.mark.parametrize("entity", ["participants", "checkins", "appointments"])
def test_random_rows_are_loaded_or_quarantined_never_crash(entity: str, ext: str) -> None:
    @_SETTINGS
    @given(_rows(entity))
    def run(rows: list[dict]) -> None:
        _check(entity, ext, rows)

    run()


@given(st.binary(max_size=400), st.sampled_from(["csv", "jsonl", "parquet"]))
@settings(max_examples=40, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
def test_random_bytes_never_crash_a_load(content: bytes, ext: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        drop = Drop(Path(tmp))
        drop.raw(f"app/checkins_20261107.{ext}", content)
        report = drop.ingest()
        assert report.files_seen == 1
        assert report.files_loaded + report.files_quarantined + report.files_empty == 1
        assert drop.query("SELECT count(*) FROM landing.checkins") == [(0,)]
