"""Every check's result in plain words: the measured figure and the limit, e.g. "the newest
check-in is 8 days old; the limit is 3".

A suite's expectation names its message in `meta["message"]` (with `meta["message_args"]`); the
gate calls `message()` with GX's observed value, the expectation's own bounds and the suite's
frame, so the limit printed is the one that decided. One text per check serves the log, the run
summary, the banner, the alerts, the history and the validation pages.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

Message = Callable[[Any, dict[str, Any], pd.DataFrame, dict[str, Any]], str]


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def count(value: Any) -> str:
    number = _number(value)
    return "no" if number is None else f"{number:,.0f}"


def share(value: Any) -> str:
    number = _number(value)
    if number is None:
        return "an unknown share"
    if 0 < number < 0.1:  # one decimal below 10%, so 0.4% is not shown as 0% (5%, not 5.0%)
        return f"{number * 100:.1f}".rstrip("0").rstrip(".") + "%"
    return f"{number:.0%}"


def _rows(frame: pd.DataFrame) -> float:
    return float(frame["rows"].fillna(0).sum()) if "rows" in frame.columns else float(len(frame))


def _first(frame: pd.DataFrame, column: str) -> Any:
    return frame[column].iloc[0] if column in frame.columns and len(frame) else None


def offending_rows(value: Any, bounds: dict, frame: pd.DataFrame, args: dict) -> str:
    return (
        f"{count(value)} of tonight's {count(_rows(frame))} {args['entity']} rows "
        f"{args['what']}; the limit is 0"
    )


def columns_present(value: Any, bounds: dict, frame: pd.DataFrame, args: dict) -> str:
    missing = sorted(set(bounds.get("column_set") or []) - set(value or []))
    if missing:
        return f"tonight's {args['entity']} lack the contract column(s) {', '.join(missing)}"
    return f"tonight's {args['entity']} have every contract column"


def skipped_drinks(value: Any, bounds: dict, frame: pd.DataFrame, args: dict) -> str:
    answered = _number(value)
    skipped = None if answered is None else 1 - answered
    limit = 1 - float(bounds["min_value"])
    return (
        f"{share(skipped)} of tonight's check-ins skipped the drinks question; "
        f"the limit is {share(limit)}"
    )


def row_collapse(value: Any, bounds: dict, frame: pd.DataFrame, args: dict) -> str:
    limit = float(bounds["min_value"])
    low = frame[frame["ratio_to_recent_median"] < limit] if len(frame) else frame
    if low.empty:
        return (
            f"every file of tonight loaded at least {share(limit)} of the median rows of its "
            "entity's recent deliveries"
        )
    parts = [
        f"{r.source_file} loaded {count(r.rows_loaded)} rows, {share(r.ratio_to_recent_median)} "
        f"of the recent median of {count(r.recent_median)}"
        for r in low.itertuples()
    ]
    return "; ".join(parts) + f"; the limit is {share(limit)}"


def difference(value: Any, bounds: dict, frame: pd.DataFrame, args: dict) -> str:
    number = _number(value)
    if number is None:
        return f"{args['what']} could not be compared"
    if number == 0:
        return f"{args['what']} agree"
    return f"{args['what']} differ by {number:+,.0f}; the limit is 0"


def participants(value: Any, bounds: dict, frame: pd.DataFrame, args: dict) -> str:
    return f"{count(value)} participant(s) {args['what']}; the limit is 0"


def checkins_reported(value: Any, bounds: dict, frame: pd.DataFrame, args: dict) -> str:
    newest = _first(frame, "newest_report_date")
    if newest is None:
        return "no check-in is reported up to the as-of date"
    return f"check-ins are reported up to {newest}"


def checkin_age(value: Any, bounds: dict, frame: pd.DataFrame, args: dict) -> str:
    days = _number(value)
    if days is None:
        return "the newest check-in's age is unknown: none is reported up to the as-of date"
    return (
        f"the newest check-in is {days:.0f} day(s) old ({_first(frame, 'newest_report_date')}); "
        f"the limit is {bounds['max_value']:g}"
    )


def files_quarantined(value: Any, bounds: dict, frame: pd.DataFrame, args: dict) -> str:
    delivered = _first(frame, f"{args['entity']}_files")
    return (
        f"{count(value)} of tonight's {count(delivered)} {args['entity']} file(s) were quarantined "
        "whole; the limit is 0"
    )


def rejected_share(value: Any, bounds: dict, frame: pd.DataFrame, args: dict) -> str:
    entity = args["entity"]
    read = _first(frame, f"{entity}_rows_read")
    quarantined = _first(frame, f"{entity}_rows_quarantined")
    return (
        f"{share(value)} of tonight's {entity} rows were quarantined ({count(quarantined)} of "
        f"{count(read)} read); the limit is {share(bounds['max_value'])}"
    )


def delivery_age(value: Any, bounds: dict, frame: pd.DataFrame, args: dict) -> str:
    entity = args["entity"]
    days = _number(value)
    if days is None:
        return f"no {entity} delivery has been loaded"
    newest = _first(frame, f"{entity}_newest_export")
    return (
        f"the newest {entity} delivery is {days:.0f} day(s) old (export date {newest}); "
        f"the limit is {bounds['max_value']:g}"
    )


def delivered(value: Any, bounds: dict, frame: pd.DataFrame, args: dict) -> str:
    newest = _first(frame, f"{args['entity']}_newest_export")
    if newest is None or (isinstance(newest, float) and math.isnan(newest)):
        return f"no {args['entity']} delivery has been loaded"
    return f"{args['entity']} are delivered (newest export date {newest})"


MESSAGES: dict[str, Message] = {
    "offending_rows": offending_rows,
    "columns_present": columns_present,
    "skipped_drinks": skipped_drinks,
    "row_collapse": row_collapse,
    "difference": difference,
    "participants": participants,
    "checkins_reported": checkins_reported,
    "checkin_age": checkin_age,
    "files_quarantined": files_quarantined,
    "rejected_share": rejected_share,
    "delivery_age": delivery_age,
    "delivered": delivered,
}


def message(
    name: str | None, args: dict, value: Any, bounds: dict, frame: pd.DataFrame
) -> str | None:
    """The plain-words result of one check, or None for a check without a message."""
    if not name:
        return None
    return MESSAGES[name](value, bounds, frame, args)
