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

from core.contract import APPOINTMENT_TYPES, APPOINTMENTS, CHECKINS, PARTICIPANTS, Entity

Severity = Literal["critical", "warning"]
MONTH_PATTERN = r"^\d{4}-\d{2}$"
RETENTION_STATUSES = ("completed", "transferred", "dropped_out", "in_care")


@dataclass(frozen=True)
class Check:
    expectation: str  # GX expectation class name, e.g. "ExpectColumnValuesToBeBetween"
    kwargs: dict[str, Any]
    severity: Severity
    text: str  # what it means, shown in Data Docs and in the run's lists
    # The data column a check on a summary frame is about (e.g. `craving_score` for the count of
    # its out-of-range values): labels name it instead of the summary's column.
    subject: str | None = None

    @property
    def column(self) -> str | None:
        return self.subject or self.kwargs.get("column") or self.kwargs.get("column_A")

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


def _no_rows(summary: str, subject: str, text: str, severity: Severity = "critical") -> Check:
    """A row-level rule checked on a delivery summary: its count of offending rows must be 0."""
    return Check(
        "ExpectColumnMaxToBeBetween", {"column": summary, "max_value": 0}, severity, text, subject
    )


def _delivery_suite(entity: Entity, extra: tuple[Check, ...]) -> Suite:
    """Contract rules for tonight's rows of one entity (the landing rows of the new deliveries).

    They run on `frames.delivery_summary` (one row of counts of offending rows), not on the rows.
    """
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
            checks.append(_no_rows(f"{col.name}_missing", col.name, text))
        if col.allowed:
            checks.append(
                _no_rows(
                    f"{col.name}_not_in_set", col.name, "value is one of the contract's values"
                )
            )
        if col.min_value is not None or col.max_value is not None:
            checks.append(
                _no_rows(
                    f"{col.name}_out_of_range",
                    col.name,
                    f"value within the contract's range {col.min_value} to {col.max_value}",
                )
            )
        if col.pattern:
            checks.append(
                _no_rows(
                    f"{col.name}_not_matching", col.name, "id has the contract's pseudonymous shape"
                )
            )
    return Suite(f"new_{entity.name}_delivery", (*checks, *extra))


NEW_PARTICIPANTS = _delivery_suite(
    PARTICIPANTS,
    (
        _no_rows(
            "enrolled_days_after_export",
            "enrolled_days_after_export",
            "enrolment not dated after the export date",
        ),
        _no_rows(
            "discharge_days_after_enrolment",
            "discharge_days_after_enrolment",
            "discharge not dated before enrolment",
        ),
    ),
)

NEW_CHECKINS = _delivery_suite(
    CHECKINS,
    (
        _no_rows(
            "report_days_after_export",
            "report_days_after_export",
            "report date not after the export date",
        ),
        Check(
            "ExpectColumnMinToBeBetween",
            {
                "column": "standard_drinks_answered_share",
                "min_value": _param("answered_drinks_min_share"),
            },
            "warning",
            "share of skipped drinks answers within bound",
            "standard_drinks",
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


def _min(column: str, text: str, value: Any, severity: Severity = "critical") -> Check:
    return Check(
        "ExpectColumnMinToBeBetween", {"column": column, "min_value": value}, severity, text
    )


def _max(column: str, text: str, value: Any, severity: Severity = "critical") -> Check:
    return Check(
        "ExpectColumnMaxToBeBetween", {"column": column, "max_value": value}, severity, text
    )


def _range(name: str, text: str, low: Any, high: Any) -> tuple[Check, ...]:
    """A row-level range on the per-month minimum and maximum columns (see frames.py)."""
    checks = []
    if low is not None:
        checks.append(_min(f"{name}_min", f"{text}: no value below {_show(low)}", low))
    if high is not None:
        checks.append(_max(f"{name}_max", f"{text}: no value above {_show(high)}", high))
    return tuple(checks)


def _show(value: Any) -> str:
    return value["$PARAMETER"] if isinstance(value, dict) else str(value)


MARTS_PARTICIPANT_RETENTION = Suite(
    "marts_participant_retention",
    (
        _not_null("status", "retention status is filled in"),
        Check(
            "ExpectColumnValuesToBeInSet",
            {"column": "status", "value_set": list(RETENTION_STATUSES)},
            "critical",
            "retention status is a known status",
        ),
        _max("missing_participant_ids", "participant key is filled in", 0),
        *_range("days_retained", "days retained", 0, None),
        *_range("days_retained_mismatch", "days_retained - (last_engaged_on - care_start)", 0, 0),
        *_range("dropped_out_mismatch", "dropped_out differs from status = dropped_out", None, 0),
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
        *_range("treatment_month", "treatment month", 0, _param("outcome_months")),
        *_range("window_days", "window days", 1, 30),
        *(c for col in _FRACTIONS for c in _range(col, f"fraction {col}", 0, 1)),
        *_range("reported_days_over_window", "reported days minus window days", None, 0),
        *_range("unbalanced_reported_days", "reported - drink-free - drinking days", 0, 0),
        *_range("heavy_days_over_drinking", "heavy drinking days minus drinking days", None, 0),
        *_range("drinks_per_drinking_day", "drinks per drinking day", 1, None),
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
            {"column": "appointment_type", "value_set": list(APPOINTMENT_TYPES)},
            "critical",
            "appointment type is a contract type",
        ),
        _between("attendance_rate", "attendance rate within 0..1", 0, 1),
        _between(
            "unaccounted", "attended + noshow + cancelled + unresolved within scheduled", 0, None
        ),
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
        Check(
            "ExpectColumnMaxToBeBetween",
            {
                "column": "days_since_newest_report",
                "min_value": 0,
                "max_value": _param("freshness_days"),
            },
            "critical",
            "newest check-in report date within freshness_days of the as-of date",
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
