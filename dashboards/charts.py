"""Plotly building blocks shared by the pages: one look, dropdown filters, the shown-data tables.

Every chart is drawn from its "shown" table, a table of the disclosure step (Published), the same
table written to data/<slug>.csv, so the download holds exactly the numbers on screen. Count
columns are named `n_*`; a hidden value is the marker "<11", drawn as a gap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

PALETTE = ["#1f5f8b", "#e07b39", "#3a9d5d", "#b8405e", "#7a5aa6", "#8c7b4f", "#3fa7b5", "#777777"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


@dataclass
class Chart:
    slug: str  # div id and data/<slug>.csv
    title: str
    figure: go.Figure
    shown: pd.DataFrame  # exactly what the chart shows: Published.tables[slug]
    definition: tuple[str, ...]  # dbt doc blocks (dashboards/definitions.py), shown in order
    metric_anchor: str  # metrics.html#<anchor>
    models: tuple[str, ...] = ()  # dbt models the numbers come from (site mart first)
    # Tables shown under the chart, each with its own download: (slug, caption, shown table).
    tables: list[tuple[str, str, pd.DataFrame]] = field(default_factory=list)
    note: str = ""  # what the small-cell rule hides in this chart (not a definition)


@dataclass
class Page:
    slug: str  # <slug>.html
    title: str
    intro: str
    charts: list[Chart] = field(default_factory=list)
    body_template: str | None = None  # the page's own part after the charts (templates/)
    body: dict = field(default_factory=dict)  # its values, formatted as text


def numeric(series: pd.Series) -> pd.Series:
    """A shown column as numbers for plotting: hidden values ("<11") become gaps."""
    return pd.to_numeric(series, errors="coerce")


def style(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 17}},
        xaxis_title=x_title,
        yaxis_title=y_title,
        font={"family": FONT, "size": 13, "color": "#222"},
        colorway=PALETTE,
        # Set by hand rather than template="plotly_white": the template costs ~0.15 s a figure.
        template="none",
        plot_bgcolor="white",
        paper_bgcolor="white",
        height=height,
        margin={"l": 80, "r": 30, "t": 100, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0},
        hoverlabel={"font": {"family": FONT}},
    )
    grid = {
        "gridcolor": "#e6eaee",
        "zerolinecolor": "#c9d1d9",
        "linecolor": "#c9d1d9",
        "automargin": True,
        "title_standoff": 12,
    }
    fig.update_xaxes(**grid)
    fig.update_yaxes(**grid)
    return fig


def empty(title: str, x_title: str, y_title: str, message: str) -> go.Figure:
    """A chart that says why it is empty (no data yet, or every cell suppressed)."""
    fig = go.Figure()
    fig.add_annotation(
        text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 15}
    )
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    return style(fig, title, x_title, y_title)


def add_dropdown(fig: go.Figure, labels: Sequence[str], trace_groups: Sequence[Sequence[int]]):
    """A dropdown that shows one group of traces at a time (filters with no server)."""
    n = len(fig.data)
    buttons = []
    for label, indices in zip(labels, trace_groups, strict=True):
        visible = [i in set(indices) for i in range(n)]
        buttons.append({"label": label, "method": "update", "args": [{"visible": visible}]})
    for i, trace in enumerate(fig.data):
        trace.visible = i in set(trace_groups[0])
    fig.update_layout(
        updatemenus=[
            {
                "buttons": buttons,
                "direction": "down",
                "x": 1.0,
                "xanchor": "right",
                "y": 1.16,
                "yanchor": "top",
                "showactive": True,
                "bgcolor": "#f4f6f8",
            }
        ]
    )
    return fig


def pretty(label: str) -> str:
    """A group label for an axis: "Care track: medication_only" -> "Medication only"."""
    text = label.split(": ", 1)[-1].replace("_and_", " + ").replace("_", " ")
    return text[:1].upper() + text[1:]


def mark_hidden(fig: go.Figure, categories: Sequence[str], values: pd.DataFrame, label: str):
    """Write `label` (e.g. "n<11") at the foot of each bar group whose values are all hidden."""
    for x, (_, row) in zip(categories, values.iterrows(), strict=True):
        if row.isna().all():
            fig.add_annotation(
                x=x, y=0, text=label, showarrow=False, yanchor="bottom", font={"color": "#5b6773"}
            )
    return fig


def table_view(df: pd.DataFrame, caption: str = "", headers: dict[str, str] | None = None) -> dict:
    """A shown table for the data_table macro: header labels and every cell as text."""
    headers = headers or {}
    return {
        "caption": caption,
        "headers": [headers.get(c, _header(c)) for c in df.columns],
        "rows": [[_fmt(v) for v in row] for row in df.itertuples(index=False)],
    }


def _header(column: str) -> str:
    """A CSV column name as a table header: n_at_risk_day_30 -> "Day 30", n_rows -> "rows"."""
    match = re.fullmatch(r"n_at_risk_day_(\d+)", column)
    if match:
        return f"Day {match.group(1)}"
    return re.sub(r"^n_", "", column).replace("_", " ")


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1 else f"{value:,.1f}"
    return str(value)
