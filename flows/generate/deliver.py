"""Cutting the simulated versions into nightly export files and writing them atomically.

The first file per entity is a full export (the latest version of every record as of that date);
each later night is a delta: the records whose latest version is dated that day or the day before
(the overlap), in the state they have on the export date.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from core.contract import (
    AGE_BANDS,
    APPOINTMENT_STATUSES,
    APPOINTMENT_TYPES,
    CANCELLED_BY,
    CARE_TRACKS,
    CHECKINS,
    DISCHARGE_REASONS,
    MODALITIES,
    PARTICIPANTS,
    SEX_AT_BIRTH,
    Entity,
)

from .model import STATES, Program, Versions
from .render import hex_ids, iso_timestamps

PARTICIPANT_PREFIX, CHECKIN_PREFIX, APPOINTMENT_PREFIX = "p_", "c_", "a_"
# Line ends differ by source system, as in the field; both are valid CSV (RFC 4180 uses CRLF).
CSV_EOL = {"app": "\n", "scheduling": "\r\n"}


def select(versions: Versions, export_day: int, since: int | None) -> np.ndarray:
    """Rows of the file dated `export_day`: each record's latest version by then, dated >= since."""
    known = versions.xday <= export_day
    superseded = np.zeros(len(known), dtype=bool)
    superseded[:-1] = (versions.key[1:] == versions.key[:-1]) & known[1:]
    rows = known & ~superseded
    if since is not None:
        rows &= versions.xday >= since
    return np.flatnonzero(rows)


def _codes(values: tuple[str, ...], codes: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pc.take(pa.array(values, pa.string()), pa.array(codes.astype(np.int32), mask=null))


def _ints(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(np.int32), pa.int32(), mask=null)


def _dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.date32(), mask=null)


def _timestamps(utc_s: np.ndarray, typed: bool, offset=None, zulu=None) -> pa.Array:
    """Parquet gets UTC-aware timestamps; text formats ISO 8601 strings with an offset."""
    if typed:
        return pa.array(utc_s.astype(np.int64) * 1_000_000, pa.timestamp("us", tz="UTC"))
    n = len(utc_s)
    offset = np.zeros(n, np.int64) if offset is None else offset
    zulu = np.zeros(n, bool) if zulu is None else zulu
    return iso_timestamps(utc_s, offset, zulu)


def participant_ids(program: Program) -> pa.Array:
    return hex_ids(PARTICIPANT_PREFIX, program.id_values)


def to_table(
    entity: Entity, program: Program, v: Versions, typed: bool, pids: pa.Array
) -> pa.Table:
    """The contract's columns, in the contract's order, for the versions `v`."""
    c, z = v.cols, v.nulls
    if entity is PARTICIPANTS:
        columns = {
            "participant_id": pids.take(pa.array(v.key)),
            "enrolled_on": _dates(c["enrolled_on"]),
            "sex_at_birth": _codes(SEX_AT_BIRTH, c["sex"]),
            "age_band": _codes(AGE_BANDS, c["age"]),
            "state": _codes(STATES, c["state"]),
            "care_track": _codes(CARE_TRACKS, c["track"]),
            "baseline_audit_c": _ints(c["audit"], z["audit"]),
            "discharged_on": _dates(c["discharged_on"], z["discharged_on"]),
            "discharge_reason": _codes(DISCHARGE_REASONS, c["reason"], z["reason"]),
            "data_sharing_consent": pa.array(c["consent"], pa.bool_()),
            "updated_at": _timestamps(v.ts, typed),  # the app writes +00:00
        }
    elif entity is CHECKINS:
        columns = {
            "checkin_id": hex_ids(CHECKIN_PREFIX, c["cid"]),
            "participant_id": pids.take(pa.array(c["participant"])),
            "report_date": _dates(c["report_date"]),
            "submitted_at": _timestamps(v.ts, typed, zulu=np.ones(len(v.ts), bool)),
            "standard_drinks": _ints(c["drinks"], z["drinks"]),
            "craving_score": _ints(c["craving"], z["craving"]),
            "took_medication": pa.array(c["medication"], pa.bool_(), mask=z["medication"]),
        }
    else:
        columns = {
            "appointment_id": hex_ids(APPOINTMENT_PREFIX, c["aid"]),
            "participant_id": pids.take(pa.array(c["participant"])),
            "appointment_type": _codes(APPOINTMENT_TYPES, c["type"]),
            "scheduled_start": _timestamps(c["start"], typed, c["start_offset"], c["start_zulu"]),
            "duration_minutes": _ints(c["duration"]),
            "status": _codes(APPOINTMENT_STATUSES, c["status"]),
            "cancelled_by": _codes(CANCELLED_BY, c["cancelled_by"], z["cancelled_by"]),
            "modality": _codes(MODALITIES, c["modality"]),
            "updated_at": _timestamps(v.ts, typed, zulu=np.ones(len(v.ts), bool)),
        }
    names = list(entity.column_names)
    assert set(columns) == set(names), f"generator columns differ from the {entity.name} contract"
    return pa.table([columns[n] for n in names], names=names)


JSONL_CHUNK_ROWS = 1_000_000


def _json_parts(table: pa.Table) -> list:
    """Alternating literal text and value columns that, joined, give one JSON object a line.

    Quotes of strings and dates that are never null go into the literals, so the join does
    the least work. Every string here is an id, a code or an ISO timestamp: nothing to escape.
    """
    parts: list = []
    literal = "{"
    for name in table.column_names:
        col = table[name].chunk(0)
        quoted = pa.types.is_string(col.type) or pa.types.is_date(col.type)
        literal += f'"{name}":'
        text = pc.cast(col, pa.string())
        if col.null_count == 0 and quoted:
            parts += [literal + '"', text]
            literal = '",'
            continue
        if quoted:
            text = pc.binary_join_element_wise('"', text, '"', "")
        parts += [literal, pc.fill_null(text, "null") if col.null_count else text]
        literal = ","
    return [*parts, literal.removesuffix(",") + "}\n"]


def _write_jsonl(table: pa.Table, path: Path) -> None:
    """JSON lines built column-wise with Arrow compute (no per-row Python), in row order."""
    with open(path, "wb") as f:
        for start in range(0, table.num_rows, JSONL_CHUNK_ROWS):
            chunk = table.slice(start, JSONL_CHUNK_ROWS).combine_chunks()
            lines = pc.binary_join_element_wise(*_json_parts(chunk), "")
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
            first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
            f.write(memoryview(lines.buffers()[2])[first:last])


def write_atomically(table: pa.Table, path: Path, fmt: str) -> None:
    """Write under a hidden temporary name, then rename: the drop folder never shows half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if fmt == "csv":
        eol = CSV_EOL[path.parent.name]
        options = pa_csv.WriteOptions(quoting_style="needed", eol=eol, batch_size=65_536)
        pa_csv.write_csv(table, tmp, options)
    elif fmt == "parquet":
        pq.write_table(table, tmp, compression="zstd")
    else:
        _write_jsonl(table, tmp)
    os.replace(tmp, path)
