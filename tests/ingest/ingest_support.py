"""Hand-made export files and a warehouse to ingest them into (tests of flows.ingest)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from core.contract import ENTITIES
from core.run_summary import IngestReport
from core.settings import Settings
from flows.ingest import ingest_exports

P1 = "p_0123456789abcdef"
P2 = "p_1111111111111111"
P3 = "p_2222222222222222"


def participant(pid: str = P1, **over: str | None) -> dict[str, str | None]:
    row = {
        "participant_id": pid,
        "enrolled_on": "2026-10-01",
        "sex_at_birth": "female",
        "age_band": "25-34",
        "state": "NY",
        "care_track": "medication_only",
        "baseline_audit_c": "7",
        "discharged_on": None,
        "discharge_reason": None,
        "data_sharing_consent": "true",
        "updated_at": "2026-11-06T23:30:00-08:00",
    }
    return {**row, **over}


def checkin(cid: str = "c_1", pid: str = P1, **over: str | None) -> dict[str, str | None]:
    row = {
        "checkin_id": cid,
        "participant_id": pid,
        "report_date": "2026-11-06",
        "submitted_at": "2026-11-07T08:00:00.250-05:00",
        "standard_drinks": "3",
        "craving_score": "4",
        "took_medication": "true",
    }
    return {**row, **over}


def appointment(aid: str = "a_1", pid: str = P1, **over: str | None) -> dict[str, str | None]:
    row = {
        "appointment_id": aid,
        "participant_id": pid,
        "appointment_type": "therapy",
        "scheduled_start": "2026-11-05T14:00:00Z",
        "duration_minutes": "50",
        "status": "fulfilled",
        "cancelled_by": None,
        "modality": "video",
        "updated_at": "2026-11-05T15:00:00Z",
    }
    return {**row, **over}


def csv_bytes(rows: list[dict], columns: list[str] | None = None) -> bytes:
    columns = columns or list(rows[0])
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return out.getvalue().encode()


def jsonl_bytes(rows: list[dict]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def _typed(entity: str, column: str, value: str | None):
    if value is None:
        return None
    sql_type = (
        ENTITIES[entity].column(column).sql_type
        if column in ENTITIES[entity].column_names
        else "VARCHAR"
    )
    if sql_type == "DATE":
        return dt.date.fromisoformat(value)
    if sql_type == "TIMESTAMPTZ":
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)
    if sql_type == "INTEGER":
        return int(value)
    if sql_type == "BOOLEAN":
        return value.lower() == "true"
    return value


def parquet_bytes(entity: str, rows: list[dict], path: Path) -> None:
    """A Parquet file with the contract's types (TIMESTAMPTZ as UTC-adjusted timestamps)."""
    columns = list(rows[0]) if rows else list(ENTITIES[entity].column_names)
    data = {c: [_typed(entity, c, r.get(c)) for r in rows] for c in columns}
    types = {
        "DATE": pa.date32(),
        "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
        "INTEGER": pa.int32(),
        "BOOLEAN": pa.bool_(),
        "VARCHAR": pa.string(),
    }
    schema = pa.schema(
        [
            (
                c,
                types[ENTITIES[entity].column(c).sql_type]
                if c in ENTITIES[entity].column_names
                else pa.string(),
            )
            for c in columns
        ]
    )
    pq.write_table(pa.table(data, schema=schema), path)


@dataclass
class Drop:
    """A drop folder and a warehouse in a test's tmp_path."""

    root: Path

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    def path(self, rel: str) -> Path:
        path = self.exports / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def raw(self, rel: str, content: bytes) -> Path:
        path = self.path(rel)
        path.write_bytes(content)
        return path

    def write(self, rel: str, rows: list[dict], columns: list[str] | None = None) -> Path:
        """Write rows in the format the name says (csv, jsonl or parquet)."""
        path = self.path(rel)
        if rel.endswith(".csv"):
            path.write_bytes(csv_bytes(rows, columns))
        elif rel.endswith(".jsonl"):
            path.write_bytes(jsonl_bytes(rows))
        else:
            entity = Path(rel).name.split("_")[0]
            parquet_bytes(entity, rows, path)
        return path

    def ingest(self) -> IngestReport:
        return ingest_exports(self.exports, self.warehouse, Settings(data_dir=self.root))

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def quarantine(self, source_file: str | None = None) -> list[tuple]:
        """(source_file, row_number, column_name, reason) rows, in order."""
        where = "WHERE source_file = ?" if source_file else ""
        return self.query(
            "SELECT source_file, row_number, column_name, reason FROM quality.quarantine "
            f"{where} ORDER BY source_file, row_number NULLS FIRST, column_name",
            [source_file] if source_file else [],
        )

    def delivery(self, source_file: str) -> dict:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            cur = con.execute(
                "SELECT * FROM quality.deliveries WHERE source_file = ? ORDER BY delivery_id DESC",
                [source_file],
            )
            names = [d[0] for d in cur.description]
            return dict(zip(names, cur.fetchone(), strict=True))

    def dump(self) -> dict[str, list[tuple]]:
        """Every base table's rows, sorted, without the load timestamps (they differ per run)."""
        out = {}
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            tables = con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' ORDER BY 1, 2"
            ).fetchall()
            for schema, table in tables:
                cols = [
                    r[0]
                    for r in con.execute(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                        [schema, table],
                    ).fetchall()
                    if r[0] not in ("loaded_at", "_loaded_at", "quarantined_at", "withdrawn_at")
                ]
                rows = con.execute(f"SELECT {', '.join(cols)} FROM {schema}.{table}").fetchall()
                out[f"{schema}.{table}"] = sorted(rows, key=repr)
        return out

    def contains_text(self, needle: str) -> list[str]:
        """Tables in which some value contains `needle` (for 'nothing identifying got in')."""
        return [
            table
            for table, rows in self.dump().items()
            if any(needle in repr(value) for row in rows for value in row)
        ]
