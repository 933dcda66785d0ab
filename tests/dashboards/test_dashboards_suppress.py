"""The small-cell rule: primary and complementary suppression (pure logic, fast)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.disclosure import disclose
from dashboards.queries import SiteData
from dashboards.suppress import (
    Constraint,
    determined_cells,
    show_count,
    show_rate,
    suppress_cells,
)

MIN = 11


def test_counts_one_to_ten_show_as_less_than_eleven():
    assert [show_count(v, MIN) for v in (0, 1, 10, 11, 250)] == [0, "<11", "<11", 11, 250]
    assert show_count(None, MIN) is None


def test_rates_over_fewer_than_eleven_are_not_shown():
    assert show_rate(0.5, 10, MIN) is None
    assert show_rate(0.5, 11, MIN) == 0.5
    assert show_rate(None, 100, MIN) is None


def test_lone_small_cell_in_a_row_with_total_gets_a_complement():
    cells = {"total": 60, "a": 5, "b": 40, "c": 15}
    hidden = suppress_cells(cells, [Constraint("total", ("a", "b", "c"))], MIN)
    # 5 is small; the next-smallest (15) goes too, so total - shown no longer gives 5.
    assert hidden == {"a", "c"}


def test_zero_is_not_chosen_as_complement_when_a_positive_cell_exists():
    cells = {"total": 50, "a": 3, "z": 0, "b": 47}
    hidden = suppress_cells(cells, [Constraint("total", ("a", "z", "b"))], MIN)
    assert hidden == {"a", "b"}


def test_two_small_cells_need_no_complement():
    cells = {"total": 60, "a": 5, "b": 4, "c": 51}
    assert suppress_cells(cells, [Constraint("total", ("a", "b", "c"))], MIN) == {"a", "b"}


def test_complements_cascade_through_columns():
    # 2 x 2 table with row and column totals: one small cell forces a rectangle of four.
    cells = {
        ("r1", "c1"): 4, ("r1", "c2"): 30, ("r1", "t"): 34,
        ("r2", "c1"): 20, ("r2", "c2"): 50, ("r2", "t"): 70,
        ("t", "c1"): 24, ("t", "c2"): 80, ("t", "t"): 104,
    }  # fmt: skip
    cons = [Constraint((r, "t"), ((r, "c1"), (r, "c2"))) for r in ("r1", "r2", "t")]
    cons += [Constraint(("t", c), (("r1", c), ("r2", c))) for c in ("c1", "c2", "t")]
    hidden = suppress_cells(cells, cons, MIN)
    assert ("r1", "c1") in hidden
    assert not determined_cells(cells, cons, hidden)


def test_disclosure_marks_small_and_complement_cells_alike():
    """A care track of 7 enrolled beside a shown total: it and the next-smallest track are
    hidden, both as <11 (one marker: a separate one would tell which is small)."""
    funnel = pd.DataFrame(
        {
            "care_track": ["all", "a", "b", "c"],
            "enrolled": [100, 7, 60, 33],
            "started": [0, 0, 0, 0],
            "not_started": [100, 7, 60, 33],
            **{
                f"{c}_{h}d{s}": [0] * 4
                for h in (30, 90, 180)
                for c, s in (("retained", "_known"), ("retained", ""), ("not_retained", ""))
            },
            **{f"retention_rate_{h}d": [None] * 4 for h in (30, 90, 180)},
        }
    )
    shown = disclose(SiteData(frames={"funnel": funnel}), MIN).table("enrolment-funnel")
    assert shown["n_enrolled"].tolist() == [100, "<11", 60, "<11"]


def _shown_values(cells, hidden):
    return [v for k, v in cells.items() if k not in hidden]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=6),
)
def test_one_line_never_leaks(parts):
    cells = {("p", i): v for i, v in enumerate(parts)}
    cells["total"] = sum(parts)
    cons = [Constraint("total", tuple(("p", i) for i in range(len(parts))))]
    hidden = suppress_cells(cells, cons, MIN)
    assert all(not (0 < v < MIN) for v in _shown_values(cells, hidden))
    assert not determined_cells(cells, cons, hidden)
    members = ["total", *cons[0].parts]
    assert sum(m in hidden for m in members) != 1


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda rows: st.lists(
            st.lists(st.integers(0, 60), min_size=1, max_size=4).map(tuple),
            min_size=rows,
            max_size=rows,
        )
    )
)
def test_two_way_table_with_margins_never_leaks(table):
    width = min(len(r) for r in table)
    table = [r[:width] for r in table]
    cells = {}
    for i, row in enumerate(table):
        for j, v in enumerate(row):
            cells[(i, j)] = v
        cells[(i, "t")] = sum(row)
    for j in range(width):
        cells[("t", j)] = sum(r[j] for r in table)
    cells[("t", "t")] = sum(map(sum, table))
    rows = [*range(len(table)), "t"]
    cons = [Constraint((i, "t"), tuple((i, j) for j in range(width))) for i in rows]
    cons += [
        Constraint(("t", j), tuple((i, j) for i in range(len(table)))) for j in [*range(width), "t"]
    ]
    hidden = suppress_cells(cells, cons, MIN)
    # Never shows 1..10, and no hidden cell follows from the shown ones by any combination of
    # the row and column sums.
    assert all(not (0 < v < MIN) for v in _shown_values(cells, hidden))
    assert not determined_cells(cells, cons, hidden)
    for c in cons:
        assert sum(m in hidden for m in (c.total, *c.parts)) != 1
