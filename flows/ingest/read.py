"""Reading one delivered file with DuckDB into the temp table `_raw`, every value as VARCHAR.

`_raw` has `_row_number` (1-based data row of the file), the contract's columns and `_nonstring`
(the id columns whose value is a JSON number/object/array or a non-string Parquet column: ids
are strings in every format; NULL when there is none); lines that cannot be parsed at all (a
JSON line with the same key twice included) go to the temp table `_malformed (row_number,
reason)`. A problem that
makes the whole file unusable comes back as `FileProblem`s and nothing of the file is kept.
Error messages of the readers are never passed on: they can quote the offending line.

JSONL has two readers with identical results: a fast one (DuckDB's `read_json`, one parse per
line) for files that a cheap byte scan and the reader itself find clean, and the robust
line-by-line one for everything else (see `_read_jsonl`).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.contract import PARTICIPANT_ID_PATTERN, Entity
from core.privacy import classify
from flows.ingest.discover import Delivery

log = logging.getLogger(__name__)

_HEADER_PROBE = 1 << 20  # the header of a CSV is looked for in its first MiB
_SCAN_CHUNK = 8 << 20
# The fast JSONL reader is used only when every line is shorter than this: the robust reader
# rejects lines over 2 MiB (read_csv's max_line_size) and read_json has no such limit.
_FAST_MAX_LINE = 1 << 20
# Lines the fast reader looks at to learn the keys; a key first seen later makes it fail (and the
# robust reader run), so a small sample costs nothing in correctness.
_FAST_SAMPLE_LINES = 20480
# A column name is shown in the quarantine only when it looks like a name, not like a value
# (a file without a header row would otherwise turn its first record into "column names").
_NAME_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9_ ]{0,62}$")

# DuckDB's CSV reject kinds, in plain words.
_CSV_REJECT_REASONS = {
    "MISSING COLUMNS": "too few fields in the line",
    "TOO MANY COLUMNS": "too many fields in the line",
    "UNQUOTED VALUE": "badly quoted value",
    "LINE SIZE OVER MAXIMUM": "line too long",
    "INVALID STATE": "malformed line",
    "CAST": "malformed line",
}


@dataclass
class FileProblem:
    column_name: str | None
    reason: str


@dataclass
class ReadResult:
    problems: list[FileProblem] = field(default_factory=list)
    rows_read: int = 0  # data rows, parsed or not
    reader: str = ""  # which reader filled `_raw`: csv, parquet, jsonl-fast or jsonl-robust

    @property
    def whole_file(self) -> bool:
        return bool(self.problems)


def _shown_name(name: str) -> str | None:
    if (
        _NAME_LIKE.match(name)
        and classify(name) is None
        and not re.match(PARTICIPANT_ID_PATTERN, name)
    ):
        return name
    return None


def _check_columns(
    found: list[str], entity: Entity, all_required: bool = True
) -> list[FileProblem]:
    problems = []
    seen: set[str] = set()
    for name in found:
        if name in seen:
            problems.append(FileProblem(_shown_name(name), "duplicate column"))
        seen.add(name)
        if name not in entity.column_names:
            shown = _shown_name(name)
            reason = "column outside the contract" + ("" if shown else " (name not shown)")
            problems.append(FileProblem(shown, reason))
    if all_required:
        for name in entity.column_names:
            if name not in seen:
                problems.append(FileProblem(name, "missing contract column"))
    return problems


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _nonstring_expr(entity: Entity, not_string: dict[str, str]) -> str:
    """SQL for `_nonstring` from a condition per id column ("its value is not a string")."""
    conds = {c: f"coalesce({not_string[c]}, false)" for c in entity.id_columns if c in not_string}
    if not conds:
        return "CAST(NULL AS VARCHAR[]) AS _nonstring"
    items = ", ".join(f"CASE WHEN {cond} THEN {_sql_str(c)} END" for c, cond in conds.items())
    return (
        f"CASE WHEN {' OR '.join(conds.values())} THEN list_filter([{items}],"
        " lambda x: x IS NOT NULL) END AS _nonstring"
    )


def _reset(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("_raw", "_malformed", "_lines", "_rej", "_rej_scan", "_bad", "_good"):
        con.execute(f"DROP TABLE IF EXISTS temp.{table}")
    con.execute("CREATE TEMP TABLE _malformed (row_number BIGINT, reason VARCHAR)")


def _csv_header(delivery: Delivery) -> list[str] | FileProblem:
    """The header record, parsed in Python (only the first record), or why it cannot be read."""
    with delivery.path.open("rb") as handle:
        head = handle.read(_HEADER_PROBE)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a multi-byte character cut by the probe
            return FileProblem(None, "not valid UTF-8")
        text = head[: exc.start].decode("utf-8-sig")
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), None)
    except csv.Error:
        header = None
    if header is None or "\x00" in text:
        return FileProblem(None, "not readable as CSV")
    return header


def _rejects_to_malformed(con: duckdb.DuckDBPyConnection, header_lines: int) -> bool:
    """Move DuckDB's rejected lines into `_malformed`; False when the file is not UTF-8."""
    if con.execute("SELECT count(*) FROM _rej WHERE error_type = 'INVALID ENCODING'").fetchone()[0]:
        return False
    cases = " ".join(
        f"WHEN {_sql_str(kind)} THEN {_sql_str(reason)}"
        for kind, reason in _CSV_REJECT_REASONS.items()
    )
    con.execute(
        f"""
        INSERT INTO _malformed
        SELECT line - {header_lines} AS row_number,
               min(CASE CAST(error_type AS VARCHAR) {cases} ELSE 'malformed line' END)
        FROM _rej GROUP BY line
        """
    )
    return True


def _number_good_rows(con: duckdb.DuckDBPyConnection, select_cols: str) -> None:
    """`_good` (`_k`: 1-based position among the parsed rows) to `_raw`, numbering data rows so
    that rejected rows keep their numbers.

    The k-th good row is data row k + (number of rejected rows before it); with the rejected rows
    R_1 < R_2 < ... that count is the largest j with R_j - j < k (an as-of join).
    """
    if con.execute("SELECT count(*) FROM _malformed").fetchone()[0] == 0:
        con.execute(f"CREATE TEMP TABLE _raw AS SELECT _k AS _row_number, {select_cols} FROM _good")
        return
    con.execute(
        """
        CREATE TEMP TABLE _bad AS
        SELECT g, max(j) AS j FROM (
          SELECT row_number - row_number() OVER (ORDER BY row_number) AS g,
                 row_number() OVER (ORDER BY row_number) AS j
          FROM _malformed
        ) GROUP BY g
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE _raw AS
        SELECT k + coalesce(b.j, 0) AS _row_number, {select_cols}
        FROM (SELECT _k AS k, * FROM _good) AS r
        ASOF LEFT JOIN _bad AS b ON r.k > b.g
        ORDER BY k
        """
    )


def _read_csv(con: duckdb.DuckDBPyConnection, delivery: Delivery, entity: Entity) -> ReadResult:
    header = _csv_header(delivery)
    if isinstance(header, FileProblem):
        return ReadResult([header])
    problems = _check_columns(header, entity)
    if problems:
        return ReadResult(problems)
    columns = "{" + ", ".join(f"{_sql_str(c)}: 'VARCHAR'" for c in header) + "}"
    path = _sql_str(str(delivery.path))
    try:
        # Explicit dialect, no sniffing: a broken line must not change how the others are read.
        con.execute(
            f"""
            CREATE TEMP TABLE _good AS
            SELECT row_number() OVER () AS _k, *
            FROM read_csv({path}, columns={columns},
              header=true, auto_detect=false, delim=',', quote='"', escape='"',
              strict_mode=true, store_rejects=true, rejects_table='_rej', rejects_scan='_rej_scan')
            """
        )
    except duckdb.Error:
        return ReadResult([FileProblem(None, "not readable as CSV")])
    if not _rejects_to_malformed(con, header_lines=1):
        return ReadResult([FileProblem(None, "not valid UTF-8")])
    cols = ", ".join(f'"{c}"' for c in entity.column_names)
    _number_good_rows(con, f"{cols}, {_nonstring_expr(entity, {})}")
    return ReadResult()


def _read_jsonl_robust(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, entity: Entity
) -> ReadResult:
    """Each physical line parsed on its own: one bad line quarantines one row (five JSON
    function calls per line, so about five times the fast reader's cost)."""
    path = _sql_str(str(delivery.path))
    try:
        # Each physical line as one value: \x01 cannot appear raw in valid JSON.
        con.execute(
            f"""
            CREATE TEMP TABLE _good AS
            SELECT row_number() OVER () AS _k, line
            FROM read_csv({path}, columns={{'line': 'VARCHAR'}}, header=false,
              auto_detect=false, delim='\x01', quote='', escape='',
              store_rejects=true, rejects_table='_rej', rejects_scan='_rej_scan')
            """
        )
        con.execute(
            "CREATE TEMP TABLE _lines AS"
            " SELECT _k AS _row_number, line, json_valid(line) AS ok FROM _good"
        )
    except duckdb.Error:
        return ReadResult([FileProblem(None, "not readable as JSON lines")])
    if not _rejects_to_malformed(con, header_lines=0):
        return ReadResult([FileProblem(None, "not valid UTF-8")])
    con.execute(
        """
        INSERT INTO _malformed
        SELECT _row_number, CASE WHEN NOT ok THEN 'not valid JSON' ELSE 'not a JSON object' END
        FROM _lines
        WHERE line IS NOT NULL AND CASE WHEN ok THEN json_type(line) <> 'OBJECT' ELSE true END
        """
    )
    con.execute(
        "DELETE FROM _lines WHERE line IS NULL"
        " OR CASE WHEN ok THEN json_type(line) <> 'OBJECT' ELSE true END"
    )
    objects, malformed = con.execute(
        "SELECT (SELECT count(*) FROM _lines), (SELECT count(*) FROM _malformed)"
    ).fetchone()
    if objects == 0 and malformed > 0:
        return ReadResult([FileProblem(None, "not newline-delimited JSON")])
    # Which of the two values counts is up to the reader: neither does (EXPORTS.md).
    duplicate = "len(json_keys(line)) <> len(list_distinct(json_keys(line)))"
    con.execute(
        f"INSERT INTO _malformed SELECT _row_number, 'duplicate key' FROM _lines WHERE {duplicate}"
    )
    con.execute(f"DELETE FROM _lines WHERE {duplicate}")
    keys = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT unnest(json_keys(line)) FROM _lines ORDER BY 1"
        ).fetchall()
    ]
    # A key missing on some lines is a null value; missing on every line, a missing column.
    problems = _check_columns(keys, entity, all_required=objects > 0)
    if problems:
        return ReadResult(problems)
    paths = "[" + ", ".join(_sql_str(f'$."{c}"') for c in entity.column_names) + "]"
    cols = ", ".join(f'v[{i}] AS "{c}"' for i, c in enumerate(entity.column_names, start=1))
    json_paths = {c: _sql_str(f'$."{c}"') for c in entity.id_columns}
    not_string = {
        c: f"json_type(line, {path}) NOT IN ('VARCHAR', 'NULL')" for c, path in json_paths.items()
    }
    con.execute(
        f"""
        CREATE TEMP TABLE _raw AS
        SELECT _row_number, {cols}, {_nonstring_expr(entity, not_string)}
        FROM (SELECT _row_number, line, json_extract_string(line, {paths}) AS v FROM _lines)
        """
    )
    return ReadResult()


def _clean_jsonl_lines(path: Path) -> int | None:
    """The file's number of lines when its bytes hold nothing the two JSONL readers treat
    differently, else None.

    Different: CR, vertical tab, form feed (read_json trims them around a line as whitespace,
    the robust reader does not), NUL, invalid UTF-8, a line of `_FAST_MAX_LINE` bytes or more.
    Blank lines are caught later, by comparing this count with the rows read.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()  # strict
    lines = 0
    open_line = 0  # bytes of the line not yet ended by a newline
    last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_SCAN_CHUNK):
            if b"\r" in chunk or b"\x0b" in chunk or b"\x0c" in chunk or b"\x00" in chunk:
                return None
            if not chunk.isascii():
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    return None
            lines += chunk.count(b"\n")
            # Every window of _FAST_MAX_LINE bytes must hold a newline (jumping from the last one
            # found, so this is a few calls per MiB, not one per line).
            pos, size = 0, len(chunk)
            while True:
                limit = pos + _FAST_MAX_LINE - open_line
                if limit > size:
                    newline = chunk.rfind(b"\n", pos)
                    open_line = size - newline - 1 if newline >= 0 else open_line + size - pos
                    break
                newline = chunk.rfind(b"\n", pos, limit)
                if newline < 0:
                    return None
                pos, open_line = newline + 1, 0
            last = chunk[-1:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return lines + (1 if last not in (b"", b"\n") else 0)


def _read_jsonl_fast(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, entity: Entity
) -> ReadResult | str:
    """`_raw` from DuckDB's `read_json` (one parse per line), or why this file needs the robust
    reader (a fixed phrase, never the reader's message).

    Gives exactly what the robust reader gives, or nothing:
    - keys: auto-detection on the first lines must find exactly the contract's keys, and with
      every column read, a key outside them on any later line is an error (as is a duplicate key);
    - values: `maximum_depth=1` keeps each value as JSON text written by the same yyjson writer
      as `json_extract_string` (numbers keep the same text form), then unquoted the same way;
    - lines: every line must be a JSON object (arrays, strings, numbers are errors; a `null`
      line gives an all-null row, and is refused below) and none skipped (blank lines are), so
      the k-th row is the k-th physical line.
    """
    lines = _clean_jsonl_lines(delivery.path)
    if lines is None:
        return "bytes"
    path = _sql_str(str(delivery.path))
    source = (
        f"read_json({path}, format='newline_delimited', records=true, maximum_depth=1, "
        f"sample_size={_FAST_SAMPLE_LINES})"
    )
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except duckdb.Error:
        return "reader error"
    names = [row[0] for row in described]
    if sorted(names) != sorted(entity.column_names) or any(row[1] != "JSON" for row in described):
        return "keys"
    # Every column is read: only then does read_json fail on a key it has not seen.
    cols = ", ".join(f"json_extract_string({_q(c)}, '$') AS {_q(c)}" for c in entity.column_names)
    not_string = {c: f"json_type({_q(c)}) NOT IN ('VARCHAR', 'NULL')" for c in entity.id_columns}
    try:
        con.execute(
            f"CREATE TEMP TABLE _raw AS"
            f" SELECT row_number() OVER () AS _row_number, {cols},"
            f" {_nonstring_expr(entity, not_string)} FROM {source}"
        )
    except duckdb.Error:
        return "reader error"
    all_null = " AND ".join(f"{_q(c)} IS NULL" for c in entity.column_names)
    rows, empty = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {all_null}) FROM _raw"
    ).fetchone()
    if rows != lines:
        return "blank or split lines"
    if empty:  # a `null` line, or an object with no contract value: the robust reader tells
        return "empty records"
    return ReadResult(reader="jsonl-fast")


def _read_jsonl(con: duckdb.DuckDBPyConnection, delivery: Delivery, entity: Entity) -> ReadResult:
    """The fast reader when it can vouch for the file, else the robust one (same results)."""
    fast = _read_jsonl_fast(con, delivery, entity)
    if isinstance(fast, ReadResult):
        log.debug("read %s with the fast JSON lines reader", delivery.source_file)
        return fast
    log.info("reading %s line by line (fast reader: %s)", delivery.source_file, fast)
    _reset(con)
    result = _read_jsonl_robust(con, delivery, entity)
    result.reader = "jsonl-robust"
    return result


def _read_parquet(con: duckdb.DuckDBPyConnection, delivery: Delivery, entity: Entity) -> ReadResult:
    path = _sql_str(str(delivery.path))
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({path})").fetchall()
    except duckdb.Error:
        return ReadResult([FileProblem(None, "not a readable Parquet file")])
    problems = _check_columns([row[0] for row in described], entity)
    if problems:
        return ReadResult(problems)
    # Typed Parquet values become text and go through the same checks as CSV; a TIMESTAMPTZ
    # renders with its offset (the session is in UTC), a naive TIMESTAMP without one.
    cols = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in entity.column_names)
    types = {row[0]: row[1] for row in described}
    not_string = {c: f"{_q(c)} IS NOT NULL" for c in entity.id_columns if types[c] != "VARCHAR"}
    try:
        con.execute(
            f"""
            CREATE TEMP TABLE _raw AS
            SELECT file_row_number + 1 AS _row_number, {cols},
                   {_nonstring_expr(entity, not_string)}
            FROM read_parquet({path}, file_row_number=true)
            """
        )
    except duckdb.Error:
        return ReadResult([FileProblem(None, "not a readable Parquet file")])
    return ReadResult()


_READERS = {"csv": _read_csv, "jsonl": _read_jsonl, "parquet": _read_parquet}


def read_delivery(con: duckdb.DuckDBPyConnection, delivery: Delivery, entity: Entity) -> ReadResult:
    """Fill `_raw` and `_malformed` from the file, or report why the whole file is unusable."""
    _reset(con)
    result = _READERS[delivery.file_format](con, delivery, entity)
    result.reader = result.reader or delivery.file_format
    if result.whole_file:
        return result
    result.rows_read = con.execute(
        "SELECT (SELECT count(*) FROM _raw) + (SELECT count(*) FROM _malformed)"
    ).fetchone()[0]
    return result
