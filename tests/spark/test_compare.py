"""The cross-engine comparison itself: it must see every kind of difference it claims to."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from tests.spark.compare import table_differences

COLUMNS = ["id", "on", "share", "flag"]
ROW = ("p1", dt.date(2026, 1, 31), 0.25, True)


def test_equal_tables_in_any_order() -> None:
    other = ("p2", None, None, False)
    assert table_differences(COLUMNS, [ROW, other], [other, ROW]) == []


def test_fraction_within_tolerance_is_equal_and_beyond_is_not() -> None:
    assert table_differences(COLUMNS, [ROW], [(*ROW[:2], 0.25 + 5e-13, True)]) == []
    assert table_differences(COLUMNS, [ROW], [(*ROW[:2], 0.25 + 1e-9, True)]) != []


def test_exact_columns_differ() -> None:
    assert table_differences(COLUMNS, [ROW], [("p1", dt.date(2026, 2, 1), 0.25, True)]) != []
    assert table_differences(COLUMNS, [ROW], [("P1", *ROW[1:])]) != []
    # 1 == True in Python; a boolean turned integer is still a difference.
    assert table_differences(COLUMNS, [ROW], [(*ROW[:3], 1)]) != []
    assert table_differences(COLUMNS, [ROW], [(*ROW[:3], None)]) != []


def test_row_count_differs() -> None:
    assert table_differences(COLUMNS, [ROW], [ROW, ROW]) == ["row count 1 != 2"]


def test_messages_never_show_values() -> None:
    (message,) = table_differences(COLUMNS, [ROW], [("secret-id", *ROW[1:])])
    assert "secret" not in message and "p1" not in message and "id" in message


@given(
    st.lists(
        st.tuples(
            st.integers(-5, 5),
            st.one_of(st.none(), st.floats(-1, 1, allow_nan=False)),
            st.one_of(st.none(), st.text(max_size=3)),
        ),
        max_size=20,
    ),
    st.randoms(),
)
def test_any_permutation_compares_equal(rows: list[tuple], rnd) -> None:
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert table_differences(["a", "b", "c"], rows, shuffled) == []
