"""The one Jinja2 environment for every page the pipeline writes (the site and the validation
report), so every page escapes the same way: autoescape on, values never concatenated into HTML.

Templates live in `core/templates/` (the shared `base.html.j2`) and in each stage's own
`templates/` folder, which extends it; a stage passes its folder to `environment()`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

CORE_TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def environment(*stage_folders: Path) -> jinja2.Environment:
    loader = jinja2.FileSystemLoader([*(str(f) for f in stage_folders), str(CORE_TEMPLATES)])
    return jinja2.Environment(
        loader=loader,
        autoescape=True,  # every template, whatever its name ends with
        undefined=jinja2.StrictUndefined,  # a missing value fails the build, never renders empty
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, *stage_folders: Path, **values: object) -> str:
    return environment(*stage_folders).get_template(template).render(**values)
