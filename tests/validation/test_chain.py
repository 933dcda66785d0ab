"""The gate at the end of the real chain: generate -> ingest -> dbt build -> validate."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from core.settings import Settings
from core.warehouse import connect
from engines.dbt_runner import run_dbt
from engines.duckdb_engine import DuckDBEngine
from expectations.gate import validate
from expectations.suites import SUITE_NAMES
from flows.generate import generate_exports
from flows.ingest import ingest_exports
from tests.validation.conftest import AS_OF

pytestmark = pytest.mark.slow
ID = re.compile(r"p_[0-9a-f]{16}")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[int]]:
    root = tmp_path_factory.mktemp("chain")
    settings = Settings(
        data_dir=root, exports=root / "exports", warehouse=root / "warehouse.duckdb", as_of=AS_OF
    )
    generate_exports(settings.exports_dir, participants=250, seed=11, as_of=AS_OF)
    report = ingest_exports(settings.exports_dir, settings.warehouse_path, settings)
    run_dbt(settings, ["build"])
    return settings, report.new_delivery_ids


def test_clean_chain_passes(built):
    settings, ids = built

    result = validate(settings, DuckDBEngine(settings), ids, "chain-clean")

    assert result.success, result.critical_failures
    assert result.critical_failures == []
    assert (result.docs_dir / "index.html").is_file()
    for page in result.docs_dir.rglob("*.html"):  # reports show counts, never a participant id
        assert not ID.search(page.read_text(encoding="utf-8")), page.name
    with connect(settings.warehouse_path, read_only=True) as con:
        rows = con.execute(
            "select count(*), count(distinct suite) from quality.validation_runs "
            "where run_id = 'chain-clean'"
        ).fetchone()
    assert rows == (result.evaluated, len(SUITE_NAMES))


def test_stale_chain_fails_freshness(built, tmp_path: Path):
    settings, ids = built
    stale = settings.model_copy(update={"as_of": AS_OF + dt.timedelta(days=40)})

    result = validate(stale, DuckDBEngine(stale), ids, "chain-stale")

    assert not result.success
    # In plain words, with the figure and the limit; the deliveries are stale too.
    assert "the limit is 3" in result.critical_failures[0]
    assert any(
        f.startswith("the newest check-in is 40 day(s) old (") and f.endswith("); the limit is 3")
        for f in result.critical_failures
    ), result.critical_failures
    assert any(
        f.startswith("the newest checkins delivery is 40 day(s) old (export date ")
        for f in result.critical_failures
    ), result.critical_failures
