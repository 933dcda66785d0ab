"""The gate at program scale (100,000 participants, ~900,000 drinking-month rows): under 15 s
both on a nightly run (3 small files) and on the first full run, when every delivery is new
(2.6 M landing rows here): delivery checks run on per-entity summaries, not on the rows."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from engines.duckdb_engine import DuckDBEngine
from expectations.gate import validate
from tests.validation.conftest import AS_OF, settings_for
from tests.validation.fake_warehouse import TONIGHT, build_fake_warehouse

BUDGET_SECONDS = 15.0
EVERY_DELIVERY = [1, 2, 3, *TONIGHT]


@pytest.fixture(scope="module")
def big_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("big")
    build_fake_warehouse(root / "warehouse.duckdb", participants=100_000, as_of=AS_OF)
    return root


@pytest.mark.slow
@pytest.mark.parametrize(("case", "ids"), [("nightly", TONIGHT), ("full", EVERY_DELIVERY)])
def test_validation_of_benchmark_scale_stays_under_budget(big_warehouse, case, ids, capsys):
    settings = settings_for(big_warehouse)

    # Run alone, the time includes importing GX (3-5 s); after other tests it is already loaded.
    imported = "great_expectations" in sys.modules
    started = time.perf_counter()
    result = validate(settings, DuckDBEngine(settings), ids, f"bench-{case}")
    seconds = time.perf_counter() - started

    gx = "already imported" if imported else "import included"
    with capsys.disabled():
        print(
            f"\nvalidation of 100k participants, {case} run: {seconds:.1f} s "
            f"({result.evaluated} checks, GX {gx})"
        )
    assert result.success, result.critical_failures
    assert seconds < BUDGET_SECONDS
