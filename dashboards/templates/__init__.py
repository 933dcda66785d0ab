"""The site's Jinja2 templates (this folder), extending core/templates/base.html.j2, rendered by
the one environment of core.html (autoescape, StrictUndefined): no HTML is built in Python."""

from __future__ import annotations

from pathlib import Path

from core import html

FOLDER = Path(__file__).resolve().parent
NAV = (
    ("index", "Overview"),
    ("retention", "Retention"),
    ("drinking", "Drinking outcomes"),
    ("engagement", "Engagement"),
    ("quality", "Data quality"),
    ("metrics", "Definitions"),
)
# publish_failure swaps what is between these markers, leaving the rest of the index untouched.
BANNER_START = "<!--banner:start-->"
BANNER_END = "<!--banner:end-->"


def render(template: str, **values: object) -> str:
    return html.render(template, FOLDER, **values)


def page_html(
    slug: str,
    title: str,
    generated: str,
    min_cell: int,
    *,
    intro: str = "",
    charts: list[dict] | None = None,
    body_template: str | None = None,
    body: dict | None = None,
    banner: dict | None = None,
) -> str:
    """A whole page: nav, banner slot, intro, charts, the page's own body, footer."""
    return render(
        "page.html.j2",
        nav=NAV,
        slug=slug,
        title=title,
        generated=generated,
        min_cell=min_cell,
        intro=intro,
        charts=charts or [],
        body_template=body_template,
        body=body or {},
        banner=banner,
        banner_start=BANNER_START,
        banner_end=BANNER_END,
    )


def banner_values(title: str, failures: list[str], validation_link: bool) -> dict:
    return {"title": title, "failures": list(failures), "validation_link": validation_link}


def banner_html(title: str, failures: list[str], validation_link: bool) -> str:
    """The failure banner alone, for publish_failure to put in the kept index's banner slot."""
    return render("banner.html.j2", banner=banner_values(title, failures, validation_link))


def stylesheet() -> str:
    return render("style.css.j2")
