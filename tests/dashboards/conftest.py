"""Fixtures for the dashboard tests: warehouses holding the documented mart tables, and the site
marts built over them by dbt (with the manifest.json the site reads its definitions from)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboards_fake_marts import build_warehouse, manifest_of
from dashboards_support import AS_OF, make_docs


@pytest.fixture(scope="session")
def fake_warehouse(tmp_path_factory) -> Path:
    """600 participants: most cells are large, some (early cohorts, rare types) are small."""
    return build_warehouse(tmp_path_factory.mktemp("wh") / "w.duckdb", 600, AS_OF)


@pytest.fixture(scope="session")
def tiny_warehouse(tmp_path_factory) -> Path:
    """40 participants: almost every cell is small."""
    return build_warehouse(tmp_path_factory.mktemp("tiny") / "w.duckdb", 40, AS_OF, seed=11)


@pytest.fixture
def docs_dir(tmp_path) -> Path:
    return make_docs(tmp_path)


@pytest.fixture(scope="session")
def dbt_manifest(fake_warehouse) -> Path:
    """dbt's manifest.json of the project (doc blocks, exposures), from the fake build."""
    return manifest_of(fake_warehouse)
