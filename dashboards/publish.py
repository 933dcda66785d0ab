"""Publishing the site: a full rebuild into a new folder, then an atomic swap.

Layout beside the site path (say data/site):

    data/site                      -> symlink to .site.releases/<release>  (what analysts open)
    data/.site.releases/<release>  the current and the previous release, older ones pruned
    data/site.new-<run_id>         a build in progress (removed when the build fails)

The swap is os.replace of a new symlink over the old one, which is atomic on POSIX: a reader sees
either the whole old site or the whole new one, and a crash mid-build leaves the old site as it
was. A plain folder found at the site path (first run, or an older layout) becomes a release.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import plotly.offline

from core.engine import PUBLIC_SCHEMA, Engine
from core.folders import fresh_build_dir, releases_dir, remove, swap_release
from core.privacy import scrub
from core.run_summary import RunSummary, error_beyond_checks
from core.settings import Settings
from dashboards.charts import Chart, Page, table_view
from dashboards.definitions import Definitions, load_definitions
from dashboards.disclosure import Published, disclose
from dashboards.pages import (
    Context,
    drinking,
    engagement,
    index,
    metrics,
    model_link,
    quality,
    retention,
)
from dashboards.quality_queries import load_quality_records
from dashboards.queries import load_site_data
from dashboards.templates import (
    BANNER_END,
    BANNER_START,
    banner_html,
    banner_values,
    page_html,
    stylesheet,
)

log = logging.getLogger(__name__)

PAGE_BUILDERS: tuple[Callable[[Context], Page], ...] = (
    index.build,
    retention.build,
    drinking.build,
    engagement.build,
    quality.build,
    metrics.build,
)
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
TEXT_SUFFIXES = {".html", ".htm", ".json", ".js", ".css", ".txt", ".csv", ".md", ".xml", ".svg"}


# ---------------------------------------------------------------- public entry points


def build_site(
    settings: Settings, run: RunSummary, engine: Engine, schema: str = PUBLIC_SCHEMA
) -> Path:
    """Every page from the marts in `schema` into a new folder beside the site, not yet swapped
    in (the run builds from the validated candidate before it promotes anything); the folder."""
    site = site_path(settings)
    if (site.exists() or site.is_symlink()) and not (site.is_symlink() or site.is_dir()):
        raise FileExistsError(f"{site} exists and is not a folder; not replacing it")
    build = fresh_build_dir(site, run.run_id)
    try:
        render_site(settings, run, build, engine, schema)
        if run.validation is not None and run.validation.docs_dir:
            copy_validation_docs(run.validation.docs_dir, build / "validation")
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return build


def swap_site(settings: Settings, run: RunSummary, build: Path) -> Path:
    """Add this run's dbt docs to a built site and swap it in atomically; the site path."""
    site = site_path(settings)
    try:
        _carry_dbt_docs(settings, run, site, build)
        swap_release(site, build, run.run_id)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    log.info("published the site for run %s to %s", run.run_id, site)
    return site


def discard_site(build: Path) -> None:
    """A built site that will not be published (a later step failed)."""
    shutil.rmtree(build, ignore_errors=True)


def publish_site(settings: Settings, run: RunSummary, engine: Engine) -> Path:
    """Rebuild every page from the public marts and swap it in; returns the site path."""
    return swap_site(settings, run, build_site(settings, run, engine))


def publish_failure(settings: Settings, run: RunSummary) -> Path:
    """Keep the last good pages and data; put a red banner on the index; refresh validation/."""
    site = site_path(settings)
    build = fresh_build_dir(site, run.run_id)
    try:
        previous = site.resolve() if site.exists() else None
        if previous is not None and previous.is_dir():
            shutil.copytree(
                previous, build, copy_function=_link_or_copy, symlinks=True, dirs_exist_ok=True
            )
        _write_assets(build, plotly_js=not (build / "assets" / "plotly.min.js").exists())
        has_docs = run.validation is not None and run.validation.docs_dir is not None
        if has_docs:
            remove(build / "validation")
            copy_validation_docs(run.validation.docs_dir, build / "validation")
        banner = banner_values(
            f"The run {run.run_id} (as of {run.as_of:%Y-%m-%d}) failed; the dashboards were not "
            "updated.",
            failure_items(run),
            validation_link=(build / "validation" / "index.html").exists(),
        )
        index_path = build / "index.html"
        if index_path.exists():
            text = index_path.read_text(encoding="utf-8")
            index_path.unlink()  # it may be a hard link into the previous release
            index_path.write_text(with_banner(text, banner_html(**banner)), encoding="utf-8")
        else:
            page = page_html(
                "index",
                "Program outcomes",
                _generated(run),
                settings.min_cell_size,
                body_template="no_site_body.html.j2",
                banner=banner,
            )
            index_path.write_text(page, encoding="utf-8")
        swap_release(site, build, run.run_id)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    log.info("published the failure banner for run %s to %s", run.run_id, site)
    return site


# ---------------------------------------------------------------- rendering


def render_site(
    settings: Settings, run: RunSummary, out: Path, engine: Engine, schema: str = PUBLIC_SCHEMA
) -> None:
    """Every page, its CSVs and the shared assets into `out` (which must exist and be empty)."""
    definitions = load_definitions(settings)  # first: a missing definition fails before any work
    # The one disclosure step: pages draw only what it publishes (dashboards/disclosure.py).
    pub = disclose(load_site_data(settings, engine, run.as_of, schema), settings.min_cell_size)
    # The quality team's own views of quality.* (rows, files and checks, not people): passed on
    # as they are, as the disclosure step passes the other quality records.
    pub.records |= load_quality_records(settings)
    ctx = Context(settings, run, pub, definitions)
    _write_assets(out, plotly_js=True)
    (out / "data").mkdir(exist_ok=True)
    generated = _generated(run)
    notice = warning_notice(run)
    for builder in PAGE_BUILDERS:
        page = builder(ctx)
        charts = [render_chart(chart, out, definitions, pub) for chart in page.charts]
        html = page_html(
            page.slug,
            page.title,
            generated,
            settings.min_cell_size,
            intro=page.intro,
            charts=charts,
            body_template=page.body_template,
            body=page.body,
            banner=notice,
        )
        (out / f"{page.slug}.html").write_text(html, encoding="utf-8")
    # The quality page's downloads (quality/*.csv: the grid, the quarantine, the re-send lists).
    for name, table in quality.downloads(ctx).items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        write_csv(table, out / name)


def warning_notice(run: RunSummary) -> dict | None:
    """The amber notice every page carries when the night published with warnings: each
    warning's message once (templates/page.html.j2; a critical failure keeps the red banner)."""
    v = run.validation
    if v is None or not v.warnings:
        return None
    return {
        "warnings": list(dict.fromkeys(scrub(w) for w in v.warnings)),
        "as_of": f"{run.as_of:%Y-%m-%d}",
        "run_id": scrub(run.run_id),
        "validation_link": v.docs_dir is not None,
    }


def render_chart(chart: Chart, out: Path, definitions: Definitions, pub: Published) -> dict:
    """A chart's values for the chart macro (templates/macros.html.j2); writes its CSVs, which are
    the disclosure step's tables (a chart whose data did not come from it is refused)."""
    write_csv(_published(pub, chart.slug, chart.shown), out / "data" / f"{chart.slug}.csv")
    # Plotly's own generated div and script: the template inserts it as is (|safe).
    plot = chart.figure.to_html(
        full_html=False, include_plotlyjs=False, div_id=chart.slug, config=PLOTLY_CONFIG
    )
    links = [{"href": f"metrics.html#{chart.metric_anchor}", "text": "Definition"}]
    links += [
        {"href": model_link(m), "text": f"dbt model: {m}" if i == 0 else m}
        for i, m in enumerate(chart.models)
    ]
    links.append({"href": f"data/{chart.slug}.csv", "text": "Download data (CSV)", "download": 1})
    tables = []
    for slug, caption, table in chart.tables:
        write_csv(_published(pub, slug, table), out / "data" / f"{slug}.csv")
        tables.append(table_view(table, caption) | {"href": f"data/{slug}.csv"})
    return {
        "title": chart.title,
        "plot": plot,
        "tables": tables,
        "definition": definitions.render(*chart.definition),
        "note": chart.note,
        "links": [{"download": 0} | link for link in links],
    }


def _published(pub: Published, slug: str, table: pd.DataFrame) -> pd.DataFrame:
    if slug in pub.tables:
        if table is not pub.tables[slug]:
            raise ValueError(f"chart {slug}: its data is not the disclosure step's table")
        return table
    if not table.empty:
        raise ValueError(f"chart {slug}: the disclosure step published no table {slug}")
    return table


def write_csv(table, path: Path) -> None:
    table.to_csv(path, index=False)


def failure_items(run: RunSummary) -> list[str]:
    """What failed, each failure once: the failed checks, then the error unless it only
    repeats them ("critical validation failed: <the checks>")."""
    items = []
    if run.validation is not None and not run.validation.success:
        items += [f"Failed check: {f}" for f in run.validation.critical_failures]
    if error := error_beyond_checks(run):
        # dbt's message can run to pages; the banner names the failure, the log has the rest.
        error = error if len(error) <= 600 else error[:600] + " …"
        items.append(f"Error: {error}")
    elif run.dbt_ok is False:  # the error says "dbt build failed: ..." when there is one
        items.append("The dbt build failed.")
    return [scrub(i) for i in items] or ["The run failed."]


def with_banner(index_html: str, banner: str) -> str:
    """The index with its banner slot replaced (the slot is written by templates/page.html.j2)."""
    start, end = index_html.find(BANNER_START), index_html.find(BANNER_END)
    if start < 0 or end < start:
        return index_html.replace("<main>", f"<main>{banner}", 1)
    return index_html[: start + len(BANNER_START)] + banner + index_html[end:]


def _generated(run: RunSummary) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Built {now} · run {run.run_id} · figures as of {run.as_of:%Y-%m-%d}"


def _write_assets(out: Path, plotly_js: bool) -> None:
    assets = out / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    css = assets / "style.css"
    if css.exists():
        css.unlink()
    css.write_text(stylesheet(), encoding="utf-8")
    if plotly_js:
        # Shipped once for the whole site: every page loads it from here, no CDN.
        (assets / "plotly.min.js").write_text(plotly.offline.get_plotlyjs(), encoding="utf-8")


# ---------------------------------------------------------------- copying


# Great Expectations' own Data Docs (its result pages, index and static assets) load Bootstrap,
# jQuery and fonts from CDNs and break offline: the site carries only the report's own pages
# (expectations/reports.py: the summary with every suite's checks, and the quarantine summary).
GX_DOCS_PARTS = ("validations", "expectations", "static", "data_docs_index.html")


def copy_validation_docs(src: Path, dst: Path) -> None:
    """The validation report into the site (validation/): its own pages, scrubbed."""
    copy_scrubbed(src, dst, skip=GX_DOCS_PARTS)


def copy_scrubbed(src: Path, dst: Path, skip: tuple[str, ...] = ()) -> None:
    """Copy a report folder, masking anything shaped like a participant id in its text files;
    top-level entries named in `skip` are left out.

    Data Docs may list unexpected values; none of them may reach the site.
    """
    src = Path(src)
    if not src.is_dir():
        log.warning("validation docs folder %s does not exist; not copied", src)
        return
    for path in src.rglob("*"):
        if path.relative_to(src).parts[0] in skip:
            continue
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8", errors="replace")
            target.write_text(scrub(text), encoding="utf-8")
        else:
            shutil.copy2(path, target)


def _carry_dbt_docs(settings: Settings, run: RunSummary, site: Path, build: Path) -> None:
    """dbt's docs under dbt-docs/: this run's (run.dbt_docs_dir, else dbt's target folder), else
    the last release's. A `static_index.html` (`dbt docs generate --static`) is preferred: one
    file that also works from file://, where dbt's index.html cannot fetch manifest.json."""
    out = build / "dbt-docs"
    for source in (getattr(run, "dbt_docs_dir", None), settings.dbt_target_dir):
        if source is None or not Path(source).is_dir():
            continue
        source = Path(source)
        if (source / "static_index.html").exists():
            out.mkdir(exist_ok=True)
            (out / "index.html").write_text(
                scrub((source / "static_index.html").read_text(encoding="utf-8")), encoding="utf-8"
            )
            return
        if (source / "index.html").exists():
            for name in ("index.html", "manifest.json", "catalog.json"):
                if (source / name).exists():
                    out.mkdir(exist_ok=True)
                    text = (source / name).read_text(encoding="utf-8", errors="replace")
                    (out / name).write_text(scrub(text), encoding="utf-8")
            return
    previous = site / "dbt-docs"
    if previous.is_dir():
        shutil.copytree(previous, out, copy_function=_link_or_copy)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


# ---------------------------------------------------------------- the swap


def site_path(settings: Settings) -> Path:
    """The site path itself (the symlink), not the release it points to."""
    return settings.site_dir


__all__ = [
    "build_site",
    "discard_site",
    "publish_failure",
    "publish_site",
    "releases_dir",
    "render_site",
    "swap_site",
]
