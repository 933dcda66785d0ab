"""The GX file context: written from `suites.SUITES` into `expectations/gx/` (versioned), and
copied to a per-data-folder working context at run time.

Regenerate the versioned context after editing the suites:

    python -m expectations.project

Why a working copy: a file context writes validation results and Data Docs below itself; runs
against different data folders must not share them, and nothing a run writes belongs in the
source tree. The copy starts empty every run, so the Data Docs show tonight's results only (the
history lives in quality.validation_runs).
"""

from __future__ import annotations

import re
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

from core.settings import EXPECTATIONS_DIR
from expectations.suites import SUITES, Check

GX_DIR = EXPECTATIONS_DIR / "gx"
DATASOURCE = "warehouse_frames"
BATCH_DEFINITION = "whole_frame"
DOCS_SITE = "local_site"
DOCS_SITE_DIR = Path("uncommitted") / "data_docs" / DOCS_SITE
# No unexpected values in results or Data Docs: they could be participant ids or answers.
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}
# GX inlines this file into every Data Docs page. Offline the CDN icon font is missing and the
# per-expectation status icons are empty, so the status is spelled out instead.
CUSTOM_CSS_PATH = Path("plugins") / "custom_data_docs" / "styles" / "data_docs_custom_styles.css"
CUSTOM_CSS = """/* written by expectations/project.py */
i.fas.fa-check-circle.text-success::before { content: "passed"; color: #060; }
i.fas.fa-times.text-danger::before { content: "FAILED"; color: #a00; }
i.fas.fa-check-circle.text-success::before, i.fas.fa-times.text-danger::before {
  font-family: system-ui, sans-serif; font-style: normal; font-weight: bold;
}
"""
VERSIONED_PARTS = (
    "great_expectations.yml",
    "expectations",
    "validation_definitions",
    "checkpoints",
    ".gitignore",
)


def expectation_type(class_name: str) -> str:
    """ExpectColumnValuesToBeBetween -> expect_column_values_to_be_between."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def description(check: Check) -> str:
    """Data Docs show the description instead of GX's own sentence: lead with the severity, and
    name the data column (for summary checks, GX's column is the summary's, not the data's)."""
    return f"[{check.severity.upper()}] {check.label}"


def meta(check: Check) -> dict[str, str]:
    """Severity, and the data column a summary check is about (the gate's labels use it)."""
    return {"severity": check.severity, **({"subject": check.subject} if check.subject else {})}


def expected_config(check: Check) -> dict[str, Any]:
    """The stored form of a check (what the versioned suite JSON must hold)."""
    return {
        "type": expectation_type(check.expectation),
        "kwargs": check.kwargs,
        "severity": check.severity,
        "description": description(check),
        "meta": meta(check),
    }


def _gx_expectation(check: Check):
    import great_expectations.expectations as gxe

    cls = getattr(gxe, check.expectation)
    return cls(
        **check.kwargs,
        severity=check.severity,
        description=description(check),
        meta=meta(check),
    )


def quiet_context(project_root: Path):
    """A file context with progress bars off (they would flood the flow's logs)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(project_root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def write_project(project_root: Path) -> Path:
    """(Re)create the GX project under project_root/gx from SUITES; returns the gx folder."""
    import great_expectations as gx

    gx_dir = project_root / "gx"
    for part in VERSIONED_PARTS:  # start clean so a removed suite leaves no file behind
        target = gx_dir / part
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    context = quiet_context(project_root)
    context.variables.data_docs_sites = {
        DOCS_SITE: {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(DOCS_SITE_DIR) + "/",
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            # Validation result pages only: suite pages doubled the build time and repeat
            # what each result page shows.
            "site_section_builders": {"expectations": "0", "profiling": "0"},
        }
    }
    context.variables.save()
    (gx_dir / CUSTOM_CSS_PATH).parent.mkdir(parents=True, exist_ok=True)
    (gx_dir / CUSTOM_CSS_PATH).write_text(CUSTOM_CSS, encoding="utf-8")
    datasource = context.data_sources.add_or_update_pandas(DATASOURCE)
    for suite in SUITES:
        asset = datasource.add_dataframe_asset(suite.name)
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        gx_suite = context.suites.add(
            gx.ExpectationSuite(
                name=suite.name, expectations=[_gx_expectation(c) for c in suite.checks]
            )
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=gx_suite)
        )
        context.checkpoints.add(
            gx.Checkpoint(
                name=suite.name,
                validation_definitions=[definition],
                actions=[],
                result_format=RESULT_FORMAT,
            )
        )
    _stabilise_ids(gx_dir)
    return gx_dir


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _stabilise_ids(gx_dir: Path) -> None:
    """Replace GX's random ids by ids derived from their order, the same in every regeneration,
    so regenerating an unchanged suite leaves the versioned files unchanged."""
    files = sorted(
        p
        for part in VERSIONED_PARTS
        for p in ([gx_dir / part] if (gx_dir / part).is_file() else (gx_dir / part).rglob("*"))
        if p.is_file()
    )
    mapping: dict[str, str] = {}
    for path in files:
        for found in _UUID.findall(path.read_text(encoding="utf-8")):
            mapping.setdefault(found, str(uuid.uuid5(uuid.NAMESPACE_URL, f"aud-gx/{len(mapping)}")))
    for path in files:
        text = path.read_text(encoding="utf-8")
        path.write_text(_UUID.sub(lambda m: mapping[m.group(0)], text), encoding="utf-8")


def working_context(workdir: Path):
    """A fresh copy of the versioned context under workdir, opened as a file context."""
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(GX_DIR, workdir / "gx", ignore=shutil.ignore_patterns("uncommitted"))
    return quiet_context(workdir)


def main() -> int:
    gx_dir = write_project(EXPECTATIONS_DIR)
    print(f"wrote {len(SUITES)} suites to {gx_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
