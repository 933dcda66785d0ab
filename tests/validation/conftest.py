"""Warehouses for the validation gate's tests: a SQL-built one (fast) and the real chain."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from core.settings import Settings
from tests.support import CHROMIUM_ARGS
from tests.validation.fake_warehouse import build_fake_warehouse

AS_OF = dt.date(2026, 11, 20)
CHROMIUM = "/usr/bin/chromium"


def settings_for(root: Path, as_of: dt.date = AS_OF) -> Settings:
    return Settings(data_dir=root, warehouse=root / "warehouse.duckdb", as_of=as_of)


@pytest.fixture(scope="module")
def fake_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQL-built warehouse per module; tests copy it so each can break it its own way."""
    path = tmp_path_factory.mktemp("fake") / "warehouse.duckdb"
    return build_fake_warehouse(path, participants=500, as_of=AS_OF)


@pytest.fixture
def fake_settings(fake_template: Path, tmp_path: Path) -> Settings:
    shutil.copy(fake_template, tmp_path / "warehouse.duckdb")
    return settings_for(tmp_path)


# Per module, not per session: sync_playwright keeps an asyncio loop running in the main thread
# while it is open, and a later test in the same worker (tests/test_serve.py) calls asyncio.run.
@pytest.fixture(scope="module")
def chromium_page():
    """A headless Chromium page (Debian's binary) that may load only local files."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is missing: run `apt-get install chromium` (or `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        # Data Docs ask CDNs for Bootstrap and jQuery; offline they must still be readable.
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith("file://") else route.abort()
            ),
        )
        yield page
        browser.close()
