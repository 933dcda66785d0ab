"""Cross-engine comparison of result tables (import as `tests.spark.compare`).

Rows are compared as Python values: integers, dates, booleans and strings exactly, fractions within
an absolute tolerance (summation order differs between engines, so the last bits may too).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

FRACTION_TOLERANCE = 1e-12


def _orderable(values: Sequence[object]) -> tuple:
    return tuple((v is None, "" if v is None else v) for v in values)


def _sort_key(row: Sequence[object]) -> tuple:
    # Fractions rounded first, so last-bit differences never reorder rows; then exact, so rows
    # that only differ in a fraction still pair up the same way on both sides.
    exact = [None if isinstance(v, float) and math.isnan(v) else v for v in row]
    rounded = [round(v, 9) if isinstance(v, float) else v for v in exact]
    return _orderable(rounded) + _orderable(exact)


def _same(a: object, b: object, tolerance: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, int | float) or not isinstance(b, int | float):
            return False
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= tolerance
    # bool is an int subclass: require the same type so True never equals 1.
    return type(a) is type(b) and a == b


def table_differences(
    columns: Sequence[str],
    left: Sequence[Sequence[object]],
    right: Sequence[Sequence[object]],
    tolerance: float = FRACTION_TOLERANCE,
    limit: int = 5,
) -> list[str]:
    """Human-readable differences between two row sets with the same columns (order ignored).

    Messages name columns and row positions, never values (the rows hold participant ids).
    """
    if len(left) != len(right):
        return [f"row count {len(left)} != {len(right)}"]
    problems = []
    for position, (a, b) in enumerate(
        zip(sorted(left, key=_sort_key), sorted(right, key=_sort_key), strict=True)
    ):
        for column, x, y in zip(columns, a, b, strict=True):
            if not _same(x, y, tolerance):
                problems.append(
                    f"sorted row {position}, column {column}: {type(x).__name__} vs "
                    f"{type(y).__name__}" + (f", |diff|={abs(x - y):.3g}" if _numeric(x, y) else "")
                )
                if len(problems) >= limit:
                    return problems
    return problems


def _numeric(x: object, y: object) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y))
