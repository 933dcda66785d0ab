"""Publishing on warehouses with the documented marts: pages, privacy, atomic swap, failures."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest
from dashboards_support import (
    ids_in_site,
    make_docs,
    make_run,
    make_settings,
    publish_site,
    site_files,
    small_counts_in_csvs,
)

from core.run_summary import ValidationResult
from dashboards import publish
from dashboards.publish import publish_failure, releases_dir

PAGES = ["index", "retention", "drinking", "engagement", "quality", "metrics"]
# Columns of the downloads that are not counts (counts are n_*): keys, rates and means.
NON_COUNT = re.compile(
    r"^(group|care_track|cohort_month|month|appointment_type|treatment_month|day|export_date|baseline_level|"
    r"run_id|run_at|outcome|share_passed|retention|coverage|attendance_rate|retained_\d+d|"
    r"mean_\w+|\w+_rate|\w+dfd_per_30|drink_free_days_per_30_\w+|heavy_days_per_30_\w+)$"
)


def ok_validation(run_id: str, docs: Path | None = None) -> ValidationResult:
    return ValidationResult(run_id=run_id, success=True, evaluated=20, docs_dir=docs)


@pytest.fixture(scope="module")
def published(tmp_path_factory, fake_warehouse):
    """One site for the read-only checks (a build takes a few seconds)."""
    root = tmp_path_factory.mktemp("published")
    settings = make_settings(root, fake_warehouse)
    site = publish_site(settings, make_run("run-1", ok_validation("run-1", make_docs(root))))
    return settings, site


def test_site_has_every_page_and_one_shared_plotly_bundle(published):
    _, site = published
    for page in PAGES:
        text = (site / f"{page}.html").read_text()
        assert 'src="assets/plotly.min.js"' in text or page in ("index", "metrics")
        assert "cdn.plot.ly" not in text and "https://" not in text.split("<main>")[0]
    bundles = [p for p in site_files(site) if p.name.startswith("plotly") and p.suffix == ".js"]
    assert [p.relative_to(site).as_posix() for p in bundles] == ["assets/plotly.min.js"]
    assert (site / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    # Pages stay small: plotly.js is not inlined.
    assert all((site / f"{p}.html").stat().st_size < 600_000 for p in PAGES)


def test_every_chart_has_title_definition_and_its_download(published):
    _, site = published
    for page in PAGES:
        text = (site / f"{page}.html").read_text()
        sections = text.split('<section class="card chart"')[1:]
        for section in sections:
            assert '"title":{"text":' in section
            assert 'href="metrics.html#' in section
            csvs = re.findall(r'href="(data/[^"]+\.csv)"', section)
            assert csvs and all((site / c).exists() for c in csvs)
    assert (site / "data" / "retention-km-cohort-at-risk.csv").exists()


def test_downloads_never_hold_a_count_from_1_to_10_and_name_their_counts(published):
    _, site = published
    assert small_counts_in_csvs(site) == []
    for path in (site / "data").glob("*.csv"):
        with path.open(newline="") as f:
            header = next(csv.reader(f), [])
        unknown = [c for c in header if not c.startswith("n_") and not NON_COUNT.match(c)]
        assert unknown == [], f"{path.name}: columns neither counts (n_*) nor known keys/rates"


def test_no_participant_id_anywhere_in_the_site(published):
    _, site = published
    assert (site / "validation" / "index.html").exists()
    assert ids_in_site(site) == []
    assert "p_[id removed]" in (site / "validation" / "index.html").read_text()


def test_small_cells_show_as_less_than_11(published):
    _, site = published
    text = (site / "data" / "retention-by-cohort.csv").read_text()
    assert "<11" in text
    assert "suppressed" not in "".join(p.read_text() for p in (site / "data").glob("*.csv"))


def test_quality_page_shows_rows_exactly(published):
    """Rows and files are not people: the quality page shows their counts as they are."""
    _, site = published
    with (site / "data" / "rows-loaded.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["n_rows_quarantined"] for r in rows] == ["5"] * 5  # the fixture's 5 per night
    quality = (site / "quality.html").read_text()
    assert "<td>3</td>" in quality  # the quarantine summary: 3 rows for one file and reason
    assert not re.search(r"p_[0-9a-f]{16}", quality)  # no participant id, anywhere on it


def test_a_night_without_warnings_carries_no_amber_notice(published):
    _, site = published
    for page in PAGES:
        assert 'class="notice-warning"' not in (site / f"{page}.html").read_text(), page
    # The quality page's downloads are there all the same, from the fake's older tables.
    assert (site / "quality" / "resend-app.csv").read_text().count("\n") == 4  # header + 3
    assert (site / "quality" / "check-grid.csv").exists()


def test_chart_notes_say_what_is_left_out(published):
    _, site = published
    text = (site / "retention.html").read_text()
    assert "left out of the chart and show as &lt;11" in text
    assert 'id="small-cells"' in (site / "metrics.html").read_text()


def test_mostly_small_data_still_builds_with_cells_marked(tmp_path, tiny_warehouse):
    site = publish_site(make_settings(tmp_path, tiny_warehouse), make_run("tiny"))
    assert small_counts_in_csvs(site) == []
    shown = "".join(p.read_text() for p in (site / "data").glob("*.csv"))
    assert shown.count("<11") > 20
    # Rates over fewer than 11 are hidden, and say so (never blank): the heat map has no rate
    # for any small cohort.
    with (site / "data" / "retention-by-cohort.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if row["n_known_90d"] == "<11":
                assert row["retained_90d"] == "<11"
    assert ids_in_site(site) == []


def test_first_run_with_no_warehouse_builds_empty_pages(tmp_path, dbt_manifest):
    settings = make_settings(tmp_path, tmp_path / "missing.duckdb", dbt_manifest)
    site = publish_site(settings, make_run("first"))
    assert "No retention data yet" in (site / "retention.html").read_text()
    assert not (tmp_path / "missing.duckdb").exists()


def test_site_is_a_symlink_swapped_to_a_new_release_and_old_ones_pruned(tmp_path, fake_warehouse):
    settings = make_settings(tmp_path, fake_warehouse)
    site = tmp_path / "site"
    targets = []
    for i in range(3):
        publish_site(settings, make_run(f"r{i}"))
        assert site.is_symlink()
        targets.append(os.readlink(site))
    assert len(set(targets)) == 3
    kept = sorted(p.name for p in releases_dir(site).iterdir())
    # The current release and the one before it; the first is pruned.
    assert kept == sorted(Path(t).name for t in targets[1:])
    assert not list(tmp_path.glob("site.new-*"))


def test_crash_mid_build_leaves_the_previous_site_intact(tmp_path, fake_warehouse, monkeypatch):
    settings = make_settings(tmp_path, fake_warehouse)
    site = publish_site(settings, make_run("good"))
    before_target = os.readlink(site)
    before = {p.relative_to(site): p.read_bytes() for p in site_files(site)}

    def exploding_page(ctx):
        raise RuntimeError("page builder crashed")

    builders = (*publish.PAGE_BUILDERS[:3], exploding_page, *publish.PAGE_BUILDERS[3:])
    monkeypatch.setattr(publish, "PAGE_BUILDERS", builders)
    with pytest.raises(RuntimeError, match="page builder crashed"):
        publish_site(settings, make_run("bad"))
    assert os.readlink(site) == before_target
    assert {p.relative_to(site): p.read_bytes() for p in site_files(site)} == before
    assert not list(tmp_path.glob("site.new-*"))
    assert len(list(releases_dir(site).iterdir())) == 1


def test_a_plain_site_folder_is_replaced_atomically_the_first_time(tmp_path, fake_warehouse):
    site = tmp_path / "site"
    site.mkdir()
    (site / "old.html").write_text("old site")
    publish_site(make_settings(tmp_path, fake_warehouse), make_run("r1"))
    assert site.is_symlink() and (site / "index.html").exists()
    assert not (site / "old.html").exists()
    # The old folder is kept as the previous release.
    olds = [p for p in releases_dir(site).iterdir() if (p / "old.html").exists()]
    assert len(olds) == 1


def test_failure_keeps_last_good_pages_and_adds_a_banner(tmp_path, fake_warehouse, docs_dir):
    settings = make_settings(tmp_path, fake_warehouse)
    site = publish_site(settings, make_run("good", ok_validation("good")))
    before = {p.relative_to(site): p.read_bytes() for p in site_files(site)}
    failed = ValidationResult(
        run_id="bad",
        success=False,
        critical_failures=["marts: expect_column_values_to_not_be_null (days_retained)"],
        docs_dir=docs_dir,
    )
    publish_failure(settings, make_run("bad", failed))
    after = {p.relative_to(site): p.read_bytes() for p in site_files(site)}
    index = after.pop(Path("index.html")).decode()
    assert 'class="banner"' in index
    assert "expect_column_values_to_not_be_null (days_retained)" in index
    assert 'href="validation/index.html"' in index
    # The headline figures of the last good run are still there, below the banner.
    assert before[Path("index.html")].decode().split("<h1>")[1] == index.split("<h1>")[1]
    changed = {k for k in after if k.parts[0] != "validation" and after[k] != before.get(k)}
    assert changed == set()
    assert (site / "validation" / "index.html").exists()
    assert ids_in_site(site) == []


def test_failure_banner_replaces_an_earlier_banner(tmp_path, fake_warehouse):
    settings = make_settings(tmp_path, fake_warehouse)
    publish_site(settings, make_run("good"))
    publish_failure(settings, make_run("bad1", dbt_ok=False, error="dbt build failed: model x"))
    site = publish_failure(settings, make_run("bad2", error="second failure"))
    index = (site / "index.html").read_text()
    assert index.count('class="banner"') == 1
    assert "second failure" in index and "model x" not in index
    # A good run afterwards clears the banner.
    publish_site(settings, make_run("good2"))
    assert 'class="banner"' not in (site / "index.html").read_text()


def test_failure_with_no_previous_site_publishes_a_banner_only_index(tmp_path, docs_dir):
    settings = make_settings(tmp_path, tmp_path / "none.duckdb")
    failed = ValidationResult(
        run_id="f", success=False, critical_failures=["landing: row count"], docs_dir=docs_dir
    )
    site = publish_failure(settings, make_run("f", failed))
    index = (site / "index.html").read_text()
    assert 'class="banner"' in index and "landing: row count" in index
    assert "No dashboards have been published yet" in index
    assert (site / "validation" / "index.html").exists()
    assert (site / "assets" / "style.css").exists()
    assert ids_in_site(site) == []


def test_dbt_docs_of_the_run_are_published_and_kept_by_later_runs(tmp_path, fake_warehouse):
    settings = make_settings(tmp_path, fake_warehouse)
    docs = tmp_path / "dbt_docs"
    docs.mkdir()
    (docs / "index.html").write_text("<html>dbt docs</html>")
    (docs / "manifest.json").write_text('{"nodes": {}}')
    site = publish_site(settings, make_run("with-docs", dbt_docs_dir=docs))
    assert (site / "dbt-docs" / "index.html").read_text() == "<html>dbt docs</html>"
    assert (site / "dbt-docs" / "manifest.json").exists()
    publish_site(settings, make_run("no-docs"))
    assert (site / "dbt-docs" / "index.html").read_text() == "<html>dbt docs</html>"
    model_links = re.findall(
        r'href="(dbt-docs/index.html#!/model/[^"]+)"', (site / "retention.html").read_text()
    )
    assert "dbt-docs/index.html#!/model/model.aud_outcomes.retention_curve" in model_links


def test_two_way_table_has_no_lone_hidden_cell_beside_a_shown_total(published):
    _, site = published
    with (site / "data" / "who-risk-level-shift.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    cols = [c for c in rows[0] if c.startswith("n_last_")]

    def hidden(v: str) -> bool:
        return not v.isdigit()

    assert any(hidden(r[c]) for r in rows for c in cols)  # the fixture has small cells
    for r in rows:
        if not hidden(r["n_total"]):
            assert sum(hidden(r[c]) for c in cols) != 1
    total = next(r for r in rows if r["baseline_level"] == "all")
    for c in [*cols, "n_total"]:
        if not hidden(total[c]):
            assert sum(hidden(r[c]) for r in rows if r is not total) != 1


def test_one_meaning_per_term_across_the_site(published, fake_warehouse):
    """ "In care" is retention status in_care wherever it is shown; a retention rate counts only
    participants whose outcome is known, in old enough cohorts, and the funnel's equals the
    mart's."""
    import duckdb

    _, site = published
    with duckdb.connect(str(fake_warehouse), read_only=True) as con:
        (in_care,) = con.execute(
            "select count(*) from marts.participant_retention where status = 'in_care'"
        ).fetchone()
        rates = con.execute(
            "select care_track, retained_180d, retained_180d_known, retention_rate_180d "
            "from marts.site_retention_rates where cohort_month = 'all'"
        ).df()
    index = (site / "index.html").read_text()
    assert re.search(rf'Participants in care</div><div class="value">{in_care:,}<', index)
    for path in site.glob("*.html"):
        if path.name not in ("index.html", "metrics.html"):
            assert "participants in care" not in path.read_text().lower(), path.name
            assert "still in care" not in path.read_text().lower(), path.name
    for path in (site / "data").glob("*.csv"):
        assert "in_care" not in path.read_text().splitlines()[0], path.name
    with (site / "data" / "enrolment-funnel.csv").open(newline="") as f:
        funnel = {r["care_track"]: r for r in csv.DictReader(f)}
    for row in rates.itertuples():
        shown = funnel[row.care_track]
        assert shown["n_retained_180d"] == str(row.retained_180d)
        assert shown["n_known_180d"] == str(row.retained_180d_known)
        assert float(shown["retained_180d_rate"]) == round(row.retention_rate_180d, 4)
