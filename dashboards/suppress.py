"""The small-cell rule of METRICS.md, as pure functions; dashboards/disclosure.py applies it once
to every cell the site publishes (no page calls it on its own).

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
            # Lines can still combine (a chain of rows and columns) to pin a cell: check by rank,
            # and give every pinned cell a complement in one pass (one SVD per group per pass).
            for leaked in sorted(determined_cells(cells, cons, hidden), key=str):
                extra = _complement_for(cells, cons, hidden, leaked)
                if extra is not None and extra not in hidden:
                    hidden.add(extra)
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
) -> Hashable | None:
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
    if totals:
        return min(totals, key=lambda k: (cells[k], str(k)))
    # Every line through it is hidden already: it is pinned through other hidden cells, so
    # widen to the lines through those (the nearest shown cell of its connected lines).
    seen, frontier = {leaked}, [leaked]
    while frontier:
        nxt = []
        for c in cons:
            members = (c.total, *c.parts)
            if any(m in frontier for m in members):
                shown = [m for m in members if m not in hidden]
                if shown:
                    return min(shown, key=lambda k: (cells[k] <= 0, cells[k], str(k)))
                nxt += [m for m in members if m not in seen]
                seen.update(members)
        frontier = nxt
    # No shown cell anywhere in its lines: the system over it is homogeneous, so what it pins
    # is the value 0, which may be shown.
    return None


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
        # Only V is needed (its last rows span the null space), and it is square either way; a
        # full U would be rows x rows, which for a tall system of thousands of lines cost minutes.
        _, sv, vt = np.linalg.svd(a, full_matrices=a.shape[0] < a.shape[1])
        rank = int((sv > 1e-9 * max(a.shape)).sum())
        null = vt[rank:]
        for i in cols:
            if null.shape[0] == 0 or np.all(np.abs(null[:, pos[i]]) < 1e-9):
                out.add(unknown[i])
    return out
