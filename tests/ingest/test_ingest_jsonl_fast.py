"""The fast JSONL reader (DuckDB's read_json) gives exactly what the robust line-by-line reader
gives, or steps aside: same `_raw` rows and text values, same `_malformed` lines and reasons, same
whole-file problems, same row numbers."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from core.contract import ENTITIES
from flows.ingest import read
from flows.ingest.discover import Delivery
from tests.ingest.ingest_support import P1, Drop, checkin, participant

CHECKINS = ENTITIES["checkins"]


def _delivery(path: Path, entity: str = "checkins") -> Delivery:
    rel = f"{ENTITIES[entity].system}/{path.name}"
    return Delivery(path, rel, entity, dt.date(2026, 11, 7), "jsonl", path.stat().st_size)


def _snapshot(con: duckdb.DuckDBPyConnection, result: read.ReadResult) -> tuple:
    problems = [(p.column_name, p.reason) for p in result.problems]
    if result.whole_file:
        return problems, [], []
    raw = con.execute("SELECT * FROM _raw ORDER BY _row_number").fetchall()
    malformed = con.execute("SELECT * FROM _malformed ORDER BY row_number").fetchall()
    return problems, raw, malformed


def read_both(path: Path, entity: str = "checkins") -> tuple[str, tuple, tuple]:
    """(reader used by read_delivery, its result, the robust reader's result) for one file."""
    delivery = _delivery(path, entity)
    with duckdb.connect() as con:
        result = read.read_delivery(con, delivery, ENTITIES[entity])
        chosen = _snapshot(con, result)
        read._reset(con)
        robust = _snapshot(con, read._read_jsonl_robust(con, delivery, ENTITIES[entity]))
    return result.reader, chosen, robust


# --- generated JSON lines ----------------------------------------------------------------------
# Number tokens written by hand: their text form is where JSON writers and readers disagree.
NUMBER_TOKENS = [
    "0",
    "-0",
    "3.0",
    "-0.0",
    "1.50",
    "1e3",
    "1E400",
    "1e-5",
    "2.5e-7",
    "1e16",
    "123456789012345678901234567890.5",
    "12345678901234567890",
    "18446744073709551616",
    "-9223372036854775809",
    "0.30000000000000004",
    "NaN",
    "Infinity",
]
STRINGS = [
    "",
    " ",
    "2026-11-06",
    "2026-11-07T08:00:00Z",
    "a\nb",
    'q"uote',
    "back\\slash",
    "é",
    "😀",
]

_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=8)
_scalar_text = st.one_of(
    st.just("null"),
    st.sampled_from(["true", "false"]),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(json.dumps),
    st.sampled_from(NUMBER_TOKENS),
    st.tuples(st.one_of(_text, st.sampled_from(STRINGS)), st.booleans()).map(
        lambda t: json.dumps(t[0], ensure_ascii=t[1])
    ),
)
_nested_text = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-1e20, 1e20), _text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("xyz"), inner, max_size=2)
    ),
    max_leaves=4,
).map(json.dumps)
_value_text = st.one_of(_scalar_text, _scalar_text, _scalar_text, _nested_text)
_space = st.sampled_from(["", "", " ", "\t"])


@st.composite
def _object_line(draw, columns: tuple[str, ...]) -> str:
    keys = draw(st.lists(st.sampled_from(columns), unique=True, min_size=len(columns) - 2))
    keys = draw(st.permutations(keys))
    sep = draw(_space)
    pairs = [f"{json.dumps(k)}:{sep}{draw(_value_text)}" for k in keys]
    return draw(_space) + "{" + f",{sep}".join(pairs) + "}" + draw(_space)


# Lines that make the fast reader step aside (or must not fool it).
ODD_LINES = [
    "",
    "   ",
    "\t",
    "null",
    "[1, 2]",
    '"text"',
    "1",
    "true",
    "{}",
    '{"checkin_id": null}',
    "{",
    "not json",
    '{"checkin_id": "c_1"}{"checkin_id": "c_2"}',
    '{"checkin_id": "c_1",}',
    '{"checkin_id": "c_1", "checkin_id": "c_2"}',
    '{"checkin_id": "c_1", "email": "x"}',
    '{"checkin_id": "c_1", "Checkin_Id": "x"}',
    '{"checkin_id": {"a": 1, "a": 2}}',
    '{"checkin_id": NaN}',
    '{"checkin_id": 01}',
    '{"checkin_id": "x\ty"}',
    '{"checkin_id": "\\ud800"}',
    '{"checkin_id": "\\u0000"}',
    "\x0b{}",
    '{"checkin_id": 1}\x0c',
    "\ufeff{}",
    '{"checkin_id": 1} // comment',
]
_ODD_BYTES = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00"]


@st.composite
def jsonl_files(draw, columns: tuple[str, ...] = CHECKINS.column_names) -> bytes:
    lines = draw(
        st.lists(
            st.one_of(
                _object_line(columns),
                _object_line(columns),
                _object_line(columns),
                st.sampled_from(ODD_LINES),
            ),
            min_size=1,
            max_size=8,
        )
    )
    newline = draw(st.sampled_from(["\n", "\n", "\n", "\r\n"]))
    text = newline.join(lines) + draw(st.sampled_from([newline, newline, "", newline * 2]))
    data = text.encode("utf-8")
    if draw(st.booleans()) and draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 9)) == 0:  # a stray byte somewhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from(_ODD_BYTES)) + data[at:]
    return data


_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_SETTINGS
@given(jsonl_files())
def test_fast_and_robust_readers_give_identical_raw_and_malformed(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "checkins_20261107.jsonl"
        path.write_bytes(data)
        reader, chosen, robust = read_both(path)
    assert reader in ("jsonl-fast", "jsonl-robust")
    assert chosen == robust


@_SETTINGS
@given(st.lists(_object_line(CHECKINS.column_names), min_size=1, max_size=6))
def test_clean_generated_files_take_the_fast_path_when_every_key_is_seen(lines: list[str]) -> None:
    # Files of well-formed objects in which every contract key appears and no line is all-null.
    full = "{" + ", ".join(f'"{c}": "v"' for c in CHECKINS.column_names) + "}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "checkins_20261107.jsonl"
        path.write_text("\n".join([full, *lines]) + "\n")
        reader, chosen, robust = read_both(path)
    assert chosen == robust
    raw = chosen[1]
    if all(any(v is not None for v in row[1:]) for row in raw) and all(
        line == line.strip(" \t") for line in lines
    ):
        assert reader == "jsonl-fast"


# --- the fast path is taken, and steps aside, where it should -----------------------------------


def _checkin_lines(n: int) -> list[str]:
    rows = []
    for i in range(n):
        row = checkin(f"c_{i}", P1, standard_drinks=i % 7, craving_score=None)
        row["took_medication"] = [True, False, None][i % 3]
        rows.append(json.dumps(row))
    return rows


def test_a_valid_large_file_takes_the_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "checkins_20261107.jsonl"
    path.write_text("\n".join(_checkin_lines(30_000)) + "\n")  # more lines than the key sample
    reader, chosen, robust = read_both(path)
    assert reader == "jsonl-fast"
    assert chosen == robust
    assert len(chosen[1]) == 30_000 and chosen[2] == []
    assert chosen[1][4] == (
        5,
        "c_4",
        P1,
        "2026-11-06",
        "2026-11-07T08:00:00.250-05:00",
        "4",
        None,
        "false",
        None,  # _nonstring: every id is a JSON string
    )


def test_the_fast_path_is_logged_and_recorded(drop: Drop, caplog) -> None:
    # Stamped within its export date: a later updated_at is a clock error (EXPORTS.md).
    drop.write(
        "app/participants_20261101.jsonl", [participant(P1, updated_at="2026-11-01T08:00:00Z")]
    )
    drop.raw("app/checkins_20261107.jsonl", ("\n".join(_checkin_lines(50)) + "\n").encode())
    with caplog.at_level("DEBUG", logger="flows.ingest.read"):
        report = drop.ingest()
    assert report.rows_loaded == 51 and report.rows_quarantined == 0
    assert "read app/checkins_20261107.jsonl with the fast JSON lines reader" in caplog.text


@pytest.mark.parametrize(
    ("where", "line"),
    [
        ("after the sample", '{"checkin_id": "c_x", "email": "jane@example.org"}'),
        ("after the sample", '{"checkin_id": "c_x", "p_0123456789abcdef": 1}'),
        ("in the sample", '{"checkin_id": "c_x", "notes": "n"}'),
    ],
)
def test_a_key_outside_the_contract_anywhere_sends_the_file_to_the_robust_reader(
    tmp_path: Path, monkeypatch, where: str, line: str
) -> None:
    monkeypatch.setattr(read, "_FAST_SAMPLE_LINES", 3)
    lines = _checkin_lines(10)
    lines.insert(8 if where == "after the sample" else 1, line)
    path = tmp_path / "checkins_20261107.jsonl"
    path.write_text("\n".join(lines) + "\n")
    reader, chosen, robust = read_both(path)
    assert reader == "jsonl-robust"
    assert chosen == robust
    assert chosen[0] and chosen[0][0][1].startswith("column outside the contract")


def test_a_contract_key_first_seen_after_the_sample_is_not_missed(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(read, "_FAST_SAMPLE_LINES", 3)
    lines = [
        json.dumps({k: v for k, v in json.loads(x).items() if k != "craving_score"})
        for x in _checkin_lines(6)
    ]
    lines += _checkin_lines(2)  # with craving_score
    path = tmp_path / "checkins_20261107.jsonl"
    path.write_text("\n".join(lines) + "\n")
    reader, chosen, robust = read_both(path)
    assert reader == "jsonl-robust"
    assert chosen == robust and chosen[0] == []


@pytest.mark.parametrize(
    "content",
    [
        b'{"checkin_id": "c_1"}\n\n{"checkin_id": "c_2"}\n',  # blank line: numbers must not shift
        b'{"checkin_id": "c_1"}\r\n{"checkin_id": "c_2"}\r\n',  # CRLF
        b'{"checkin_id": "c_1"}\nnull\n{"checkin_id": "c_2"}\n',  # a null line
        b'{"checkin_id": "c_1"}\n[1]\n',  # not an object
        b'{"checkin_id": "caf\xe9"}\n',  # Latin-1, not UTF-8
        b'{"checkin_id": "' + b"x" * (1 << 20) + b'"}\n',  # a line of over 1 MiB
        b'{"checkin_id": "' + b"x" * (3 << 20) + b'"}\n{"checkin_id": "c_2"}\n',  # over 2 MiB
        b'{"checkin_id": 1, "checkin_id": 2}\n',  # duplicate key
    ],
    ids=["blank", "crlf", "null-line", "array", "latin1", "1mib-line", "3mib-line", "dup-key"],
)
def test_odd_files_take_the_robust_path_with_the_same_result(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "checkins_20261107.jsonl"
    head = "{" + ", ".join(f'"{c}": "v"' for c in CHECKINS.column_names) + "}\n"
    path.write_bytes(head.encode() + content)
    reader, chosen, robust = read_both(path)
    assert reader == "jsonl-robust"
    assert chosen == robust


def test_bom_and_nested_values_are_read_identically_on_the_fast_path(tmp_path: Path) -> None:
    lines = [
        '{"checkin_id": "c_1", "participant_id": {"a": [1, 2.50, null]}, "report_date": 1e-5,'
        ' "submitted_at": 1e16, "standard_drinks": 3.0, "craving_score": "\\u00e9\\n",'
        ' "took_medication": true}',
        '{"checkin_id": 12345678901234567890, "participant_id": 1E400}',
    ]
    path = tmp_path / "checkins_20261107.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode())
    reader, chosen, robust = read_both(path)
    assert reader == "jsonl-fast"
    assert chosen == robust
    assert chosen[1][0][1:] == (
        "c_1",
        '{"a":[1,2.5,null]}',
        "0.00001",
        "10000000000000000.0",
        "3.0",
        "é\n",
        "true",
        ["participant_id"],  # an object where an id belongs breaks the type
    )
    assert chosen[1][1][-1] == ["checkin_id", "participant_id"]
