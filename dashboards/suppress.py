"""The small-cell rule of METRICS.md, as pure functions.

Primary suppression: a count from 1 to min_cell_size-1 is shown as "<11"; a rate or mean over fewer
than min_cell_size participants is not shown. Complementary suppression: where cells add up to a
total that is shown, a lone suppressed cell could be worked back out by subtraction, so the
next-smallest cell is suppressed too, until no suppressed cell is determined by what is shown.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

SUPPRESSED_LABEL = "suppressed"  # a cell hidden so that a small one cannot be recovered


def small_label(min_cell_size: int) -> str:
    return f"<{min_cell_size}"


def is_small(value: float | int | None, min_cell_size: int) -> bool:
    """True for a count that the rule hides: 1 to min_cell_size-1 (0 is shown)."""
    return value is not None and not _isnan(value) and 0 < value < min_cell_size


def show_count(value: float | int | None, min_cell_size: int) -> int | str | None:
    """A count as shown: the number, "<11" when small, None when missing."""
    if value is None or _isnan(value):
        return None
    return small_label(min_cell_size) if is_small(value, min_cell_size) else int(value)


def show_rate(
    value: float | None, denominator: float | int | None, min_cell_size: int
) -> float | None:
    """A rate or mean, or None when it rests on fewer than min_cell_size participants."""
    if value is None or _isnan(value) or denominator is None or _isnan(denominator):
        return None
    return float(value) if denominator >= min_cell_size else None


def _isnan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


@dataclass(frozen=True)
class Constraint:
    """total = sum(parts), as a reader of the table could use it."""

    total: Hashable
    parts: tuple[Hashable, ...]


def suppress_cells(
    cells: Mapping[Hashable, int],
    constraints: Iterable[Constraint],
    min_cell_size: int,
) -> set[Hashable]:
    """The keys of the cells to hide: the small ones, plus complements so none can be recovered.

    `cells` holds every count a reader could see or derive, totals included (a cell may also be a
    hidden remainder such as "not started" = enrolled - started, which is never drawn but would be
    revealed by subtraction). Each constraint says total = sum(parts). The result guarantees:
    no shown cell is 1..min_cell_size-1, and no hidden cell is determined by the linear system of
    the constraints over the shown values (checked by rank, which also catches chains of lines).
    """
    cons = [c for c in constraints if c.total in cells and all(p in cells for p in c.parts)]
    hidden = {k for k, v in cells.items() if is_small(v, min_cell_size)}
    # A line with exactly one hidden member gives it away by subtraction: hide its next-smallest.
    changed = True
    while changed:
        changed = False
        for c in cons:
            members = (c.total, *c.parts)
            if sum(m in hidden for m in members) == 1:
                hidden.add(_complement(cells, c, hidden))
                changed = True
        if not changed:
            # Lines can still combine (a chain of rows and columns) to pin a cell: check by rank.
            leaked = _determined(cells, cons, hidden)
            if leaked is not None:
                hidden.add(_complement_for(cells, cons, hidden, leaked))
                changed = True
    return hidden


def _complement(cells: Mapping[Hashable, int], c: Constraint, hidden: set[Hashable]) -> Hashable:
    shown_parts = [p for p in c.parts if p not in hidden]
    # The smallest positive part first: hiding a zero beside a small cell still gives it away.
    positive = [p for p in shown_parts if cells[p] > 0]
    pool = positive or shown_parts
    if pool:
        return min(pool, key=lambda p: (cells[p], str(p)))
    return c.total


def _complement_for(
    cells: Mapping[Hashable, int],
    cons: Sequence[Constraint],
    hidden: set[Hashable],
    leaked: Hashable,
) -> Hashable:
    """Another cell to hide so that `leaked` is no longer determined: from a line through it."""
    candidates: list[Hashable] = []
    for c in cons:
        members = (c.total, *c.parts)
        if leaked in members:
            candidates += [m for m in c.parts if m not in hidden]
    positive = [k for k in candidates if cells[k] > 0]
    pool = positive or candidates
    if pool:
        return min(pool, key=lambda k: (cells[k], str(k)))
    totals = [c.total for c in cons if leaked in (c.total, *c.parts) and c.total not in hidden]
    return totals[0]


def determined_cells(
    cells: Mapping[Hashable, int], constraints: Iterable[Constraint], hidden: set[Hashable]
) -> set[Hashable]:
    """The hidden cells whose value follows from the shown cells and the constraints.

    Over the hidden cells as unknowns, each constraint is one linear equation; a hidden cell is
    determined when every solution agrees on it, i.e. the null space of the system is zero in its
    coordinate. Solved per connected group of equations, one SVD each, to stay fast.
    """
    unknown = [k for k in hidden if k in cells]
    if not unknown:
        return set()
    index = {k: i for i, k in enumerate(unknown)}
    equations: list[dict[int, float]] = []
    for c in constraints:
        if c.total not in cells or not all(p in cells for p in c.parts):
            continue
        row: dict[int, float] = {}
        for m, sign in ((c.total, 1.0), *((p, -1.0) for p in c.parts)):
            if m in index:
                row[index[m]] = row.get(index[m], 0.0) + sign
        row = {i: v for i, v in row.items() if v}
        if row:
            equations.append(row)
    parent = list(range(len(unknown)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in equations:
        first, *rest = row
        for i in rest:
            parent[find(i)] = find(first)
    groups: dict[int, list[dict[int, float]]] = {}
    for row in equations:
        groups.setdefault(find(next(iter(row))), []).append(row)
    out: set[Hashable] = set()
    for rows in groups.values():
        cols = sorted({i for row in rows for i in row})
        pos = {i: j for j, i in enumerate(cols)}
        a = np.zeros((len(rows), len(cols)))
        for r, row in enumerate(rows):
            for i, v in row.items():
                a[r, pos[i]] = v
        _, sv, vt = np.linalg.svd(a)
        rank = int((sv > 1e-9 * max(a.shape)).sum())
        null = vt[rank:]
        for i in cols:
            if null.shape[0] == 0 or np.all(np.abs(null[:, pos[i]]) < 1e-9):
                out.add(unknown[i])
    return out


def _determined(
    cells: Mapping[Hashable, int], cons: Sequence[Constraint], hidden: set[Hashable]
) -> Hashable | None:
    found = determined_cells(cells, cons, hidden)
    return min(found, key=str) if found else None


def suppress_frame(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    min_cell_size: int,
    row_lines: Sequence[tuple[str, Sequence[str]]] = (),
    partitions: Sequence[tuple[str, object, Sequence[object]]] = (),
    within: Sequence[str] = (),
    hidden_cols: Sequence[str] = (),
) -> pd.DataFrame:
    """A table with its count columns as shown: the number, "<11", or "suppressed".

    row_lines: (total column, part columns) that add up within each row, e.g. scheduled =
    attended + noshow + ... . partitions: (column, total value, part values): the row whose
    column holds the total value is the sum of the rows holding the part values, for every count
    column and within each group of the `within` columns (e.g. "all" = the care tracks, per month).
    hidden_cols: remainder columns that are derivable (e.g. enrolled - started) but not drawn; they
    take part, then are dropped.
    """
    out = df.reset_index(drop=True).copy()
    cells: dict[Hashable, int] = {}
    for i in range(len(out)):
        for col in count_cols:
            value = out.at[i, col]
            if value is not None and not pd.isna(value):
                cells[(i, col)] = int(value)
    cons: list[Constraint] = []
    for i in range(len(out)):
        for total, parts in row_lines:
            cons.append(Constraint((i, total), tuple((i, p) for p in parts)))
    groups = out.groupby(list(within), sort=False).indices if within else {(): range(len(out))}
    for rows in groups.values():
        for key_col, total_value, part_values in partitions:
            totals = [i for i in rows if out.at[i, key_col] == total_value]
            parts = tuple(i for i in rows if out.at[i, key_col] in set(part_values))
            for t in totals:
                for col in count_cols:
                    cons.append(Constraint((t, col), tuple((i, col) for i in parts)))
    hidden = suppress_cells(cells, cons, min_cell_size)
    for col in count_cols:
        shown: list[object] = []
        for i in range(len(out)):
            value = cells.get((i, col))
            if value is None:
                shown.append(None)
            elif (i, col) in hidden:
                small = is_small(value, min_cell_size)
                shown.append(small_label(min_cell_size) if small else SUPPRESSED_LABEL)
            else:
                shown.append(value)
        out[col] = pd.Series(shown, dtype=object)
    return out.drop(columns=list(hidden_cols))
