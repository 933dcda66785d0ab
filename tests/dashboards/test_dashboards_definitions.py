"""Definitions come from dbt: every text under a chart and on the definitions page is a doc block
of manifest.json, rendered safely; a missing block fails the publish."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from dashboards_support import make_run, make_settings, publish_site

from dashboards.definitions import MissingDefinition, Span, load_definitions, paragraphs
from dashboards.disclosure import disclose
from dashboards.pages import Context, metrics
from dashboards.publish import PAGE_BUILDERS
from dashboards.queries import SiteData


def _blocks_the_site_shows(settings) -> set[str]:
    definitions = load_definitions(settings)
    ctx = Context(settings, make_run("names"), disclose(SiteData(), 11), definitions)
    names = {b for _, blocks, _ in metrics.DEFINITIONS.values() for b in blocks}
    for builder in PAGE_BUILDERS:
        for chart in builder(ctx).charts:
            assert chart.definition, f"{chart.slug}: no definition"
            names |= set(chart.definition)
    return names


def _edited_manifest(source: Path, target: Path, edit) -> Path:
    manifest = json.loads(source.read_text())
    edit(manifest["docs"])
    target.write_text(json.dumps(manifest))
    return target


def test_every_block_the_site_shows_is_a_dbt_doc_block(tmp_path, dbt_manifest):
    settings = make_settings(tmp_path, tmp_path / "none.duckdb", dbt_manifest)
    names = _blocks_the_site_shows(settings)
    load_definitions(settings).require(names)  # raises naming any block dbt does not have
    # The metric blocks of models/docs/metrics.md are used, not re-worded by the site.
    assert {"retention", "retained_nd", "drink_free_days_per_30", "attendance_rate"} <= names


def test_every_chart_anchor_is_an_entry_of_the_definitions_page(tmp_path, dbt_manifest):
    settings = make_settings(tmp_path, tmp_path / "none.duckdb", dbt_manifest)
    ctx = Context(settings, make_run("a"), disclose(SiteData(), 11), load_definitions(settings))
    anchors = {chart.metric_anchor for b in PAGE_BUILDERS for chart in b(ctx).charts}
    assert anchors <= set(metrics.DEFINITIONS)


def test_a_missing_doc_block_fails_the_publish_loudly(tmp_path, fake_warehouse, dbt_manifest):
    broken = _edited_manifest(
        dbt_manifest, tmp_path / "m.json", lambda docs: docs.pop("doc.aud_outcomes.retention")
    )
    settings = make_settings(tmp_path, fake_warehouse, broken)
    with pytest.raises(MissingDefinition, match="'retention'"):
        publish_site(settings, make_run("no-block"))
    assert not (tmp_path / "site").exists()
    assert not list(tmp_path.glob("site.new-*"))


def test_no_manifest_fails_the_publish(tmp_path, fake_warehouse):
    settings = make_settings(tmp_path, fake_warehouse)
    shutil.rmtree(settings.dbt_target_dir)
    with pytest.raises(MissingDefinition, match="no dbt manifest"):
        publish_site(settings, make_run("no-manifest"))


def test_chart_and_definitions_page_show_the_same_escaped_block(
    tmp_path, fake_warehouse, dbt_manifest
):
    def edit(docs):
        docs["doc.aud_outcomes.retention"]["block_contents"] = (
            "Survival <script>alert(1)</script> with `dropped_out` as event.\n\nSecond & last."
        )

    settings = make_settings(
        tmp_path, fake_warehouse, _edited_manifest(dbt_manifest, tmp_path / "m.json", edit)
    )
    site = publish_site(settings, make_run("escaped"))
    shown = (
        "<p>Survival &lt;script&gt;alert(1)&lt;/script&gt; with <code>dropped_out</code> as "
        "event.</p><p>Second &amp; last.</p>"
    )
    retention = (site / "retention.html").read_text()
    assert retention.count(shown) == 2  # under both Kaplan-Meier charts
    assert shown in (site / "metrics.html").read_text()
    assert "<script>alert(1)" not in retention


def test_markdown_subset_is_paragraphs_and_code_spans():
    assert paragraphs("a `b`\nc\n\n  d  ") == (
        (Span("a "), Span("b", code=True), Span(" c")),
        (Span("d"),),
    )
    assert paragraphs("") == ()
