"""The validation suites, written with Great Expectations' own expectation classes.

The gate owns only what dbt cannot see (docs/architecture.md): tonight's deliveries (the landing
rows of the new files and their row counts in quality.deliveries, ingestion's tables in the DuckDB
warehouse on every engine), the freshness of the check-ins, and cross-checks between dbt's own
relations. Invariants of one mart (value ranges, keys, one retention row per started participant)
are dbt tests, so they are not repeated here.

Each suite validates one small pandas DataFrame that `expectations.frames` reads (same name); the
expectations are built from this code at run time (`expectations.context`), never stored by hand.
Great Expectations is imported inside `build_suites`: importing this module stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from core.contract import APPOINTMENTS, CHECKINS, PARTICIPANTS, Entity
from core.settings import Settings
from expectations.thresholds import ROW_COUNT_COLLAPSE_RATIO, SKIPPED_DRINKS_MAX_SHARE

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

Severity = Literal["critical", "warning"]
CRITICAL: Severity = "critical"
WARNING: Severity = "warning"


@dataclass(frozen=True)
class Suite:
    name: str  # also the GX dataframe asset, validation definition and checkpoint name
    reads: str  # the relations its frame is read from, as shown on the summary page


SUITES: tuple[Suite, ...] = (
    Suite("new_participants_delivery", "landing.participants: tonight's deliveries (DuckDB)"),
    Suite("new_checkins_delivery", "landing.checkins: tonight's deliveries (DuckDB)"),
    Suite("new_appointments_delivery", "landing.appointments: tonight's deliveries (DuckDB)"),
    Suite("new_delivery_row_counts", "quality.deliveries: tonight's files vs recent ones (DuckDB)"),
    Suite(
        "night_deliveries",
        "quality.deliveries: tonight's rows read, loaded and quarantined per entity, and the "
        "newest export date of each (DuckDB)",
    ),
    Suite(
        "marts_reconciliation",
        "marts participants and appointment_attendance_monthly vs "
        "intermediate.int_participants_enrolled and intermediate.int_appointments_as_of (engine)",
    ),
    Suite("checkin_freshness", "staging.stg_app__checkins (engine)"),
)
SUITE_NAMES: tuple[str, ...] = tuple(s.name for s in SUITES)


def about(
    text: str,
    severity: Severity,
    column: str | None = None,
    counts_rows: bool = False,
    message: str | None = None,
    **message_args: Any,
) -> dict[str, Any]:
    """Severity, description and meta of an expectation.

    The label ("what it checks (column)") names the check in the history and the check-by-night
    grid; `message` names its plain-words result (expectations.messages, with `message_args`),
    which the run's lists, the summary, the banner and the alerts show. Data Docs show the
    description, led by the severity. `column` is the data column a check is about (for summary
    frames, not the summary's own column); `counts_rows` marks a check whose observed value is a
    count of offending rows (the gate reports "k of n rows unexpected").
    """
    label = f"{text} ({column})" if column else text
    meta: dict[str, Any] = {"severity": severity, "label": label}
    if counts_rows:
        meta["counts_rows"] = True
    if message:
        meta["message"] = message
        meta["message_args"] = message_args
    return {"severity": severity, "description": f"[{severity.upper()}] {label}", "meta": meta}


def _delivery_suite(entity: Entity, gxe: Any) -> list[Expectation]:
    """Contract rules for tonight's rows of one entity, on `frames.delivery_summary`: one row of
    counts of offending rows, so a rule holds exactly when its count's maximum is 0."""

    def no_rows(summary: str, subject: str, text: str, what: str) -> Expectation:
        return gxe.ExpectColumnMaxToBeBetween(
            column=summary,
            max_value=0,
            **about(
                text,
                CRITICAL,
                subject,
                counts_rows=True,
                message="offending_rows",
                entity=entity.name,
                what=what,
            ),
        )

    checks = [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=list(entity.column_names),
            exact_match=False,
            **about(
                f"every contract column of {entity.name} is present",
                CRITICAL,
                message="columns_present",
                entity=entity.name,
            ),
        )
    ]
    for col in entity.columns:
        if not col.nullable:
            text = "key is filled in" if col.name == entity.key else "required value is filled in"
            checks.append(no_rows(f"{col.name}_missing", col.name, text, f"have no {col.name}"))
        if col.allowed:
            checks.append(
                no_rows(
                    f"{col.name}_not_in_set",
                    col.name,
                    "value is one of the contract's values",
                    f"have a {col.name} outside the contract's values",
                )
            )
        if col.min_value is not None or col.max_value is not None:
            checks.append(
                no_rows(
                    f"{col.name}_out_of_range",
                    col.name,
                    f"value within the contract's range {col.min_value} to {col.max_value}",
                    f"have a {col.name} outside {col.min_value} to {col.max_value}",
                )
            )
        if col.pattern:
            checks.append(
                no_rows(
                    f"{col.name}_not_matching",
                    col.name,
                    "id has the contract's pseudonymous shape",
                    f"have a {col.name} not of the contract's shape",
                )
            )
    if entity is PARTICIPANTS:
        checks += [
            no_rows(
                "enrolled_days_after_export",
                "enrolled_days_after_export",
                "enrolment not dated after the export date",
                "are enrolled after their export date",
            ),
            no_rows(
                "discharge_days_after_enrolment",
                "discharge_days_after_enrolment",
                "discharge not dated before enrolment",
                "are discharged before their enrolment",
            ),
        ]
    if entity is CHECKINS:
        checks += [
            no_rows(
                "report_days_after_export",
                "report_days_after_export",
                "report date not after the export date",
                "report a day after their export date",
            ),
            gxe.ExpectColumnMinToBeBetween(
                column="standard_drinks_answered_share",
                min_value=1.0 - SKIPPED_DRINKS_MAX_SHARE,
                **about(
                    "share of skipped drinks answers within bound",
                    WARNING,
                    "standard_drinks",
                    message="skipped_drinks",
                ),
            ),
        ]
    return checks


def _row_counts(gxe: Any) -> list[Expectation]:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="ratio_to_recent_median",
            min_value=ROW_COUNT_COLLAPSE_RATIO,
            **about(
                "rows loaded not collapsing against the median of recent deliveries",
                WARNING,
                "ratio_to_recent_median",
                message="row_collapse",
            ),
        )
    ]


def _night_deliveries(settings: Settings, gxe: Any) -> list[Expectation]:
    """Tonight's deliveries judged per entity (frames.night_deliveries, one wide row): what the
    quarantine took (the landing-row suites see only the rows that loaded), and whether the
    entity was delivered at all lately. Thresholds and severities are settings."""
    checks: list[Expectation] = []
    for entity in (PARTICIPANTS, CHECKINS, APPOINTMENTS):
        name = entity.name
        checks += [
            gxe.ExpectColumnMaxToBeBetween(
                column=f"{name}_files_quarantined",
                max_value=0,
                **about(
                    f"no {name} file quarantined whole",
                    settings.quarantined_file_severity,
                    f"{name}_files_quarantined",
                    message="files_quarantined",
                    entity=name,
                ),
            ),
            gxe.ExpectColumnMaxToBeBetween(
                column=f"{name}_rejected_share",
                max_value=settings.rejected_share_warning,
                **about(
                    f"share of {name} rows quarantined within the warning limit",
                    WARNING,
                    f"{name}_rejected_share",
                    message="rejected_share",
                    entity=name,
                ),
            ),
            gxe.ExpectColumnMaxToBeBetween(
                column=f"{name}_rejected_share",
                max_value=settings.rejected_share_critical,
                **about(
                    f"share of {name} rows quarantined within the critical limit",
                    CRITICAL,
                    f"{name}_rejected_share",
                    message="rejected_share",
                    entity=name,
                ),
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column=f"{name}_days_since_export",
                **about(
                    f"some {name} delivery is loaded",
                    CRITICAL,
                    f"{name}_days_since_export",
                    message="delivered",
                    entity=name,
                ),
            ),
            gxe.ExpectColumnMaxToBeBetween(
                column=f"{name}_days_since_export",
                max_value=settings.freshness_days,
                **about(
                    f"newest {name} delivery exported within freshness_days of the as-of date",
                    CRITICAL,
                    f"{name}_days_since_export",
                    message="delivery_age",
                    entity=name,
                ),
            ),
        ]
    return checks


def _reconciliation(gxe: Any) -> list[Expectation]:
    """Cross-checks of the marts against dbt's intermediate relations (frames.reconciliation_sql):
    int_appointments_as_of and int_participants_enrolled.

    A difference must be 0 (its minimum and maximum, on the one row); a count of offending
    participants must be 0. The observed value is the difference or count itself.
    """

    def zero(column: str, text: str, message: str, what: str) -> Expectation:
        return gxe.ExpectColumnMaxToBeBetween(
            column=column,
            min_value=0,
            max_value=0,
            **about(text, CRITICAL, column, message=message, what=what),
        )

    return [
        zero(
            "scheduled_total_difference",
            "marts' scheduled appointments equal dbt's appointments up to the as-of date",
            "difference",
            "the marts' scheduled appointments and dbt's",
        ),
        zero(
            "attended_total_difference",
            "marts' attended appointments equal dbt's attended ones up to the as-of date",
            "difference",
            "the marts' attended appointments and dbt's",
        ),
        zero(
            "participants_missing_from_marts",
            "every participant dbt enrolled up to the as-of date is in the marts",
            "participants",
            "enrolled by dbt are missing from the marts",
        ),
        zero(
            "marts_participants_not_enrolled",
            "every marts participant is one dbt enrolled up to the as-of date",
            "participants",
            "in the marts are not enrolled by dbt",
        ),
    ]


def _freshness(settings: Settings, gxe: Any) -> list[Expectation]:
    column = "days_since_newest_report"
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column=column,
            **about(
                "some check-in is reported up to the as-of date",
                CRITICAL,
                column,
                message="checkins_reported",
            ),
        ),
        gxe.ExpectColumnMaxToBeBetween(
            column=column,
            min_value=0,
            max_value=settings.freshness_days,
            **about(
                "newest check-in report date within freshness_days of the as-of date",
                CRITICAL,
                column,
                message="checkin_age",
            ),
        ),
    ]


def build_suites(settings: Settings) -> dict[str, list[Expectation]]:
    """Every suite's expectations (fresh instances: GX binds each to one suite), in SUITES' order.

    Thresholds are filled in here from `settings` and `expectations.thresholds`, so Data Docs show
    the values that decided.
    """
    import great_expectations.expectations as gxe

    built = {
        "new_participants_delivery": _delivery_suite(PARTICIPANTS, gxe),
        "new_checkins_delivery": _delivery_suite(CHECKINS, gxe),
        "new_appointments_delivery": _delivery_suite(APPOINTMENTS, gxe),
        "new_delivery_row_counts": _row_counts(gxe),
        "night_deliveries": _night_deliveries(settings, gxe),
        "marts_reconciliation": _reconciliation(gxe),
        "checkin_freshness": _freshness(settings, gxe),
    }
    return {name: built[name] for name in SUITE_NAMES}
