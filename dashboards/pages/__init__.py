"""One module per page; each turns the marts' columns into a Page of charts: it picks rows,
formats and applies the small-cell rule, and computes nothing (every figure is a mart column)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.run_summary import RunSummary
from core.settings import Settings
from dashboards.definitions import DBT_PROJECT_NAME, Definitions
from dashboards.queries import SiteData

DBT_DOCS = "dbt-docs/index.html"
ALL = "All participants"


@dataclass
class Context:
    settings: Settings
    run: RunSummary
    data: SiteData
    definitions: Definitions

    @property
    def min_cell(self) -> int:
        return self.settings.min_cell_size


def model_link(model: str) -> str:
    """The dbt docs page of a model, as published under <site>/dbt-docs/."""
    return f"{DBT_DOCS}#!/model/model.{DBT_PROJECT_NAME}.{model}"


def group_labels(df: pd.DataFrame) -> pd.Series:
    """The group of a site mart row (grouping_name, group_value) as the pages name it."""
    prefix = {"care_track": "Care track: ", "sex_at_birth": "Sex: "}
    return pd.Series(
        [
            ALL if g == "all" else prefix[g] + str(v)
            for g, v in zip(df["grouping_name"], df["group_value"], strict=True)
        ],
        index=df.index,
        dtype=object,
    )
