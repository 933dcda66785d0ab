"""Small pure pieces of the pages: curve cutting, numbers at risk, the day-90 headline, banners."""

from __future__ import annotations

import pandas as pd

from dashboards.pages.index import km_at
from dashboards.pages.retention import at_risk_table, km_shown
from dashboards.publish import with_banner
from dashboards.suppress import SUPPRESSED_LABEL
from dashboards.templates import layout

CURVE = pd.DataFrame(
    {
        "grp": ["all"] * 5 + ["a"] * 3 + ["b"] * 3,
        "day": [0, 10, 80, 95, 200, 0, 10, 80, 0, 95, 200],
        "at_risk": [60, 50, 30, 14, 9, 40, 35, 20, 20, 9, 3],
        "dropouts": [0, 5, 2, 3, 1, 0, 3, 1, 0, 2, 1],
        "censored": [3, 10, 14, 2, 8, 1, 12, 20, 2, 4, 2],
        "retention": [1.0, 0.9, 0.84, 0.66, 0.6, 1.0, 0.91, 0.87, 1.0, 0.8, 0.53],
    }
)


def test_curve_is_cut_where_fewer_than_11_are_at_risk_and_small_counts_marked():
    shown = km_shown(CURVE, 11)
    assert shown["n_at_risk"].map(lambda v: isinstance(v, int) and v >= 11).all()
    assert shown[shown["group"] == "all"]["day"].tolist() == [0, 10, 80, 95]
    assert shown.loc[shown["day"] == 10, "n_dropouts"].tolist()[0] == "<11"


def test_numbers_at_risk_take_the_first_row_on_or_after_the_day():
    table = at_risk_table(CURVE, 11).set_index("group")
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


def test_day_90_retention_is_the_last_step_on_or_before_day_90():
    value, at_risk = km_at(CURVE, 90, 11)
    assert value == 0.84 and at_risk == 14
    # Nobody followed to day 400: not shown.
    assert km_at(CURVE, 400, 11) == (None, None)
    # Fewer than 11 still at risk at day 150 (first row on or after is 9): not shown.
    assert km_at(CURVE, 150, 11)[0] is None


def test_banner_slot_is_replaced_not_stacked():
    page = layout("index", "T", "<p>body</p>", "built")
    once = with_banner(page, "<div>A</div>")
    twice = with_banner(once, "<div>B</div>")
    assert "<div>A</div>" not in twice and twice.count("<div>B</div>") == 1
    assert twice.split("<h1>")[1] == page.split("<h1>")[1]
