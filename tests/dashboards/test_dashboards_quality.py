"""The data quality page and the amber notice (issue 15), published for real over a copy of the
fake marts' warehouse whose quality tables were migrated as the next ingest and validation do:
the check-by-night grid over two nights, the re-send list per source system, what re-deliveries
resolved, and a night with warnings said in amber on every page, kept after a failed night."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil

import duckdb
import pytest
from dashboards_fake_marts import manifest_of
from dashboards_support import AS_OF, ID_PATTERN, make_docs, make_run, make_settings, publish_site
from markupsafe import escape

from core.run_summary import ValidationResult
from dashboards.publish import publish_failure
from flows.ingest.schema import ensure_schema

PAGES = ["index", "retention", "drinking", "engagement", "quality", "metrics"]
NOTICE = re.compile(r'<div class="notice-warning".*?</div>', re.S)
WARNING = "2 of tonight's 40 checkins rows have a craving_score outside 0 to 10; the limit is 0"
OTHER = "9.1% of tonight's checkins rows were quarantined (50 of 550 read); the limit is 5%"
YESTERDAY = AS_OF - dt.timedelta(days=1)
MIGRATE = """
    alter table quality.validation_runs add column if not exists message varchar;
    alter table quality.validation_runs add column if not exists limit_value varchar;
    -- Yesterday's night: two checks, one of which only ran then, one warning.
    insert into quality.validation_runs values
      ('run-y', $yesterday::timestamp, $yesterday, 'marts', 'exp_0', 'critical', true, '0',
       'they agree', '0'),
      ('run-y', $yesterday::timestamp, $yesterday, 'night_deliveries',
       'share of checkins rows quarantined within the warning limit (checkins_rejected_share)',
       'warning', false, '0.091', $other, 'at most 5%');
    -- A file of the scheduling system kept out whole, and a row a re-delivery resolved.
    insert into quality.deliveries (delivery_id, source_file, entity, export_date, status,
                                    rows_read, rows_loaded, rows_quarantined, redelivery)
    values (10, 'scheduling/appointments_20261119.jsonl', 'appointments', $yesterday,
            'quarantined', 0, 0, 0, false),
           (11, 'app/checkins_20261102.csv', 'checkins', '2026-11-02', 'loaded', 20, 19, 1,
            false);
    insert into quality.quarantine (delivery_id, source_file, row_number, column_name, reason,
                                    quarantined_at, resolved_by_delivery, resolved_by_file,
                                    resolved_at)
    values (10, 'scheduling/appointments_20261119.jsonl', null, null,
            'not readable as JSON lines', now(), null, null, null),
           (11, 'app/checkins_20261102.csv', 12, 'report_date', 'not a date', now(), 4,
            'app/checkins_20261103.csv', now());
"""


@pytest.fixture(scope="module")
def quality_site(tmp_path_factory, fake_warehouse):
    """A night published with a warning (said twice by the gate: once on the page)."""
    root = tmp_path_factory.mktemp("quality")
    warehouse = root / "w.duckdb"
    shutil.copy(fake_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        ensure_schema(con)  # ingestion's migration: the quarantine gains its resolution columns
        for statement in MIGRATE.split(";\n"):
            if statement.strip():
                values = {"yesterday": YESTERDAY, "other": OTHER}
                con.execute(statement, {k: v for k, v in values.items() if f"${k}" in statement})
    settings = make_settings(root, warehouse, manifest_of(fake_warehouse))
    validation = ValidationResult(
        run_id="run2",
        success=True,
        warnings=[WARNING, WARNING],
        docs_dir=make_docs(root),
        evaluated=6,
    )
    return settings, publish_site(settings, make_run("run2", validation))


def test_every_page_carries_the_amber_notice_naming_each_warning_once(quality_site):
    _, site = quality_site
    for page in PAGES:
        text = (site / f"{page}.html").read_text()
        [notice] = NOTICE.findall(text)
        assert notice.count(f"<li>{escape(WARNING)}</li>") == 1, page
        assert "&#9888;" in notice and "Warning:" in notice  # an icon and the word, not colour
        assert 'href="quality.html"' in notice and 'href="validation/index.html"' in notice
    css = (site / "assets" / "style.css").read_text()
    assert ".notice-warning { background:#fff4d6; color:#3d2a00;" in css


def test_a_failed_night_keeps_the_red_banner_above_the_kept_amber_notice(quality_site, tmp_path):
    settings, site = quality_site
    copy = tmp_path / "site"
    shutil.copytree(site.resolve(), copy)
    failed = ValidationResult(run_id="run3", success=False, critical_failures=["checks failed"])
    publish_failure(settings.model_copy(update={"site": copy}), make_run("run3", failed))
    index = (copy / "index.html").read_text()
    assert index.index('class="banner"') < index.index('class="notice-warning"')
    assert "checks failed" in index and escape(WARNING) in index  # of the night still shown


def test_the_grid_shows_every_check_of_every_night_in_words_with_its_figure(quality_site):
    _, site = quality_site
    quality = (site / "quality.html").read_text()
    grid = quality.split('id="check-grid"')[1].split('id="quarantine-nights"')[0]
    nights = re.findall(r'<th scope="col" title="([\d-]+)">', grid)
    assert nights == [YESTERDAY.isoformat(), AS_OF.isoformat()]
    # Yesterday's warning, with its figure and, on hover, its words and limit.
    assert f'title="{YESTERDAY}: {escape(OTHER)} (limit: at most 5%)"' in grid
    assert re.search(r'<td class="cell-warn"[^>]*>.*?warn<br><span class="fig">9.1%</span>', grid)
    # A check that ran only yesterday says so tonight.
    assert f'title="{AS_OF}: not run"' in grid
    with (site / "quality" / "check-grid.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["as_of_date"] for r in rows} == {YESTERDAY.isoformat(), AS_OF.isoformat()}
    assert {r["run_id"] for r in rows if r["as_of_date"] == AS_OF.isoformat()} == {"run2"}
    assert {r["outcome"] for r in rows} == {"pass", "warn"}


def test_the_resend_lists_and_what_re_deliveries_resolved(quality_site):
    _, site = quality_site
    with (site / "quality" / "resend-app.csv").open(newline="") as f:
        app = list(csv.DictReader(f))
    # The fake's three rejected rows (row 4 of one file, its standard_drinks) are still open.
    assert [(r["file"], r["row_number"], r["column"], r["reason"]) for r in app] == [
        ("app/checkins_20261101.csv", "4", "standard_drinks", "above maximum 60")
    ] * 3
    with (site / "quality" / "resend-scheduling.csv").open(newline="") as f:
        [whole] = list(csv.DictReader(f))
    assert (whole["file"], whole["row_number"], whole["reason"]) == (
        "scheduling/appointments_20261119.jsonl",
        "",
        "not readable as JSON lines",
    )
    quality = (site / "quality.html").read_text()
    resend = quality.split('id="resend"')[1].split('id="resolved"')[0]
    assert "app: 3 item(s) in 1 file(s) to re-send" in resend
    assert "scheduling: 1 item(s) in 1 file(s) to re-send" in resend
    assert 'href="quality/resend-scheduling.csv"' in resend and "whole file" in resend
    resolved = quality.split('id="resolved"')[1].split('id="deliveries"')[0]
    assert "app/checkins_20261102.csv" in resolved and "app/checkins_20261103.csv" in resolved
    assert "app/checkins_20261102.csv" not in resend  # resolved: no longer to re-send
    # The quarantined row's participant (in quality.quarantine) reaches no page and no CSV.
    for path in [site / "quality.html", *(site / "quality").glob("*.csv")]:
        assert not ID_PATTERN.search(path.read_bytes()), path


def test_the_quarantine_by_night_is_exact_on_a_log_scale(quality_site):
    _, site = quality_site
    quality = (site / "quality.html").read_text()
    section = quality.split('id="quarantine-nights"')[1].split('id="resend"')[0]
    assert "log scale" in section
    widths = [float(w) for w in re.findall(r'class="logbar" style="width: ([\d.]+)%"', section)]
    assert max(widths) == 100.0 and min(widths) >= 3.0  # a single file still shows
    with (site / "quality" / "quarantine-by-night.csv").open(newline="") as f:
        rows = {(r["export_date"], r["source_system"], r["reason"]): r for r in csv.DictReader(f)}
    assert (
        rows[(YESTERDAY.isoformat(), "scheduling", "not readable as JSON lines")][
            "files_quarantined"
        ]
        == "1"
    )
    # The fake's three lines are one row (delivery 1, row 4), still open.
    fake = rows[(YESTERDAY.isoformat(), "app", "above maximum 60")]
    assert (fake["rows_quarantined"], fake["files_quarantined"], fake["still_open"]) == (
        "1",
        "0",
        "1",
    )
