"""One definition text per metric: the doc blocks of dbt_project/models/docs/ and their use.

Fast (no dbt run): the project's files are read as text and YAML. dbt itself fails to parse on a
doc() naming no block or a block defined twice; these tests add what dbt does not check.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from core.settings import DBT_PROJECT_DIR

MODELS = DBT_PROJECT_DIR / "models"
DOCS = MODELS / "docs"
METRICS_DOCS = DOCS / "metrics.md"
PUBLIC_MARTS_YML = MODELS / "marts" / "_marts__models.yml"
_BLOCK = re.compile(r"{%-?\s*docs\s+(\w+)\s*-?%}")
_DOC_REF = re.compile(r"""doc\(\s*['"]+(\w+)['"]+\s*\)""")

# Columns of the public marts that hold a metric of METRICS.md under another name than its block.
COLUMN_BLOCKS = {
    "status": "retention_status",
    "retained_30d": "retained_nd",
    "retained_90d": "retained_nd",
    "retained_180d": "retained_nd",
    "dropouts": "km_dropouts",
    "censored": "km_censored",
    "month3_elapsed": "month_elapsed",
    "baseline_risk_level": "risk_level",
    "last_elapsed_risk_level": "risk_level",
    "risk_reduction_1_level": "risk_reduction_n_level",
    "risk_reduction_2_level": "risk_reduction_n_level",
    "nhdd_rate": "outcome_rate",
    "risk1_rate": "outcome_rate",
    "risk2_rate": "outcome_rate",
    "attended": "attended_appointment",
    "scheduled": "scheduled_appointments",
    "noshow": "noshow_appointments",
    "cancelled": "cancelled_appointments",
    "month": "appointment_month",
    "medication_days": "medication_rate",
    "medication_reported_days": "medication_rate",
}


def blocks(path: Path) -> list[str]:
    return _BLOCK.findall(path.read_text())


def references() -> set[str]:
    """Every block named by doc() in the models' YAML and SQL (the docs folder aside)."""
    found: set[str] = set()
    for path in MODELS.rglob("*"):
        if path.suffix in (".yml", ".yaml", ".sql") and DOCS not in path.parents:
            found |= set(_DOC_REF.findall(path.read_text()))
    return found


def test_each_block_is_defined_once_across_the_docs_files():
    names = [name for path in sorted(DOCS.glob("*.md")) for name in blocks(path)]
    assert len(names) == len(set(names)), sorted(n for n in set(names) if names.count(n) > 1)


def test_every_metric_block_is_used_by_a_model():
    unused = set(blocks(METRICS_DOCS)) - references()
    assert not unused, f"metric blocks no model shows: {sorted(unused)}"


def test_every_reference_names_a_block():
    defined = {name for path in DOCS.glob("*.md") for name in blocks(path)}
    assert references() <= defined, sorted(references() - defined)


def test_public_mart_columns_show_their_metric_through_its_block():
    metric_blocks = set(blocks(METRICS_DOCS))
    models = yaml.safe_load(PUBLIC_MARTS_YML.read_text())["models"]
    missing = []
    checked = 0
    for model in models:
        for column in model.get("columns", []):
            name = column["name"]
            block = COLUMN_BLOCKS.get(name, name if name in metric_blocks else None)
            if block is None:
                continue
            assert block in metric_blocks, f"{name}: no block {block}"
            checked += 1
            if block not in _DOC_REF.findall(column.get("description", "")):
                missing.append(f"{model['name']}.{name} (doc('{block}'))")
    assert checked > 50
    assert not missing, f"columns defining a metric in their own words: {missing}"
