"""The gate at the end of the real chain: generate -> ingest -> dbt build -> validate; and the
chain's next night with warnings, ingested, validated and published (issue 15)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from markupsafe import escape

from core.run_summary import RunSummary, ValidationResult
from core.settings import Settings
from core.warehouse import connect
from dashboards.publish import publish_site
from dashboards.quality_queries import load_quality_records
from engines.dbt_runner import run_dbt
from engines.duckdb_engine import DuckDBEngine
from expectations.gate import validate
from expectations.suites import SUITE_NAMES
from flows.generate import generate_exports
from flows.ingest import ingest_exports
from tests.ingest.ingest_support import checkin, csv_bytes, participant
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


# ---------------------------------------------------------------- a night with warnings (issue 15)

NIGHT = AS_OF + dt.timedelta(days=1)
PAGES = ("index", "retention", "drinking", "engagement", "quality", "metrics")
BAD_ROWS = (3, 7)  # rows of the night's check-ins file whose craving score is 11 (0 to 10)
STRAY_VALUE = "someone@example.org"  # the participants file's stray `email` column holds this
NOTICE = re.compile(r'<div class="notice-warning".*?</div>', re.S)


@dataclass
class Night:
    settings: Settings
    result: ValidationResult
    site: Path
    participants_file: str
    checkins_file: str


def _checkins(pids: list[str], bad: tuple[int, ...]) -> list[dict]:
    return [
        checkin(
            f"night-{row}",
            pids[row % len(pids)],
            report_date=AS_OF.isoformat(),
            submitted_at=f"{NIGHT}T08:00:00Z",
            craving_score="11" if row in bad else "4",
        )
        for row in range(1, 11)
    ]


@pytest.fixture(scope="module")
def warning_night(built, tmp_path_factory) -> Night:
    """The chain's next night, on a copy: its participants file carries an `email` column (kept
    out whole) and 2 of its 10 check-ins break the contract (20%: above the 5% warning, under the
    50% critical). Really ingested, validated and published; no dbt build is needed, as nothing
    of the night reaches what the gate reconciles."""
    settings, _ = built
    root = tmp_path_factory.mktemp("warning-night")
    shutil.copytree(settings.data_dir, root, dirs_exist_ok=True, ignore=_leftovers)
    night = Settings(
        data_dir=root,
        exports=root / "exports",
        warehouse=root / "warehouse.duckdb",
        site=root / "site",
        as_of=NIGHT,
    )
    with connect(night.warehouse_path) as con:
        # The module's other tests validate later as-of dates on the same warehouse.
        con.execute("delete from quality.validation_runs where as_of_date > ?", [AS_OF])
        pids = [
            p
            for (p,) in con.execute(
                "select participant_id from landing.participants order by 1 limit 5"
            ).fetchall()
        ]
    participants_file = f"app/participants_{NIGHT:%Y%m%d}.csv"
    checkins_file = f"app/checkins_{NIGHT:%Y%m%d}.csv"
    people = [participant(p) | {"email": STRAY_VALUE} for p in pids[:2]]
    (night.exports_dir / participants_file).write_bytes(csv_bytes(people))
    (night.exports_dir / checkins_file).write_bytes(csv_bytes(_checkins(pids, BAD_ROWS)))
    report = ingest_exports(night.exports_dir, night.warehouse_path, night)
    engine = DuckDBEngine(night)
    result = validate(night, engine, report.new_delivery_ids, "warning-night")
    run = RunSummary(
        run_id="warning-night",
        started_at=dt.datetime.now(dt.UTC),
        as_of=NIGHT,
        ingest=report,
        validation=result,
    )
    site = publish_site(night, run, engine)
    return Night(night, result, site, participants_file, checkins_file)


def _leftovers(folder: str, names: list[str]) -> list[str]:
    """What a copy of the chain's folder leaves out: the GX context and docs of its runs."""
    return [n for n in names if n.startswith("validation_")]


def test_a_warning_night_is_amber_on_every_page_naming_each_figure_once(warning_night):
    result = warning_night.result
    assert result.success, result.critical_failures
    assert {
        "1 of tonight's 1 participants file(s) were quarantined whole; the limit is 0",
        "20% of tonight's checkins rows were quarantined (2 of 10 read); the limit is 5%",
    } <= set(result.warnings)
    for page in PAGES:
        text = (warning_night.site / f"{page}.html").read_text(encoding="utf-8")
        [notice] = NOTICE.findall(text)
        assert "Warning:" in notice and 'href="quality.html"' in notice, page
        assert f"the night of {NIGHT}" in notice
        for warning in result.warnings:
            assert notice.count(f"<li>{escape(warning)}</li>") == 1, (page, warning)
        assert notice.count("<li>") == len(set(result.warnings))
        assert 'class="banner"' not in text  # the red banner is for critical failures only


def test_the_grid_and_the_resend_list_name_the_quarantined_file_and_rows(warning_night):
    site = warning_night.site
    with (site / "quality" / "check-grid.csv").open(newline="") as f:
        tonight = [r for r in csv.DictReader(f) if r["as_of_date"] == NIGHT.isoformat()]
    assert len(tonight) == warning_night.result.evaluated
    not_passed = {r["check"]: r for r in tonight if r["outcome"] != "pass"}
    assert {r["outcome"] for r in not_passed.values()} == {"warn"}
    whole = not_passed["no participants file quarantined whole (participants_files_quarantined)"]
    assert (whole["limit"], whole["severity"]) == ("0", "warning")
    assert whole["message"].startswith("1 of tonight's 1 participants file(s)")
    share = not_passed[
        "share of checkins rows quarantined within the warning limit (checkins_rejected_share)"
    ]
    assert (share["limit"], share["observed_value"]) == ("at most 5%", "0.2")
    quality = (site / "quality.html").read_text(encoding="utf-8")
    assert quality.count('<td class="cell-warn"') >= len(not_passed)
    assert 'href="quality/check-grid.csv"' in quality

    with (site / "quality" / "resend-app.csv").open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == [
            "file",
            "export_date",
            "row_number",
            "column",
            "reason",
            "quarantined_at",
        ]  # fmt: skip  (never a value, never a participant)
        lines = [(r["file"], r["row_number"], r["column"], r["reason"]) for r in reader]
    assert lines == [
        (warning_night.checkins_file, str(BAD_ROWS[0]), "craving_score", "above 10"),
        (warning_night.checkins_file, str(BAD_ROWS[1]), "craving_score", "above 10"),
        (warning_night.participants_file, "", "email", "column outside the contract"),
    ]
    # Every source system has its list, so its link holds: the scheduling system's is empty.
    scheduling = (site / "quality" / "resend-scheduling.csv").read_text().splitlines()
    assert scheduling == ["file,export_date,row_number,column,reason,quarantined_at"]
    with (site / "quality" / "quarantine-by-night.csv").open(newline="") as f:
        nights = [r for r in csv.DictReader(f) if r["export_date"] == NIGHT.isoformat()]
    assert {(r["reason"], r["rows_quarantined"], r["files_quarantined"]) for r in nights} == {
        ("above 10", "2", "0"),
        ("column outside the contract", "0", "1"),
    }
    # The page shows the same lines; no participant's id or value anywhere in the site.
    assert f"<td>{warning_night.participants_file}</td>" in quality and "whole file" in quality
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".csv"):
            text = path.read_text(encoding="utf-8")
            assert not ID.search(text) and STRAY_VALUE not in text, path


def test_a_re_delivery_marks_the_file_and_rows_resolved(warning_night, tmp_path):
    night = warning_night.settings.model_copy(
        update={"data_dir": tmp_path, "exports": tmp_path / "exports",
                "warehouse": tmp_path / "warehouse.duckdb"}
    )  # fmt: skip
    shutil.copy(warning_night.settings.warehouse_path, night.warehouse_path)
    shutil.copytree(warning_night.settings.exports_dir, night.exports_dir)
    with connect(night.warehouse_path, read_only=True) as con:
        pids = [
            p
            for (p,) in con.execute(
                "select participant_id from landing.participants order by 1 limit 5"
            ).fetchall()
        ]
    # The app re-sends both files under the same names: without the column, the rows corrected.
    (night.exports_dir / warning_night.participants_file).write_bytes(
        csv_bytes([participant(p) for p in pids[:2]])
    )
    (night.exports_dir / warning_night.checkins_file).write_bytes(csv_bytes(_checkins(pids, ())))
    report = ingest_exports(night.exports_dir, night.warehouse_path, night)
    assert sorted(report.redeliveries) == sorted(
        [warning_night.participants_file, warning_night.checkins_file]
    )
    records = load_quality_records(night)
    assert records["resend"].empty  # nothing left to re-send
    resolved = records["resolved"]
    assert sorted(zip(resolved["file"], resolved["row_number"].fillna(0).astype(int),
                      resolved["resolved_by_file"], strict=True)) == sorted([
        (warning_night.participants_file, 0, warning_night.participants_file),
        (warning_night.checkins_file, BAD_ROWS[0], warning_night.checkins_file),
        (warning_night.checkins_file, BAD_ROWS[1], warning_night.checkins_file),
    ])  # fmt: skip


@pytest.mark.browser
def test_the_validation_report_opens_offline_and_links_both_ways(warning_night, chromium_page):
    site = warning_night.site
    for path in (site / "validation").rglob("*"):  # only our own pages: nothing from a CDN
        assert path.suffix == ".html", path
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text and "https://" not in text and "http://" not in text
    context = chromium_page.context.browser.new_context()  # listeners of its own
    page = context.new_page()
    external: list[str] = []
    errors: list[str] = []

    def only_local(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto((site / "quality.html").as_uri())
        notice = page.locator(".notice-warning")
        assert notice.is_visible() and "Warning:" in notice.inner_text()
        colours = notice.evaluate(
            "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
        )
        assert _contrast(*colours) >= 4.5  # WCAG AA for text
        page.click("#validation a[href='validation/index.html']")
        assert page.url.endswith("/validation/index.html")
        summary = page.inner_text("body")
        assert "Warning: validation passed with" in summary
        for warning in warning_night.result.warnings:
            assert warning in summary
        page.click("a[href='#suite-night_deliveries']")
        section = page.locator("#suite-night_deliveries").inner_text()
        assert "FAILED (warning)" in section and "the limit is 5%" in section
        page.click("a[href='quarantine.html']")
        assert warning_night.participants_file in page.inner_text("body")
        page.click("header a[href='../quality.html']")
        assert page.url.endswith("/quality.html")
        page.click("a[href^='validation/index.html#suite-']")
        assert "#suite-" in page.url
    finally:
        context.close()
    assert errors == [] and external == []


def _contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two CSS rgb() colours."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
