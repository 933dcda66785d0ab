"""The validation suites as plain data: what each suite checks, and how severe a failure is.

`python -m expectations.project` turns these into the versioned GX file context in
`expectations/gx/`; a test keeps the two in step. Each suite validates one DataFrame that
`expectations.frames` reads from the warehouse (same name). Derived columns such as
`report_days_after_export` are computed there in SQL, so every rule is a plain GX expectation
that Data Docs can show. Thresholds are `$PARAMETER`s filled from `expectations.thresholds`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from flows.contract import APPOINTMENTS, CHECKINS, PARTICIPANTS, Entity

Severity = Literal["critical", "warning"]
MONTH_PATTERN = r"^\d{4}-\d{2}$"
RETENTION_STATUSES = ("completed", "transferred", "dropped_out", "in_care")


@dataclass(frozen=True)
class Check:
    expectation: str  # GX expectation class name, e.g. "ExpectColumnValuesToBeBetween"
    kwargs: dict[str, Any]
    severity: Severity
    text: str  # what it means, shown in Data Docs and in the run's lists

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column") or self.kwargs.get("column_A")

    @property
    def label(self) -> str:
        return f"{self.text} ({self.column})" if self.column else self.text


@dataclass(frozen=True)
class Suite:
    name: str  # also the GX dataframe asset, validation definition and checkpoint name
    checks: tuple[Check, ...] = field(default_factory=tuple)


def _param(name: str) -> dict[str, str]:
    return {"$PARAMETER": name}


def _not_null(column: str, text: str, severity: Severity = "critical") -> Check:
    return Check("ExpectColumnValuesToNotBeNull", {"column": column}, severity, text)


def _between(
    column: str,
    text: str,
    min_value: Any = None,
    max_value: Any = None,
    severity: Severity = "critical",
) -> Check:
    kwargs: dict[str, Any] = {"column": column}
    if min_value is not None:
        kwargs["min_value"] = min_value
    if max_value is not None:
        kwargs["max_value"] = max_value
    return Check("ExpectColumnValuesToBeBetween", kwargs, severity, text)


def _zero(column: str, text: str, severity: Severity = "critical") -> Check:
    return _between(column, text, 0, 0, severity)


def _delivery_suite(entity: Entity, extra: tuple[Check, ...]) -> Suite:
    """Contract rules for tonight's rows of one entity (the landing rows of the new deliveries)."""
    checks = [
        Check(
            "ExpectTableColumnsToMatchSet",
            {"column_set": list(entity.column_names), "exact_match": False},
            "critical",
            f"every contract column of {entity.name} is present",
        )
    ]
    for col in entity.columns:
        if not col.nullable:
            text = "key is filled in" if col.name == entity.key else "required value is filled in"
            checks.append(_not_null(col.name, text))
        if col.allowed:
            checks.append(
                Check(
                    "ExpectColumnValuesToBeInSet",
                    {"column": col.name, "value_set": list(col.allowed)},
                    "critical",
                    "value is one of the contract's values",
                )
            )
        if col.min_value is not None or col.max_value is not None:
            checks.append(
                _between(
                    col.name,
                    f"value within the contract's range {col.min_value} to {col.max_value}",
                    col.min_value,
                    col.max_value,
                )
            )
        if col.pattern:
            checks.append(
                Check(
                    "ExpectColumnValuesToMatchRegex",
                    {"column": col.name, "regex": col.pattern},
                    "critical",
                    "id has the contract's pseudonymous shape",
                )
            )
    return Suite(f"new_{entity.name}_delivery", (*checks, *extra))


NEW_PARTICIPANTS = _delivery_suite(
    PARTICIPANTS,
    (
        _between(
            "enrolled_days_after_export", "enrolment not dated after the export date", None, 0
        ),
        _between(
            "discharge_days_after_enrolment", "discharge not dated before enrolment", 0, None
        ),
    ),
)

NEW_CHECKINS = _delivery_suite(
    CHECKINS,
    (
        _between("report_days_after_export", "report date not after the export date", None, 0),
        Check(
            "ExpectColumnValuesToNotBeNull",
            {"column": "standard_drinks", "mostly": _param("answered_drinks_min_share")},
            "warning",
            "share of skipped drinks answers within bound",
        ),
    ),
)

NEW_APPOINTMENTS = _delivery_suite(APPOINTMENTS, ())

NEW_DELIVERY_ROW_COUNTS = Suite(
    "new_delivery_row_counts",
    (
        _between(
            "ratio_to_recent_median",
            "rows loaded not collapsing against the median of recent deliveries",
            _param("row_count_collapse_ratio"),
            None,
            "warning",
        ),
    ),
)

MARTS_PARTICIPANT_RETENTION = Suite(
    "marts_participant_retention",
    (
        _not_null("participant_id", "participant key is filled in"),
        Check(
            "ExpectColumnValuesToBeInSet",
            {"column": "status", "value_set": list(RETENTION_STATUSES)},
            "critical",
            "retention status is a known status",
        ),
        _between("days_retained", "days retained not negative", 0, None),
        _zero("days_retained_mismatch", "days_retained = last_engaged_on - care_start_date"),
        _zero("dropped_out_mismatch", "dropped_out exactly when status is dropped_out"),
        Check(
            "ExpectColumnValuesToMatchRegex",
            {"column": "cohort_month", "regex": MONTH_PATTERN},
            "critical",
            "cohort month is YYYY-MM",
        ),
    ),
)

MARTS_RETENTION_CURVE = Suite(
    "marts_retention_curve",
    (
        _not_null("retention", "retention estimate is filled in"),
        _between("retention", "retention within 0..1", 0, 1),
        _between(
            "retention_increase",
            "retention curve non-increasing within each cohort",
            None,
            _param("retention_tolerance"),
        ),
        _between("day", "day not negative", 0, None),
        _between("at_risk_shortfall", "dropouts + censored not above at_risk", None, 0),
    ),
)

_FRACTIONS = (
    "pct_drink_free_observed",
    "pct_drink_free_conservative",
    "pct_heavy_observed",
    "report_coverage",
)

MARTS_DRINKING_MONTHLY = Suite(
    "marts_participant_drinking_monthly",
    (
        _between("treatment_month", "treatment month 0..outcome_months", 0, _param("outcome_months")),
        _between("window_days", "window of 1..30 days", 1, 30),
        *(_between(col, "fraction within 0..1", 0, 1) for col in _FRACTIONS),
        _between("reported_days_over_window", "reported days not above window days", None, 0),
        _zero("unbalanced_reported_days", "drink-free + drinking days = reported days"),
        _between("heavy_days_over_drinking", "heavy drinking days not above drinking days", None, 0),
        _between("drinks_per_drinking_day", "drinks per drinking day at least 1", 1, None),
    ),
)

MARTS_ATTENDANCE_MONTHLY = Suite(
    "marts_appointment_attendance_monthly",
    (
        Check(
            "ExpectColumnValuesToMatchRegex",
            {"column": "month", "regex": MONTH_PATTERN},
            "critical",
            "month is YYYY-MM",
        ),
        Check(
            "ExpectColumnValuesToBeInSet",
            {"column": "appointment_type", "value_set": list(APPOINTMENTS.column("appointment_type").allowed or ())},
            "critical",
            "appointment type is a contract type",
        ),
        _between("attendance_rate", "attendance rate within 0..1", 0, 1),
        _between("unaccounted", "attended + noshow + cancelled + unresolved not above scheduled", 0, None),
        _between(
            "patient_cancellations_over_cancelled",
            "cancellations by patient not above cancellations",
            None,
            0,
        ),
    ),
)

MARTS_RECONCILIATION = Suite(
    "marts_reconciliation",
    (
        _zero("started_missing_from_retention", "every started participant has a retention row"),
        _zero("retention_rows_not_started", "no retention row for a participant not started"),
        _zero("duplicate_retention_rows", "each started participant present once"),
        _zero("scheduled_total_difference", "scheduled total reconciles with appointments"),
        _zero("attended_total_difference", "attended total reconciles with appointments"),
    ),
)

CHECKIN_FRESHNESS = Suite(
    "checkin_freshness",
    (
        _not_null("days_since_newest_report", "some check-in is reported up to the as-of date"),
        _between(
            "days_since_newest_report",
            "newest check-in report date within freshness_days of the as-of date",
            0,
            _param("freshness_days"),
        ),
    ),
)

SUITES: tuple[Suite, ...] = (
    NEW_PARTICIPANTS,
    NEW_CHECKINS,
    NEW_APPOINTMENTS,
    NEW_DELIVERY_ROW_COUNTS,
    MARTS_PARTICIPANT_RETENTION,
    MARTS_RETENTION_CURVE,
    MARTS_DRINKING_MONTHLY,
    MARTS_ATTENDANCE_MONTHLY,
    MARTS_RECONCILIATION,
    CHECKIN_FRESHNESS,
)
SUITES_BY_NAME = {s.name: s for s in SUITES}
