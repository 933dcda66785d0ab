"""What the site reads: columns of the marts, selected as they are.

Every figure is a column of a mart (dbt_project/models/marts/site/ and the public marts): a query
here names its relation, its columns and at most a filter on key columns; it never aggregates or
computes (tests/dashboards/test_dashboards_exposures.py checks that, and that each page's relations
are the `depends_on` of its dbt exposure). The quality page is the one exception: it summarises the
pipeline's own records (quality.*), which ingestion and validation write outside dbt, the latest
validation after the build, so no mart can hold them (see RecordSummary).

No query returns participant-level rows. Tables that do not exist yet (a first run, quality
tables not written) come back empty.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from core.engine import PUBLIC_SCHEMA, Engine
from core.settings import Settings
from core.warehouse import open_warehouse

PAGES = ("index", "retention", "drinking", "engagement", "quality", "metrics")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# A key filter: `column = 'value'`, `column <> 'value'`, joined by `and`.
_COMPARE = r"[a-z_][a-z0-9_]* (=|<>) '[A-Za-z0-9_ -]*'"
_KEY_FILTER = re.compile(f"{_COMPARE}( and {_COMPARE})*")


@dataclass(frozen=True)
class Select:
    """Columns of one mart, as they are: `select <columns> from <relation> [where <key filter>]`."""

    pages: tuple[str, ...]
    relation: str  # marts.<model>
    columns: tuple[str, ...]
    where: str = ""
    order_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = (*self.columns, *self.order_by)
        if not all(_IDENTIFIER.fullmatch(c) for c in names):
            raise ValueError(f"{self.relation}: select plain columns only, not {names}")
        if self.where and not _KEY_FILTER.fullmatch(self.where):
            raise ValueError(f"{self.relation}: filter on key columns only, not {self.where!r}")

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.relation,)

    def sql(self, as_of: dt.date | None = None, schema: str = PUBLIC_SCHEMA) -> str:
        """The query, reading the marts from `schema` (the validated candidate before it is
        published, `marts` otherwise)."""
        where = f" where {self.where}" if self.where else ""
        order = f" order by {', '.join(self.order_by)}" if self.order_by else ""
        relation = in_schema(self.relation, schema)
        return f"select {', '.join(self.columns)} from {relation}{where}{order}"


@dataclass(frozen=True)
class RecordSummary:
    """A summary of the pipeline's quality.* records (DuckDB SQL; not metrics, not in dbt)."""

    pages: tuple[str, ...]
    relation: str  # quality.<table>
    template: str  # may use {as_of}

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.relation,)

    def sql(self, as_of: dt.date | None = None) -> str:
        return self.template.format(relation=self.relation, as_of=as_of)


def in_schema(relation: str, schema: str) -> str:
    """`marts.<model>` read from another schema (the candidate); other relations unchanged."""
    prefix = f"{PUBLIC_SCHEMA}."
    return schema + "." + relation[len(prefix) :] if relation.startswith(prefix) else relation


def _marts(model: str) -> str:
    return f"{PUBLIC_SCHEMA}.{model}"


def _columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


RATE_COLUMNS = tuple(
    c
    for n in (30, 90, 180)
    for c in (f"retained_{n}d_known", f"retained_{n}d", f"retention_rate_{n}d")
)
CURVE_COLUMNS = ("group_value", "day", "at_risk", "dropouts", "censored", "retention")
AT_RISK_DAYS = (0, 30, 60, 90, 180, 270, 365)

SITE_QUERIES: dict[str, Select | RecordSummary] = {
    "overview": Select(
        ("index",),
        _marts("site_overview"),
        _columns(
            """as_of_date participants_started participants_in_care km_retention_day_90
            km_at_risk_day_90 participants_paired baseline_drink_free_days_per_30
            month3_drink_free_days_per_30 attendance_month attendance_attended_or_noshow
            attendance_rate"""
        ),
    ),
    "retention_curve": Select(
        ("retention",),
        _marts("site_retention_curves"),
        CURVE_COLUMNS,
        "curve = 'cohort_month'",
        ("group_value", "day"),
    ),
    "retention_curve_track": Select(
        ("retention",),
        _marts("site_retention_curves"),
        CURVE_COLUMNS,
        "curve = 'care_track'",
        ("group_value", "day"),
    ),
    "at_risk_cohort": Select(
        ("retention",),
        _marts("site_retention_at_risk"),
        ("group_value", *(f"at_risk_day_{t}" for t in AT_RISK_DAYS)),
        "curve = 'cohort_month'",
        ("group_value",),
    ),
    "at_risk_track": Select(
        ("retention",),
        _marts("site_retention_at_risk"),
        ("group_value", *(f"at_risk_day_{t}" for t in AT_RISK_DAYS)),
        "curve = 'care_track'",
        ("group_value",),
    ),
    "retention_rates": Select(
        ("retention",),
        _marts("site_retention_rates"),
        ("care_track", "cohort_month", *RATE_COLUMNS),
        "cohort_month <> 'all'",
        ("care_track", "cohort_month"),
    ),
    "funnel": Select(
        ("retention",),
        _marts("site_enrolment_funnel"),
        (
            *_columns("care_track enrolled started not_started"),
            *(f"not_retained_{n}d" for n in (30, 90, 180)),
            *RATE_COLUMNS,
        ),
        order_by=("care_track",),
    ),
    "drinking_monthly": Select(
        ("drinking", "engagement"),
        _marts("site_drinking_monthly"),
        _columns(
            """grouping_name group_value treatment_month participants participants_reporting
            participants_not_reporting mean_drink_free_days_per_30
            mean_drink_free_days_per_30_conservative mean_heavy_days_per_30
            participants_medication_reported mean_medication_rate participants_craving_reported
            mean_craving_score"""
        ),
        order_by=("grouping_name", "group_value", "treatment_month"),
    ),
    "drink_free_paired": Select(
        ("drinking",),
        _marts("site_drink_free_paired"),
        _columns(
            """grouping_name group_value participants_paired baseline_drink_free_days_per_30
            month3_drink_free_days_per_30"""
        ),
        order_by=("grouping_name", "group_value"),
    ),
    "responder_rates": Select(
        ("drinking",),
        _marts("site_responder_rates"),
        _columns(
            """grouping_name group_value nhdd_eligible nhdd_responders nhdd_rate risk1_eligible
            risk1_responders risk1_rate risk2_eligible risk2_responders risk2_rate"""
        ),
        order_by=("grouping_name", "group_value"),
    ),
    "risk_shift": Select(
        ("drinking",),
        _marts("site_risk_shift"),
        ("baseline_risk_level", *(f"last_level_{k}" for k in range(5)), "participants"),
        order_by=("row_order",),
    ),
    "appointments": Select(
        ("engagement",),
        _marts("site_appointments_monthly"),
        _columns(
            """calendar_month appointment_type scheduled attended noshow cancelled unresolved
            other_status attended_or_noshow attendance_rate"""
        ),
        order_by=("calendar_month", "appointment_type"),
    ),
    "coverage": Select(
        ("engagement",),
        _marts("site_checkin_coverage"),
        ("calendar_month", "participants_started_not_discharged", "coverage"),
        order_by=("calendar_month",),
    ),
    # The pipeline's records (quality.*), always in the DuckDB warehouse file.
    "deliveries": RecordSummary(
        ("index", "quality"),
        "quality.deliveries",
        """select export_date, entity, source_file, status, redelivery,
                  coalesce(rows_loaded, 0) as rows_loaded,
                  coalesce(rows_quarantined, 0) as rows_quarantined, loaded_at
           from {relation} order by export_date, source_file""",
    ),
    "deliveries_daily": RecordSummary(
        ("quality",),
        "quality.deliveries",
        """select export_date, coalesce(sum(rows_loaded), 0) as rows_loaded,
                  coalesce(sum(rows_quarantined), 0) as rows_quarantined
           from {relation} group by export_date order by export_date""",
    ),
    "freshness": RecordSummary(
        ("index",),
        "quality.deliveries",
        """select max(export_date) as latest_export_date,
                  date_diff('day', max(export_date), date '{as_of}') as age_days
           from {relation} having count(*) > 0""",
    ),
    "quarantine": RecordSummary(
        ("quality",),
        "quality.quarantine",
        """select split_part(source_file, '/', -1) as source_file,
                  coalesce(column_name, '(whole file)') as column_name,
                  reason, count(*) as rows
           from {relation} group by all order by rows desc, source_file limit 200""",
    ),
    "validation_runs": RecordSummary(
        ("index", "quality"),
        "quality.validation_runs",
        """select run_id, max(run_at) as run_at, any_value(as_of_date) as as_of_date,
                  count(*) as evaluated, count(*) filter (where success) as passed,
                  count(*) filter (where success) / count(*) as share_passed,
                  count(*) filter (where not success and severity = 'critical')
                      as critical_failed,
                  count(*) filter (where not success and severity <> 'critical')
                      as warnings_failed,
                  string_agg(suite || ': ' || expectation, '; ')
                      filter (where not success) as failed_expectations
           from {relation} group by run_id order by run_at""",
    ),
}

# name: (tables it needs, SQL), as other stages' tests read it (tests/spark).
QUERIES: dict[str, tuple[tuple[str, ...], str]] = {
    name: (q.tables, q.sql()) for name, q in SITE_QUERIES.items() if isinstance(q, Select)
}


def relations_read_by(page: str) -> set[str]:
    """Every relation the page's queries read (its dbt exposure's depends_on)."""
    return {t for q in SITE_QUERIES.values() if page in q.pages for t in q.tables}


@dataclass
class SiteData:
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)  # query -> missing tables

    def get(self, name: str) -> pd.DataFrame:
        if name not in SITE_QUERIES:
            raise KeyError(f"no site query named {name!r} (dashboards/queries.py)")
        return self.frames.get(name, pd.DataFrame())


def load_site_data(
    settings: Settings,
    engine: Engine,
    as_of: dt.date | None = None,
    schema: str = PUBLIC_SCHEMA,
) -> SiteData:
    """Every query: the marts (from `schema`) through the engine, quality.* from the DuckDB
    warehouse (where ingestion and validation keep them on every engine)."""
    as_of = as_of or settings.resolved_as_of()
    data = SiteData()
    marts = {f"{PUBLIC_SCHEMA}.{t}" for t in engine.tables(schema)}
    quality: set[str] = set()
    if settings.warehouse_path.exists():
        with open_warehouse(settings, read_only=True) as con:
            quality = {
                f"quality.{t}"
                for (t,) in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'quality'"
                ).fetchall()
            }
    for name, query in SITE_QUERIES.items():
        absent = [t for t in query.tables if t not in marts | quality]
        if absent:
            data.missing[name] = absent
        elif isinstance(query, Select):
            data.frames[name] = engine.read_frame(query.sql(schema=schema))
        else:
            with open_warehouse(settings, read_only=True) as con:
                data.frames[name] = con.execute(query.sql(as_of)).df()
    return data
