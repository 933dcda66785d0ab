"""The delivery summaries (one DuckDB pass per entity) against a row-by-row oracle in Python."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.contract import CHECKINS, ENTITIES, PARTICIPANT_ID_PATTERN
from core.settings import Settings
from expectations.frames import delivery_summary
from expectations.suites import build_suites
from flows.ingest.schema import ensure_schema

EXPORT_DATE = dt.date(2026, 11, 20)
TONIGHT = 7


def _landing() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_schema(con)
    return con


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_every_summary_column_a_suite_checks_is_computed(entity):
    """suites.py and frames.py name the summary columns independently: they must agree."""
    with _landing() as con:
        summary = delivery_summary(con, entity, [TONIGHT])
    suite = build_suites(Settings())[f"new_{entity}_delivery"]
    checked = {e.column for e in suite if getattr(e, "column", None)}
    assert checked <= set(summary.columns)
    assert set(ENTITIES[entity].column_names) <= set(summary.columns)
    assert len(summary) == 1 and summary.loc[0, "rows"] == 0  # no rows tonight: nothing fails
    counts = [c for c in checked if c != "standard_drinks_answered_share"]
    assert (summary.loc[0, counts] == 0).all()


def test_a_missing_contract_column_leaves_out_its_checks_only():
    with _landing() as con:
        con.execute("alter table landing.checkins drop column craving_score")
        summary = delivery_summary(con, "checkins", [TONIGHT])
    assert "craving_score" not in summary.columns
    assert "craving_score_out_of_range" not in summary.columns
    assert "standard_drinks_out_of_range" in summary.columns


_IDS = st.one_of(
    st.from_regex(PARTICIPANT_ID_PATTERN, fullmatch=True),
    st.text(alphabet="p_0123456789abcdefABX ", max_size=20),
    st.none(),
)
_CHECKIN = st.fixed_dictionaries(
    {
        "checkin_id": st.one_of(st.none(), st.text(min_size=1, max_size=5)),
        "participant_id": _IDS,
        "report_date": st.one_of(
            st.none(), st.dates(EXPORT_DATE - dt.timedelta(days=5), EXPORT_DATE + dt.timedelta(2))
        ),
        "standard_drinks": st.one_of(st.none(), st.integers(-3, 70)),
        "craving_score": st.one_of(st.none(), st.integers(-2, 14)),
        "delivery": st.sampled_from([TONIGHT, TONIGHT - 1]),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_CHECKIN, max_size=25))
def test_checkin_summary_counts_the_offending_rows(rows):
    """Each count equals the number of tonight's rows breaking its rule, whatever the values."""
    with _landing() as con:
        for n, row in enumerate(rows, start=1):
            con.execute(
                "insert into landing.checkins (checkin_id, participant_id, report_date, "
                "submitted_at, standard_drinks, craving_score, took_medication, "
                "_delivery_id, _source_file, _export_date, _row_number, _loaded_at) "
                "values (?, ?, ?, now(), ?, ?, null, ?, 'app/c.csv', ?, ?, now())",
                [
                    row["checkin_id"],
                    row["participant_id"],
                    row["report_date"],
                    row["standard_drinks"],
                    row["craving_score"],
                    row["delivery"],
                    EXPORT_DATE,
                    n,
                ],
            )
        got = delivery_summary(con, "checkins", [TONIGHT]).loc[0].to_dict()

    tonight = [r for r in rows if r["delivery"] == TONIGHT]
    pattern = re.compile(PARTICIPANT_ID_PATTERN)

    def count(rule) -> int:
        return sum(1 for r in tonight if rule(r))

    drinks = CHECKINS.column("standard_drinks")
    want = {
        "rows": len(tonight),
        "checkin_id_missing": count(lambda r: r["checkin_id"] is None),
        "participant_id_missing": count(lambda r: r["participant_id"] is None),
        "participant_id_not_matching": count(
            lambda r: r["participant_id"] is not None and not pattern.search(r["participant_id"])
        ),
        "report_date_missing": count(lambda r: r["report_date"] is None),
        "report_days_after_export": count(
            lambda r: r["report_date"] is not None and r["report_date"] > EXPORT_DATE
        ),
        "standard_drinks_out_of_range": count(
            lambda r: (
                r["standard_drinks"] is not None
                and not drinks.min_value <= r["standard_drinks"] <= drinks.max_value
            )
        ),
        "craving_score_out_of_range": count(
            lambda r: r["craving_score"] is not None and not 0 <= r["craving_score"] <= 10
        ),
    }
    assert {k: got[k] for k in want} == want
    answered = count(lambda r: r["standard_drinks"] is not None)
    share = answered / len(tonight) if tonight else 1.0
    assert got["standard_drinks_answered_share"] == pytest.approx(share)
