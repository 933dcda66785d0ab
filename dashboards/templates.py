"""The HTML around the charts: one small stylesheet, a nav bar, the failure banner slot."""

from __future__ import annotations

import html

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

CSS = """
:root { --ink:#1d2733; --muted:#5b6773; --line:#dde3ea; --accent:#1f5f8b; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
  sans-serif; color: var(--ink); background: var(--bg); line-height: 1.45; }
header { background: #17324d; color: #fff; padding: 0 24px; display:flex; align-items:center;
  gap: 28px; flex-wrap: wrap; }
header .brand { font-weight: 600; font-size: 17px; padding: 14px 0; }
nav a { color: #cfe0ef; text-decoration: none; padding: 16px 10px; display:inline-block;
  font-size: 14px; }
nav a.active, nav a:hover { color:#fff; box-shadow: inset 0 -3px 0 #f2b134; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 24px; margin: 8px 0 4px; }
.intro { color: var(--muted); margin: 0 0 18px; }
.card { background:#fff; border:1px solid var(--line); border-radius: 8px; padding: 14px 18px;
  margin: 0 0 20px; }
.chart-foot { display:flex; justify-content: space-between; gap: 20px; font-size: 14px;
  color: var(--muted); border-top: 1px solid var(--line); padding-top: 8px; }
.chart-foot a { color: var(--accent); white-space: nowrap; }
.headlines { display:grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
  gap: 14px; margin-bottom: 20px; }
.figure { background:#fff; border:1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.figure .value { font-size: 30px; font-weight: 650; color: var(--accent); }
.figure .label { font-weight: 600; }
.figure .note { color: var(--muted); font-size: 13px; }
.banner { background:#b3261e; color:#fff; border-radius: 8px; padding: 14px 18px;
  margin: 0 0 20px; }
.banner a { color:#fff; font-weight: 600; }
.banner ul { margin: 6px 0 0; }
.ok { color:#1e7b3a; font-weight:600; } .bad { color:#b3261e; font-weight:600; }
table.data { border-collapse: collapse; font-size: 13px; margin: 10px 0; }
table.data caption { text-align:left; font-weight:600; padding: 4px 0; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 4px 10px;
  text-align: right; }
table.data th:first-child, table.data td:first-child { text-align: left; }
ul.links li { margin: 4px 0; }
dl.metrics dt { font-weight: 600; margin-top: 14px; }
dl.metrics dd { margin: 4px 0 0 0; color: var(--ink); }
footer { color: var(--muted); font-size: 12px; text-align:center; padding: 16px; }
"""


def esc(text: object) -> str:
    return html.escape(str(text))


def layout(slug: str, title: str, body: str, generated: str, banner: str = "") -> str:
    """A whole page; the plotly bundle is loaded once from assets/ (shared, works offline)."""
    nav = "".join(
        f'<a href="{s}.html"{" class=active" if s == slug else ""}>{esc(label)}</a>'
        for s, label in NAV
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · AUD program outcomes</title>
<link rel="stylesheet" href="assets/style.css">
<script src="assets/plotly.min.js"></script>
</head>
<body>
<header><div class="brand">AUD program outcomes</div><nav>{nav}</nav></header>
<main>
{BANNER_START}{banner}{BANNER_END}
<h1>{esc(title)}</h1>
{body}
</main>
<footer>{esc(generated)} · Counts from 1 to 10 show as &lt;11; rates and means over fewer than
11 participants are not shown.</footer>
</body>
</html>
"""


def failure_banner(title: str, items: list[str], validation_link: bool) -> str:
    lis = "".join(f"<li>{esc(i)}</li>" for i in items)
    link = (
        ' <a href="validation/index.html">Open the validation report</a>.'
        if validation_link
        else ""
    )
    return (
        f'<div class="banner" role="alert"><strong>{esc(title)}</strong> The dashboards below '
        f"still show the last good run.{link}<ul>{lis}</ul></div>"
    )
