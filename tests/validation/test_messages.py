"""Plain-words results of checks (pure functions): the figure and the limit, never a value."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from expectations.messages import MESSAGES, message, share


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.0, "0%"), (0.004, "0.4%"), (0.05, "5%"), (0.091, "9.1%"), (0.857, "86%"), (1.0, "100%")],
)
def test_shares_keep_small_figures_visible(value, shown) -> None:
    assert share(value) == shown


def test_a_check_without_a_message_has_none() -> None:
    assert message(None, {}, 1, {}, pd.DataFrame()) is None


def test_freshness_says_the_age_and_the_limit() -> None:
    frame = pd.DataFrame({"newest_report_date": ["2026-11-12"], "days_since_newest_report": [8.0]})
    assert message("checkin_age", {}, 8.0, {"max_value": 3}, frame) == (
        "the newest check-in is 8 day(s) old (2026-11-12); the limit is 3"
    )
    assert "unknown" in message("checkin_age", {}, math.nan, {"max_value": 3}, frame)


def test_rejected_share_names_the_counts() -> None:
    frame = pd.DataFrame([{"checkins_rows_read": 7.0, "checkins_rows_quarantined": 6.0}])
    text = message("rejected_share", {"entity": "checkins"}, 6 / 7, {"max_value": 0.5}, frame)
    assert text == (
        "86% of tonight's checkins rows were quarantined (6 of 7 read); the limit is 50%"
    )


def test_every_message_ends_in_words_not_a_traceback() -> None:
    """Each message renders from empty figures (a check that saw no rows) without raising."""
    frame = pd.DataFrame([{"rows": 0, "ratio_to_recent_median": math.nan}])
    args = {"entity": "checkins", "what": "have no checkin_id"}
    bounds = {"min_value": 0.5, "max_value": 3, "column_set": ["checkin_id"]}
    for name in MESSAGES:
        text = message(name, args, None, bounds, frame)
        assert isinstance(text, str) and text and "None" not in text, name
