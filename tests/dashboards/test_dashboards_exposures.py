"""The site reads marts as they are, and dbt knows it: each page's dbt exposure depends on
exactly the relations dashboards/queries.py reads for that page."""

from __future__ import annotations

import json
import re

import pytest

from dashboards.queries import PAGES, SITE_QUERIES, RecordSummary, Select, relations_read_by

PROJECT = "aud_outcomes"


@pytest.fixture(scope="module")
def manifest(dbt_manifest) -> dict:
    return json.loads(dbt_manifest.read_text())


def _relation(unique_id: str) -> str:
    kind, _, *rest = unique_id.split(".")
    if kind == "model":
        return f"marts.{rest[-1]}"
    if kind == "source":
        return ".".join(rest[-2:])
    raise AssertionError(f"an exposure depends on {unique_id}, neither a model nor a source")


def test_every_page_is_a_dashboard_exposure(manifest):
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert set(exposures) == {f"site_{page}" for page in PAGES}
    assert {e["type"] for e in exposures.values()} == {"dashboard"}


@pytest.mark.parametrize("page", PAGES)
def test_exposure_depends_on_what_the_page_reads(manifest, page):
    exposure = manifest["exposures"][f"exposure.{PROJECT}.site_{page}"]
    declared = {_relation(n) for n in exposure["depends_on"]["nodes"]}
    assert declared == relations_read_by(page)


def test_mart_reads_only_select_columns(manifest):
    """No aggregation and no arithmetic: plain columns of one mart, key filters, an order."""
    for name, query in SITE_QUERIES.items():
        if isinstance(query, RecordSummary):
            assert query.relation.startswith("quality."), name  # the pipeline's records only
            continue
        assert isinstance(query, Select), name
        sql = query.sql()
        unquoted = re.sub(r"'[^']*'", "''", sql)
        assert not re.search(r"[()+*/|]|\s-\s|\b(group|having|distinct|join|over)\b", unquoted), sql


def test_every_mart_the_site_reads_is_a_documented_contracted_model(manifest):
    for relation in {t for q in SITE_QUERIES.values() for t in q.tables}:
        schema, model = relation.split(".")
        if schema == "quality":
            assert f"source.{PROJECT}.quality.{model}" in manifest["sources"]
            continue
        node = manifest["nodes"][f"model.{PROJECT}.{model}"]
        assert node["config"]["contract"]["enforced"], model
        assert node["description"].startswith("One row"), model
        assert all(c.get("data_type") for c in node["columns"].values()), model
        assert all(c.get("description") for c in node["columns"].values()), model
