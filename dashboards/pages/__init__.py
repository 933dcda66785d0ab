"""One module per page; each turns the aggregated site data into a Page of charts."""

from __future__ import annotations

from dataclasses import dataclass

from core.run_summary import RunSummary
from core.settings import Settings
from dashboards.queries import SiteData

DBT_DOCS = "dbt-docs/index.html"
DBT_PROJECT_NAME = "aud_outcomes"


@dataclass
class Context:
    settings: Settings
    run: RunSummary
    data: SiteData

    @property
    def min_cell(self) -> int:
        return self.settings.min_cell_size


def model_link(model: str) -> str:
    """The dbt docs page of a model, as published under <site>/dbt-docs/."""
    return f"{DBT_DOCS}#!/model/model.{DBT_PROJECT_NAME}.{model}"
