"""Helpers for the dbt tests (import as `tests.dbt.transform_support`): landing rows written
the way ingestion writes them (with lineage), and a dbt build of them in a temporary folder."""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from core.contract import ENTITIES, landing_ddl
from core.settings import Settings
from engines.dbt_runner import run_dbt

os.environ.setdefault("DO_NOT_TRACK", "1")

LOADED_AT = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@dataclass
class Landing:
    """Rows for landing.*, grouped by export file so lineage columns come out as ingestion's."""

    rows: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    # Delivery ids continue after this one (a later night written into an existing warehouse).
    delivery_offset: int = 0
    _files: dict[tuple[str, dt.date], int] = field(default_factory=dict)
    _row_numbers: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, entity: str, export_date: dt.date, **values: object) -> None:
        key = (entity, export_date)
        if key not in self._files:
            self._files[key] = self.delivery_offset + len(self._files) + 1
        delivery_id = self._files[key]
        self._row_numbers[delivery_id] += 1
        system = ENTITIES[entity].system
        row = {c: values.get(c) for c in ENTITIES[entity].column_names}
        unknown = set(values) - set(row)
        assert not unknown, f"not in the contract: {unknown}"
        row |= {
            "_delivery_id": delivery_id,
            "_source_file": f"{system}/{entity}_{export_date:%Y%m%d}.csv",
            "_export_date": export_date,
            "_row_number": self._row_numbers[delivery_id],
            "_loaded_at": LOADED_AT,
        }
        self.rows[entity].append(row)

    def write(self, warehouse: Path) -> None:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(warehouse)) as con:
            con.execute("CREATE SCHEMA IF NOT EXISTS landing")
            for name, entity in ENTITIES.items():
                con.execute(landing_ddl(entity))
                rows = self.rows.get(name)
                if not rows:
                    continue
                frame = pd.DataFrame(rows)  # noqa: F841 - read by DuckDB's replacement scan
                con.execute(f"INSERT INTO landing.{name} BY NAME SELECT * FROM frame")


def build(data_dir: Path, landing: Landing, as_of: dt.date, **settings: object) -> Settings:
    """Write the landing rows and run `dbt build` (models and dbt tests) on them."""
    s = Settings(data_dir=data_dir, as_of=as_of, **settings)
    landing.write(s.warehouse_path)
    run_dbt(s, ["build"])
    return s


def query(settings: Settings, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).df()
