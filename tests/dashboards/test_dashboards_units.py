"""Small pieces of the pages over real site marts: curve cutting, numbers at risk, the day-90
headline (site_overview, built by dbt from a known curve), banners."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from dashboards_fake_marts import build_warehouse, site_settings
from dashboards_support import AS_OF

from dashboards.disclosure import disclose
from dashboards.publish import with_banner
from dashboards.queries import SiteData
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


def _published(marts: dict, min_cell: int = 11):
    curves, at_risk = marts["site_retention_curves"], marts["site_retention_at_risk"]
    data = SiteData(
        frames={
            "retention_curve": curves[curves["curve"] == "cohort_month"].sort_values(
                ["group_value", "day"]
            ),
            "at_risk_cohort": at_risk[at_risk["curve"] == "cohort_month"],
            "overview": marts["site_overview"],
        }
    )
    return disclose(data, min_cell)


def test_curve_is_shown_at_fixed_days_and_cut_where_fewer_than_11_are_at_risk(curve_marts):
    shown = _published(curve_marts).table("retention-km-cohort")
    overall = shown[shown["group"] == "all"]
    # At risk on the fixed days: 60, 30, 30, 14, then 9 at day 180: the curve stops at day 90.
    assert overall["day"].tolist() == [0, 30, 60, 90]
    assert overall["n_at_risk"].tolist()[0] == 60
    # Day 0 has no dropout: 1.0. Up to day 30, 60 and 90 there are 5, 5 and 7 dropouts: any of
    # those estimates would give the small count away, so they are hidden, never rounded.
    assert overall["retention"].tolist() == [1.0, "<11", "<11", "<11"]
    assert "n_dropouts" not in shown and "n_censored" not in shown


def test_numbers_at_risk_take_the_first_row_on_or_after_the_day(curve_marts):
    table = _published(curve_marts).table("retention-km-cohort-at-risk").set_index("group")
    assert table.loc["all", "n_at_risk_day_0"] == 60
    assert table.loc["all", "n_at_risk_day_365"] == 0
    # b at day 90 is 9 (small); "all" minus a would give it away, so a is hidden too.
    assert table.loc["b", "n_at_risk_day_90"] == "<11"
    day90 = table["n_at_risk_day_90"].tolist()
    assert sum(v == "<11" for v in day90) != 1


def test_day_90_retention_is_the_published_point_of_the_overall_curve(curve_marts):
    row = curve_marts["site_overview"].iloc[0]
    assert row["km_retention_day_90"] == 0.84 and row["km_at_risk_day_90"] == 14
    overview = _published(curve_marts).table("overview").iloc[0]
    curve = _published(curve_marts).table("retention-km-cohort")
    point = curve[(curve["group"] == "all") & (curve["day"] == 90)].iloc[0]
    # One figure, one suppression: the overview shows what the curve shows at day 90.
    assert overview["km_retention_day_90"] == point["retention"]
    assert overview["n_km_at_risk_day_90"] == point["n_at_risk"]


def test_day_90_retention_is_not_shown_before_anyone_is_followed_that_long(tmp_path_factory):
    short = CURVE[CURVE["day"] < 90]
    path = _site_marts_over(short, tmp_path_factory, "short")
    with duckdb.connect(str(path), read_only=True) as con:
        marts = {
            n: con.execute(f"select * from marts.{n}").df()
            for n in ("site_retention_curves", "site_retention_at_risk", "site_overview")
        }
    overview = _published(marts).table("overview").iloc[0]
    assert overview["km_retention_day_90"] is None


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
