"""Engagement: appointments by month and type, check-in coverage, medication use and craving."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboards.charts import Chart, Page, add_dropdown, empty, numeric, style
from dashboards.disclosure import ALL_TYPES, group_order
from dashboards.pages import Context, hidden_note

APPOINTMENT_MODELS = ("site_appointments_monthly", "appointment_attendance_monthly")
STATUS = {
    "n_attended": "Attended",
    "n_noshow": "No-show",
    "n_cancelled": "Cancelled",
    "n_unresolved": "Unresolved (still booked)",
}


def attendance_chart(ctx: Context) -> Chart:
    slug, title = "attendance-rate", "Attendance rate by month and appointment type"
    x_title, y_title = "Month of the appointment", "Attended / (attended + no-show)"
    definition = ("attendance_rate",)
    table = ctx.pub.table(slug)
    if table.empty:
        fig = empty(title, x_title, y_title, "No appointments yet")
        return Chart(slug, title, fig, table, definition, "appointments", APPOINTMENT_MODELS)
    note = (
        f"A rate is shown when the month has {ctx.min_cell} or more attended and {ctx.min_cell} or "
        "more missed appointments (or none), so neither can be worked out. "
        + hidden_note(ctx, table, "Months")
    ).strip()
    fig = go.Figure()
    for t in [ALL_TYPES, *sorted(x for x in table["appointment_type"].unique() if x != ALL_TYPES)]:
        g = table[table["appointment_type"] == t]
        fig.add_trace(
            go.Scatter(
                x=g["month"],
                y=numeric(g["attendance_rate"]),
                name=t,
                mode="lines+markers",
                line={"width": 3 if t == ALL_TYPES else 1.5},
                hovertemplate=f"{t}<br>%{{x}}: %{{y:.1%}}<extra></extra>",
            )
        )
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=".0%")
    style(fig, title, x_title, y_title)
    return Chart(slug, title, fig, table, definition, "appointments", APPOINTMENT_MODELS, note=note)


def outcomes_chart(ctx: Context) -> Chart:
    slug, title = "appointment-outcomes", "Appointments by outcome and month"
    x_title, y_title = "Month of the appointment", "Appointments"
    definition = ("site_appointments_all_types",)
    table = ctx.pub.table(slug)
    if table.empty:
        fig = empty(title, x_title, y_title, "No appointments yet")
        return Chart(slug, title, fig, table, definition, "appointments", APPOINTMENT_MODELS)
    note = hidden_note(ctx, table, "Counts")
    types = [ALL_TYPES, *sorted(x for x in table["appointment_type"].unique() if x != ALL_TYPES)]
    fig = go.Figure()
    sets = []
    for t in types:
        g = table[table["appointment_type"] == t]
        ids = []
        for col, label in STATUS.items():
            ids.append(len(fig.data))
            fig.add_trace(
                go.Bar(
                    x=g["month"],
                    y=numeric(g[col]),
                    name=label,
                    customdata=g[[col]].astype(str),
                    hovertemplate=f"{t}<br>%{{x}}<br>{label}: %{{customdata[0]}}<extra></extra>",
                )
            )
        sets.append(ids)
    add_dropdown(fig, [f"Type: {t}" for t in types], sets)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    style(fig, title, x_title, y_title)
    return Chart(slug, title, fig, table, definition, "appointments", APPOINTMENT_MODELS, note=note)


def coverage_chart(ctx: Context) -> Chart:
    slug, title = "checkin-coverage", "Check-in coverage by month"
    x_title, y_title = "Calendar month", "Days answered / participant-days"
    definition = ("coverage", "site_participants_started_not_discharged")
    models = ("site_checkin_coverage", "checkin_coverage_monthly")
    shown = ctx.pub.table(slug)
    if shown.empty:
        fig = empty(title, x_title, y_title, "No check-ins yet")
        return Chart(slug, title, fig, shown, definition, "coverage", models)
    fig = go.Figure(
        go.Scatter(
            x=shown["month"],
            y=numeric(shown["coverage"]),
            mode="lines+markers",
            name="Coverage",
            customdata=shown[["n_participants_started_not_discharged"]].astype(str),
            hovertemplate=(
                "%{x}: %{y:.1%}<br>Participants started and not discharged %{customdata[0]}"
                "<extra></extra>"
            ),
        )
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    style(fig, title, x_title, y_title)
    note = hidden_note(ctx, shown, "Months")
    return Chart(slug, title, fig, shown, definition, "coverage", models, note=note)


def medication_craving_chart(ctx: Context, kind: str) -> Chart:
    if kind == "medication":
        slug, title = "medication-use", "Self-reported medication use by treatment month"
        y_title = "Share of answered days (mean)"
        value = "mean_medication_rate"
        definition = ("medication_rate",)
        anchor = "medication"
    else:
        slug, title = "craving", "Craving by treatment month"
        y_title = "Craving score, 0 to 10 (mean)"
        value = "mean_craving_score"
        definition = ("mean_craving_score",)
        anchor = "craving"
    x_title = "Treatment month (0 = baseline)"
    models = ("site_drinking_monthly", "program_outcomes_monthly")
    shown = ctx.pub.table(slug)
    if shown.empty:
        fig = empty(title, x_title, y_title, "No data yet")
        return Chart(slug, title, fig, shown, definition, anchor, models)
    groups = group_order(list(shown["group"]))
    fig = go.Figure()
    for grp in groups:
        g = shown[shown["group"] == grp]
        fig.add_trace(
            go.Scatter(
                x=g["treatment_month"],
                y=numeric(g[value]),
                name=grp,
                mode="lines+markers",
                customdata=g[["n_participants"]].astype(str),
                hovertemplate=(
                    f"{grp}<br>Month %{{x}}: %{{y:.2f}}<br>Participants %{{customdata[0]}}"
                    "<extra></extra>"
                ),
            )
        )
    add_dropdown(fig, groups, [[i] for i in range(len(groups))])
    fig.update_xaxes(dtick=1)
    if kind == "medication":
        fig.update_yaxes(tickformat=".0%", range=[0, 1])
    else:
        fig.update_yaxes(range=[0, 10])
    style(fig, title, x_title, y_title)
    note = hidden_note(ctx, shown, "Months")
    return Chart(slug, title, fig, shown, definition, anchor, models, note=note)


def build(ctx: Context) -> Page:
    page = Page(
        "engagement",
        "Engagement and appointments",
        "Appointments kept and missed, how often participants check in, and what they report "
        "about medication and craving.",
    )
    page.charts += [
        attendance_chart(ctx),
        outcomes_chart(ctx),
        coverage_chart(ctx),
        medication_craving_chart(ctx, "medication"),
        medication_craving_chart(ctx, "craving"),
    ]
    return page
