"""docs/analysts.md answers in SQL that works: every ```sql block of the cookbook runs against a
real analysts' copy (a generated program through ingest, dbt build, promotion and the copy; the
one test_analytics.py builds, shared), in the DuckDB 1.4 client the copy promises and in the
pipeline's own, returning rows with the columns the text describes; its Python snippets run as
written; and the figures agree where the cookbook says two queries give the same.

The cookbook reads the public marts and the program-level marts only, never the dashboards'
site_* marts (laid out for the site's disclosure step): that is the analysts' copy as exact
figures, with the small-cell rule stated for anything that leaves the team."""

from __future__ import annotations

import json
import math
import re
import subprocess
import textwrap
from pathlib import Path

import duckdb
import pytest
from test_analytics import analysts_copy, duckdb1_python  # noqa: F401 (duckdb1_python: fixture)

from core.settings import Settings
from tests.support import ROOT

pytestmark = pytest.mark.slow

COOKBOOK = ROOT / "docs" / "analysts.md"
DEMO_FOLDER = "data/demo/"  # where the cookbook's paths point (make demo)
_BLOCK = re.compile(r"^```(sql|python)\n(.*?)^```$", re.M | re.S)
_NAME = re.compile(r"^-- (\w+): ")

# Each query's name (its first line, `-- name: what it answers`) and the columns it returns.
EXPECTED = {
    "describe": ["column_name", "data_type", "comment"],
    "totals": [
        "enrolled_from_detail_rows",
        "enrolled_total_row",
        "enrolled_summed_over_every_row",
    ],
    "retention_by_care_track": [
        "care_track",
        "day",
        "at_risk",
        "retention",
        "retention_lower_95",
        "retention_upper_95",
    ],
    "retention_rates_by_care_track": [
        "care_track",
        "measure",
        "eligible",
        "achieved",
        "rate",
        "rate_lower_95",
        "rate_upper_95",
    ],
    "drinking_by_month": [
        "treatment_month",
        "participants",
        "participants_reporting",
        "drink_free_days_per_30_reporters",
        "drink_free_days_per_30_everyone",
        "heavy_days_per_30_reporters",
    ],
    "drinking_by_month_from_participants": [
        "treatment_month",
        "participants",
        "participants_reporting",
        "drink_free_days_per_30_reporters",
        "drink_free_days_per_30_everyone",
        "heavy_days_per_30_reporters",
        "report_coverage_everyone",
        "participants_month_elapsed",
        "abstinent_last_7_days_everyone",
    ],
    "initiation_by_enrolment_month": [
        "enrolment_month",
        "enrolled",
        "initiation_known",
        "initiated_14d",
        "initiation_rate",
        "engagement_known",
        "engaged_34d",
        "median_days_to_care_start",
    ],
    "initiation_rates": [
        "enrolment_month",
        "measure",
        "eligible",
        "achieved",
        "rate",
        "rate_lower_95",
        "rate_upper_95",
    ],
    "parquet": ["grouping", "group_value", "measure", "eligible", "achieved", "rate"],
}


def _blocks(language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(COOKBOOK.read_text()) if lang == language]


def _queries() -> dict[str, str]:
    queries = {}
    for body in _blocks("sql"):
        name = _NAME.match(body)
        assert name, f"a cookbook query without its `-- name: ...` first line:\n{body}"
        assert name.group(1) not in queries, f"two cookbook queries named {name.group(1)}"
        queries[name.group(1)] = body
    return queries


def _here(text: str, settings: Settings) -> str:
    """The cookbook's demo paths pointed at the test's copy."""
    return text.replace(DEMO_FOLDER, f"{settings.analytics_path.parent}/")


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Settings:
    settings, _ = analysts_copy(tmp_path_factory)
    return settings


@pytest.fixture(scope="module")
def results(copy) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every query, run read-only on the copy by the pipeline's DuckDB: (columns, rows)."""
    out = {}
    with duckdb.connect(str(copy.analytics_path), read_only=True) as con:
        for name, sql in _queries().items():
            cursor = con.execute(_here(sql, copy))
            rows = cursor.fetchall()
            out[name] = [d[0] for d in cursor.description], rows
    return out


def _frame(results, name: str) -> list[dict]:
    columns, rows = results[name]
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_the_cookbook_and_its_test_name_the_same_queries() -> None:
    assert set(_queries()) == set(EXPECTED)


def test_the_cookbook_reads_public_and_program_tables_never_the_site_marts() -> None:
    for name, sql in _queries().items():
        assert not re.search(r"\bsite_\w+", sql), name
        assert "marts_candidate" not in sql and "warehouse.duckdb" not in sql, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_query_returns_rows_with_its_columns(results, name: str) -> None:
    columns, rows = results[name]
    assert columns == EXPECTED[name]
    assert rows, f"{name} returned no row on the demo copy"


def test_each_query_runs_in_a_duckdb_1_client(copy, duckdb1_python) -> None:  # noqa: F811
    queries = {name: _here(sql, copy) for name, sql in _queries().items()}
    read = subprocess.run(
        [
            str(duckdb1_python),
            "-c",
            textwrap.dedent(
                """
                import duckdb, json, sys
                con = duckdb.connect(sys.argv[1], read_only=True)
                out = {}
                for name, sql in json.loads(sys.stdin.read()).items():
                    cursor = con.execute(sql)
                    out[name] = [[d[0] for d in cursor.description], len(cursor.fetchall())]
                print(json.dumps(out))
                """
            ),
            str(copy.analytics_path),
        ],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert read.returncode == 0, read.stderr
    seen = json.loads(read.stdout)
    for name, columns in EXPECTED.items():
        assert seen[name][0] == columns, name
        assert seen[name][1] > 0, name


def test_the_python_snippets_run_as_written(copy, capsys) -> None:
    snippets = _blocks("python")
    assert len(snippets) == 2
    for code in snippets:
        exec(compile(_here(code, copy), str(COOKBOOK), "exec"), {})
        assert capsys.readouterr().out.strip(), code


def test_totals_from_detail_rows_equal_the_total_row(results, copy) -> None:
    ((detail, total, every_row),) = results["totals"][1]
    with duckdb.connect(str(copy.analytics_path), read_only=True) as con:
        enrolled = con.execute("select count(*) from marts.participant_initiation").fetchone()[0]
    assert detail == total == enrolled
    assert every_row == 4 * enrolled  # the detail rows, each month's, each track's and `all`


def test_retention_estimates_lie_within_their_intervals(results) -> None:
    rows = _frame(results, "retention_by_care_track")
    assert {r["day"] for r in rows} == {30, 90, 180}
    assert "all" in {r["care_track"] for r in rows}
    eps = 1e-12
    for r in rows:
        assert -eps <= r["retention_lower_95"] <= r["retention"] + eps, r
        assert r["retention"] <= r["retention_upper_95"] + eps <= 1 + 2 * eps, r
        assert r["at_risk"] >= 0


def test_drinking_by_month_is_the_same_from_the_participants(results) -> None:
    program = {r["treatment_month"]: r for r in _frame(results, "drinking_by_month")}
    derived = {
        r["treatment_month"]: r for r in _frame(results, "drinking_by_month_from_participants")
    }
    assert program.keys() == derived.keys()
    for month, row in program.items():
        for column, value in row.items():
            other = derived[month][column]
            if isinstance(value, float) or isinstance(other, float):
                assert (value is None and other is None) or math.isclose(value, other), column
            else:
                assert value == other, (month, column)
    # everyone counts a missing day against; the reporters' mean is over reported days only
    for row in program.values():
        if row["drink_free_days_per_30_reporters"] is not None:
            assert (
                row["drink_free_days_per_30_everyone"]
                <= row["drink_free_days_per_30_reporters"] + 1e-9
            )


def test_initiation_counts_are_the_rates_denominators(results) -> None:
    counts = {r["enrolment_month"]: r for r in _frame(results, "initiation_by_enrolment_month")}
    rates = {(r["enrolment_month"], r["measure"]): r for r in _frame(results, "initiation_rates")}
    assert {m for m, _ in rates} == set(counts)
    for month, row in counts.items():
        initiated = rates[(month, "initiated_14d")]
        assert (initiated["eligible"], initiated["achieved"]) == (
            row["initiation_known"],
            row["initiated_14d"],
        )
        engaged = rates[(month, "engaged_34d")]
        assert (engaged["eligible"], engaged["achieved"]) == (
            row["engagement_known"],
            row["engaged_34d"],
        )


def test_the_totals_flag_is_held_by_a_dbt_test(copy) -> None:
    """The flag the cookbook filters on: dbt's total_flag_matches, on every table that has one,
    finds the row whose is_total disagrees with its `all` values. The tests' queries as dbt
    compiled them for the build (manifest.json), on the promoted marts, each table with one
    row's flag flipped inside a transaction that is rolled back."""
    manifest = json.loads((copy.dbt_target_dir / "manifest.json").read_text())
    tests = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and node.get("test_metadata", {}).get("name") == "total_flag_matches"
    ]
    with duckdb.connect(str(copy.warehouse_path), read_only=True) as con:
        flagged = {
            t
            for (t,) in con.execute(
                "select table_name from information_schema.columns "
                "where table_schema = 'marts' and column_name = 'is_total'"
            ).fetchall()
        }
    tested = {node["depends_on"]["nodes"][0].rsplit(".", 1)[-1]: node for node in tests}
    assert set(tested) == flagged
    with duckdb.connect(str(copy.warehouse_path)) as con:
        for table, node in sorted(tested.items()):
            sql = node["compiled_code"].replace(f'"{copy.candidate_schema}".', '"marts".')
            assert con.execute(sql).fetchall() == [], table
            con.execute("begin transaction")
            try:
                con.execute(
                    f"update marts.{table} set is_total = not is_total "
                    f"where rowid = (select min(rowid) from marts.{table})"
                )
                assert len(con.execute(sql).fetchall()) == 1, table
            finally:
                con.execute("rollback")


def test_the_readme_points_analysts_to_the_cookbook() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## For analysts", 1)[1].split("\n## ", 1)[0]
    assert "docs/analysts.md" in section
    assert Path(ROOT / "docs" / "analysts.md").is_file()
