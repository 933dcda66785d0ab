"""The dashboards' figures read through Spark (issue 8): the same program-level queries as
dashboards/queries.py, run by Spark SQL over the Spark-built marts; quality tables stay in DuckDB.

The marts are small (program-level groups), so each result comes back to pandas whole.
"""

from __future__ import annotations

from dashboards.queries import QUERIES, SiteData
from flows.settings import Settings
from flows.spark_engine import spark_session
from flows.warehouse import connect


def load_site_data_spark(settings: Settings) -> SiteData:
    """Every dashboard query: marts through Spark, quality.* through DuckDB (where ingestion is)."""
    session = spark_session(settings)
    spark_tables = {
        f"{db.name}.{t.name}"
        for db in session.catalog.listDatabases()
        for t in session.catalog.listTables(db.name)
    }
    duck_tables: set[str] = set()
    if settings.warehouse_path.exists():
        with connect(settings.warehouse_path, read_only=True) as con:
            duck_tables = {
                r[0]
                for r in con.execute(
                    "select table_schema || '.' || table_name from information_schema.tables"
                ).fetchall()
            }
    data = SiteData()
    for name, (needs, sql) in QUERIES.items():
        on_spark = all(t.startswith("marts.") for t in needs)
        available = spark_tables if on_spark else duck_tables
        absent = [t for t in needs if t not in available]
        if absent:
            data.missing[name] = absent
        elif on_spark:
            data.frames[name] = session.sql(sql).toPandas()
        else:
            with connect(settings.warehouse_path, read_only=True) as con:
                data.frames[name] = con.execute(sql).df()
    return data
