"""The real chain (generate -> ingest -> dbt build -> publish_site), opened in headless Chromium.

Built once for the module (dbt build is the slow part). Every page must open with the network
blocked, log no console error, and draw every chart; the site must hold no participant id and no
count from 1 to 10, on data whose warehouse is full of real-looking ids.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dashboards_support import ids_in_site, make_docs, make_run, publish_site, small_counts_in_csvs

from core.run_summary import ValidationResult
from core.settings import Settings
from tests.support import CHROMIUM_ARGS

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AS_OF = dt.date(2026, 11, 20)
PAGES = ["index", "retention", "drinking", "engagement", "quality", "metrics"]


@pytest.fixture(scope="module")
def real_site(tmp_path_factory) -> Path:
    from engines.dbt_runner import run_dbt
    from flows.generate import generate_exports
    from flows.ingest import ingest_exports

    root = tmp_path_factory.mktemp("real")
    settings = Settings(
        data_dir=root,
        exports=root / "exports",
        warehouse=root / "warehouse.duckdb",
        site=root / "site",
        as_of=AS_OF,
    )
    generate_exports(settings.exports_dir, participants=300, seed=21, as_of=AS_OF)
    ingest_exports(settings.exports_dir, settings.warehouse_path, settings)
    run_dbt(settings, ["build"])
    validation = ValidationResult(
        run_id="browser", success=True, evaluated=10, docs_dir=make_docs(root)
    )
    return publish_site(settings, make_run("browser", validation))


@pytest.fixture(scope="module")
def browser(chromium):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("page_name", PAGES)
def test_page_opens_offline_with_every_chart_drawn(real_site, browser, page_name, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []

    def only_local(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((real_site / f"{page_name}.html").as_uri())
    page.wait_for_load_state("load")
    sections = page.locator("section.chart").count()
    if sections:
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= n",
            arg=sections,
            timeout=20_000,
        )
    drawn = page.eval_on_selector_all(
        "section.chart", "els => els.map(e => !!e.querySelector('.plot-container svg.main-svg'))"
    )
    page.screenshot(path=str(tmp_path / f"{page_name}.png"), full_page=True)
    context.close()
    assert errors == []
    assert blocked == []
    assert all(drawn) and len(drawn) == sections
    if page_name in ("retention", "drinking", "engagement"):
        assert sections >= 4


def test_dropdown_filter_switches_the_shown_group(real_site, browser):
    page = browser.new_page()
    page.goto((real_site / "retention.html").as_uri())
    page.wait_for_selector("#enrolment-funnel .main-svg")
    before = page.eval_on_selector("#enrolment-funnel", "d => d.data.map(t => t.visible)")
    page.click("#enrolment-funnel .updatemenu-header-group")
    page.click("#enrolment-funnel .updatemenu-dropdown-button:nth-of-type(2)")
    page.wait_for_timeout(300)
    after = page.eval_on_selector("#enrolment-funnel", "d => d.data.map(t => t.visible)")
    page.close()
    assert before[0] is True and after != before


def test_real_site_holds_no_participant_id_and_no_small_count(real_site):
    assert ids_in_site(real_site) == []
    assert small_counts_in_csvs(real_site) == []
    assert len(list((real_site / "data").glob("*.csv"))) >= 15
