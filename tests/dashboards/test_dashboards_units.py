"""Small pieces of the pages over real site marts: curve cutting, numbers at risk, the day-90
headline (site_overview, built by dbt from a known curve), banners."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from dashboards_fake_marts import build_warehouse, site_settings
from dashboards_support import AS_OF

from dashboards.pages.index import retention_headline
from dashboards.pages.retention import at_risk_table, km_shown
from dashboards.publish import with_banner
from dashboards.suppress import SUPPRESSED_LABEL
from dashboards.templates import BANNER_END, BANNER_START, banner_html, page_html

CURVE = pd.DataFrame(
    {
        "cohort": ["all"] * 5 + ["a"] * 3 + ["b"] * 3,
        "day": [0, 10, 80, 95, 200, 0, 10, 80, 0, 95, 200],
        "at_risk": [60, 50, 30, 14, 9, 40, 35, 20, 20, 9, 3],
        "dropouts": [0, 5, 2, 3, 1, 0, 3, 1, 0, 2, 1],
        "censored": [3, 10, 14, 2, 8, 1, 12, 20, 2, 4, 2],
        "retention": [1.0, 0.9, 0.84, 0.66, 0.6, 1.0, 0.91, 0.87, 1.0, 0.8, 0.53],
    }
)


def _site_marts_over(curve: pd.DataFrame, tmp_path_factory, name: str) -> duckdb.DuckDBPyConnection:
    """A small fake warehouse whose retention_curve is `curve`; the curve's site marts rebuilt."""
    from engines.dbt_runner import run_dbt

    path = build_warehouse(tmp_path_factory.mktemp(name) / "w.duckdb", 40, AS_OF, seed=5)
    with duckdb.connect(str(path)) as con:
        con.register("curve", curve)
        con.execute("create or replace table marts.retention_curve as select * from curve")
    run_dbt(site_settings(path, AS_OF), ["build", "--select", "site_retention_curves+"])
    return path


@pytest.fixture(scope="module")
def curve_marts(tmp_path_factory):
    path = _site_marts_over(CURVE, tmp_path_factory, "curve")
    with duckdb.connect(str(path), read_only=True) as con:
        yield {
            name: con.execute(f"select * from marts.{name}").df()
            for name in ("site_retention_curves", "site_retention_at_risk", "site_overview")
        }


def test_curve_is_cut_where_fewer_than_11_are_at_risk_and_small_counts_marked(curve_marts):
    curves = curve_marts["site_retention_curves"]
    shown = km_shown(
        curves[curves["curve"] == "cohort_month"].sort_values(["group_value", "day"]), 11
    )
    assert shown["n_at_risk"].map(lambda v: isinstance(v, int) and v >= 11).all()
    assert shown[shown["group"] == "all"]["day"].tolist() == [0, 10, 80, 95]
    assert shown.loc[shown["day"] == 10, "n_dropouts"].tolist()[0] == "<11"


def test_numbers_at_risk_take_the_first_row_on_or_after_the_day(curve_marts):
    at_risk = curve_marts["site_retention_at_risk"]
    table = at_risk_table(at_risk[at_risk["curve"] == "cohort_month"], 11).set_index("group")
    assert table.loc["all", "n_at_risk_day_0"] == 60
    assert table.loc["all", "n_at_risk_day_30"] == 30  # first row on or after day 30 is day 80
    assert table.loc["all", "n_at_risk_day_90"] == 14
    assert table.loc["all", "n_at_risk_day_365"] == 0
    # b at day 90 is 9 (small); "all" minus a would give it away, so a is hidden too (even at 0:
    # it is the only other part of that day's line).
    assert table.loc["b", "n_at_risk_day_90"] == "<11"
    assert table.loc["a", "n_at_risk_day_90"] == SUPPRESSED_LABEL
    day90 = table["n_at_risk_day_90"].tolist()
    assert sum(v in ("<11", SUPPRESSED_LABEL) for v in day90) != 1


def test_day_90_retention_is_the_last_step_on_or_before_day_90(curve_marts):
    row = curve_marts["site_overview"].iloc[0]
    assert row["km_retention_day_90"] == 0.84 and row["km_at_risk_day_90"] == 14
    assert retention_headline(row, 11) == (0.84, 14)
    # Fewer than 15 still at risk at day 90: not shown, and the count shows as small.
    assert retention_headline(row, 15) == (None, "<15")


def test_day_90_retention_is_not_shown_before_anyone_is_followed_that_long(tmp_path_factory):
    short = CURVE[CURVE["day"] < 90]
    path = _site_marts_over(short, tmp_path_factory, "short")
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("select * from marts.site_overview").df().iloc[0]
    assert pd.isna(row["km_retention_day_90"]) and pd.isna(row["km_at_risk_day_90"])
    assert retention_headline(row, 11) == (None, None)


def test_banner_slot_is_replaced_not_stacked():
    page = page_html("index", "T", "built", 11, body_template="no_site_body.html.j2")
    assert f"{BANNER_START}{BANNER_END}" in page
    once = with_banner(page, banner_html("A", ["a"], validation_link=False))
    twice = with_banner(once, banner_html("B", ["b"], validation_link=True))
    assert "<strong>A</strong>" not in twice and twice.count('class="banner"') == 1
    assert twice.split("<h1>")[1] == page.split("<h1>")[1]


def test_banner_and_page_text_are_escaped():
    banner = banner_html("<b>x</b>", ["<script>alert(1)</script>"], validation_link=False)
    assert "<script>" not in banner and "&lt;script&gt;" in banner and "&lt;b&gt;" in banner
    page = page_html("index", "<i>T</i>", "run <x>", 11, intro="a & b")
    assert "<i>T</i>" not in page and "&lt;i&gt;T&lt;/i&gt;" in page
    assert "a &amp; b" in page and "run &lt;x&gt;" in page
