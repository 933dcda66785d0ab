"""The definition of every figure: dbt's doc blocks, read from manifest.json.

One text per metric: dbt_project/models/docs/metrics.md (the metrics of METRICS.md) and
site_terms.md (terms the site marts introduce) define each term once; dbt documents the marts
with them and the site shows the same words under each chart and on the definitions page. A block
the site names that the manifest does not hold fails the publish (MissingDefinition), so a
renamed block can never leave a chart without its definition.

The Markdown of a block is rendered as a tiny, safe subset: paragraphs (blank lines) and `code`
spans. The result is structure (paragraphs of text and code spans) for the templates, which
escape every piece; no HTML is built here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings

DBT_PROJECT_NAME = "aud_outcomes"
_CODE = re.compile(r"`([^`]+)`")


class MissingDefinition(LookupError):
    """A doc block the site shows is not in dbt's manifest (or there is no manifest)."""


@dataclass(frozen=True)
class Span:
    text: str
    code: bool = False


Paragraph = tuple[Span, ...]


def paragraphs(markdown: str) -> tuple[Paragraph, ...]:
    """Paragraphs (split at blank lines, lines joined) of text and `code` spans."""
    out = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        text = " ".join(line.strip() for line in block.splitlines() if line.strip())
        if not text:
            continue
        spans, last = [], 0
        for match in _CODE.finditer(text):
            if match.start() > last:
                spans.append(Span(text[last : match.start()]))
            spans.append(Span(match.group(1), code=True))
            last = match.end()
        if last < len(text):
            spans.append(Span(text[last:]))
        out.append(tuple(spans))
    return tuple(out)


@dataclass(frozen=True)
class Definitions:
    blocks: dict[str, str]  # block name -> Markdown
    source: Path

    def text(self, name: str) -> str:
        try:
            return self.blocks[name]
        except KeyError:
            raise MissingDefinition(
                f"doc block {name!r} is not in {self.source} (expected "
                f"doc.{DBT_PROJECT_NAME}.{name}; dbt_project/models/docs/)"
            ) from None

    def render(self, *names: str) -> tuple[Paragraph, ...]:
        """The blocks' paragraphs, in order; MissingDefinition for any block not found."""
        return tuple(p for name in names for p in paragraphs(self.text(name)))

    def require(self, names: set[str]) -> None:
        missing = sorted(n for n in names if n not in self.blocks)
        if missing:
            raise MissingDefinition(
                f"doc blocks {', '.join(missing)} are not in {self.source} "
                f"(dbt_project/models/docs/)"
            )


def manifest_path(settings: Settings) -> Path:
    return settings.dbt_target_dir / "manifest.json"


def load_definitions(settings: Settings) -> Definitions:
    """The project's doc blocks from the manifest of the last dbt command of this data folder."""
    path = manifest_path(settings)
    if not path.is_file():
        raise MissingDefinition(
            f"no dbt manifest at {path}: the site's definitions are dbt's doc blocks; "
            "run dbt (build or parse) for this data folder before publishing"
        )
    docs = json.loads(path.read_text(encoding="utf-8")).get("docs", {})
    prefix = f"doc.{DBT_PROJECT_NAME}."
    blocks = {
        key[len(prefix) :]: node.get("block_contents", "")
        for key, node in docs.items()
        if key.startswith(prefix)
    }
    return Definitions(blocks, path)
