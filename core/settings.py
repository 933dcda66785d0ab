"""Every setting of the pipeline, in one place.

Each field can be set by an `AUD_`-prefixed environment variable (``AUD_WAREHOUSE=...``) or by the
matching command-line option, which wins. Metric thresholds default to ../shared/METRICS.md and are
handed to dbt as vars, so SQL and Python never disagree.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import duckdb
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.warehouse import DEFAULT_MEMORY_LIMIT

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUD_", extra="ignore")

    # Locations
    data_dir: Path = Field(
        PROJECT_ROOT / "data", description="Working folder for demo data and state."
    )
    exports: Path | None = Field(
        None, description="Drop folder of the exports (app/, scheduling/)."
    )
    warehouse: Path | None = Field(None, description="DuckDB warehouse file.")
    site: Path | None = Field(None, description="Folder the dashboards are published to.")
    analytics: Path | None = Field(
        None,
        description="Analysts' copy; default <warehouse stem>.analytics.duckdb beside it.",
    )
    prefect_home: Path | None = Field(None, description="PREFECT_HOME; default <data_dir>/prefect.")
    dbt_project_dir: Path = Field(DBT_PROJECT_DIR, description="The dbt project to build.")

    # Run
    as_of: dt.date | None = Field(None, description="As-of date; default today in the program tz.")
    timezone: str = Field("America/New_York", description="Program time zone (IANA name).")
    engine: Literal["duckdb", "spark"] = "duckdb"
    # DuckDB spills to disk beyond this, so a big night stays within the machine's memory budget.
    duckdb_memory_limit: str = Field(
        DEFAULT_MEMORY_LIMIT, description="DuckDB memory_limit for every step."
    )
    # How long a run waits for the warehouse while another process (an analyst's open
    # connection) holds it, before it exits 3 ("busy") naming the holder.
    lock_wait_seconds: float = Field(300, ge=0)
    # dbt builds a nightly run's marts here; they are copied to `marts` once validated.
    candidate_schema: str = Field("marts_candidate", pattern=r"^[a-z_][a-z0-9_]*$")

    # Metric thresholds (../shared/METRICS.md), passed to dbt as vars
    retention_gap_days: int = Field(30, ge=1)
    outcome_months: int = Field(12, ge=1)
    heavy_threshold_female: int = Field(4, ge=1)
    heavy_threshold_male: int = Field(5, ge=1)
    heavy_threshold_unknown: int = Field(4, ge=1)

    # Privacy and quality
    min_cell_size: int = Field(11, ge=1)
    # An entity with no delivery exported within this many days of the as-of date is critical.
    freshness_days: int = Field(3, ge=0)
    # The night's deliveries (expectations/suites.py, "night_deliveries"): the share of an
    # entity's rows read tonight that went to the quarantine, and files quarantined whole.
    rejected_share_warning: float = Field(0.05, ge=0, le=1)
    rejected_share_critical: float = Field(0.5, ge=0, le=1)
    quarantined_file_severity: Literal["warning", "critical"] = "warning"

    # Alerts (flows/alerts.py): who is told of a failed, crashed or warning night
    alert_webhook_url: str | None = Field(
        None, description="URL that receives a JSON POST (Slack-compatible) per alert."
    )
    alert_email_to: str | None = Field(
        None, description="Alert e-mail recipients, comma-separated."
    )
    alert_email_from: str = Field("aud-outcomes@localhost", description="Sender of alert e-mail.")
    smtp_host: str | None = Field(None, description="SMTP server for alert e-mail.")
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    # Each attempt's timeout; with retries an unreachable receiver costs the run at most ~3x this.
    alert_timeout_seconds: float = Field(5.0, gt=0)
    site_url: str | None = Field(
        None, description="Address readers open the site at, for alerts; default file:// path."
    )
    max_run_age_hours: float = Field(
        26, ge=0, description="status: exit non-zero when the last successful run is older."
    )

    # Synthetic exports (`aud-outcomes generate`)
    participants: int = Field(400, ge=0, description="generate: participants enrolled.")
    months: int = Field(
        12, ge=0, description="generate: months of enrolment before the as-of date."
    )
    seed: int = Field(7, description="generate: random seed; same seed, same files.")
    nights: int = Field(
        7, ge=0, description="generate: nightly delta files after the initial export."
    )

    # Schedule
    schedule_cron: str = Field("0 3 * * *", description="Nightly cron, in the program time zone.")
    deployment_name: str = "nightly"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory_size(cls, value: str) -> str:
        # DuckDB's own parser, so that a value it takes is never refused here.
        try:
            duckdb.connect(":memory:", config={"memory_limit": value}).close()
        except duckdb.Error:
            raise ValueError("not a size DuckDB takes, such as 3GB or 512MiB") from None
        return value

    @field_validator("alert_webhook_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("not an http:// or https:// address")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.rejected_share_warning > self.rejected_share_critical:
            raise ValueError(
                "rejected_share_warning must not be above rejected_share_critical "
                f"({self.rejected_share_warning:g} > {self.rejected_share_critical:g})"
            )
        if self.candidate_schema == "marts":
            raise ValueError("candidate_schema must not be marts, the published schema")
        return self

    # Derived locations: defaults live under data_dir so nothing lands in the user's home.
    @property
    def exports_dir(self) -> Path:
        return (self.exports or self.data_dir / "demo" / "exports").resolve()

    @property
    def warehouse_path(self) -> Path:
        return (self.warehouse or self.data_dir / "warehouse.duckdb").resolve()

    @property
    def site_dir(self) -> Path:
        # Not resolve(): the site is a symlink swapped on every publish (dashboards/publish.py).
        return (self.site or self.data_dir / "site").absolute()

    @property
    def analytics_path(self) -> Path:
        """The analysts' copy of the public tables (engines/analytics.py)."""
        stem = self.warehouse_path.name.removesuffix(".duckdb")
        return (
            self.analytics or self.warehouse_path.with_name(f"{stem}.analytics.duckdb")
        ).resolve()

    @property
    def parquet_dir(self) -> Path:
        """Every public table as Parquet, beside the analysts' copy."""
        stem = self.analytics_path.name.removesuffix(".duckdb").removesuffix(".analytics")
        return self.analytics_path.with_name(f"{stem}.parquet")

    @property
    def prefect_home_dir(self) -> Path:
        return (self.prefect_home or self.data_dir / "prefect").resolve()

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's artifacts (manifest.json, catalog.json, the docs) for this data folder; kept per
        data folder so runs against different warehouses never share partial-parse state."""
        return (self.data_dir / "dbt" / "target").resolve()

    @property
    def dbt_log_dir(self) -> Path:
        return (self.data_dir / "dbt" / "logs").resolve()

    def resolved_as_of(self) -> dt.date:
        """The as-of date: the setting, or today in the program's time zone."""
        return self.as_of or dt.datetime.now(ZoneInfo(self.timezone)).date()

    def dbt_vars(self) -> dict[str, object]:
        return {
            "as_of_date": self.resolved_as_of().isoformat(),
            "program_timezone": self.timezone,
            "retention_gap_days": self.retention_gap_days,
            "outcome_months": self.outcome_months,
            "heavy_threshold_female": self.heavy_threshold_female,
            "heavy_threshold_male": self.heavy_threshold_male,
            "heavy_threshold_unknown": self.heavy_threshold_unknown,
        }
