"""Definitions of every figure, in plain language (from ../shared/METRICS.md), with dbt links."""

from __future__ import annotations

from dashboards.charts import Page
from dashboards.pages import Context, model_link
from dashboards.templates import esc

# anchor: (title, definition, dbt models)
DEFINITIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "care-start": (
        "Care start and treatment months",
        "Care starts on a participant's first attended appointment (fulfilled, arrived or "
        "checked in). Day 0 is the care start; treatment month m covers days 30(m-1) to 30m-1; "
        "month 0 (baseline) is the 30 days before care start, not before enrolment. The cohort is "
        "the month of care start. Participants who have not started count only in enrolment "
        "figures.",
        ("participants",),
    ),
    "retention": (
        "Retention",
        "Engagement dates are attended appointments and check-in days from care start on. The "
        "first episode lasts while consecutive engagement dates are at most {gap} days apart. "
        "Days retained = last engagement of that episode minus care start. A participant drops "
        "out when a longer gap follows (or has passed by the as-of date); completed and "
        "transferred discharges and participants still in care are censored. The curve is the "
        "Kaplan-Meier estimate of staying in care beyond t days; the headline 90-day retention is "
        "that estimate at day 90. Retention at 30/90/180 days by cohort counts only participants "
        "whose outcome at that day is known, and is shown once the whole cohort has been followed "
        "that long plus {gap} days.",
        ("participant_retention", "retention_curve", "retention_curve_by_care_track"),
    ),
    "funnel": (
        "Enrolment funnel",
        "Participants enrolled by the as-of date, those who started care, and those retained at "
        "least 30, 90 and 180 days.",
        ("enrolment_funnel",),
    ),
    "drink-free": (
        "Drink-free days per 30",
        "A day counts when its check-in answered the drinking question (a skipped question or a "
        "missing check-in is never drink-free). Observed: drink-free days / reported days x 30. "
        "Conservative: drink-free days / all days of the month x 30. Means are over participants "
        "with a row in that month; baseline against month 3 uses the same participants in both.",
        ("participant_drinking_monthly", "program_outcomes_monthly"),
    ),
    "heavy": (
        "Heavy drinking days",
        "A reported day with at least {hf} standard drinks for women and unknown sex, {hm} for "
        "men (NIAAA). Shown per 30 reported days.",
        ("participant_drinking_monthly", "program_outcomes_monthly"),
    ),
    "nhdd": (
        "No heavy drinking days, months 2-3",
        "The FDA-style responder: for participants whose month 3 has ended, no heavy drinking "
        "day in months 2 and 3 and at least 80% of their 60 days reported (month 1 is a grace "
        "period; missing reports count against).",
        ("participant_outcomes", "program_outcomes"),
    ),
    "who-risk": (
        "WHO risk drinking levels",
        "Grams per day = drinks x 14 / reported days; levels 0 abstinent, 1 low, 2 medium, "
        "3 high, 4 very high (thresholds differ by sex). The reduction compares baseline with "
        "the last completed treatment month; the 1-level outcome counts participants starting "
        "at level 1 or above, the 2-level outcome (FDA-qualified) those at level 2 or above.",
        ("participant_outcomes", "program_outcomes"),
    ),
    "appointments": (
        "Appointments",
        "By month of the scheduled date in the program's time zone, leaving out entered-in-error. "
        "Attendance rate = attended / (attended + no-show). Unresolved: still booked with a date "
        "before the as-of date.",
        ("appointment_attendance_monthly",),
    ),
    "coverage": (
        "Check-in coverage",
        "Of the days participants were in care (started and not discharged) in a month, the "
        "share with a drinking answer.",
        ("checkin_coverage_monthly",),
    ),
    "medication": (
        "Self-reported medication use",
        "Per participant and month, days reported as medication taken over days the medication "
        "question was answered; the chart shows the mean over participants.",
        ("participant_drinking_monthly", "program_outcomes_monthly"),
    ),
    "craving": (
        "Craving",
        "Per participant and month, the mean craving score (0 to 10) over answered days; the chart "
        "shows the mean over participants.",
        ("participant_drinking_monthly", "program_outcomes_monthly"),
    ),
    "quality": (
        "Data quality",
        "Every delivered export file is recorded; rows that break the export contract, and files "
        "that cannot be read or carry columns outside the contract, are quarantined with the "
        "reason. Great Expectations checks run after every build; a failed critical check keeps "
        "the previous dashboards online with a red banner.",
        (),
    ),
    "small-cells": (
        "Small cells",
        "Counts from 1 to {small} show as <{min}. Rates and means over fewer than {min} "
        "participants are not shown. Where a hidden count could be worked out from a total and "
        "the other cells, another cell is hidden too (marked 'suppressed'). Downloads hold exactly "
        "the numbers shown.",
        (),
    ),
}


def build(ctx: Context) -> Page:
    s = ctx.settings
    values = {
        "gap": s.retention_gap_days,
        "hf": s.heavy_threshold_female,
        "hm": s.heavy_threshold_male,
        "min": s.min_cell_size,
        "small": s.min_cell_size - 1,
    }
    items = []
    for anchor, (title, text, models) in DEFINITIONS.items():
        links = ", ".join(f'<a href="{model_link(m)}">{esc(m)}</a>' for m in models)
        items.append(
            f'<dt id="{anchor}">{esc(title)}</dt><dd>{esc(text.format(**values))}'
            + (f"<br><small>dbt models: {links}</small>" if links else "")
            + "</dd>"
        )
    body = '<div class="card"><dl class="metrics">' + "".join(items) + "</dl></div>"
    return Page(
        "metrics",
        "Definitions",
        "How each figure is computed (see also the dbt model documentation).",
        sections_html=body,
    )
