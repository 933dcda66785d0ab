"""The analysts' copy: opened by a real DuckDB 1.4 client (its own small environment, made by the
test set-up), the same rows as the warehouse, every column described, Parquet beside it, and a
reader holding it open keeps its snapshot while a new copy is published."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from core.settings import Settings
from engines.analytics import publish_analytics_copy
from engines.duckdb_engine import DuckDBEngine
from flows.generate import generate_exports
from flows.ingest import ingest_exports
from tests.support import TEST_STATE

pytestmark = pytest.mark.slow

AS_OF = dt.date(2026, 10, 15)
OLD_CLIENT = "1.4.0"  # the oldest DuckDB the copy promises to open


@pytest.fixture(scope="session")
def duckdb1_python() -> Path:
    """A Python with DuckDB 1.4 (and nothing of the project), kept between test sessions."""
    env = TEST_STATE / f"duckdb-{OLD_CLIENT}-venv"
    python = env / "bin" / "python"
    probe = [str(python), "-c", "import duckdb; print(duckdb.__version__)"]
    if (
        not python.exists()
        or subprocess.run(probe, capture_output=True, text=True).stdout.strip() != OLD_CLIENT
    ):
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(env)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"duckdb=={OLD_CLIENT}"],
            check=True,
            timeout=300,
        )
    return python


_BUILT: dict[str, tuple[Settings, DuckDBEngine]] = {}


def analysts_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, DuckDBEngine]:
    """One generated program through ingest, the real dbt build into the candidate, promotion
    and the analysts' copy, made once per test session: tests/test_analysts_cookbook.py reads
    the same copy (imported as `test_analytics`, the module pytest itself loaded)."""
    if "copy" not in _BUILT:
        root = tmp_path_factory.mktemp("analytics")
        settings = Settings(
            data_dir=root, exports=root / "exports", warehouse=root / "wh" / "warehouse.duckdb",
            as_of=AS_OF,
        )  # fmt: skip
        generate_exports(settings.exports_dir, participants=80, seed=2, as_of=AS_OF)
        ingest_exports(settings.exports_dir, settings.warehouse_path, settings)
        engine = DuckDBEngine(settings)
        engine.build_marts()
        engine.promote_marts()
        publish_analytics_copy(settings, engine)
        _BUILT["copy"] = settings, engine
    return _BUILT["copy"]


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Settings, DuckDBEngine]:
    return analysts_copy(tmp_path_factory)


def _old_client(python: Path, code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(python), "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_copy_sits_beside_the_warehouse(published) -> None:
    settings, _ = published
    folder = settings.warehouse_path.parent
    assert settings.analytics_path == folder / "warehouse.analytics.duckdb"
    assert settings.analytics_path.is_file() and (folder / "warehouse.parquet").is_dir()
    assert not list(folder.glob("*.new"))


def test_a_duckdb_1_client_reads_the_same_rows_as_the_warehouse(published, duckdb1_python):
    settings, _ = published
    read = _old_client(
        duckdb1_python,
        """
        import duckdb, json, sys
        con = duckdb.connect(sys.argv[1], read_only=True)
        con.execute("set TimeZone = 'UTC'")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() order by 1, 2").fetchall()
        out = {"version": duckdb.__version__, "tables": {}}
        for schema, table in tables:
            rows = con.execute(
                f'select columns(*)::varchar from {schema}."{table}" order by all').fetchall()
            out["tables"][f"{schema}.{table}"] = [list(r) for r in rows]
        print(json.dumps(out))
        """,
        str(settings.analytics_path),
    )
    assert read.returncode == 0, read.stderr
    seen = json.loads(read.stdout)
    assert seen["version"] == OLD_CLIENT
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        listed = "select table_name from duckdb_tables() where schema_name = 'marts'"
        marts = [t for (t,) in con.execute(listed).fetchall()]
        assert {f"marts.{t}" for t in marts} | {
            "quality.deliveries", "quality.quarantine", "quality.validation_runs"
        } >= set(seen["tables"])  # fmt: skip
        assert {f"marts.{t}" for t in marts} <= set(seen["tables"])
        for table in marts:
            rows = con.execute(
                f'select columns(*)::varchar from marts."{table}" order by all'
            ).fetchall()
            assert [list(r) for r in rows] == seen["tables"][f"marts.{table}"], table
    # Never the candidate schema, the raw rejected rows or the withdrawn participants' hashes.
    assert not any(name.startswith(settings.candidate_schema) for name in seen["tables"])
    assert "quality.withdrawn_participants" not in seen["tables"]


def _schemas(path: Path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        listed = con.execute(
            "select schema_name from information_schema.schemata "
            "where catalog_name = current_database() "
            "union select table_schema from information_schema.tables"
        ).fetchall()
    return {s for (s,) in listed}


def test_no_candidate_schema_is_left_beside_marts_after_promotion(published) -> None:
    settings, _ = published
    schemas = _schemas(settings.warehouse_path)
    assert "marts" in schemas
    assert settings.candidate_schema not in schemas, sorted(schemas)
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        listed = con.execute("select table_schema from information_schema.tables").fetchall()
    in_copy = {s for (s,) in listed}
    assert in_copy == {"marts", "quality"}
    assert settings.candidate_schema not in _schemas(settings.analytics_path)


def test_every_column_of_the_public_tables_is_described(published) -> None:
    settings, _ = published
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name, comment from duckdb_tables() "
            "where schema_name in ('marts', 'quality')"
        ).fetchall()
        undescribed = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            "where schema_name in ('marts', 'quality') and coalesce(comment, '') = '' order by 1"
        ).fetchall()
    assert tables and all(comment for _, _, comment in tables), tables
    assert undescribed == []
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        columns = {r[0] for r in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'quality' "
            "and table_name = 'quarantine'").fetchall()}  # fmt: skip
    assert "record" not in columns


def test_every_public_table_is_also_parquet(published) -> None:
    settings, _ = published
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        counts = dict(con.execute(
            "select table_name, estimated_size from duckdb_tables() where schema_name = 'marts'"
        ).fetchall())  # fmt: skip
        exact = {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in counts}
    files = {p.stem: p for p in settings.parquet_dir.glob("*.parquet")}
    assert set(files) == set(exact)
    for table, path in files.items():
        assert pq.read_metadata(path).num_rows == exact[table], table


def test_a_reader_keeps_its_snapshot_while_a_new_copy_is_published(published, duckdb1_python):
    settings, engine = published
    reader = subprocess.Popen(
        [
            str(duckdb1_python),
            "-c",
            textwrap.dedent(
                """
                import duckdb, sys
                path = sys.argv[1]
                count = "select count(*) from marts.participants"
                con = duckdb.connect(path, read_only=True)
                print(con.execute(count).fetchone()[0], flush=True)
                sys.stdin.readline()  # the run publishes meanwhile
                print(con.execute(count).fetchone()[0], flush=True)
                con.close()
                print(duckdb.connect(path, read_only=True).execute(count).fetchone()[0])
                """
            ),
            str(settings.analytics_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    before = int(reader.stdout.readline())
    with duckdb.connect(str(settings.warehouse_path)) as con:  # tonight's marts: 5 fewer
        con.execute(
            "delete from marts.participants where participant_id in "
            "(select participant_id from marts.participants order by 1 limit 5)"
        )
    started = time.monotonic()
    publish_analytics_copy(settings, engine)  # does not wait for the reader
    assert time.monotonic() - started < 60
    reader.stdin.write("\n")
    reader.stdin.flush()
    out, _ = reader.communicate(timeout=60)
    during, after = (int(v) for v in out.split())
    assert during == before  # the snapshot it opened
    assert after == before - 5  # the new copy, once it reconnects
