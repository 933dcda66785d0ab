"""The contract's type and rule checks as one set-based SQL pass over `_raw`.

Builds the temp table `_checked`: per row the typed values (`t_<column>`), the raw text values,
`_withdrawn` (the participant withdrew consent earlier), `_suspect` (a bit per column whose value
must be screened for identifiers) and `_errors`, a list of {column_name, reason} — empty when
the row passes every rule. Reasons name the rule, never the value.

Identifier screening (`core.privacy.classify`) runs in Python over the distinct values that SQL
cannot vouch for: a value that parses as its date, timestamp, boolean, code-list or participant
id type, or a short integer, cannot hold an identifier; nor can a `SAFE_SHAPE` value (the
check-in/appointment ids). Everything else (few distinct values in any real file) is classified,
and the rows holding a flagged value get that column's identifier reason (`_flagged` keeps the
values and their masks for the quarantine record).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

from core.contract import (
    LATEST_OFFSET_HOURS,
    PARTICIPANT_ID_PATTERN,
    VERSION_TIMESTAMPS,
    Column,
    Entity,
)
from core.privacy import classify, mask, reason, sql_needs_screening

DATE_SHAPE = r"\d{4}-\d{2}-\d{2}"
# ISO 8601 with an offset between -12:00 and +14:00 (Z, +hh, +hhmm, +hh:mm); 'T' or a space
# between date and time.
OFFSET_SHAPE = r"(Z|\+(0\d|1[0-3])(:?[0-5]\d)?|\+14(:?00)?|-(0\d|1[01])(:?[0-5]\d)?|-12(:?00)?)"
_CLOCK = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
TIMESTAMP_SHAPE = _CLOCK + OFFSET_SHAPE
# Any two-digit offset: told apart from TIMESTAMP_SHAPE only to name the reason.
_ANY_OFFSET_SHAPE = _CLOCK + r"[+-]\d{2}(:?[0-5]\d)?"
# Whole numbers only; `3.0` (a float column of a Parquet/JSON writer) is 3, `2.5` is not.
INTEGER_SHAPE = r"[+-]?\d{1,9}(\.0+)?"

TYPE_REASONS = {
    "DATE": "not a date",
    "TIMESTAMPTZ": "not a timestamp with offset",
    "INTEGER": "not an integer",
    "BOOLEAN": "not true or false",
}
OFFSET_REASON = "offset outside -12:00..+14:00"
CLOCK_REASON = "later than its export date (clock error)"
NOT_A_STRING = "not a string"
CHANGED_REASON = "check-in changed after it was sent"


def _q(name: str) -> str:
    return f'"{name}"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def typed_expr(column: Column) -> str:
    """SQL: the column's raw text as the contract type, NULL when it does not parse."""
    v = _q(column.name)
    if column.sql_type == "DATE":
        return (
            f"CASE WHEN regexp_full_match({v}, {_lit(DATE_SHAPE)}) THEN TRY_CAST({v} AS DATE) END"
        )
    if column.sql_type == "TIMESTAMPTZ":
        return (
            f"CASE WHEN regexp_full_match({v}, {_lit(TIMESTAMP_SHAPE)}) "
            f"THEN TRY_CAST({v} AS TIMESTAMPTZ) END"
        )
    if column.sql_type == "INTEGER":
        return (
            f"CASE WHEN regexp_full_match({v}, {_lit(INTEGER_SHAPE)}) "
            f"THEN TRY_CAST(CASE WHEN contains({v}, '.') "
            f"THEN regexp_replace({v}, '\\.0+$', '') ELSE {v} END AS INTEGER) END"
        )
    if column.sql_type == "BOOLEAN":
        # Only true/false (any case): a 1/0 or yes/no must not decide consent by accident.
        return f"CASE lower({v}) WHEN 'true' THEN true WHEN 'false' THEN false END"
    if column.allowed is not None:
        return f"CASE WHEN {v} IN ({', '.join(_lit(a) for a in column.allowed)}) THEN {v} END"
    if column.pattern is not None:
        return f"CASE WHEN regexp_matches({v}, {_lit(column.pattern)}) THEN {v} END"
    return v


def _type_reason(column: Column) -> str:
    if column.sql_type in TYPE_REASONS:
        return TYPE_REASONS[column.sql_type]
    if column.allowed is not None:
        return "not one of the allowed values"
    if column.pattern == PARTICIPANT_ID_PATTERN:
        return "not a well-formed participant id"
    return "does not match the pattern"


def _type_error(column: Column) -> str:
    """SQL: why a value that did not parse breaks the type (evaluated on failing rows only)."""
    v = _q(column.name)
    if column.sql_type == "TIMESTAMPTZ":
        return (
            f"CASE WHEN regexp_full_match({v}, {_lit(_ANY_OFFSET_SHAPE)}) "
            f"AND TRY_CAST({v} AS TIMESTAMPTZ) IS NOT NULL THEN {_lit(OFFSET_REASON)} "
            f"ELSE {_lit(_type_reason(column))} END"
        )
    return _lit(_type_reason(column))


def latest_version_time(export_date: dt.date) -> str:
    """The end of the export date at UTC-12:00, as an ISO timestamp."""
    end = dt.datetime.combine(export_date + dt.timedelta(days=1), dt.time())
    return (end - dt.timedelta(hours=LATEST_OFFSET_HOURS)).isoformat() + "+00:00"


def _rules(entity: Entity, column: Column, export_date: dt.date) -> list[tuple[str, str]]:
    """(condition on typed values, reason) pairs checked once the value itself is valid."""
    t = f"t_{column.name}"
    rules: list[tuple[str, str]] = []
    if column.min_value is not None:
        rules.append((f"{t} < {column.min_value}", f"below {column.min_value}"))
    if column.max_value is not None:
        rules.append((f"{t} > {column.max_value}", f"above {column.max_value}"))
    after_export = (f"{t} > DATE '{export_date.isoformat()}'", "after the export date")
    name = (entity.name, column.name)
    if name in (("participants", "enrolled_on"), ("checkins", "report_date")):
        rules.append(after_export)
    if column.name in VERSION_TIMESTAMPS:
        latest = latest_version_time(export_date)
        rules.append((f"{t} > TIMESTAMPTZ '{latest}'", CLOCK_REASON))
    if name == ("participants", "discharged_on"):
        rules.append((f"{t} < t_enrolled_on", "before enrolled_on"))
        rules.append(("discharge_reason IS NULL", "discharged_on set without discharge_reason"))
    if name == ("participants", "discharge_reason"):
        rules.append(("discharged_on IS NULL", "discharge_reason set without discharged_on"))
    if name == ("appointments", "cancelled_by"):
        rules.append(("t_status <> 'cancelled'", "cancelled_by set but status is not cancelled"))
    if column.name == "participant_id" and entity.name != "participants":
        rules.append(("NOT _known", "unknown participant"))
    return rules


def error_expr(entity: Entity, column: Column, export_date: dt.date) -> str:
    """SQL: the reason the column breaks the contract in this row, or NULL (identifier shapes
    are added afterwards, by `screen_identifiers`)."""
    v, t = _q(column.name), f"t_{column.name}"
    missing = "NULL" if column.nullable else "'missing value'"
    parts = [f"WHEN {v} IS NULL THEN {missing}"]
    if column.name in entity.id_columns:
        parts.append(
            f"WHEN _nonstring IS NOT NULL AND list_contains(_nonstring, {_lit(column.name)}) "
            f"THEN {_lit(NOT_A_STRING)}"
        )
    if not column.free_text:
        parts.append(f"WHEN {t} IS NULL THEN {_type_error(column)}")
    parts += [f"WHEN {cond} THEN {_lit(why)}" for cond, why in _rules(entity, column, export_date)]
    return "CASE " + " ".join(parts) + " END"


def _vouched(column: Column) -> str:
    """SQL: true when the value's type proves it holds no identifier (see the module docstring;
    tests/ingest/test_ingest_identifiers.py checks each claim on generated values)."""
    t = f"t_{column.name}"
    if column.free_text:
        return "false"
    if column.sql_type == "INTEGER":  # seven characters hold at most seven digits
        return f"({t} IS NOT NULL AND length({_q(column.name)}) < 8)"
    return f"({t} IS NOT NULL)"


def suspect_expr(entity: Entity) -> str:
    """SQL: a bit per column (1 << position) whose value must be screened in Python."""
    bits = [
        f"CASE WHEN NOT {_vouched(c)} AND {sql_needs_screening(_q(c.name))}"
        f" THEN {1 << i} ELSE 0 END"
        for i, c in enumerate(entity.columns)
    ]
    return "(" + " + ".join(bits) + ")"


def bit(entity: Entity, column: str) -> int:
    return 1 << entity.column_names.index(column)


def screen_identifiers(con: duckdb.DuckDBPyConnection, entity: Entity) -> int:
    """Classify the distinct suspect values of `_checked`, keep the flagged ones in `_flagged`
    (column_name, value, mask, reason) and give their rows the identifier reason for that
    column instead of any other. Returns the number of flagged distinct values."""
    con.execute("DROP TABLE IF EXISTS temp._flagged")
    con.execute(
        "CREATE TEMP TABLE _flagged (column_name VARCHAR, value VARCHAR, mask VARCHAR,"
        " reason VARCHAR)"
    )
    if not con.execute("SELECT count(*) FROM _checked WHERE _suspect <> 0").fetchone()[0]:
        return 0
    per_column = " UNION ALL ".join(
        f"SELECT DISTINCT {_lit(c)}, {_q(c)} FROM s WHERE (_suspect & {bit(entity, c)}) <> 0"
        for c in entity.column_names
    )
    distinct = con.execute(
        f"WITH s AS (SELECT * FROM _checked WHERE _suspect <> 0) {per_column}"
    ).fetchall()
    flagged = []
    for column, value in distinct:
        kind = classify(value)
        if kind is not None:
            flagged.append((column, value, mask(kind), reason(kind)))
    if not flagged:
        return 0
    # As one Arrow table: a file full of identifiers must not cost a statement per value.
    names = ("column_name", "value", "mask", "reason")
    rows = pa.table({n: [row[i] for row in flagged] for i, n in enumerate(names)})
    con.register("_flagged_rows", rows)
    con.execute("INSERT INTO _flagged SELECT * FROM _flagged_rows")
    con.unregister("_flagged_rows")
    hits = " UNION ALL ".join(
        f"SELECT c._row_number, f.column_name, f.reason FROM _checked AS c JOIN _flagged AS f"
        f" ON f.column_name = {_lit(col)} AND c.{_q(col)} = f.value"
        f" WHERE (c._suspect & {bit(entity, col)}) <> 0"
        for col in sorted({row[0] for row in flagged})
    )
    con.execute(
        f"""
        UPDATE _checked SET _errors = list_concat(
            list_filter(_checked._errors, lambda e: NOT list_contains(h.cols, e.column_name)),
            h.errs)
        FROM (
          SELECT _row_number, list(column_name) AS cols,
                 list({{'column_name': column_name, 'reason': reason}}) AS errs
          FROM ({hits}) GROUP BY _row_number
        ) AS h
        WHERE _checked._row_number = h._row_number
        """
    )
    return len(flagged)


def masked_expr(entity: Entity, column: str) -> str:
    """SQL over `_checked`: the raw value, or its mask when it was flagged."""
    v = _q(column)
    return (
        f"CASE WHEN (_suspect & {bit(entity, column)}) <> 0 THEN coalesce((SELECT f.mask"
        f" FROM _flagged AS f WHERE f.column_name = {_lit(column)} AND f.value = {v}), {v})"
        f" ELSE {v} END"
    )


_CHECKIN_VALUES = (
    "participant_id",
    "report_date",
    "submitted_at",
    "standard_drinks",
    "craving_score",
    "took_medication",
)


def flag_changed_checkins(con: duckdb.DuckDBPyConnection) -> int:
    """A check-in is never changed once sent (EXPORTS.md): a copy whose typed values differ from
    the first copy loaded (an earlier delivery's, else the first valid copy in this file) is
    quarantined, naming the first column that differs. Identical copies pass (deltas overlap).
    Copies are compared by a hash of their typed values; only the ids with differing copies
    (normally none) are looked at value by value. Returns the rows quarantined."""
    values = ", ".join(_CHECKIN_VALUES)
    typed = ", ".join(f"t_{c}" for c in _CHECKIN_VALUES)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ok AS
        SELECT _row_number, checkin_id, hash({typed}) AS h
        FROM _checked WHERE NOT _withdrawn AND len(_errors) = 0
        """
    )
    # The ids sent more than once (in this file, or before), and the first copy of each:
    # landing's earliest (delivery, row), else this file's earliest row.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _first AS
        WITH repeated AS (
          SELECT checkin_id FROM _ok GROUP BY checkin_id HAVING count(*) > 1
          UNION ALL
          SELECT checkin_id FROM landing.checkins WHERE checkin_id IN (SELECT checkin_id FROM _ok)
        ),
        copies AS (
          SELECT checkin_id, hash({values}) AS h, {{'d': _delivery_id, 'r': _row_number}} AS o
          FROM landing.checkins WHERE checkin_id IN (SELECT checkin_id FROM repeated)
          UNION ALL
          SELECT checkin_id, h, {{'d': {2**62}, 'r': _row_number}} AS o
          FROM _ok WHERE checkin_id IN (SELECT checkin_id FROM repeated)
        )
        SELECT checkin_id, arg_min(h, o) AS h FROM copies
        GROUP BY checkin_id HAVING min(h) <> max(h)
        """
    )
    changed = 0
    if con.execute("SELECT count(*) FROM _first").fetchone()[0]:
        which = " ".join(
            f"WHEN o.{c} IS DISTINCT FROM f.{c} THEN {_lit(c)}" for c in _CHECKIN_VALUES
        )
        # arg_min_null: a NULL answer of the first copy is its answer (arg_min would skip it).
        first = ", ".join(f"arg_min_null({c}, o) AS {c}" for c in _CHECKIN_VALUES)
        changed = con.execute(
            f"""
            UPDATE _checked
            SET _errors = list_append(
              _checked._errors, {{'column_name': d.column_name, 'reason': {_lit(CHANGED_REASON)}}})
            FROM (
              WITH differing AS (
                SELECT k._row_number, k.checkin_id FROM _ok AS k JOIN _first AS f USING (checkin_id)
                WHERE k.h <> f.h
              ),
              reference AS (
                SELECT checkin_id, {first} FROM (
                  SELECT checkin_id, {values}, {{'d': _delivery_id, 'r': _row_number}} AS o
                  FROM landing.checkins WHERE checkin_id IN (SELECT checkin_id FROM _first)
                  UNION ALL
                  SELECT checkin_id, {typed}, {{'d': {2**62}, 'r': _row_number}} AS o
                  FROM _checked WHERE NOT _withdrawn AND len(_errors) = 0
                    AND checkin_id IN (SELECT checkin_id FROM _first)
                ) GROUP BY checkin_id
              )
              SELECT x._row_number, CASE {which} END AS column_name
              FROM differing AS x
              JOIN reference AS f USING (checkin_id)
              JOIN (
                SELECT _row_number, {", ".join(f"t_{c} AS {c}" for c in _CHECKIN_VALUES)}
                FROM _checked
              ) AS o ON o._row_number = x._row_number
            ) AS d
            WHERE _checked._row_number = d._row_number
            """
        ).fetchone()[0]
    for table in ("_ok", "_first"):
        con.execute(f"DROP TABLE temp.{table}")
    return int(changed)


def build_checked(con: duckdb.DuckDBPyConnection, entity: Entity, export_date: dt.date) -> None:
    """Create `_checked` from `_raw` (see the module docstring)."""
    con.execute("DROP TABLE IF EXISTS temp._checked")
    con.execute("DROP TABLE IF EXISTS temp._withdrawn_ids")
    # Hash each distinct id once, not every row: a file holds far fewer participants than rows.
    con.execute(
        """
        CREATE TEMP TABLE _withdrawn_ids AS
        SELECT participant_id FROM (SELECT DISTINCT participant_id FROM _raw)
        WHERE participant_id IS NOT NULL
          AND sha256(participant_id) IN (
            SELECT participant_hash FROM quality.withdrawn_participants
          )
        """
    )
    normalized = ", ".join(f"NULLIF({_q(c)}, '') AS {_q(c)}" for c in entity.column_names)
    typed = ", ".join(f"{typed_expr(c)} AS t_{c.name}" for c in entity.columns)
    known = (
        "participant_id IN (SELECT participant_id FROM landing.participants)"
        if entity.name != "participants"
        else "true"
    )
    reasons = ", ".join(
        f"{error_expr(entity, c, export_date)} AS _reason_{i}" for i, c in enumerate(entity.columns)
    )
    reason_cols = [f"_reason_{i}" for i in range(len(entity.columns))]
    errors = ", ".join(
        f"{{'column_name': {_lit(c.name)}, 'reason': _reason_{i}}}"
        for i, c in enumerate(entity.columns)
    )
    # Most rows pass every rule: they get an empty list without building and filtering one.
    con.execute(
        f"""
        CREATE TEMP TABLE _checked AS
        SELECT * EXCLUDE ({", ".join(reason_cols)}, _nonstring),
               CASE WHEN {" AND ".join(f"{r} IS NULL" for r in reason_cols)}
                 THEN CAST([] AS STRUCT(column_name VARCHAR, reason VARCHAR)[])
                 ELSE list_filter([{errors}], lambda e: e.reason IS NOT NULL)
               END AS _errors
        FROM (
          SELECT *, {reasons}, {suspect_expr(entity)} AS _suspect
          FROM (
            SELECT *, {typed},
                   coalesce(participant_id IN (SELECT participant_id FROM _withdrawn_ids), false)
                     AS _withdrawn,
                   {known} AS _known
            FROM (SELECT _row_number, {normalized}, _nonstring FROM _raw)
          )
        )
        """
    )
    screen_identifiers(con, entity)
    if entity.name == "checkins":
        flag_changed_checkins(con)
