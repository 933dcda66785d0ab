"""Engagement: appointments by month and type, check-in coverage, medication use and craving."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import Chart, Page, add_dropdown, empty, numeric, style
from dashboards.pages import Context, group_labels
from dashboards.pages.drinking import group_order, partitions, rate_col
from dashboards.suppress import suppress_frame

ALL_TYPES = "all types"
APPOINTMENT_MODELS = ("site_appointments_monthly", "appointment_attendance_monthly")
STATUS = {
    "n_attended": "Attended",
    "n_noshow": "No-show",
    "n_cancelled": "Cancelled",
    "n_unresolved": "Unresolved (still booked)",
}


def appointments_shown(ctx: Context) -> pd.DataFrame:
    df = ctx.data.get("appointments")
    if df.empty:
        return df
    base = pd.DataFrame(
        {
            "month": df["month"],
            "appointment_type": df["appointment_type"].replace({"all": ALL_TYPES}),
            "n_scheduled": df["scheduled"],
            **{f"n_{c}": df[c] for c in ("attended", "noshow", "cancelled", "unresolved")},
            "n_other": df["other_status"],
        }
    )
    types = sorted(t for t in base["appointment_type"].unique() if t != ALL_TYPES)
    shown = suppress_frame(
        base,
        ["n_scheduled", *STATUS, "n_other"],
        ctx.min_cell,
        row_lines=[("n_scheduled", (*STATUS, "n_other"))],
        partitions=[("appointment_type", ALL_TYPES, types)],
        within=["month"],
        hidden_cols=["n_other"],
    )
    shown["attendance_rate"] = rate_col(
        df["attendance_rate"], df["attended_or_noshow"], ctx.min_cell, 4
    )
    return shown


def attendance_chart(ctx: Context, shown: pd.DataFrame) -> Chart:
    slug, title = "attendance-rate", "Attendance rate by month and appointment type"
    x_title, y_title = "Month of the appointment", "Attended / (attended + no-show)"
    definition = ("attendance_rate",)
    note = f"A month with fewer than {ctx.min_cell} attended or missed appointments is not shown."
    if shown.empty:
        fig = empty(title, x_title, y_title, "No appointments yet")
        return Chart(slug, title, fig, shown, definition, "appointments", APPOINTMENT_MODELS)
    table = shown[["month", "appointment_type", "attendance_rate"]]
    fig = go.Figure()
    for t in [ALL_TYPES, *sorted(x for x in table["appointment_type"].unique() if x != ALL_TYPES)]:
        g = table[table["appointment_type"] == t]
        fig.add_trace(
            go.Scatter(
                x=g["month"],
                y=g["attendance_rate"],
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


def outcomes_chart(ctx: Context, shown: pd.DataFrame) -> Chart:
    slug, title = "appointment-outcomes", "Appointments by outcome and month"
    x_title, y_title = "Month of the appointment", "Appointments"
    definition = ("site_appointments_all_types",)
    note = (
        f"Counts from 1 to {ctx.min_cell - 1} show as <{ctx.min_cell} and are not drawn; a second "
        "cell may be hidden so they cannot be worked out."
    )
    if shown.empty:
        fig = empty(title, x_title, y_title, "No appointments yet")
        return Chart(slug, title, fig, shown, definition, "appointments", APPOINTMENT_MODELS)
    table = shown[["month", "appointment_type", "n_scheduled", *STATUS]]
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
    df = ctx.data.get("coverage")
    if df.empty:
        fig = empty(title, x_title, y_title, "No check-ins yet")
        return Chart(slug, title, fig, df, definition, "coverage", models)
    n = df["participants_started_not_discharged"]
    shown = suppress_frame(
        pd.DataFrame({"month": df["calendar_month"], "n_participants_started_not_discharged": n}),
        ["n_participants_started_not_discharged"],
        ctx.min_cell,
    )
    shown["coverage"] = rate_col(df["coverage"], n, ctx.min_cell, 4)
    fig = go.Figure(
        go.Scatter(
            x=shown["month"],
            y=shown["coverage"],
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
    return Chart(slug, title, fig, shown, definition, "coverage", models)


def medication_craving_chart(ctx: Context, kind: str) -> Chart:
    if kind == "medication":
        slug, title = "medication-use", "Self-reported medication use by treatment month"
        y_title = "Share of answered days (mean)"
        value, n_col = "mean_medication_rate", "participants_medication_reported"
        definition = ("medication_rate",)
        anchor = "medication"
    else:
        slug, title = "craving", "Craving by treatment month"
        y_title = "Craving score, 0 to 10 (mean)"
        value, n_col = "mean_craving_score", "participants_craving_reported"
        definition = ("mean_craving_score",)
        anchor = "craving"
    x_title = "Treatment month (0 = baseline)"
    models = ("site_drinking_monthly", "program_outcomes_monthly")
    df = ctx.data.get("drinking_monthly")
    if df.empty:
        fig = empty(title, x_title, y_title, "No data yet")
        return Chart(slug, title, fig, df, definition, anchor, models)
    base = pd.DataFrame(
        {
            "group": group_labels(df),
            "treatment_month": df["treatment_month"],
            "n_participants": df[n_col],
        }
    )
    # As on the drinking page: the All row is the sum of the care tracks and of the sexes.
    shown = suppress_frame(
        base,
        ["n_participants"],
        ctx.min_cell,
        partitions=partitions(list(base["group"])),
        within=["treatment_month"],
    )
    shown[value] = rate_col(df[value], df[n_col], ctx.min_cell, 3)
    groups = group_order(list(shown["group"]))
    fig = go.Figure()
    for grp in groups:
        g = shown[shown["group"] == grp]
        fig.add_trace(
            go.Scatter(
                x=g["treatment_month"],
                y=g[value],
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
    return Chart(slug, title, fig, shown, definition, anchor, models)


def build(ctx: Context) -> Page:
    page = Page(
        "engagement",
        "Engagement and appointments",
        "Appointments kept and missed, how often participants check in, and what they report "
        "about medication and craving.",
    )
    shown = appointments_shown(ctx)
    page.charts += [
        attendance_chart(ctx, shown),
        outcomes_chart(ctx, shown),
        coverage_chart(ctx),
        medication_craving_chart(ctx, "medication"),
        medication_craving_chart(ctx, "craving"),
    ]
    return page
