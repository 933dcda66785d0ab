"""Thresholds of the validation gate, in one place (see docs/decisions.md, "Validation").

Run settings (freshness_days, outcome_months) come from core.settings.Settings; these are the
gate's own limits. They reach the GX suites as suite parameters at run time, so changing one here
never needs the versioned suite files to be regenerated.
"""

from __future__ import annotations

from core.settings import Settings

# Share of tonight's check-ins with the drinks question skipped above which a warning is raised.
SKIPPED_DRINKS_MAX_SHARE = 0.5
# Tonight's rows of an entity below this fraction of the median of its recent deliveries: warning.
ROW_COUNT_COLLAPSE_RATIO = 0.5
# How many earlier loaded deliveries of an entity form the "recent" median.
RECENT_DELIVERIES = 7
# Fewer earlier loads than this (the first nights after the full initial export): no judgement.
RECENT_DELIVERIES_MIN = 3
# Floating-point slack for "non-increasing" on the Kaplan-Meier curve.
RETENTION_TOLERANCE = 1e-9


def suite_parameters(settings: Settings) -> dict[str, float | int]:
    """Values for the `$PARAMETER` references in the suites."""
    return {
        "freshness_days": settings.freshness_days,
        "outcome_months": settings.outcome_months,
        "answered_drinks_min_share": 1.0 - SKIPPED_DRINKS_MAX_SHARE,
        "row_count_collapse_ratio": ROW_COUNT_COLLAPSE_RATIO,
        "retention_tolerance": RETENTION_TOLERANCE,
    }
