"""Thresholds of the validation gate, in one place (see docs/decisions.md, "Validation").

Run settings (freshness_days) come from core.settings.Settings; these are the gate's own limits.
`expectations.suites` writes them into the expectations when it builds the suites at run time.
"""

from __future__ import annotations

# Share of tonight's check-ins with the drinks question skipped above which a warning is raised.
SKIPPED_DRINKS_MAX_SHARE = 0.5
# Tonight's rows of an entity below this fraction of the median of its recent deliveries: warning.
ROW_COUNT_COLLAPSE_RATIO = 0.5
# How many earlier loaded deliveries of an entity form the "recent" median.
RECENT_DELIVERIES = 7
# Fewer earlier loads than this (the first nights after the full initial export): no judgement.
RECENT_DELIVERIES_MIN = 3
