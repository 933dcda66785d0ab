"""The contract's type and rule checks as one set-based SQL pass over `_raw`.

Builds the temp table `_checked`: per row the typed values (`t_<column>`), the raw text values,
`_withdrawn` (the participant withdrew consent earlier) and `_errors`, a list of
{column_name, reason} — empty when the row passes every rule. Reasons name the rule, never
the value.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from core.contract import PARTICIPANT_ID_PATTERN, Column, Entity
from core.privacy import sql_reason

DATE_SHAPE = r"\d{4}-\d{2}-\d{2}"
# ISO 8601 with an offset (Z, +hh, +hhmm, +hh:mm); 'T' or a space between date and time.
TIMESTAMP_SHAPE = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)"
# Whole numbers only; `3.0` (a float column of a Parquet/JSON writer) is 3, `2.5` is not.
INTEGER_SHAPE = r"[+-]?\d{1,9}(\.0+)?"

TYPE_REASONS = {
    "DATE": "not a date",
    "TIMESTAMPTZ": "not a timestamp with offset",
    "INTEGER": "not an integer",
    "BOOLEAN": "not true or false",
}


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
    """SQL: the reason the column breaks the contract in this row, or NULL."""
    v, t = _q(column.name), f"t_{column.name}"
    missing = "NULL" if column.nullable else "'missing value'"
    identifier = sql_reason(v)
    parts = [f"WHEN {v} IS NULL THEN {missing}"]
    free_text = column.sql_type == "VARCHAR" and column.allowed is None and column.pattern is None
    if free_text:
        parts.append(f"WHEN {identifier} IS NOT NULL THEN {identifier}")
    else:
        # A value of the right type cannot be shaped like an identifier: look only at the others.
        parts.append(f"WHEN {t} IS NULL THEN coalesce({identifier}, {_lit(_type_reason(column))})")
    parts += [
        f"WHEN {cond} THEN {_lit(reason)}" for cond, reason in _rules(entity, column, export_date)
    ]
    return "CASE " + " ".join(parts) + " END"


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
        SELECT * EXCLUDE ({", ".join(reason_cols)}),
               CASE WHEN {" AND ".join(f"{r} IS NULL" for r in reason_cols)}
                 THEN CAST([] AS STRUCT(column_name VARCHAR, reason VARCHAR)[])
                 ELSE list_filter([{errors}], lambda e: e.reason IS NOT NULL)
               END AS _errors
        FROM (
          SELECT *, {reasons}
          FROM (
            SELECT *, {typed},
                   coalesce(participant_id IN (SELECT participant_id FROM _withdrawn_ids), false)
                     AS _withdrawn,
                   {known} AS _known
            FROM (SELECT _row_number, {normalized} FROM _raw)
          )
        )
        """
    )
