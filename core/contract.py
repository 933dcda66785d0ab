"""The export contract of ../shared/EXPORTS.md as data: entities, their columns and landing tables.

Ingestion validates against this, the landing DDL is generated from it, and the generator writes
it, so a column is named in one place only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PARTICIPANT_ID_PATTERN = r"^p_[0-9a-f]{16}$"

SEX_AT_BIRTH = ("female", "male", "unknown")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
CARE_TRACKS = ("medication_only", "medication_and_therapy", "therapy_only")
DISCHARGE_REASONS = ("completed", "transferred", "lost_to_follow_up", "administrative")
APPOINTMENT_TYPES = ("intake", "prescriber", "therapy", "group", "peer_support")
APPOINTMENT_STATUSES = (
    "booked",
    "arrived",
    "checked-in",
    "fulfilled",
    "noshow",
    "cancelled",
    "entered-in-error",
)
ATTENDED_STATUSES = ("fulfilled", "arrived", "checked-in")
CANCELLED_BY = ("patient", "provider")
MODALITIES = ("video", "phone", "in_person")
# USPS two-letter codes: the 50 states, DC, and the territories and military codes USPS issues.
US_STATES = (
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "AS",
    "GU",
    "MP",
    "PR",
    "VI",
    "UM",
    "AA",
    "AE",
    "AP",
)


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # landing type in DuckDB
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    min_value: int | None = None
    max_value: int | None = None
    pattern: str | None = None

    @property
    def free_text(self) -> bool:
        """A string column with no code list and no pattern (the check-in/appointment ids)."""
        return self.sql_type == "VARCHAR" and self.allowed is None and self.pattern is None


@dataclass(frozen=True)
class Entity:
    name: str  # also the landing table name and the file prefix
    system: str  # drop sub-folder
    key: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def id_columns(self) -> tuple[str, ...]:
        """The id columns: strings in every format (a JSON number or object breaks the type)."""
        return tuple(dict.fromkeys((self.key, "participant_id")))


PARTICIPANTS = Entity(
    name="participants",
    system="app",
    key="participant_id",
    columns=(
        Column("participant_id", "VARCHAR", pattern=PARTICIPANT_ID_PATTERN),
        Column("enrolled_on", "DATE"),
        Column("sex_at_birth", "VARCHAR", allowed=SEX_AT_BIRTH),
        Column("age_band", "VARCHAR", allowed=AGE_BANDS),
        Column("state", "VARCHAR", allowed=US_STATES),
        Column("care_track", "VARCHAR", allowed=CARE_TRACKS),
        Column("baseline_audit_c", "INTEGER", nullable=True, min_value=0, max_value=12),
        Column("discharged_on", "DATE", nullable=True),
        Column("discharge_reason", "VARCHAR", nullable=True, allowed=DISCHARGE_REASONS),
        Column("data_sharing_consent", "BOOLEAN"),
        Column("updated_at", "TIMESTAMPTZ"),
    ),
)

CHECKINS = Entity(
    name="checkins",
    system="app",
    key="checkin_id",
    columns=(
        Column("checkin_id", "VARCHAR"),
        Column("participant_id", "VARCHAR", pattern=PARTICIPANT_ID_PATTERN),
        Column("report_date", "DATE"),
        Column("submitted_at", "TIMESTAMPTZ"),
        Column("standard_drinks", "INTEGER", nullable=True, min_value=0, max_value=60),
        Column("craving_score", "INTEGER", nullable=True, min_value=0, max_value=10),
        Column("took_medication", "BOOLEAN", nullable=True),
    ),
)

APPOINTMENTS = Entity(
    name="appointments",
    system="scheduling",
    key="appointment_id",
    columns=(
        Column("appointment_id", "VARCHAR"),
        Column("participant_id", "VARCHAR", pattern=PARTICIPANT_ID_PATTERN),
        Column("appointment_type", "VARCHAR", allowed=APPOINTMENT_TYPES),
        Column("scheduled_start", "TIMESTAMPTZ"),
        Column("duration_minutes", "INTEGER", min_value=5, max_value=240),
        Column("status", "VARCHAR", allowed=APPOINTMENT_STATUSES),
        Column("cancelled_by", "VARCHAR", nullable=True, allowed=CANCELLED_BY),
        Column("modality", "VARCHAR", allowed=MODALITIES),
        Column("updated_at", "TIMESTAMPTZ"),
    ),
)

ENTITIES: dict[str, Entity] = {e.name: e for e in (PARTICIPANTS, CHECKINS, APPOINTMENTS)}
# Load order within one export date: participants first, so check-ins and appointments of the same
# delivery find their participant ("a known participant ... in the same or an earlier delivery").
LOAD_ORDER = ("participants", "checkins", "appointments")
FORMATS = ("csv", "jsonl", "parquet")
FILE_NAME = re.compile(
    r"^(?P<entity>participants|checkins|appointments)_(?P<date>\d{8})\.(?P<ext>csv|jsonl|parquet)$"
)

# No `updated_at` / `submitted_at` may be later than the end of its export date at UTC-12:00
# (the last place on Earth where that date ends); offsets lie between -12:00 and +14:00.
VERSION_TIMESTAMPS = ("updated_at", "submitted_at")
LATEST_OFFSET_HOURS = -12
OFFSET_RANGE_MINUTES = (-12 * 60, 14 * 60)

# Columns ingestion adds to every landing row: where the version came from.
LINEAGE_COLUMNS = (
    ("_delivery_id", "BIGINT"),  # quality.deliveries.delivery_id
    ("_source_file", "VARCHAR"),  # path relative to the exports folder
    ("_export_date", "DATE"),
    ("_row_number", "BIGINT"),  # 1-based data row in the file
    ("_loaded_at", "TIMESTAMPTZ"),
)


def landing_ddl(entity: Entity, schema: str = "landing") -> str:
    cols = [f"{c.name} {c.sql_type}" for c in entity.columns]
    cols += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS]
    return f"CREATE TABLE IF NOT EXISTS {schema}.{entity.name} (\n  " + ",\n  ".join(cols) + "\n)"
