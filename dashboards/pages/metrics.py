"""Definitions of every figure: dbt's doc blocks (dashboards/definitions.py), with dbt links.

Each entry names the blocks it shows; the charts show the same blocks under themselves, so a
term has one text across the site, and that text is the one dbt documents the marts with.
"""

from __future__ import annotations

from dashboards.charts import Page
from dashboards.pages import Context, model_link

# anchor: (title, dbt doc blocks, dbt models)
DEFINITIONS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "care-start": (
        "Care start and treatment months",
        ("attended_appointment", "care_start_date", "started", "cohort_month", "treatment_month"),
        ("participants",),
    ),
    "in-care": (
        "Participants in care",
        ("site_participants_in_care", "retention_status"),
        ("participant_retention", "site_overview"),
    ),
    "retention": (
        "Retention (Kaplan-Meier)",
        (
            "engagement_date",
            "last_engaged_on",
            "days_retained",
            "retention_status",
            "dropped_out",
            "retention",
            "at_risk",
            "site_km_at_day",
            "site_numbers_at_risk",
            "site_km_grid",
        ),
        (
            "participant_retention",
            "retention_curve",
            "retention_curve_by_care_track",
            "site_retention_curves",
            "site_retention_at_risk",
            "site_overview",
        ),
    ),
    "retention-rate": (
        "Retention rates at 30, 90 and 180 days",
        ("retained_nd", "site_cohort_mature", "site_retention_rate"),
        ("participant_retention", "site_retention_rates"),
    ),
    "funnel": (
        "Enrolment funnel",
        ("started", "site_not_started", "site_retention_rate"),
        ("enrolment_funnel", "site_enrolment_funnel"),
    ),
    "drink-free": (
        "Drink-free days per 30",
        (
            "day_answer",
            "reported_days",
            "drink_free_days",
            "pct_drink_free_observed",
            "pct_drink_free_conservative",
            "drink_free_days_per_30",
            "site_drink_free_paired",
        ),
        (
            "participant_drinking_monthly",
            "program_outcomes_monthly",
            "site_drinking_monthly",
            "site_drink_free_paired",
        ),
    ),
    "heavy": (
        "Heavy drinking days",
        ("heavy_drinking_days", "pct_heavy_observed"),
        ("participant_drinking_monthly", "program_outcomes_monthly", "site_drinking_monthly"),
    ),
    "nhdd": (
        "No heavy drinking days, months 2-3",
        ("no_heavy_drinking_months_2_3",),
        ("participant_outcomes", "program_outcomes", "site_responder_rates"),
    ),
    "who-risk": (
        "WHO risk drinking levels",
        (
            "grams_per_day",
            "risk_level",
            "risk_level_reduction",
            "risk_reduction_n_level",
            "site_risk_shift",
        ),
        ("participant_outcomes", "program_outcomes", "site_responder_rates", "site_risk_shift"),
    ),
    "appointments": (
        "Appointments",
        (
            "attended_appointment",
            "unresolved",
            "attendance_rate",
            "site_appointments_all_types",
            "site_attendance_month",
        ),
        ("appointment_attendance_monthly", "site_appointments_monthly", "site_overview"),
    ),
    "coverage": (
        "Check-in coverage",
        ("coverage", "site_participants_started_not_discharged"),
        ("checkin_coverage_monthly", "site_checkin_coverage"),
    ),
    "medication": (
        "Self-reported medication use",
        ("medication_rate",),
        ("participant_drinking_monthly", "program_outcomes_monthly", "site_drinking_monthly"),
    ),
    "craving": (
        "Craving",
        ("mean_craving_score",),
        ("participant_drinking_monthly", "program_outcomes_monthly", "site_drinking_monthly"),
    ),
    "quality": (
        "Data quality",
        ("site_quality_deliveries", "site_quality_quarantine", "site_quality_validation"),
        (),
    ),
}


def build(ctx: Context) -> Page:
    entries = [
        {
            "anchor": anchor,
            "title": title,
            "text": ctx.definitions.render(*blocks),
            "models": [{"name": m, "href": model_link(m)} for m in models],
        }
        for anchor, (title, blocks, models) in DEFINITIONS.items()
    ]
    return Page(
        "metrics",
        "Definitions",
        "How each figure is computed: the definitions the dbt models are documented with (see "
        "also the model documentation).",
        body_template="metrics_body.html.j2",
        body={"entries": entries, "min_cell": ctx.min_cell},
    )
