"""The Data Docs a stale night publishes, read in headless Chromium with no network."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from engines.duckdb_engine import DuckDBEngine
from expectations.gate import validate
from expectations.suites import SUITE_NAMES
from tests.validation.conftest import AS_OF, settings_for
from tests.validation.fake_warehouse import TONIGHT


@pytest.mark.browser
def test_stale_run_docs_show_the_freshness_failure(fake_settings, tmp_path, chromium_page):
    stale = settings_for(fake_settings.data_dir, AS_OF + dt.timedelta(days=30))
    result = validate(stale, DuckDBEngine(stale), TONIGHT, "stale-docs")
    # The site copies the folder elsewhere: it must not depend on where it was built.
    copy = tmp_path / "site" / "validation"
    shutil.copytree(result.docs_dir, copy)
    page = chromium_page

    page.goto((copy / "index.html").as_uri())
    summary = page.inner_text("body")
    assert "Validation FAILED" in summary
    assert "newest check-in report date within freshness_days" in summary
    assert "Ingestion quarantine summary" in summary

    # Each suite's checks, in our own page (Great Expectations' Data Docs need CDNs).
    page.click("a[href='#suite-checkin_freshness']")
    section = page.locator("#suite-checkin_freshness")
    assert section.is_visible()
    docs = section.inner_text()
    assert "checkin_freshness" in docs
    row = section.locator("tr", has_text="newest check-in report date within freshness_days")
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "critical"
    assert "FAILED" in cells[2]  # the status in words, not only a colour or an icon
    assert cells[3] == "31"  # the observed days since the newest report
    assert "the limit is 3" in cells[4]
    ok_row = section.locator("tr", has_text="some check-in is reported")
    assert "passed" in ok_row.locator("td").nth(2).inner_text()

    page.goto((copy / "quarantine.html").as_uri())
    quarantine = page.inner_text("body")
    assert "app/checkins_tonight.csv" in quarantine
    assert "p_0000" not in quarantine  # counts only, never a participant's id


@pytest.mark.browser
def test_clean_run_docs_list_every_suite(fake_settings, chromium_page):
    result = validate(fake_settings, DuckDBEngine(fake_settings), TONIGHT, "clean-docs")
    page = chromium_page

    page.goto((result.docs_dir / "index.html").as_uri())
    text = page.inner_text("body")
    assert "Validation passed" in text
    links = page.eval_on_selector_all("a[href^='#suite-']", "els => els.length")
    assert links == len(SUITE_NAMES)
    page.click("a[href='#suite-marts_reconciliation']")
    row = page.locator("#suite-marts_reconciliation tr", has_text="marts' scheduled appointments")
    cells = row.locator("td").all_inner_texts()
    assert cells[0].startswith(
        "marts' scheduled appointments equal dbt's appointments up to the as-of date"
    )
    assert cells[1:3] == ["critical", "\u2713 passed"]
