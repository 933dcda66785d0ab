"""The Great Expectations file context of a run, built from the code (`suites.build_suites`).

Nothing of it is versioned: each run writes a fresh context under the run's data folder
(`<data_dir>/validation_context/gx/`), with one pandas dataframe asset, validation definition and
checkpoint per suite, and GX writes its validation results and Data Docs below it. A context of
its own per data folder keeps runs against different folders apart; starting empty every run,
the Data Docs show tonight's results only (the history lives in quality.validation_runs).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext
    from great_expectations.expectations import Expectation

DATASOURCE = "warehouse_frames"
BATCH_DEFINITION = "whole_frame"
DOCS_SITE = "local_site"
DOCS_SITE_DIR = Path("uncommitted") / "data_docs" / DOCS_SITE
# No unexpected values in results or Data Docs: they could be participant ids or answers.
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}
# GX inlines this file into every Data Docs page. Offline the CDN icon font is missing and the
# per-expectation status icons are empty, so the status is spelled out instead.
CUSTOM_CSS_PATH = Path("plugins") / "custom_data_docs" / "styles" / "data_docs_custom_styles.css"
CUSTOM_CSS = """/* written by expectations/context.py */
i.fas.fa-check-circle.text-success::before { content: "passed"; color: #060; }
i.fas.fa-times.text-danger::before { content: "FAILED"; color: #a00; }
i.fas.fa-check-circle.text-success::before, i.fas.fa-times.text-danger::before {
  font-family: system-ui, sans-serif; font-style: normal; font-weight: bold;
}
"""
DATA_DOCS_SITES = {
    DOCS_SITE: {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(DOCS_SITE_DIR) + "/",
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        # Validation result pages only: suite pages doubled the build time and repeat what each
        # result page shows.
        "site_section_builders": {"expectations": "0", "profiling": "0"},
    }
}


def build_context(workdir: Path, suites: dict[str, list[Expectation]]) -> FileDataContext:
    """A new file context under workdir/gx holding every suite, each with its checkpoint."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    context = gx.get_context(mode="file", project_root_dir=str(workdir))
    # Progress bars would flood the flow's logs; analytics stay off whatever the environment.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.variables.data_docs_sites = DATA_DOCS_SITES
    context.enable_analytics(False)  # also saves the variables
    css = Path(context.root_directory) / CUSTOM_CSS_PATH
    css.parent.mkdir(parents=True, exist_ok=True)
    css.write_text(CUSTOM_CSS, encoding="utf-8")
    datasource = context.data_sources.add_pandas(DATASOURCE)
    for name, expectations in suites.items():
        asset = datasource.add_dataframe_asset(name)
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
        )
        context.checkpoints.add(
            gx.Checkpoint(
                name=name,
                validation_definitions=[definition],
                actions=[],
                result_format=RESULT_FORMAT,
            )
        )
    return context


def docs_site(context: FileDataContext) -> Path:
    """Where build_data_docs writes the site of this context."""
    return Path(context.root_directory) / DOCS_SITE_DIR
