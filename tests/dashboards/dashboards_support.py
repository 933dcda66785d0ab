"""Helpers shared by the dashboard tests (a uniquely named module: every test folder has a
conftest.py, so `from conftest import ...` could pick up another folder's)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from pathlib import Path

from dashboards_fake_marts import manifest_of

from core.run_summary import RunSummary, ValidationResult
from core.settings import Settings

AS_OF = dt.date(2026, 11, 20)
ID_PATTERN = re.compile(rb"p_[0-9a-f]{16}")


def make_settings(root: Path, warehouse: Path, manifest: Path | None = None) -> Settings:
    """Settings for a publish from `root`, with the manifest.json of the dbt build that made the
    warehouse's site marts (or `manifest`) where the publish reads the definitions."""
    settings = Settings(
        data_dir=root,
        warehouse=warehouse,
        site=root / "site",
        exports=root / "exports",
        as_of=AS_OF,
    )
    source = manifest or manifest_of(warehouse)
    if source.is_file():
        settings.dbt_target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, settings.dbt_target_dir / "manifest.json")
    return settings


def publish_site(settings: Settings, run: RunSummary) -> Path:
    """The real publish over the DuckDB engine (the marts in the warehouse file)."""
    from dashboards.publish import publish_site as publish
    from engines.duckdb_engine import DuckDBEngine

    return publish(settings, run, DuckDBEngine(settings))


def make_run(run_id: str, validation: ValidationResult | None = None, **kw) -> RunSummary:
    return RunSummary(
        run_id=run_id,
        started_at=dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC),
        as_of=AS_OF,
        validation=validation,
        **kw,
    )


def make_docs(root: Path) -> Path:
    """A stand-in Data Docs folder that (as real Data Docs may) lists an unexpected id value."""
    d = root / "gx_docs"
    (d / "validations").mkdir(parents=True)
    (d / "index.html").write_text(
        "<html><body><h1>Validation</h1><p>unexpected: p_0123456789abcdef</p></body></html>"
    )
    (d / "validations" / "run.json").write_text('{"unexpected": ["p_fedcba9876543210"]}')
    return d


def site_files(site: Path) -> list[Path]:
    return [p for p in site.rglob("*") if p.is_file()]


def ids_in_site(site: Path) -> list[str]:
    return [str(p) for p in site_files(site) if ID_PATTERN.search(p.read_bytes())]


# Delivered rows and files are not people: the quality page shows them exactly (METRICS.md).
NOT_PEOPLE = {"rows-loaded.csv", "validation-history.csv"}


def small_counts_in_csvs(site: Path) -> list[str]:
    """Every n_* (count of people) cell of every CSV under data/ that holds 1..10."""
    bad = []
    for path in sorted((site / "data").glob("*.csv")):
        if path.name in NOT_PEOPLE:
            continue
        with path.open(newline="") as f:
            for row_no, row in enumerate(csv.DictReader(f), start=2):
                for col, value in row.items():
                    is_int = value.strip().lstrip("-").isdigit()
                    if col.startswith("n_") and is_int and 0 < int(value) < 11:
                        bad.append(f"{path.name}:{row_no}:{col}")
    return bad
