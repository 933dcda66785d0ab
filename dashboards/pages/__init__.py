"""One module per page; each draws the tables of the disclosure step (dashboards/disclosure.py,
`Published`) as a Page of charts: it formats and computes nothing, and never reads the marts, so
every figure it shows has been through the one small-cell step."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.run_summary import RunSummary
from core.settings import Settings
from dashboards.definitions import DBT_PROJECT_NAME, Definitions
from dashboards.disclosure import ALL, Published

DBT_DOCS = "dbt-docs/index.html"


@dataclass
class Context:
    settings: Settings
    run: RunSummary
    pub: Published
    definitions: Definitions

    @property
    def min_cell(self) -> int:
        return self.settings.min_cell_size


def model_link(model: str) -> str:
    """The dbt docs page of a model, as published under <site>/dbt-docs/."""
    return f"{DBT_DOCS}#!/model/model.{DBT_PROJECT_NAME}.{model}"


def hidden_note(ctx: Context, table: pd.DataFrame, what: str) -> str:
    """The note under a chart that leaves out hidden points (METRICS.md: it says so)."""
    marker = ctx.pub.marker
    if table.empty or not table.isin([marker]).any().any():
        return ""
    return (
        f"{what} hidden by the small-cell rule are left out of the chart and show as {marker} "
        f"in its download and tables: a count from 1 to {ctx.min_cell - 1}, or a value hidden "
        "so that one cannot be worked out."
    )


__all__ = ["ALL", "Context", "hidden_note", "model_link"]
